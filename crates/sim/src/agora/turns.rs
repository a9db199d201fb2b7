//! `GET .../projects/{appid}/agents/{agentId}/turns?page_index=&page_size=`: the turns of an
//! agent's session, in the documented shape (`pagination{page_index, total_pages,
//! is_last_page}`, `turns[]{turn_id, start, end{type, metadata{reason}}, metrics{e2e_latency_ms,
//! segmented_latency_ms}}`, latencies in ms). An agent without turns set answers 404, as Agora
//! does for a session it no longer keeps (older than 7 days).

use super::auth::refusal;
use super::{AgoraSim, PROJECTS_PREFIX};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// The page size when none is asked for (not documented by Agora).
pub const DEFAULT_TURN_PAGE_SIZE: usize = 20;
/// The largest page served, whatever is asked.
pub const MAX_TURN_PAGE_SIZE: usize = 100;

/// One turn of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimTurn {
    /// `end.type`: ok, interrupted, ignored or error.
    #[serde(default = "ok")]
    pub end: String,
    /// `end.metadata.reason` of a turn ended in error (`LLM_REQUEST_ERR`, `INTERNAL_ERR`).
    #[serde(default)]
    pub reason: Option<String>,
    pub e2e_latency_ms: u64,
}

fn ok() -> String {
    "ok".to_string()
}

impl SimTurn {
    pub fn ok(e2e_latency_ms: u64) -> SimTurn {
        SimTurn {
            end: ok(),
            reason: None,
            e2e_latency_ms,
        }
    }

    pub fn error(reason: &str, e2e_latency_ms: u64) -> SimTurn {
        SimTurn {
            end: "error".to_string(),
            reason: Some(reason.to_string()),
            e2e_latency_ms,
        }
    }
}

pub(super) async fn list_turns(
    State(sim): State<AgoraSim>,
    Path((appid, agent_id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    sim.record(
        &format!("{PROJECTS_PREFIX}/{appid}/agents/{agent_id}/turns"),
        &params,
    );
    if let Some(refusal) = refusal(&sim, &appid, &headers) {
        return refusal;
    }
    let number = |key: &str, default: usize| match params.get(key) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| *n >= 1).ok_or(()),
    };
    let (Ok(page_index), Ok(page_size)) = (
        number("page_index", 1),
        number("page_size", DEFAULT_TURN_PAGE_SIZE),
    ) else {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "page_index and page_size are whole numbers from 1",
            "InvalidRequest",
        );
    };
    let page_size = page_size.min(MAX_TURN_PAGE_SIZE);
    let Some(turns) = sim.turns(&agent_id) else {
        return sim.error(
            StatusCode::NOT_FOUND,
            &format!("no turns of agent {agent_id}"),
            "TaskNotFound",
        );
    };
    let (name, channel) = sim
        .with_agents(|all| {
            all.get(&agent_id)
                .map(|a| (a.name.clone(), a.channel.clone()))
        })
        .unwrap_or_default();
    let total_pages = turns.len().div_ceil(page_size).max(1);
    let start_ms: u64 = 1_735_035_900_000;
    let page: Vec<_> = turns
        .iter()
        .enumerate()
        .skip((page_index - 1) * page_size)
        .take(page_size)
        .map(|(i, t)| {
            let at = start_ms + i as u64 * 5_000;
            json!({
                "agent_id": agent_id,
                "channel": channel,
                "turn_id": i + 1,
                "start": {"start_at": at, "type": "voice_input", "metadata": {}},
                "end": {"end_at": at + t.e2e_latency_ms, "type": t.end,
                        "metadata": {"reason": t.reason, "playback_duration_ms": 1200}},
                "metrics": {"e2e_latency_ms": t.e2e_latency_ms,
                            "segmented_latency_ms": [{"name": "asr_ttlw", "latency": t.e2e_latency_ms / 4},
                                                     {"name": "llm_ttft", "latency": t.e2e_latency_ms / 2}]},
            })
        })
        .collect();
    Json(json!({
        "agent_id": agent_id,
        "name": name,
        "channel": channel,
        "total_turn_count": turns.len(),
        "pagination": {"page_index": page_index, "total_pages": total_pages, "is_last_page": page_index >= total_pages},
        "turns": page,
    }))
    .into_response()
}

impl AgoraSim {
    /// The turns of the agent's (last) session, served by the turns call; `None` answers 404.
    pub fn set_turns(&self, agent_id: &str, turns: Option<Vec<SimTurn>>) {
        let mut all = self.inner.turns.lock().unwrap();
        match turns {
            Some(turns) => all.insert(agent_id.to_string(), turns),
            None => all.remove(agent_id),
        };
    }

    pub fn turns(&self, agent_id: &str) -> Option<Vec<SimTurn>> {
        self.inner.turns.lock().unwrap().get(agent_id).cloned()
    }
}
