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
        /// What the poll found beyond the state ("4 waiting for 3 min 20 s, no agent free",
        /// "ended with 3 LLM errors; p95 2.4 s"), when it found something.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        finding: Option<String>,
    },
    /// The state is the same but what identifies the agent changed (Segura: port, fingerprint).
    IdentityChanged {
        agent_id: String,
        name: Option<String>,
        state: String,
        old_identity: String,
        new_identity: String,
    },
    /// The agent has stayed in its state past a time limit of its account (the event's
    /// severity is the limit's level).
    OverLimit {
        agent_id: String,
        name: Option<String>,
        state: String,
        /// Seconds in the state when the limit was seen passed.
        for_secs: u64,
        /// The limit passed, in seconds.
        limit_secs: u64,
        /// The time in state is a lower bound (the agent was in the state when watching began).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        approximate: bool,
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
            | EventKind::OverLimit { agent_id, .. }
            | EventKind::Appeared { agent_id, .. }
            | EventKind::Vanished { agent_id, .. } => Some(agent_id),
            _ => None,
        }
    }

    pub fn agent_name(&self) -> Option<&str> {
        match self {
            EventKind::Changed { name, .. }
            | EventKind::IdentityChanged { name, .. }
            | EventKind::OverLimit { name, .. }
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
            EventKind::OverLimit {
                state, limit_secs, ..
            } => (state.clone(), over_limit_words(state, *limit_secs)),
            EventKind::Appeared { state, .. } => ("(absent)".into(), state.clone()),
            EventKind::Vanished { last_state, .. } => (last_state.clone(), "(gone)".into()),
            EventKind::AccountUnreachable { .. } => ("reachable".into(), "unreachable".into()),
            EventKind::AccountRecovered { .. } => ("unreachable".into(), "reachable".into()),
        }
    }
}

impl EventKind {
    /// The change in a few words, for marks beside an agent or account while it is being
    /// confirmed and for the reasons that mention it: the new state ("FAILED"), "gone",
    /// "appeared as registered", "re-registered (port 7001 → port 7002)", "rest over its 15 min
    /// limit", "unreachable", "reachable again". A re-registration keeps its state, so the state
    /// alone ("registered") would not say what changed.
    pub fn what(&self) -> String {
        match self {
            EventKind::Changed { new_state, .. } => new_state.clone(),
            EventKind::IdentityChanged {
                old_identity,
                new_identity,
                ..
            } => format!(
                "re-registered ({})",
                identity_change_words(old_identity, new_identity)
            ),
            EventKind::OverLimit {
                state, limit_secs, ..
            } => over_limit_words(state, *limit_secs),
            EventKind::Appeared { state, .. } => format!("appeared as {state}"),
            EventKind::Vanished { .. } => "gone".to_string(),
            EventKind::AccountUnreachable { .. } => "unreachable".to_string(),
            EventKind::AccountRecovered { .. } => "reachable again".to_string(),
        }
    }
}

/// "port 7001 → port 7002": only the parts of an identity ("port 7001 · fingerprint 1a2b3c4d")
/// that changed, or the whole of both when they are not made of the same parts.
pub fn identity_change_words(old: &str, new: &str) -> String {
    const PART: &str = " · ";
    let (old_parts, new_parts): (Vec<&str>, Vec<&str>) =
        (old.split(PART).collect(), new.split(PART).collect());
    if old_parts.len() != new_parts.len() {
        return format!("{old} → {new}");
    }
    let changed: Vec<String> = old_parts
        .iter()
        .zip(&new_parts)
        .filter(|(o, n)| o != n)
        .map(|(o, n)| format!("{o} → {n}"))
        .collect();
    if changed.is_empty() {
        format!("{old} → {new}")
    } else {
        changed.join(", ")
    }
}

/// "rest over its 15 min limit": the state an agent past its limit is shown in.
pub fn over_limit_words(state: &str, limit_secs: u64) -> String {
    format!(
        "{state} over its {} limit",
        crate::clock::human_duration(limit_secs)
    )
}

