//! The vocabulary shared by every part of the engine: severities, observations and snapshots.

pub mod figures;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A normalised severity. Vendors' native states map onto it; the native state is kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warning,
    Critical,
    Unknown,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Ok,
        Severity::Info,
        Severity::Warning,
        Severity::Critical,
        Severity::Unknown,
    ];

    /// How bad this is when several are combined into one "worst" answer.
    /// Critical dominates, then warning; an unknown state is worse than a healthy one but a
    /// known warning is more actionable than not knowing (the Nagios convention).
    pub fn rank(self) -> u8 {
        match self {
            Severity::Ok => 0,
            Severity::Info => 1,
            Severity::Unknown => 2,
            Severity::Warning => 3,
            Severity::Critical => 4,
        }
    }

    /// The worst of several severities; `Ok` for none.
    pub fn worst<I: IntoIterator<Item = Severity>>(items: I) -> Severity {
        items
            .into_iter()
            .max_by_key(|s| s.rank())
            .unwrap_or(Severity::Ok)
    }

    /// Nagios plugin exit code: 0 ok, 1 warning, 2 critical, 3 unknown. Info counts as ok.
    pub fn exit_code(self) -> i32 {
        match self {
            Severity::Ok | Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
            Severity::Unknown => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
            Severity::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown severity {s:?} (expected ok, info, warning, critical or unknown)")
            })
    }
}

/// A vendor, named by its id ("huawei", "http-json"). Which vendors exist, their labels and
/// everything else about them is the registry's (`vendors::registry`): a `Vendor` is made by
/// parsing a registered id, or by a vendor module naming itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vendor(&'static str);

impl Vendor {
    /// For a vendor module's own constant only; everything else parses a registered id.
    pub(crate) const fn named(id: &'static str) -> Vendor {
        Vendor(id)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl Serialize for Vendor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One agent as seen in one poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The vendor's agent id, verbatim (Huawei work number, Agora agent_id, Segura id).
    pub agent_id: String,
    /// A display name where the vendor gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The vendor's state as a person reads it ("idle", "RUNNING", "registered"); unknown
    /// values are kept as they came ("state 42", "HIBERNATING").
    pub state: String,
    /// The raw value the state came from (Huawei "4", Agora "RUNNING"); the key users
    /// override severities with.
    pub native: String,
    pub severity: Severity,
    /// Attributes whose change matters although the state did not change (Segura: port and a
    /// short hash of the fingerprint). Compared by the change detector; never holds a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Extra facts for the UI ("talking", "started 12:03"); not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the agent entered its state and how that compares with the account's time limit.
    /// A vendor client sets it when the vendor says when the state began; the poller fills it
    /// in for every agent (`time_limits::StateClock`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_in_state: Option<TimeInState>,
    /// What the poll found beyond the state, in words, told with a change of it: a queue's or a
    /// team's crossed thresholds ("4 waiting for 3 min 20 s, no agent free"), how an AI
    /// agent's session went ("ended with 3 LLM errors; p95 2.4 s"). Not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// A skill queue's or a team's figures; `None` for an agent. An item with figures is
    /// compared by its level (`native`), not by its words, which change with every figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Box<figures::Figures>>,
}

impl Observation {
    /// A skill queue or a team's counts rather than an agent.
    pub fn is_item(&self) -> bool {
        self.figures.is_some()
    }

    /// Whether two observations of the same id are in the same state: an agent's state and
    /// native value; an item's level (its words change with every figure: a change of figures
    /// that keeps the level is no change).
    pub fn same_state(&self, other: &Observation) -> bool {
        match (self.is_item(), other.is_item()) {
            (false, false) => self.state == other.state && self.native == other.native,
            (true, true) => self.native == other.native,
            _ => false,
        }
    }

    /// The limit this observation is past: its level, the limit crossed and the time in state
    /// (seconds), as of the poll.
    pub fn over_limit(&self) -> Option<(Severity, u64, u64)> {
        let limit = self.time_in_state.as_ref()?.limit.as_ref()?;
        let level = limit.over?;
        let crossed = match level {
            Severity::Critical => limit.critical_secs,
            _ => limit.warning_secs,
        }?;
        Some((level, crossed, limit.for_secs))
    }

    /// The level of the limit passed, if any: what the change detector compares.
    pub fn limit_level(&self) -> Option<Severity> {
        self.over_limit().map(|(level, _, _)| level)
    }
}

/// How long an agent has been in its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeInState {
    /// When the agent entered the state (Unix ms).
    pub entered_ms: i64,
    /// The agent was already in the state when watching began and nothing older said when it
    /// entered it: it has been in it at least since `entered_ms` ("≥ 12 min").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// The account's limit for the state, when it has one, as of the poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<LimitCheck>,
}

