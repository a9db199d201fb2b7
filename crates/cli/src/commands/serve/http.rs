//! The HTTP side of `serve`: `/` (an index), `/metrics` (the Prometheus text format, or
//! OpenMetrics when asked for), `/healthz` (the process answers) and
//! `/readyz` (every enabled account has been polled once), behind the bearer token when one is
//! required.

use super::access::Access;
use super::formats;
use super::metrics::Metrics;
use agentwatch_core::status::{AccountHealth, Status};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tokio::sync::watch;

/// The host's status: whichever engine runs (a reload starts a new one).
#[derive(Clone)]
pub struct StatusFeed(watch::Receiver<Arc<Status>>);

impl StatusFeed {
    pub fn new(status: watch::Receiver<Arc<Status>>) -> Self {
        StatusFeed(status)
    }

    pub fn current(&self) -> Arc<Status> {
        self.0.borrow().clone()
    }
}

pub struct Shared {
    pub metrics: Arc<Metrics>,
    pub status: StatusFeed,
    pub access: Access,
}

/// What `/` answers: where the rest is.
const INDEX: &str = "AgentWatch: the state of watched agents and accounts.\n\n\
/metrics  for Prometheus (the text format 0.0.4, or OpenMetrics when asked for in Accept)\n\
/healthz  200 while the process answers\n\
/readyz   200 once every enabled account has been polled\n";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { INDEX }))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ))
        .with_state(shared)
}

async fn require_token(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    if shared.access.allows(authorization) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "a bearer token is required\n",
    )
        .into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let status = shared.status.current();
    let metrics = shared.metrics.clone();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let openmetrics = formats::wants_openmetrics(accept);
    // Thousands of agents take milliseconds to encode: off the threads that answer requests.
    let render = move || match openmetrics {
        true => (formats::OPENMETRICS, metrics.render(status)),
        false => (
            formats::PROMETHEUS_TEXT,
            formats::prometheus_text(&metrics.render(status)),
        ),
    };
    match tokio::task::spawn_blocking(render).await {
        Ok((content_type, text)) => ([(header::CONTENT_TYPE, content_type)], text).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the exposition could not be built: {e}\n"),
        )
            .into_response(),
    }
}

async fn ready(State(shared): State<Arc<Shared>>) -> Response {
    let status = shared.status.current();
    let waiting: Vec<&str> = status
        .accounts
        .iter()
        .filter(|a| a.health == AccountHealth::Pending)
        .map(|a| a.id.as_str())
        .collect();
    if waiting.is_empty() {
        (StatusCode::OK, "ready\n".to_string()).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not polled yet: {}\n", waiting.join(", ")),
        )
            .into_response()
    }
}
