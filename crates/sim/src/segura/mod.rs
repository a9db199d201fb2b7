//! A simulated Segura (senhasegura) instance: the OAuth2 token endpoint and the Network Connector
//! agent list, with tokens that really expire, both documented error bodies and a control
//! surface (Rust methods here, HTTP routes under `/_sim/` in [`control`]).

mod api;
#[cfg(feature = "control")]
mod control;
mod wire;

#[cfg(feature = "control")]
use crate::faults::FaultSwitch;
use axum::Router;
use base64::Engine;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const DEFAULT_CLIENT_ID: &str = "sim-client";
pub const DEFAULT_CLIENT_SECRET: &str = "sim-secret";
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Ports the Network Connector hands out to new agents start here.
const FIRST_AGENT_PORT: u16 = 30000;

/// The name of the agent array: `agent` on the English page, `agents` on the Portuguese one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentArrayName {
    #[default]
    Agent,
    Agents,
}

#[derive(Debug, Clone)]
pub struct SeguraSimConfig {
    pub client_id: String,
    pub client_secret: String,
    /// How long an issued token is accepted; `expires_in` announces it rounded up to seconds,
    /// so a sub-second lifetime makes a client's cached token die before the client expects.
    pub token_lifetime: Duration,
    /// `token_type` in the token answer ("Bearer"; some instances say "bearer").
    pub token_type: String,
    pub spelling: AgentArrayName,
    /// Send ids and ports as JSON integers instead of the documented strings.
    pub numeric_ids: bool,
    /// Send the `error` / `erro` flags as the text "true" / "false", as some instances do.
    pub string_booleans: bool,
    /// Serve the vendor API under this path (`/senhasegura`), as some installations do; the
    /// `/_sim/` control routes stay at the root.
    pub path_prefix: String,
}

/// The three error bodies Segura instances answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{code, message, error, error_code}` at the top level (the documented 404).
    Flat,
    /// The same inside `response`, plus `tenant` (the documented 500).
    Wrapped,
    /// `response` plus `exception{code, message, detail}`.
    Exception,
}

/// An error the list call answers with instead of the agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError {
    pub status: u16,
    pub shape: ErrorShape,
    pub code: u32,
    pub message: String,
    /// Only the exception shape carries it.
    pub detail: String,
}

impl Default for SeguraSimConfig {
    fn default() -> Self {
        SeguraSimConfig {
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            token_type: "Bearer".to_string(),
            spelling: AgentArrayName::Agent,
            numeric_ids: false,
            string_booleans: false,
            path_prefix: String::new(),
        }
    }
}

/// One registered Network Connector agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAgent {
    pub id: String,
    pub name: String,
    pub port: u16,
    pub fingerprint: String,
}

struct SimState {
    config: SeguraSimConfig,
    /// In registration order, as the instance lists them.
    agents: Vec<SimAgent>,
    /// Live access tokens and when each one dies.
    tokens: HashMap<String, Instant>,
    referer_blocked: bool,
    list_error: Option<ListError>,
    /// Raw bytes appended to the agent list, as a broken instance might send them.
    extra_entries: Option<Vec<u8>>,
    tokens_issued: u64,
    unauthorized_answers: u64,
}

/// A cheap handle on one simulated instance; clones share it.
#[derive(Clone)]
pub struct SeguraSim {
    state: Arc<Mutex<SimState>>,
    #[cfg(feature = "control")]
    faults: FaultSwitch,
}

impl SeguraSim {
    pub fn new(config: SeguraSimConfig) -> Self {
        SeguraSim {
            state: Arc::new(Mutex::new(SimState {
                config,
                agents: Vec::new(),
                tokens: HashMap::new(),
                referer_blocked: false,
                list_error: None,
                extra_entries: None,
                tokens_issued: 0,
                unauthorized_answers: 0,
            })),
            #[cfg(feature = "control")]
            faults: FaultSwitch::default(),
        }
    }

    /// The default credentials and three agents: the documented "Default" one and two more.
    pub fn demo() -> Self {
        let sim = SeguraSim::new(SeguraSimConfig::default());
        sim.add_agent("1", "Default", FIRST_AGENT_PORT);
        sim.add_agent("2", "Datacenter Sao Paulo", FIRST_AGENT_PORT + 1);
        sim.add_agent("3", "Branch office Recife", FIRST_AGENT_PORT + 2);
        sim
    }

