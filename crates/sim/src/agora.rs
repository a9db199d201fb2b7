//! A simulator of the Agora Conversational AI Engine REST v2 (the agent list and the per-agent
//! query of one project), on loopback, with faults on demand and a control surface.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use agentwatch_sim::{agora::AgoraSim, SimServer};
//! let sim = AgoraSim::demo();
//! let server = SimServer::start(sim.router(), 0, None).await?;
//! sim.set_status("UJZDE8GXD6NCF10EPF91DHODZDOC9IS0", "FAILED");
//! # drop(server); Ok(()) }
//! ```

mod agents;
mod auth;
#[cfg(feature = "control")]
mod control;
mod turns;
mod vendor;

pub use agents::{SimAgent, STATES, UNKNOWN_STATUS_LISTED_AS};
#[cfg(feature = "control")]
pub use control::{AgentPatch, DEFAULT_CHANNEL};
pub use turns::{SimTurn, DEFAULT_TURN_PAGE_SIZE, MAX_TURN_PAGE_SIZE};
pub use vendor::{DEFAULT_LIMIT, DEFAULT_LOOK_BACK_SECS, DEFAULT_STATE, PROJECTS_PREFIX};

#[cfg(feature = "control")]
use crate::control::with_faults;
#[cfg(feature = "control")]
use crate::faults::FaultSwitch;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Requests remembered for [`AgoraSim::requests`]; older ones are forgotten.
const REQUEST_LOG_LIMIT: usize = 10_000;

/// How the simulated project behaves. Every field can also be changed while it runs.
#[derive(Clone)]
pub struct AgoraSimConfig {
    pub app_id: String,
    pub customer_id: String,
    pub customer_secret: String,
    /// The paging cursor is the last agent of a page, which the next page repeats (`true`), or
    /// the first agent of the next page (`false`). Agora does not document which.
    pub cursor_repeats: bool,
    /// The per-agent query answers 404 for a STOPPED agent, as Agora may once it has exited.
    pub exited_answer_404: bool,
    /// The most agents a page holds whatever `limit` asks for, to exercise paging with few agents.
    pub page_size_cap: Option<usize>,
    /// Error bodies in the older `{message, requestResponse, statusCode}` shape instead of
    /// `{detail, reason}`.
    pub legacy_error_body: bool,
}

impl Default for AgoraSimConfig {
    fn default() -> Self {
        AgoraSimConfig {
            app_id: "sim-app".into(),
            customer_id: "sim-customer".into(),
            customer_secret: "sim-secret".into(),
            cursor_repeats: false,
            exited_answer_404: false,
            page_size_cap: None,
            legacy_error_body: false,
        }
    }
}

impl std::fmt::Debug for AgoraSimConfig {
    // By hand, so that the secret stays out of logs even in a simulator.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgoraSimConfig")
            .field("app_id", &self.app_id)
            .field("customer_id", &self.customer_id)
            .field("customer_secret", &"<redacted>")
            .field("cursor_repeats", &self.cursor_repeats)
            .field("exited_answer_404", &self.exited_answer_404)
            .field("page_size_cap", &self.page_size_cap)
            .field("legacy_error_body", &self.legacy_error_body)
            .finish()
    }
}

/// A handle on one simulated project; clones share it.
#[derive(Clone)]
pub struct AgoraSim {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Mutex<AgoraSimConfig>,
    agents: Mutex<BTreeMap<String, SimAgent>>,
    /// The list answer's `status`; "ok" unless a test asks for a vendor error.
    reply_status: Mutex<String>,
    requests: Mutex<Vec<String>>,
    /// Each agent's session turns (the turns call); none: 404.
    turns: Mutex<HashMap<String, Vec<turns::SimTurn>>>,
    #[cfg(feature = "control")]
    faults: FaultSwitch,
}

impl AgoraSim {
    /// An empty project.
    pub fn new(config: AgoraSimConfig) -> AgoraSim {
        AgoraSim {
            inner: Arc::new(Inner {
                settings: Mutex::new(config),
                agents: Mutex::new(BTreeMap::new()),
                reply_status: Mutex::new("ok".into()),
                requests: Mutex::new(Vec::new()),
                turns: Mutex::new(HashMap::new()),
                #[cfg(feature = "control")]
                faults: FaultSwitch::default(),
            }),
        }
    }

    /// The default project with seven agents in mixed states on the channels "support" and
    /// "sales", all started within the last hour.
    pub fn demo() -> AgoraSim {
        let sim = AgoraSim::new(AgoraSimConfig::default());
        for agent in Self::demo_agents() {
            sim.add_agent(agent);
        }
        for (agent, turns) in Self::demo_turns() {
            sim.set_turns(agent, Some(turns));
        }
        sim
    }

