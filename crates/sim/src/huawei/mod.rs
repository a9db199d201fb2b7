//! A Huawei CC-Gateway on loopback, under `/agentgateway/resource/`: sign-in with `Set-GUID`,
//! forced sign-in, agent status, the event long-poll that doubles as the heartbeat, Guid
//! rotation (AUTHMODE 2) with the old Guid's grace, sign-out; plus a control surface for tests
//! and the demo.
//!
//! - `sessions`: seats, Guids, rotation, heartbeat deadline, event queues (pure logic);
//! - `routes`: the gateway's HTTP calls;
//! - `team`: the team listing (`qualitycontrol/{workno}/allagent`, undocumented), its names,
//!   and its refusal (with the `control` feature);
//! - `queues`: the seat's skill queues (`agentvdnskill`, `queryacdstat` in batches of at most
//!   100), sentinels, unknown skills and refusals;
//! - `variants`: the undocumented shapes real gateways send (GBK, event arrays...);
//! - `control_routes`: `/_sim/...` (the fault routes come from `crate::control`), with the
//!   `control` feature.

mod answers;
#[cfg(feature = "control")]
mod control_routes;
mod queues;
mod routes;
mod sessions;
mod team;
mod variants;

pub use queues::{SimQueue, UnknownSkill, MAX_SKILLS_PER_CALL};
pub use sessions::AuthMode;
#[cfg(feature = "control")]
pub use team::ListingRefusal;
pub use variants::{
    Charset, EventShape, Language, ListingStatus, ResultVariant, SignInGuid, WorkNoType,
};

#[cfg(feature = "control")]
use crate::faults::FaultSwitch;
use axum::Router;
use serde::{Deserialize, Serialize};
use sessions::{SessionTable, Timing, Verdict};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// The supervisor seat of the default configuration.
pub const DEFAULT_WORKNO: &str = "5001";
/// Its password (a simulator credential, not a secret).
pub const DEFAULT_PASSWORD: &str = "sim-password";
pub const RESOURCE_PREFIX: &str = "/agentgateway/resource";
/// agentState "signed out": the state that sign-in events are about.
const SIGNED_OUT: i64 = 2;

/// Which key carries the explanation in answers: Huawei's pages show both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageKey {
    #[default]
    Message,
    Msg,
}

/// The shape of a status answer's `result`: documented as an array, sent as an object; the
/// scalar shapes (no status at all) are what a broken gateway sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultShape {
    #[default]
    Object,
    Array,
    EmptyString,
    Number,
    Text,
}

#[derive(Debug, Clone)]
pub struct HuaweiSimConfig {
    /// Seats that can sign in: work number -> password.
    pub accounts: BTreeMap<String, String>,
    pub auth_mode: AuthMode,
    /// AUTHMODE 2: how often a seat's Guid rotates.
    pub guid_rotation: Duration,
    /// How long a replaced Guid keeps working.
    pub old_guid_grace: Duration,
    /// A seat with no event poll for this long (after sign-in or its last poll) is signed out.
    pub heartbeat_timeout: Duration,
    /// How long an event poll is held when there is no event.
    pub event_hold: Duration,
    pub message_key: MessageKey,
    pub result_shape: ResultShape,
    /// The HTTP status sent with error retcodes (undocumented by Huawei; 200 by default).
    pub error_http_status: u16,
    /// The character set answers are encoded in (and labelled with).
    pub charset: Charset,
    pub language: Language,
    pub event_shape: EventShape,
    /// The `result` of answers that carry no status (sign-in, events, sign-out, updateGuid).
    pub result_variant: ResultVariant,
    pub workno_type: WorkNoType,
    pub sign_in_guid: SignInGuid,
    /// A successful sign-in also sets the cookie `JSESSIONID=<guid>` (as the gateway's servlet
    /// container or a load balancer does); a sign-out may carry it instead of a Guid header.
    pub session_cookie: bool,
    /// How the team listing types each agent's `status` (Huawei's demo: a string).
    pub listing_status: ListingStatus,
}