    /// The vendor API (under the configured path prefix), and with the `control` feature the
    /// `/_sim/` control routes and the fault middleware.
    pub fn router(&self) -> Router {
        let prefix = self
            .lock()
            .config
            .path_prefix
            .trim_end_matches('/')
            .to_string();
        let vendor = if prefix.is_empty() {
            api::routes()
        } else {
            Router::new().nest(&prefix, api::routes())
        };
        #[cfg(feature = "control")]
        {
            let routes = vendor.merge(control::routes()).with_state(self.clone());
            crate::control::with_faults(routes, self.faults.clone())
        }
        #[cfg(not(feature = "control"))]
        vendor.with_state(self.clone())
    }

    #[cfg(feature = "control")]
    pub fn faults(&self) -> &FaultSwitch {
        &self.faults
    }

    /// Registers an agent with a fresh fingerprint, replacing any agent with the same id (a
    /// re-registration).
    pub fn add_agent(&self, id: &str, name: &str, port: u16) {
        let agent = SimAgent {
            id: id.to_string(),
            name: name.to_string(),
            port,
            fingerprint: random_fingerprint(),
        };
        let mut state = self.lock();
        match state.agents.iter_mut().find(|a| a.id == id) {
            Some(existing) => *existing = agent,
            None => state.agents.push(agent),
        }
    }

    /// Returns whether the agent existed.
    pub fn remove_agent(&self, id: &str) -> bool {
        let mut state = self.lock();
        let before = state.agents.len();
        state.agents.retain(|a| a.id != id);
        state.agents.len() != before
    }

    /// Returns whether the agent exists.
    pub fn set_port(&self, id: &str, port: u16) -> bool {
        self.update(id, |a| a.port = port)
    }

    /// Returns whether the agent exists.
    pub fn set_fingerprint(&self, id: &str, fingerprint: &str) -> bool {
        self.update(id, |a| a.fingerprint = fingerprint.to_string())
    }

    /// Gives the agent a new random fingerprint, as re-registering it does. Returns whether the
    /// agent exists.
    pub fn reregister(&self, id: &str) -> bool {
        self.update(id, |a| a.fingerprint = random_fingerprint())
    }

    pub fn agent(&self, id: &str) -> Option<SimAgent> {
        self.lock().agents.iter().find(|a| a.id == id).cloned()
    }

    pub fn agents(&self) -> Vec<SimAgent> {
        self.lock().agents.clone()
    }

    pub fn set_spelling(&self, spelling: AgentArrayName) {
        self.lock().config.spelling = spelling;
    }

    pub fn set_numeric_ids(&self, numeric: bool) {
        self.lock().config.numeric_ids = numeric;
    }

    /// Every token issued so far stops working now.
    pub fn expire_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Makes the list call answer the documented 500 "http referer not allowed" (1105).
    pub fn block_referer(&self, blocked: bool) {
        self.lock().referer_blocked = blocked;
    }

    /// Makes the list call answer `error` (in its shape) until cleared with `None`.
    pub fn fail_list_with(&self, error: Option<ListError>) {
        self.lock().list_error = error;
    }

    /// Appends `raw` (one or more JSON entries separated by commas, any bytes, not checked)
    /// to every list answer after the registered agents, until cleared with `None`: entries
    /// of a wrong type, without an id or with text that is not UTF-8.
    pub fn append_raw_entries(&self, raw: Option<Vec<u8>>) {
        self.lock().extra_entries = raw;
    }

    /// Tokens issued since the start.
    pub fn tokens_issued(&self) -> u64 {
        self.lock().tokens_issued
    }

    /// Tokens that would still be accepted now.
    pub fn live_tokens(&self) -> usize {
        let now = Instant::now();
        self.lock()
            .tokens
            .values()
            .filter(|dies| **dies > now)
            .count()
    }

    /// List requests refused with 401 (no, unknown or expired token) since the start.
    pub fn unauthorized_answers(&self) -> u64 {
        self.lock().unauthorized_answers
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut SimAgent)) -> bool {
        let mut state = self.lock();
        match state.agents.iter_mut().find(|a| a.id == id) {
            Some(agent) => {
                change(agent);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        // A handler that panicked cannot leave the state half-changed in a way that matters here.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next port a new agent would get (for agents created over the control routes).
    #[cfg(feature = "control")]
    fn next_free_port(&self) -> u16 {
        let state = self.lock();
        state
            .agents
            .iter()
            .map(|a| a.port.saturating_add(1))
            .max()
            .unwrap_or(FIRST_AGENT_PORT)
            .max(FIRST_AGENT_PORT)
    }
}

/// Looks like the documented fingerprint: base64 of random bytes.
fn random_fingerprint() -> String {
    let mut bytes = [0u8; 90];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
