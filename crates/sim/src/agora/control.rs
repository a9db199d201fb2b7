//! The simulator's own control routes under `/_sim/` (never faulted):
//! `GET /_sim/agents`, `PUT /_sim/agents/{id}` `{"status","channel","name","start_ts"}` (creates
//! the agent when missing), `DELETE /_sim/agents/{id}`, and
//! `PUT /_sim/credentials` `{"customer_id","customer_secret"}`,
//! `PUT /_sim/agents/{id}/turns` `[{"end":"error","reason":"LLM_REQUEST_ERR","e2e_latency_ms":2400}]`
//! (the turns its session ends with; `DELETE` makes the turns call answer 404).

use super::agents::{unix_now, SimAgent};
use super::AgoraSim;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

/// The channel of an agent created without one.
pub const DEFAULT_CHANNEL: &str = "default";

pub fn routes(sim: AgoraSim) -> Router {
    Router::new()
        .route("/_sim/agents", get(list))
        .route("/_sim/agents/{id}", put(upsert).delete(remove))
        .route(
            "/_sim/agents/{id}/turns",
            put(set_turns).delete(clear_turns),
        )
        .route("/_sim/credentials", put(credentials))
        .with_state(sim)
}

/// Changes to one agent; absent fields stay as they are (or take defaults on creation).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    pub status: Option<String>,
    pub channel: Option<String>,
    pub name: Option<String>,
    pub start_ts: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    customer_id: Option<String>,
    customer_secret: String,
}

async fn list(State(sim): State<AgoraSim>) -> Json<Vec<SimAgent>> {
    Json(sim.agents())
}

async fn upsert(
    State(sim): State<AgoraSim>,
    Path(id): Path<String>,
    Json(patch): Json<AgentPatch>,
) -> Response {
    if id.trim().is_empty() {
        return (StatusCode::BAD_REQUEST, "agent id must not be empty").into_response();
    }
    let agent = sim.with_agents_mut(|all| {
        let agent = all.entry(id.clone()).or_insert_with(|| {
            let mut fresh = SimAgent::new(&id, DEFAULT_CHANNEL, "RUNNING");
            fresh.start_ts = unix_now();
            fresh
        });
        if let Some(status) = &patch.status {
            agent.set_status(status);
        }
        if let Some(channel) = patch.channel {
            agent.channel = channel;
        }
        if let Some(name) = patch.name {
            agent.name = name;
        }
        if let Some(start_ts) = patch.start_ts {
            agent.start_ts = start_ts;
        }
        agent.clone()
    });
    Json(agent).into_response()
}

async fn set_turns(
    State(sim): State<AgoraSim>,
    Path(id): Path<String>,
    Json(turns): Json<Vec<super::SimTurn>>,
) -> StatusCode {
    sim.set_turns(&id, Some(turns));
    StatusCode::NO_CONTENT
}

async fn clear_turns(State(sim): State<AgoraSim>, Path(id): Path<String>) -> StatusCode {
    sim.set_turns(&id, None);
    StatusCode::NO_CONTENT
}

async fn remove(State(sim): State<AgoraSim>, Path(id): Path<String>) -> StatusCode {
    if sim.remove_agent(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn credentials(State(sim): State<AgoraSim>, Json(body): Json<Credentials>) -> StatusCode {
    match body.customer_id {
        Some(id) => sim.set_credentials(&id, &body.customer_secret),
        None => sim.rotate_secret(&body.customer_secret),
    }
    StatusCode::NO_CONTENT
}
