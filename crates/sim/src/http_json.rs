//! A simulated "list my agents as JSON" API, for the `http-json` vendor: one GET route whose
//! answer nests the list (`data.items`) and each agent's state (`presence.state`), with the
//! authentication kinds the vendor supports, paging by cursor or by next URL (relative,
//! absolute, or pointing at another host), numeric ids and raw items on demand.

#[cfg(feature = "control")]
use crate::faults::FaultSwitch;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The list's path.
pub const LIST_PATH: &str = "/api/v1/agents";
pub const DEFAULT_TOKEN: &str = "sim-token";
pub const DEFAULT_USER: &str = "sim-user";

/// What the server asks of each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimAuth {
    None,
    /// `Authorization: Basic` with this user and password.
    Basic {
        user: String,
        password: String,
    },
    /// `Authorization: Bearer` with this token.
    Bearer(String),
    /// This header with this value.
    Header {
        name: String,
        value: String,
    },
}

/// How the list is split into pages, and how the next page is announced at `meta.next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// Every agent in one answer; no `meta.next`.
    None,
    /// `page_size` agents per answer; `meta.next` is an opaque cursor for `?cursor=`.
    Cursor { page_size: usize },
    /// `page_size` agents per answer; `meta.next` is the next page's URL, a path on the same
    /// server or an absolute one.
    NextUrl { page_size: usize, absolute: bool },
    /// The first page's `meta.next` is this URL (another host, for the refusal test).
    NextUrlTo(String),
    /// `meta.next` is always the first page's cursor: the list never ends.
    Endless { page_size: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAgent {
    pub id: String,
    pub name: String,
    pub state: String,
}

struct SimState {
    auth: SimAuth,
    paging: Paging,
    /// Ids sent as JSON numbers (agents whose ids are digits).
    numeric_ids: bool,
    agents: Vec<SimAgent>,
    /// Raw items appended to the last page, as a broken server might send them.
    extra_items: Vec<Value>,
    requests: u64,
    refused: u64,
}

/// A cheap handle on one simulated API; clones share it.
#[derive(Clone)]
pub struct HttpJsonSim {
    state: Arc<Mutex<SimState>>,
    #[cfg(feature = "control")]
    faults: FaultSwitch,
}

impl HttpJsonSim {
    pub fn new(auth: SimAuth, paging: Paging) -> Self {
        HttpJsonSim {
            state: Arc::new(Mutex::new(SimState {
                auth,
                paging,
                numeric_ids: false,
                agents: Vec::new(),
                extra_items: Vec::new(),
                requests: 0,
                refused: 0,
            })),
            #[cfg(feature = "control")]
            faults: FaultSwitch::default(),
        }
    }

    /// Bearer authentication, two pages by cursor, four support bots.
    pub fn demo() -> Self {
        let sim = HttpJsonSim::new(
            SimAuth::Bearer(DEFAULT_TOKEN.into()),
            Paging::Cursor { page_size: 2 },
        );
        sim.add_agent("bot-1", "Billing bot", "online");
        sim.add_agent("bot-2", "Returns bot", "online");
        sim.add_agent("bot-3", "Night shift bot", "away");
        sim.add_agent("bot-4", "Escalation bot", "online");
        sim
    }

    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route(LIST_PATH, get(list_agents))
            .with_state(self.clone());
        #[cfg(feature = "control")]
        let routes = crate::control::with_faults(routes, self.faults.clone());
        routes
    }

    #[cfg(feature = "control")]
    pub fn faults(&self) -> &FaultSwitch {
        &self.faults
    }

    /// Adds an agent, or replaces the one with the same id.
    pub fn add_agent(&self, id: &str, name: &str, state: &str) {
        let agent = SimAgent {
            id: id.into(),
            name: name.into(),
            state: state.into(),
        };
        let mut s = self.lock();
        match s.agents.iter_mut().find(|a| a.id == id) {
            Some(existing) => *existing = agent,
            None => s.agents.push(agent),
        }
    }

    /// Returns whether the agent exists.
    pub fn set_state(&self, id: &str, state: &str) -> bool {
        let mut s = self.lock();
        match s.agents.iter_mut().find(|a| a.id == id) {
            Some(agent) => {
                agent.state = state.into();
                true
            }
            None => false,
        }
    }

    pub fn remove_agent(&self, id: &str) -> bool {
        let mut s = self.lock();
        let before = s.agents.len();
        s.agents.retain(|a| a.id != id);
        before != s.agents.len()
    }

    pub fn set_numeric_ids(&self, on: bool) {
        self.lock().numeric_ids = on;
    }

    pub fn set_paging(&self, paging: Paging) {
        self.lock().paging = paging;
    }

    pub fn set_extra_items(&self, items: Vec<Value>) {
        self.lock().extra_items = items;
    }

    /// Requests to the list route, answered or refused.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Requests refused for missing or wrong credentials.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn authorized(auth: &SimAuth, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match auth {
        SimAuth::None => true,
        SimAuth::Bearer(token) => header("authorization") == Some(&format!("Bearer {token}")),
        SimAuth::Basic { user, password } => {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            header("authorization") == Some(&format!("Basic {encoded}"))
        }
        SimAuth::Header { name, value } => header(name) == Some(value.as_str()),
    }
}

fn item(agent: &SimAgent, numeric_ids: bool) -> Value {
    let id = match agent.id.parse::<u64>() {
        Ok(n) if numeric_ids => json!(n),
        _ => json!(agent.id),
    };
    json!({"id": id, "displayName": agent.name, "presence": {"state": agent.state}})
}

async fn list_agents(
    State(sim): State<HttpJsonSim>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut s = sim.lock();
    s.requests += 1;
    if !authorized(&s.auth, &headers) {
        s.refused += 1;
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "unauthorized"})),
        )
            .into_response();
    }
    // The page starts at `cursor` (an offset written "c<n>") or `page` (1-based).
    let page_size = match s.paging {
        Paging::Cursor { page_size }
        | Paging::NextUrl { page_size, .. }
        | Paging::Endless { page_size } => page_size.max(1),
        Paging::None | Paging::NextUrlTo(_) => usize::MAX,
    };
    let start = match (query.get("cursor"), query.get("page")) {
        (Some(c), _) => match c.strip_prefix('c').and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "bad cursor"})),
                )
                    .into_response()
            }
        },
        (None, Some(p)) => p.parse::<usize>().unwrap_or(1).saturating_sub(1) * page_size,
        (None, None) => 0,
    };
    let end = start.saturating_add(page_size).min(s.agents.len());
    let mut items: Vec<Value> = s.agents[start.min(end)..end]
        .iter()
        .map(|a| item(a, s.numeric_ids))
        .collect();
    let more = end < s.agents.len();
    if !more {
        items.extend(s.extra_items.iter().cloned());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let next = match &s.paging {
        Paging::Cursor { .. } if more => json!(format!("c{end}")),
        Paging::NextUrl { absolute, .. } if more => {
            let page = end / page_size + 1;
            let path = format!("{LIST_PATH}?page={page}");
            match absolute {
                true => json!(format!("http://{host}{path}")),
                false => json!(path),
            }
        }
        Paging::NextUrlTo(url) if start == 0 => json!(url),
        Paging::Endless { .. } => json!(format!("c{}", start + page_size)),
        _ => Value::Null,
    };
    Json(json!({"data": {"items": items}, "meta": {"next": next, "total": s.agents.len()}}))
        .into_response()
}