    /// The sessions the demo's two changing agents end with: one going badly (LLM errors,
    /// slow), one well.
    pub fn demo_turns() -> [(&'static str, Vec<SimTurn>); 2] {
        let mut bad: Vec<SimTurn> = (0..9).map(|i| SimTurn::ok(900 + i * 40)).collect();
        bad.extend([
            SimTurn::error("LLM_REQUEST_ERR", 2400),
            SimTurn::error("LLM_REQUEST_ERR", 2450),
            SimTurn::error("LLM_REQUEST_ERR", 2380),
        ]);
        let good = (0..14).map(|i| SimTurn::ok(700 + i * 20)).collect();
        [
            ("1234567890ABCDE1CVGZNU80BEIN56XF", bad),
            ("UJZDE8GXD6NCF10EPF91DHODZDOC9IS0", good),
        ]
    }

    /// The agents of [`AgoraSim::demo`].
    pub fn demo_agents() -> Vec<SimAgent> {
        let agent = |id: &str, name: &str, channel: &str, status: &str, minutes_ago: i64| {
            SimAgent::new(id, channel, status)
                .named(name)
                .started_ago(minutes_ago * 60)
        };
        vec![
            agent(
                "1234567890ABCDE1CVGZNU80BEIN56XF",
                "support-triage",
                "support",
                "RUNNING",
                55,
            ),
            agent(
                "UJZDE8GXD6NCF10EPF91DHODZDOC9IS0",
                "support-billing",
                "support",
                "RUNNING",
                42,
            ),
            agent(
                "J8HT9LGMXG9EDN581U33XTPLPFT75V2S",
                "support-escalation",
                "support",
                "RECOVERING",
                30,
            ),
            agent(
                "EH60KVJ50CE9UVW53EFR4EDT2SYWB3WK",
                "support-after-hours",
                "support",
                "IDLE",
                12,
            ),
            agent(
                "H5DNSIPZZ5FK2Z9RI19R0WYOJFLJOOA5",
                "sales-outbound",
                "sales",
                "FAILED",
                48,
            ),
            agent(
                "LQSAJ08XUI6D39ZZZZG4ZDMEN2KHVDGA",
                "sales-inbound",
                "sales",
                "STARTING",
                1,
            ),
            agent(
                "J8GXBENYJQWX4HH5344TFJGVQ4K7BN7X",
                "sales-follow-up",
                "sales",
                "STOPPED",
                35,
            ),
        ]
    }

    /// The vendor routes, the control routes and the fault layer.
    #[cfg(feature = "control")]
    pub fn router(&self) -> Router {
        let routes = vendor::routes(self.clone()).merge(control::routes(self.clone()));
        with_faults(routes, self.inner.faults.clone())
    }

    /// The vendor routes alone (built without the `control` feature).
    #[cfg(not(feature = "control"))]
    pub fn router(&self) -> Router {
        vendor::routes(self.clone())
    }

    #[cfg(feature = "control")]
    pub fn faults(&self) -> &FaultSwitch {
        &self.inner.faults
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> AgoraSimConfig {
        self.inner.settings.lock().unwrap().clone()
    }

    /// Changes settings while running (paging behaviour, 404s, error shape, credentials).
    pub fn configure(&self, change: impl FnOnce(&mut AgoraSimConfig)) {
        change(&mut self.inner.settings.lock().unwrap());
    }

    pub fn set_credentials(&self, customer_id: &str, customer_secret: &str) {
        self.configure(|c| {
            c.customer_id = customer_id.to_string();
            c.customer_secret = customer_secret.to_string();
        });
    }

    /// A new customer secret: clients holding the old one are refused with 401.
    pub fn rotate_secret(&self, customer_secret: &str) {
        self.configure(|c| c.customer_secret = customer_secret.to_string());
    }

    /// Adds an agent, replacing one with the same id.
    pub fn add_agent(&self, agent: SimAgent) {
        self.with_agents_mut(|all| all.insert(agent.agent_id.clone(), agent));
    }

    /// Removes an agent; `false` when there was none.
    pub fn remove_agent(&self, agent_id: &str) -> bool {
        self.with_agents_mut(|all| all.remove(agent_id).is_some())
    }

    /// Sets an agent's status to any text (unknown names included); `false` when there is no
    /// such agent.
    pub fn set_status(&self, agent_id: &str, status: &str) -> bool {
        self.with_agents_mut(|all| match all.get_mut(agent_id) {
            Some(agent) => {
                agent.set_status(status);
                true
            }
            None => false,
        })
    }

    /// Every agent, in agent id order.
    pub fn agents(&self) -> Vec<SimAgent> {
        self.with_agents(|all| all.values().cloned().collect())
    }

    /// The `status` of list answers: "ok" normally; anything else makes a 200 carry a vendor
    /// error.
    pub fn set_reply_status(&self, status: &str) {
        *self.inner.reply_status.lock().unwrap() = status.to_string();
    }

    /// The vendor requests served so far, as `path?query` with the query keys sorted (faulted
    /// requests that never reached the routes are not included).
    pub fn requests(&self) -> Vec<String> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// How many vendor requests had a `path?query` containing `needle`.
    pub fn request_count(&self, needle: &str) -> usize {
        self.inner
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(needle))
            .count()
    }

    fn reply_status(&self) -> String {
        self.inner.reply_status.lock().unwrap().clone()
    }

    fn with_agents<T>(&self, read: impl FnOnce(&BTreeMap<String, SimAgent>) -> T) -> T {
        read(&self.inner.agents.lock().unwrap())
    }

    fn with_agents_mut<T>(&self, change: impl FnOnce(&mut BTreeMap<String, SimAgent>) -> T) -> T {
        change(&mut self.inner.agents.lock().unwrap())
    }

    fn record(&self, path: &str, params: &HashMap<String, String>) {
        let mut pairs: Vec<_> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort();
        let mut log = self.inner.requests.lock().unwrap();
        if log.len() >= REQUEST_LOG_LIMIT {
            log.remove(0);
        }
        log.push(format!("{path}?{}", pairs.join("&")));
    }

    /// An error answer in the configured shape.
    fn error(&self, status: StatusCode, detail: &str, reason: &str) -> Response {
        let body = if self.settings().legacy_error_body {
            serde_json::json!({
                "message": detail,
                "requestResponse": {},
                "statusCode": status.as_u16(),
            })
        } else {
            serde_json::json!({"detail": detail, "reason": reason})
        };
        (status, Json(body)).into_response()
    }
}
