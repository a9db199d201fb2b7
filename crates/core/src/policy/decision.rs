//! What the policy hands back: for each thing it noticed, who it is about, what happened and
//! whether a notification goes out (and if not, why).

use super::explain::Reason;
use crate::detector::DiffRules;
use crate::error::ErrorReport;
use crate::events::Event;
use crate::model::{Severity, Snapshot, Vendor};
use crate::notifier::Notification;
use serde::{Deserialize, Serialize};

/// The severities the poller uses when a vendor client has not said otherwise.
pub const DEFAULT_RULES: DiffRules = DiffRules {
    vanished: Severity::Warning,
    identity_changed: Severity::Critical,
};

/// The account a poll belongs to, with the vendor's severities for a vanished agent and an
/// identity change (`VendorClient::vanished_severity`, `identity_change_severity`).
#[derive(Debug, Clone)]
pub struct AccountRef {
    pub id: String,
    pub name: String,
    pub vendor: Vendor,
    pub rules: DiffRules,
}

impl AccountRef {
    pub fn new(id: impl Into<String>, name: impl Into<String>, vendor: Vendor) -> Self {
        AccountRef {
            id: id.into(),
            name: name.into(),
            vendor,
            rules: DEFAULT_RULES,
        }
    }

    pub fn with_rules(mut self, rules: DiffRules) -> Self {
        self.rules = rules;
        self
    }
}

/// One agent of one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentKey {
    pub account_id: String,
    pub agent_id: String,
}

impl AgentKey {
    pub fn new(account_id: impl Into<String>, agent_id: impl Into<String>) -> Self {
        AgentKey {
            account_id: account_id.into(),
            agent_id: agent_id.into(),
        }
    }
}

/// What one poll of an account produced.
#[derive(Debug, Clone, Copy)]
pub enum PollOutcome<'a> {
    Ok(&'a Snapshot),
    Unreachable(&'a ErrorReport),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Unix time in milliseconds.
    pub at_ms: i64,
    pub vendor: Vendor,
    pub account_id: String,
    pub account_name: String,
    /// `None` for decisions about the account itself (outage, recovery, storm summary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// How much it matters; quiet hours and the severity switches go by it.
    pub severity: Severity,
    pub kind: DecisionKind,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DecisionKind {
    /// A change (or an account outage or recovery) seen but not yet confirmed.
    Pending { event: Event },
    /// A pending change that did not last: it was never confirmed.
    Blip { event: Event },
    /// A confirmed change of an agent, or a confirmed account outage or recovery.
    Changed {
        event: Event,
        /// Since when the previous state held (Unix ms).
        previous_since_ms: i64,
    },
    /// A confirmed change back to health of an agent whose problem was notified.
    Recovered {
        event: Event,
        previous_state: String,
        previous_for_secs: u64,
    },
    FlappingStarted {
        changes: usize,
        window_mins: u32,
        state: String,
    },
    /// A flapping agent went a whole window without a change.
    FlappingSettled { state: String, quiet_mins: u32 },
    /// The agent is still critical.
    Reminder { state: String, for_secs: u64 },
    /// One notification standing for many from the same poll.
    StormSummary {
        count: usize,
        breakdown: Vec<StateCount>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCount {
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Notify(Notification),
    Quiet(Reason),
}

impl Decision {
    pub fn notification(&self) -> Option<&Notification> {
        match &self.outcome {
            Outcome::Notify(n) => Some(n),
            Outcome::Quiet(_) => None,
        }
    }

    pub fn reason(&self) -> Option<&Reason> {
        match &self.outcome {
            Outcome::Notify(_) => None,
            Outcome::Quiet(r) => Some(r),
        }
    }

    /// The confirmed change or outage this decision records, for the history.
    pub fn confirmed_event(&self) -> Option<&Event> {
        match &self.kind {
            DecisionKind::Changed { event, .. } | DecisionKind::Recovered { event, .. } => {
                Some(event)
            }
            _ => None,
        }
    }

    /// One sentence for the UI: what went out, or why nothing did.
    pub fn explanation(&self) -> String {
        match &self.outcome {
            Outcome::Notify(n) => format!("Notified: {}.", n.summary),
            Outcome::Quiet(reason) => reason.to_string(),
        }
    }
}

/// A change the UI shows as "pending": seen, not yet confirmed, not notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingChange {
    pub account_id: String,
    /// `None` for an account outage (or recovery) being confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub old_state: String,
    pub new_state: String,
    /// The change being confirmed in a few words (`EventKind::what`): "FAILED", "gone",
    /// "re-registered (port 7001 → port 7002)". The new state alone cannot say it: a Segura
    /// re-registration stays "registered".
    pub what: String,
    pub seen: u32,
    pub needed: u32,
    pub since_ms: i64,
}
