//! The part of the control API every simulator shares: fault injection.
//!
//! `PUT /_sim/fault` with a [`FaultRule`] as JSON, `DELETE /_sim/fault` to clear it,
//! `GET /_sim/fault` to read it. Vendor modules add their own `/_sim/agents/...` routes.

use crate::faults::{apply_faults, FaultRule, FaultSwitch};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};

/// Adds the fault routes and the fault middleware to a vendor router.
pub fn with_faults(vendor_routes: Router, switch: FaultSwitch) -> Router {
    let control = Router::new()
        .route(
            "/_sim/fault",
            put(set_fault).delete(clear_fault).get(get_fault),
        )
        .with_state(switch.clone());
    vendor_routes
        .merge(control)
        .layer(axum::middleware::from_fn_with_state(switch, apply_faults))
}

async fn set_fault(State(switch): State<FaultSwitch>, Json(rule): Json<FaultRule>) -> StatusCode {
    switch.set(rule);
    StatusCode::NO_CONTENT
}

async fn clear_fault(State(switch): State<FaultSwitch>) -> StatusCode {
    switch.clear();
    StatusCode::NO_CONTENT
}

async fn get_fault(State(switch): State<FaultSwitch>) -> Json<Option<FaultRule>> {
    Json(switch.current())
}
