//! The Agora REST v2 routes: `GET .../projects/{appid}/agents`, `.../agents/{agentId}` and
//! `.../agents/{agentId}/turns` (in `turns`),
//! with Basic authentication checked for real and errors in the documented shapes.

use super::agents::{self, ListFilter, SimAgent};
use super::auth::refusal;
use super::AgoraSim;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;

pub const PROJECTS_PREFIX: &str = "/api/conversational-ai-agent/v2/projects";
/// The documented defaults of the list call.
pub const DEFAULT_LIMIT: usize = 20;
pub const DEFAULT_LOOK_BACK_SECS: i64 = 2 * 3600;
pub const DEFAULT_STATE: u8 = 2;

pub fn routes(sim: AgoraSim) -> Router {
    Router::new()
        .route(
            &format!("{PROJECTS_PREFIX}/{{appid}}/agents"),
            get(list_agents),
        )
        .route(
            &format!("{PROJECTS_PREFIX}/{{appid}}/agents/{{agent_id}}"),
            get(query_agent),
        )
        .route(
            &format!("{PROJECTS_PREFIX}/{{appid}}/agents/{{agent_id}}/turns"),
            get(super::turns::list_turns),
        )
        .with_state(sim)
}

async fn list_agents(
    State(sim): State<AgoraSim>,
    Path(appid): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    sim.record(&format!("{PROJECTS_PREFIX}/{appid}/agents"), &params);
    if let Some(refusal) = refusal(&sim, &appid, &headers) {
        return refusal;
    }
    let settings = sim.settings();
    let (filter, limit) = match read_list_params(&params) {
        Ok(parsed) => parsed,
        Err(detail) => return sim.error(StatusCode::BAD_REQUEST, &detail, "InvalidRequest"),
    };
    let limit = settings
        .page_size_cap
        .map_or(limit, |cap| limit.min(cap.max(1)));
    let cursor = params
        .get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    let page =
        sim.with_agents(|all| agents::page(all, &filter, cursor, limit, settings.cursor_repeats));
    let list: Vec<_> = page
        .agents
        .iter()
        .map(|a| json!({"start_ts": a.start_ts, "status": a.status, "agent_id": a.agent_id}))
        .collect();
    Json(json!({
        "data": {"count": list.len(), "list": list},
        "meta": {"cursor": page.cursor, "total": page.total},
        "status": sim.reply_status(),
    }))
    .into_response()
}

async fn query_agent(
    State(sim): State<AgoraSim>,
    Path((appid, agent_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    sim.record(
        &format!("{PROJECTS_PREFIX}/{appid}/agents/{agent_id}"),
        &HashMap::new(),
    );
    if let Some(refusal) = refusal(&sim, &appid, &headers) {
        return refusal;
    }
    let exited_answer_404 = sim.settings().exited_answer_404;
    let found: Option<SimAgent> = sim.with_agents(|all| all.get(&agent_id).cloned());
    match found {
        Some(agent) if !(exited_answer_404 && agent.has_exited()) => Json(json!({
            "message": "",
            "start_ts": agent.start_ts,
            "stop_ts": agent.stop_ts,
            "name": agent.name,
            "status": agent.status,
            "agent_id": agent.agent_id,
        }))
        .into_response(),
        _ => sim.error(
            StatusCode::NOT_FOUND,
            &format!("agent {agent_id} not found"),
            "TaskNotFound",
        ),
    }
}

/// The filter and the requested page size, with the documented defaults; a 400's detail when
/// a value cannot be read.
fn read_list_params(params: &HashMap<String, String>) -> Result<(ListFilter, usize), String> {
    let now = agents::unix_now();
    let number = |key: &str| -> Result<Option<i64>, String> {
        match params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{key} must be a number, got {v:?}")),
        }
    };
    let states = match params
        .get("state")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => vec![DEFAULT_STATE],
        Some(list) => list
            .split(',')
            .map(|s| match s.trim().parse::<u8>() {
                Ok(n) if usize::from(n) < agents::STATES.len() => Ok(n),
                _ => Err(format!("state must be 0 to 6 (comma-separated), got {s:?}")),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let limit = match number("limit")? {
        None => DEFAULT_LIMIT,
        Some(n) if n >= 1 => n as usize,
        Some(n) => return Err(format!("limit must be at least 1, got {n}")),
    };
    let filter = ListFilter {
        states,
        channel: params.get("channel").filter(|c| !c.is_empty()).cloned(),
        from_time: number("from_time")?.unwrap_or(now - DEFAULT_LOOK_BACK_SECS),
        to_time: number("to_time")?.unwrap_or(now),
    };
    Ok((filter, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_take_one_state_or_a_comma_list() {
        let params = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        };
        let (f, limit) = read_list_params(&params(&[])).unwrap();
        assert_eq!((f.states, limit), (vec![2], 20));
        assert!(f.from_time <= agents::unix_now() - DEFAULT_LOOK_BACK_SECS + 1);
        let (f, _) = read_list_params(&params(&[("state", "0,5,6"), ("limit", "3")])).unwrap();
        assert_eq!(f.states, vec![0, 5, 6]);
        assert!(read_list_params(&params(&[("state", "7")])).is_err());
        assert!(read_list_params(&params(&[("state", "RUNNING")])).is_err());
        assert!(read_list_params(&params(&[("limit", "0")])).is_err());
        assert!(read_list_params(&params(&[("from_time", "yesterday")])).is_err());
    }
}