/// "rest for 16 min" (or "rest for ≥ 16 min" when the start is not known exactly).
pub fn time_in_state_words(state: &str, for_secs: u64, approximate: bool) -> String {
    let at_least = if approximate { "≥ " } else { "" };
    format!(
        "{state} for {at_least}{}",
        crate::clock::human_duration(for_secs)
    )
}

/// "rest for 16 min, limit 15 min": why an agent past its limit is a warning or critical.
pub fn limit_reason(state: &str, for_secs: u64, limit_secs: u64, approximate: bool) -> String {
    format!(
        "{}, limit {}",
        time_in_state_words(state, for_secs, approximate),
        crate::clock::human_duration(limit_secs)
    )
}

/// "name (id)", or the id alone when there is no name or it is the id; a queue or a team as
/// "Queue vip", "Team" (`items::subject`).
pub fn agent_subject(agent_id: &str, name: Option<&str>) -> String {
    if let Some(item) = crate::items::subject(agent_id, name) {
        return item;
    }
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
        if let EventKind::OverLimit {
            state,
            for_secs,
            approximate,
            ..
        } = &self.kind
        {
            // Not a move from one state to another: "… 103 rest over its 15 min limit warning".
            return format!(
                "{} {} {} {} {new} {} ({})",
                crate::clock::local_hms(self.at_ms),
                self.vendor,
                self.account_id,
                agent,
                self.severity,
                time_in_state_words(state, *for_secs, *approximate)
            );
        }
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
            EventKind::Changed {
                finding: Some(finding),
                ..
            } => line.push_str(&format!(" ({finding})")),
            _ => {}
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(old: &str, new: &str) -> EventKind {
        EventKind::IdentityChanged {
            agent_id: "1".into(),
            name: None,
            state: "registered".into(),
            old_identity: old.into(),
            new_identity: new.into(),
        }
    }

    /// A re-registration says what moved, not the state it kept.
    #[test]
    fn a_re_registration_names_the_parts_that_changed() {
        let port = identity(
            "port 7001 · fingerprint 1a2b3c4d",
            "port 7002 · fingerprint 1a2b3c4d",
        );
        assert_eq!(port.what(), "re-registered (port 7001 → port 7002)");
        let both = identity(
            "port 7001 · fingerprint 1a2b3c4d",
            "port 7002 · fingerprint 9f8e7d6c",
        );
        assert_eq!(
            both.what(),
            "re-registered (port 7001 → port 7002, fingerprint 1a2b3c4d → fingerprint 9f8e7d6c)"
        );
        let reshaped = identity("no port · fingerprint 1a2b3c4d", "port 7002");
        assert_eq!(
            reshaped.what(),
            "re-registered (no port · fingerprint 1a2b3c4d → port 7002)"
        );
    }

    #[test]
    fn every_kind_says_what_it_changes_to() {
        let changed = EventKind::Changed {
            agent_id: "a".into(),
            name: None,
            old_state: "RUNNING".into(),
            old_severity: crate::model::Severity::Ok,
            new_state: "FAILED".into(),
            finding: None,
        };
        assert_eq!(changed.what(), "FAILED");
        let gone = EventKind::Vanished {
            agent_id: "a".into(),
            name: None,
            last_state: "registered".into(),
        };
        assert_eq!(gone.what(), "gone");
        let back = EventKind::Appeared {
            agent_id: "a".into(),
            name: None,
            state: "registered".into(),
        };
        assert_eq!(back.what(), "appeared as registered");
        let over = EventKind::OverLimit {
            agent_id: "a".into(),
            name: None,
            state: "rest".into(),
            for_secs: 960,
            limit_secs: 900,
            approximate: false,
        };
        assert_eq!(over.what(), "rest over its 15 min limit");
        assert_eq!(
            EventKind::AccountRecovered { down_for_secs: 5 }.what(),
            "reachable again"
        );
    }
}