impl Default for HuaweiSimConfig {
    fn default() -> Self {
        HuaweiSimConfig {
            accounts: BTreeMap::from([(DEFAULT_WORKNO.to_string(), DEFAULT_PASSWORD.to_string())]),
            auth_mode: AuthMode::Dynamic,
            guid_rotation: Duration::from_secs(60),
            old_guid_grace: Duration::from_secs(120),
            heartbeat_timeout: Duration::from_secs(120),
            event_hold: Duration::from_secs(10),
            message_key: MessageKey::Message,
            result_shape: ResultShape::Object,
            error_http_status: 200,
            charset: Charset::Utf8,
            language: Language::English,
            event_shape: EventShape::Object,
            result_variant: ResultVariant::Documented,
            workno_type: WorkNoType::String,
            sign_in_guid: SignInGuid::Sent,
            session_cookie: true,
            listing_status: ListingStatus::String,
        }
    }
}

/// One agent as the gateway knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// agentState (4 idle, 7 talking, 2 signed out...; any integer is allowed).
    pub state: i64,
    /// isWorking: talking.
    #[serde(default)]
    pub working: bool,
}

/// An answer sent as is to one agent's status calls (garbage, bytes that are not UTF-8...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    pub content_type: String,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn json(body: impl Into<Vec<u8>>) -> RawAnswer {
        RawAnswer {
            content_type: "application/json; charset=UTF-8".to_string(),
            body: body.into(),
        }
    }
}

/// What the simulator has served, for assertions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HuaweiSimStats {
    pub status_requests: u64,
    /// The most status requests ever in flight at once.
    pub max_concurrent_status: u64,
    /// Successful sign-ins, forced ones included.
    pub sign_ins: u64,
    pub force_logins: u64,
    /// Every sign-in and forced sign-in request, accepted or not.
    pub sign_in_attempts: u64,
    /// Accepted sign-outs.
    pub sign_outs: u64,
    pub forced_sign_outs: u64,
    /// Every sign-out and forced sign-out request, accepted or not.
    pub sign_out_attempts: u64,
    pub forced_sign_out_attempts: u64,
    pub event_polls: u64,
    /// New Guids handed out on event answers.
    pub guids_delivered: u64,
    /// Team listing requests, answered or refused.
    pub listing_requests: u64,
    /// `agentvdnskill` requests, answered or refused.
    pub skill_listing_requests: u64,
    /// `queryacdstat` requests, answered or refused.
    pub queue_stat_requests: u64,
    /// The most skills one `queryacdstat` call asked for.
    pub max_skills_per_call: u64,
    /// `queryacdstat` calls refused for their skills (more than 100, none, or an unknown one).
    pub refused_batches: u64,
}

#[derive(Default)]
struct Counters {
    status_requests: AtomicU64,
    status_in_flight: AtomicU64,
    max_concurrent_status: AtomicU64,
    sign_ins: AtomicU64,
    force_logins: AtomicU64,
    sign_in_attempts: AtomicU64,
    sign_outs: AtomicU64,
    forced_sign_outs: AtomicU64,
    sign_out_attempts: AtomicU64,
    forced_sign_out_attempts: AtomicU64,
    event_polls: AtomicU64,
    guids_delivered: AtomicU64,
    listing_requests: AtomicU64,
    skill_listing_requests: AtomicU64,
    queue_stat_requests: AtomicU64,
    max_skills_per_call: AtomicU64,
    refused_batches: AtomicU64,
}

/// A cheap, cloneable handle on one simulated gateway.
#[derive(Clone)]
pub struct HuaweiSim {
    inner: Arc<Inner>,
}