impl TimeInState {
    /// The start of the state as the vendor gives it.
    pub fn from_vendor(entered_ms: i64) -> TimeInState {
        TimeInState {
            entered_ms,
            approximate: false,
            limit: None,
        }
    }
}

/// An agent's time in state against its limit, as of one poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_secs: Option<u64>,
    /// The level of the limit passed; `None` while within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<Severity>,
    /// Seconds in the state at the poll.
    pub for_secs: u64,
}

/// The value of `map` for the observation's state, keyed by native value (exactly, then
/// case-insensitively) or by label: how `[accounts.severity]` and `[accounts.time_limits]` are
/// matched.
pub fn state_key_match<'a, V>(map: &'a BTreeMap<String, V>, obs: &Observation) -> Option<&'a V> {
    if map.is_empty() {
        return None;
    }
    map.get(&obs.native).or_else(|| {
        map.iter()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case(&obs.native) || k.eq_ignore_ascii_case(&obs.state)
            })
            .map(|(_, v)| v)
    })
}

/// Everything one successful poll of one account saw, keyed by agent id.
pub type Snapshot = BTreeMap<String, Observation>;

/// Builds a snapshot from observations; later duplicates win.
pub fn snapshot_from(observations: impl IntoIterator<Item = Observation>) -> Snapshot {
    observations
        .into_iter()
        .map(|o| (o.agent_id.clone(), o))
        .collect()
}

/// Observations with each agent id once, and what was dropped to get there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnePerAgent {
    pub observations: Vec<Observation>,
    /// How many later observations of an already seen agent id were dropped.
    pub dropped: usize,
    /// The first agent id seen twice, to name in the log.
    pub first_repeated: Option<String>,
}

/// Keeps the first observation of each agent id, in the answer's order: the same agent twice
/// in one answer is one agent (one row, one event, one notification).
pub fn one_per_agent(observations: Vec<Observation>) -> OnePerAgent {
    let mut seen = std::collections::HashSet::with_capacity(observations.len());
    let mut first_repeated = None;
    let before = observations.len();
    let kept: Vec<Observation> = observations
        .into_iter()
        .filter(|o| {
            let new = seen.insert(o.agent_id.clone());
            if !new && first_repeated.is_none() {
                first_repeated = Some(o.agent_id.clone());
            }
            new
        })
        .collect();
    OnePerAgent {
        dropped: before - kept.len(),
        observations: kept,
        first_repeated,
    }
}

#[cfg(test)]
impl Observation {
    /// An ok agent in `state` (native value the same), for the crate's unit tests.
    pub(crate) fn seen_ok(id: &str, state: &str) -> Observation {
        Observation {
            agent_id: id.into(),
            name: None,
            state: state.into(),
            native: state.into(),
            severity: Severity::Ok,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str, state: &str) -> Observation {
        Observation::seen_ok(id, state)
    }

    #[test]
    fn the_same_agent_twice_is_kept_once_in_answer_order() {
        let answer = vec![
            seen("b", "first b"),
            seen("a", "first a"),
            seen("b", "second b"),
            seen("b", "third b"),
        ];
        let one = one_per_agent(answer);
        assert_eq!(
            one.observations,
            vec![seen("b", "first b"), seen("a", "first a")]
        );
        assert_eq!(one.dropped, 2);
        assert_eq!(one.first_repeated.as_deref(), Some("b"));
        let clean = one_per_agent(vec![seen("a", "x")]);
        assert_eq!((clean.dropped, clean.first_repeated), (0, None));
    }

    #[test]
    fn worst_prefers_critical_then_warning_then_unknown() {
        use Severity::*;
        assert_eq!(Severity::worst([Ok, Unknown, Warning]), Warning);
        assert_eq!(Severity::worst([Ok, Unknown, Info]), Unknown);
        assert_eq!(Severity::worst([Critical, Unknown]), Critical);
        assert_eq!(Severity::worst([]), Ok);
    }

    #[test]
    fn exit_codes_follow_nagios() {
        assert_eq!(Severity::Info.exit_code(), 0);
        assert_eq!(Severity::Warning.exit_code(), 1);
        assert_eq!(Severity::Critical.exit_code(), 2);
        assert_eq!(Severity::Unknown.exit_code(), 3);
    }

    #[test]
    fn severity_parses_case_insensitively_and_rejects_others() {
        assert_eq!("CRITICAL".parse::<Severity>(), Ok(Severity::Critical));
        assert!("bad".parse::<Severity>().is_err());
    }
}
