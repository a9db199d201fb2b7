//! What the engine tells the world: an agent changed, appeared or vanished; an account became
//! unreachable or recovered.

use crate::error::ErrorReport;
use crate::model::{Severity, Vendor};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Unix time in milliseconds.
    pub at_ms: i64,
    pub vendor: Vendor,
    pub account_id: String,
    pub account_name: String,
    /// How much this event matters (the new state's severity for a change).
    pub severity: Severity,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The agent's state changed.
    Changed {
        agent_id: String,
        name: Option<String>,
        old_state: String,
        old_severity: Severity,
        new_state: String,
    },
    /// The state is the same but what identifies the agent changed (Segura: port, fingerprint).
    IdentityChanged {
        agent_id: String,
        name: Option<String>,
        state: String,
        old_identity: String,
        new_identity: String,
    },
    Appeared {
        agent_id: String,
        name: Option<String>,
        state: String,
    },
    Vanished {
        agent_id: String,
        name: Option<String>,
        last_state: String,
    },
    AccountUnreachable {
        error: ErrorReport,
        /// Agents whose last known state is now stale.
        stale_agents: usize,
    },
    AccountRecovered {
        down_for_secs: u64,
    },
}

impl EventKind {
    pub fn agent_id(&self) -> Option<&str> {
        match self {
            EventKind::Changed { agent_id, .. }
            | EventKind::IdentityChanged { agent_id, .. }
            | EventKind::Appeared { agent_id, .. }
            | EventKind::Vanished { agent_id, .. } => Some(agent_id),
            _ => None,
        }
    }

    pub fn agent_name(&self) -> Option<&str> {
        match self {
            EventKind::Changed { name, .. }
            | EventKind::IdentityChanged { name, .. }
            | EventKind::Appeared { name, .. }
            | EventKind::Vanished { name, .. } => name.as_deref(),
            _ => None,
        }
    }

    /// The "old -> new" pair as a person reads it.
    pub fn transition(&self) -> (String, String) {
        match self {
            EventKind::Changed {
                old_state,
                new_state,
                ..
            } => (old_state.clone(), new_state.clone()),
            EventKind::IdentityChanged {
                old_identity,
                new_identity,
                ..
            } => (old_identity.clone(), new_identity.clone()),
            EventKind::Appeared { state, .. } => ("(absent)".into(), state.clone()),
            EventKind::Vanished { last_state, .. } => (last_state.clone(), "(gone)".into()),
            EventKind::AccountUnreachable { .. } => ("reachable".into(), "unreachable".into()),
            EventKind::AccountRecovered { .. } => ("unreachable".into(), "reachable".into()),
        }
    }
}

/// "name (id)", or the id alone when there is no name or it is the id.
pub fn agent_subject(agent_id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) if name != agent_id => format!("{name} ({agent_id})"),
        _ => agent_id.to_string(),
    }
}

impl Event {
    /// Who the event is about: the agent's name and id, or the account for account events.
    pub fn subject(&self) -> String {
        match self.kind.agent_id() {
            Some(id) => agent_subject(id, self.kind.agent_name()),
            None => self.account_name.clone(),
        }
    }

    /// One line for terminals and logs: `HH:MM:SS vendor account agent old -> new severity`,
    /// in local time, with the reason for account events. The agent is `Name (id)` when it has
    /// a name (`names`), else its id.
    pub fn line(&self) -> String {
        let (old, new) = self.kind.transition();
        let agent = match self.kind.agent_id() {
            Some(id) => agent_subject(id, self.kind.agent_name()),
            None => "-".to_string(),
        };
        let mut line = format!(
            "{} {} {} {} {} -> {} {}",
            crate::clock::local_hms(self.at_ms),
            self.vendor,
            self.account_id,
            agent,
            old,
            new,
            self.severity
        );
        match &self.kind {
            EventKind::AccountUnreachable { error, .. } => {
                line.push_str(&format!(" ({}: {})", error.kind, error.message))
            }
            EventKind::AccountRecovered { down_for_secs } => line.push_str(&format!(
                " (after {})",
                crate::clock::human_duration(*down_for_secs)
            )),
            _ => {}
        }
        line
    }
}