struct Inner {
    config: HuaweiSimConfig,
    // std locks, each held only for a lookup or an update, never across an await.
    agents: RwLock<HashMap<String, Agent>>,
    /// Agents whose status calls get a fixed answer instead of their status.
    raw_status: RwLock<HashMap<String, RawAnswer>>,
    /// The agents' names, as the team listing and the sign-in events give them.
    names: RwLock<HashMap<String, String>>,
    /// How the team listing answers besides listing the team.
    listing: RwLock<team::ListingMode>,
    /// The seat's skill queues and how their calls answer.
    queues: RwLock<queues::QueueBoard>,
    sessions: RwLock<SessionTable>,
    #[cfg(feature = "control")]
    faults: FaultSwitch,
    counters: Counters,
}

const DEMO_AGENTS: [(&str, i64, bool); 10] = [
    ("101", 4, false),
    ("102", 7, true),
    ("103", 3, false),
    ("104", 5, false),
    ("105", 8, false),
    ("106", 2, false),
    ("107", 4, false),
    ("108", 9, false),
    ("109", 7, true),
    ("110", 4, false),
];

/// The demo VDN's skill queues, calm: the demo script makes "vip" build up.
pub fn demo_queues() -> [(u32, SimQueue); 3] {
    [
        (1, SimQueue::new("voice", 1, 12, 3, 5)),
        (2, SimQueue::new("vip", 0, 0, 3, 3)),
        (
            3,
            SimQueue {
                mediatype: 51,
                ..SimQueue::new("web chat", 0, 0, 2, 2)
            },
        ),
    ]
}

/// The demo agents' names, as the team listing gives them.
const DEMO_NAMES: [(&str, &str); 10] = [
    ("101", "Alice Zhang"),
    ("102", "Bruno Costa"),
    ("103", "Li Wei"),
    ("104", "Dana Levi"),
    ("105", "Emeka Obi"),
    ("106", "Fatima Khan"),
    ("107", "Gao Yan"),
    ("108", "Hana Sato"),
    ("109", "Ivan Petrov"),
    ("110", "Julia Weber"),
];

impl HuaweiSim {
    pub fn new(config: HuaweiSimConfig) -> HuaweiSim {
        HuaweiSim {
            inner: Arc::new(Inner {
                config,
                agents: RwLock::new(HashMap::new()),
                raw_status: RwLock::new(HashMap::new()),
                names: RwLock::new(HashMap::new()),
                listing: RwLock::new(team::ListingMode::default()),
                queues: RwLock::new(queues::QueueBoard::default()),
                sessions: RwLock::new(SessionTable::default()),
                #[cfg(feature = "control")]
                faults: FaultSwitch::default(),
                counters: Counters::default(),
            }),
        }
    }

    /// The default configuration with agents 101..=110 in mixed states, with names, and the
    /// skill queues of the seat's VDN.
    pub fn demo() -> HuaweiSim {
        let sim = HuaweiSim::new(HuaweiSimConfig::default());
        sim.add_agents(DEMO_AGENTS);
        sim.set_names(DEMO_NAMES);
        sim.add_queues(demo_queues());
        sim
    }

    /// The demo agents' (id, name) pairs.
    pub fn demo_names() -> [(&'static str, &'static str); 10] {
        DEMO_NAMES
    }

    pub fn demo_agent_ids() -> [&'static str; 10] {
        DEMO_AGENTS.map(|(id, _, _)| id)
    }

    pub fn config(&self) -> &HuaweiSimConfig {
        &self.inner.config
    }

    #[cfg(feature = "control")]
    pub fn faults(&self) -> &FaultSwitch {
        &self.inner.faults
    }

    /// The gateway's routes, the `/_sim/` control routes and the fault middleware.
    #[cfg(feature = "control")]
    pub fn router(&self) -> Router {
        let routes = routes::gateway_routes()
            .merge(control_routes::control_routes())
            .with_state(self.clone());
        crate::control::with_faults(routes, self.inner.faults.clone())
    }

    /// The gateway's routes alone (built without the `control` feature).
    #[cfg(not(feature = "control"))]
    pub fn router(&self) -> Router {
        routes::gateway_routes().with_state(self.clone())
    }

