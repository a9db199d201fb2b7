//! The Segura simulator's HTTP control routes, for the demo and for tests in other processes:
//!
//! - `PUT /_sim/agents/{id}` `{"name":..,"port":..,"fingerprint":..}` (every field optional):
//!   creates the agent (201) or updates it (204)
//! - `DELETE /_sim/agents/{id}`: 204, or 404 when there is no such agent
//! - `GET /_sim/agents`: the agents, fingerprints included
//! - `POST /_sim/tokens/expire`: every issued token stops working
//! - `PUT /_sim/referer` `{"blocked":true}`: the list call answers the 1105 error
//! - `GET /_sim/stats`: `{"tokens_issued":..,"live_tokens":..,"unauthorized_answers":..}`

use super::{SeguraSim, SimAgent};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub(super) fn routes() -> Router<SeguraSim> {
    Router::new()
        .route("/_sim/agents", get(list))
        .route("/_sim/agents/{id}", put(upsert).delete(remove))
        .route("/_sim/tokens/expire", post(expire_tokens))
        .route("/_sim/referer", put(set_referer))
        .route("/_sim/stats", get(stats))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentPatch {
    name: Option<String>,
    port: Option<u16>,
    fingerprint: Option<String>,
}

#[derive(Debug, Serialize)]
struct AgentView {
    id: String,
    name: String,
    port: u16,
    fingerprint: String,
}

impl From<SimAgent> for AgentView {
    fn from(a: SimAgent) -> Self {
        AgentView {
            id: a.id,
            name: a.name,
            port: a.port,
            fingerprint: a.fingerprint,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RefererSwitch {
    blocked: bool,
}

#[derive(Debug, Serialize)]
struct Stats {
    tokens_issued: u64,
    live_tokens: usize,
    unauthorized_answers: u64,
}

async fn list(State(sim): State<SeguraSim>) -> Json<Vec<AgentView>> {
    Json(sim.agents().into_iter().map(AgentView::from).collect())
}

async fn upsert(
    State(sim): State<SeguraSim>,
    Path(id): Path<String>,
    Json(patch): Json<AgentPatch>,
) -> StatusCode {
    let created = sim.agent(&id).is_none();
    if created {
        let name = patch.name.clone().unwrap_or_else(|| format!("Agent {id}"));
        let port = patch.port.unwrap_or_else(|| sim.next_free_port());
        sim.add_agent(&id, &name, port);
    }
    sim.update(&id, |agent| {
        if let Some(name) = patch.name {
            agent.name = name;
        }
        if let Some(port) = patch.port {
            agent.port = port;
        }
        if let Some(fingerprint) = patch.fingerprint {
            agent.fingerprint = fingerprint;
        }
    });
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn remove(State(sim): State<SeguraSim>, Path(id): Path<String>) -> StatusCode {
    if sim.remove_agent(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn expire_tokens(State(sim): State<SeguraSim>) -> StatusCode {
    sim.expire_tokens();
    StatusCode::NO_CONTENT
}

async fn set_referer(
    State(sim): State<SeguraSim>,
    Json(switch): Json<RefererSwitch>,
) -> StatusCode {
    sim.block_referer(switch.blocked);
    StatusCode::NO_CONTENT
}

async fn stats(State(sim): State<SeguraSim>) -> Json<Stats> {
    Json(Stats {
        tokens_issued: sim.tokens_issued(),
        live_tokens: sim.live_tokens(),
        unauthorized_answers: sim.unauthorized_answers(),
    })
}
