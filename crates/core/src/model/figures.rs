//! The figures an item's observation carries (a skill queue's, a team's counts): data of the
//! model, built by `crate::items`.

use super::Severity;
use serde::{Deserialize, Serialize};

/// The figures of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    Queue(QueueFigures),
    Team(TeamFigures),
}

/// One skill queue's figures as of the poll. A figure the vendor did not report (Huawei's
/// "none" sentinels) is `None`, never a number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFigures {
    pub skill_id: String,
    /// Calls waiting now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u64>,
    /// How long the longest-waiting call has waited, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_wait_secs: Option<u64>,
    /// Agents of the skill free to take a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<u64>,
    /// Agents signed in to the skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged_on: Option<u64>,
    /// Why the figures are missing, when the queue could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// A team's agents counted by state, with the account's limits on those counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    /// One entry per state with agents in it or a limit on it, busiest first.
    pub states: Vec<StateCount>,
    /// Agents counted.
    pub agents: u64,
}

/// The agents in one state, and where that count stands against its limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    /// The state as the live view shows it (the label), or the limit's key when no agent is in
    /// that state.
    pub state: String,
    pub count: u64,
    /// The limits on the count that apply: at least `min`, at most `max` (the warning ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// The level of the limit crossed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<Severity>,
}