    /// Creates or changes an agent; signed-in seats get a `QC_AgentState_Notify` event
    /// (`QC_AgentState_Login` / `QC_AgentState_Logout`) when it signed in or out.
    pub fn set_agent(&self, id: &str, agent_state: i64, working: bool) {
        let agent = Agent {
            state: agent_state,
            working,
        };
        let previous = self.agents_write().insert(id.to_string(), agent);
        let signed_in = |agent: Option<Agent>| agent.is_some_and(|a| a.state != SIGNED_OUT);
        if signed_in(previous) != signed_in(Some(agent)) {
            let event = team::sign_in_event(id, self.name(id).as_deref(), signed_in(Some(agent)));
            self.sessions_write().broadcast(&event);
        }
    }

    /// Names an agent (the team listing's `name`, the events' `agentname`).
    pub fn set_name(&self, id: &str, name: &str) {
        self.inner
            .names
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string(), name.to_string());
    }

    /// Names many agents at once (benchmarks).
    pub fn set_names<I, S, N>(&self, names: I)
    where
        I: IntoIterator<Item = (S, N)>,
        S: Into<String>,
        N: Into<String>,
    {
        let mut map = self.inner.names.write().unwrap_or_else(|e| e.into_inner());
        map.extend(names.into_iter().map(|(id, name)| (id.into(), name.into())));
    }

    pub fn name(&self, id: &str) -> Option<String> {
        self.inner
            .names
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Removes an agent: its status calls answer 000-002 from then on.
    pub fn remove_agent(&self, id: &str) -> bool {
        self.agents_write().remove(id).is_some()
    }

    /// Adds many agents at once (benchmarks), without events.
    pub fn add_agents<I, S>(&self, agents: I)
    where
        I: IntoIterator<Item = (S, i64, bool)>,
        S: Into<String>,
    {
        let mut map = self.agents_write();
        for (id, state, working) in agents {
            map.insert(id.into(), Agent { state, working });
        }
    }

    pub fn agent(&self, id: &str) -> Option<Agent> {
        self.inner
            .agents
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
    }

    pub fn agent_count(&self) -> usize {
        self.inner
            .agents
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// From now on the agent's status calls (with a valid Guid) get `answer` as is.
    pub fn set_raw_status(&self, id: &str, answer: RawAnswer) {
        self.inner
            .raw_status
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string(), answer);
    }

    /// The agent's status calls get its status again.
    pub fn clear_raw_status(&self, id: &str) {
        self.inner
            .raw_status
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    fn raw_status(&self, id: &str) -> Option<RawAnswer> {
        let raw = self
            .inner
            .raw_status
            .read()
            .unwrap_or_else(|e| e.into_inner());
        // Most simulators never set one: skip the lookup's hashing on the hot path.
        if raw.is_empty() {
            return None;
        }
        raw.get(id).cloned()
    }

    /// Ends every session, as a gateway restart would: every Guid answers 100-006.
    pub fn expire_all_sessions(&self) {
        let closed = self.sessions_write().close_all();
        self.mark_signed_out(&closed);
    }

    /// Issues a new Guid to every signed-in seat now (whatever the AUTHMODE); the new one is
    /// handed out on the seat's next event answer, the old one keeps its grace period.
    pub fn rotate_guid_now(&self) {
        self.sessions_write().rotate_all(Instant::now());
    }

    pub fn is_signed_in(&self, workno: &str) -> bool {
        self.upkeep(Instant::now());
        self.sessions_read().is_open(workno)
    }

    pub fn signed_in_count(&self) -> usize {
        self.upkeep(Instant::now());
        self.sessions_read().seat_count()
    }

    /// The seat's current Guid (for tests of the static-Guid mode).
    pub fn current_guid(&self, workno: &str) -> Option<String> {
        self.upkeep(Instant::now());
        self.sessions_read()
            .current_guid(workno)
            .map(str::to_string)
    }

    /// The `status` the seat signed in with ("3" = busy).
    pub fn seat_status(&self, workno: &str) -> Option<String> {
        self.sessions_read().status_of(workno).map(str::to_string)
    }

    pub fn stats(&self) -> HuaweiSimStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        HuaweiSimStats {
            status_requests: get(&c.status_requests),
            max_concurrent_status: get(&c.max_concurrent_status),
            sign_ins: get(&c.sign_ins),
            force_logins: get(&c.force_logins),
            sign_in_attempts: get(&c.sign_in_attempts),
            sign_outs: get(&c.sign_outs),
            forced_sign_outs: get(&c.forced_sign_outs),
            sign_out_attempts: get(&c.sign_out_attempts),
            forced_sign_out_attempts: get(&c.forced_sign_out_attempts),
            event_polls: get(&c.event_polls),
            guids_delivered: get(&c.guids_delivered),
            listing_requests: get(&c.listing_requests),
            skill_listing_requests: get(&c.skill_listing_requests),
            queue_stat_requests: get(&c.queue_stat_requests),
            max_skills_per_call: get(&c.max_skills_per_call),
            refused_batches: get(&c.refused_batches),
        }
    }

    // ---- for the route handlers ----

    fn timing(&self) -> Timing {
        let c = &self.inner.config;
        Timing {
            auth_mode: c.auth_mode,
            rotation: c.guid_rotation,
            grace: c.old_guid_grace,
            heartbeat_timeout: c.heartbeat_timeout,
        }
    }

    /// Checks a request's Guid; `seat` restricts it to that seat's own Guids. The error is
    /// the retcode to answer.
    fn authorize(&self, guid: Option<&str>, seat: Option<&str>) -> Result<(), &'static str> {
        let Some(guid) = guid else {
            return Err(sessions::RETCODE_NOT_SIGNED_IN);
        };
        let now = Instant::now();
        let timing = self.timing();
        match self.sessions_read().check(guid, seat, now, &timing) {
            Verdict::Allowed => return Ok(()),
            Verdict::Denied(code) => return Err(code),
            Verdict::NeedsUpkeep => {}
        }
        self.upkeep(now);
        match self.sessions_read().check(guid, seat, now, &timing) {
            Verdict::Allowed => Ok(()),
            Verdict::Denied(code) => Err(code),
            Verdict::NeedsUpkeep => Err(sessions::RETCODE_NOT_SIGNED_IN),
        }
    }

    /// Expires silent seats and rotates due Guids.
    fn upkeep(&self, now: Instant) {
        let expired = self.sessions_write().upkeep(now, &self.timing());
        self.mark_signed_out(&expired);
    }

    fn mark_signed_out(&self, worknos: &[String]) {
        for workno in worknos {
            if self.agent(workno).is_some() {
                self.set_agent(workno, 2, false);
            }
        }
    }

    fn count(&self, counter: impl Fn(&Counters) -> &AtomicU64) {
        counter(&self.inner.counters).fetch_add(1, Ordering::Relaxed);
    }

    fn sessions_read(&self) -> RwLockReadGuard<'_, SessionTable> {
        self.inner
            .sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn sessions_write(&self) -> RwLockWriteGuard<'_, SessionTable> {
        self.inner
            .sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn agents_write(&self) -> RwLockWriteGuard<'_, HashMap<String, Agent>> {
        self.inner.agents.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Counts a status request as in flight until dropped.
struct StatusInFlight<'a>(&'a Counters);

impl<'a> StatusInFlight<'a> {
    fn enter(counters: &'a Counters) -> Self {
        counters.status_requests.fetch_add(1, Ordering::Relaxed);
        let now = counters.status_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        counters
            .max_concurrent_status
            .fetch_max(now, Ordering::Relaxed);
        StatusInFlight(counters)
    }
}

impl Drop for StatusInFlight<'_> {
    fn drop(&mut self) {
        self.0.status_in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
