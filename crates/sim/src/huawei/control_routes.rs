//! `/_sim/...`: the Huawei simulator's control surface over HTTP, for the demo and for driving
//! a running simulator by hand (`curl -X PUT .../_sim/agents/101 -d '{"state":7,"working":true}'`;
//! `curl -X PUT .../_sim/listing/refusal -d '{"kind":"not_found"}'` refuses the team listing;
//! `curl -X PUT .../_sim/queues/2 -d '{"name":"vip","waiting":4,"longest_wait_secs":200,"available":0,"logged_on":2}'`
//! sets a skill queue; `curl -X PUT .../_sim/queues/refusal -d '{"retcode":"000-003"}'` refuses
//! the queue calls).

use super::{Agent, HuaweiSim, HuaweiSimStats, ListingRefusal, SimQueue};
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
        .route(
            "/_sim/queues/refusal",
            put(refuse_queues).delete(grant_queues),
        )
        .route(
            "/_sim/queues/{id}",
            put(put_queue).delete(delete_queue).get(get_queue),
        )
}

async fn put_queue(
    State(sim): State<HuaweiSim>,
    Path(id): Path<u32>,
    Json(queue): Json<SimQueue>,
) -> StatusCode {
    sim.set_queue(id, queue);
    StatusCode::NO_CONTENT
}

async fn delete_queue(State(sim): State<HuaweiSim>, Path(id): Path<u32>) -> StatusCode {
    if sim.remove_queue(id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn get_queue(
    State(sim): State<HuaweiSim>,
    Path(id): Path<u32>,
) -> Result<Json<SimQueue>, StatusCode> {
    sim.queue(id).map(Json).ok_or(StatusCode::NOT_FOUND)
}

#[derive(serde::Deserialize)]
struct Refusal {
    retcode: String,
}

/// `{"retcode":"000-003"}`: both queue calls refused with it.
async fn refuse_queues(State(sim): State<HuaweiSim>, Json(refusal): Json<Refusal>) -> StatusCode {
    sim.refuse_queues(Some(refusal.retcode));
    StatusCode::NO_CONTENT
}

async fn grant_queues(State(sim): State<HuaweiSim>) -> StatusCode {
    sim.refuse_queues(None);
    StatusCode::NO_CONTENT
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
