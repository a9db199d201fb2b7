//! `/_sim/...`: the Huawei simulator's control surface over HTTP, for the demo and for driving
//! a running simulator by hand (`curl -X PUT .../_sim/agents/101 -d '{"state":7,"working":true}'`;
//! `curl -X PUT .../_sim/listing/refusal -d '{"kind":"not_found"}'` refuses the team listing).

use super::{Agent, HuaweiSim, HuaweiSimStats, ListingRefusal};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};

pub fn control_routes() -> Router<HuaweiSim> {
    Router::new()
        .route(
            "/_sim/agents/{id}",
            put(put_agent).delete(delete_agent).get(get_agent),
        )
        .route("/_sim/sessions/expire", post(expire_sessions))
        .route("/_sim/guid/rotate", post(rotate_guid))
        .route("/_sim/stats", get(stats))
        .route(
            "/_sim/listing/refusal",
            put(refuse_listing).delete(grant_listing),
        )
}

async fn put_agent(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    Json(agent): Json<Agent>,
) -> StatusCode {
    sim.set_agent(&id, agent.state, agent.working);
    StatusCode::NO_CONTENT
}

async fn delete_agent(State(sim): State<HuaweiSim>, Path(id): Path<String>) -> StatusCode {
    if sim.remove_agent(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn get_agent(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
) -> Result<Json<Agent>, StatusCode> {
    sim.agent(&id).map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn expire_sessions(State(sim): State<HuaweiSim>) -> StatusCode {
    sim.expire_all_sessions();
    StatusCode::NO_CONTENT
}

async fn rotate_guid(State(sim): State<HuaweiSim>) -> StatusCode {
    sim.rotate_guid_now();
    StatusCode::NO_CONTENT
}

async fn stats(State(sim): State<HuaweiSim>) -> Json<HuaweiSimStats> {
    Json(sim.stats())
}

/// `{"kind":"retcode","retcode":"000-003"}` or `{"kind":"not_found"}`.
async fn refuse_listing(
    State(sim): State<HuaweiSim>,
    Json(refusal): Json<ListingRefusal>,
) -> StatusCode {
    sim.refuse_listing(Some(refusal));
    StatusCode::NO_CONTENT
}

async fn grant_listing(State(sim): State<HuaweiSim>) -> StatusCode {
    sim.refuse_listing(None);
    StatusCode::NO_CONTENT
}
