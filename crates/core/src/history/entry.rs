//! One row of the history, as written and as read back, and how the engine's events and the
//! routes' outcomes become rows (a decision's rows: `decision.rs`).

use crate::events::{Event, EventKind};
use crate::model::{Severity, Vendor};
use crate::notifier::Urgency;
use serde::Serialize;

/// What a row records. The names match the engine's event kinds, plus `notification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A confirmed state change of an agent.
    Changed,
    /// Same state, new identity (Segura: port, fingerprint hash).
    IdentityChanged,
    /// The agent stayed in its state past a time limit.
    OverLimit,
    Appeared,
    Vanished,
    /// The account could not be polled (the start of an outage).
    AccountUnreachable,
    /// The account answered again (the end of an outage).
    AccountRecovered,
    /// A desktop notification that was sent.
    Notification,
    /// What a program or webhook did with a notification (routing).
    Route,
}

impl EntryKind {
    pub const ALL: [EntryKind; 9] = [
        EntryKind::Changed,
        EntryKind::IdentityChanged,
        EntryKind::OverLimit,
        EntryKind::Appeared,
        EntryKind::Vanished,
        EntryKind::AccountUnreachable,
        EntryKind::AccountRecovered,
        EntryKind::Notification,
        EntryKind::Route,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Changed => "changed",
            EntryKind::IdentityChanged => "identity_changed",
            EntryKind::OverLimit => "over_limit",
            EntryKind::Appeared => "appeared",
            EntryKind::Vanished => "vanished",
            EntryKind::AccountUnreachable => "account_unreachable",
            EntryKind::AccountRecovered => "account_recovered",
            EntryKind::Notification => "notification",
            EntryKind::Route => "route",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row. Fields that do not apply to the kind are `None`:
///
/// | kind | states | severities | reason | detail | other |
/// |---|---|---|---|---|---|
/// | changed | old → new | old, new | – | what the poll found ("4 waiting for 3 min 20 s, no agent free", how a session went) | |
/// | identity_changed | state → state | –, the event's | – | "old identity → new identity" | |
/// | over_limit | state → "state over its 15 min limit" | –, the limit's level | "time limit" | "rest for 16 min, limit 15 min" | duration_secs = time in state |
/// | appeared | "(absent)" → state | –, state's | – | | |
/// | vanished | last state → "(gone)" | –, the event's | – | | |
/// | account_unreachable | "reachable" → "unreachable" | –, the event's | error kind (timeout, auth...) | error message | |
/// | account_recovered | "unreachable" → "reachable" | –, the event's | – | | duration_secs = time down |
/// | notification | – | –, the decision's | why (change, reminder, flapping, recovery, storm) | body | summary, urgency |
/// | route | – | –, the notification's | "action" or "webhook" | "webhook chat: delivered (HTTP 200)" | summary = the notification's |
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Unix time in milliseconds.
    pub at_ms: i64,
    pub kind: EntryKind,
    /// `None` only in rows written before notification rows named their vendor.
    pub vendor: Option<Vendor>,
    pub account_id: String,
    pub account_name: Option<String>,
    /// `None` for account rows and for account-wide notifications.
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
    pub old_severity: Option<Severity>,
    /// The new state's severity for a change; the event's severity otherwise.
    pub severity: Option<Severity>,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub duration_secs: Option<u64>,
    pub summary: Option<String>,
    pub urgency: Option<Urgency>,
}

impl HistoryEntry {
    pub(super) fn empty(at_ms: i64, kind: EntryKind, account_id: &str) -> HistoryEntry {
        HistoryEntry {
            at_ms,
            kind,
            vendor: None,
            account_id: account_id.to_string(),
            account_name: None,
            agent_id: None,
            agent_name: None,
            old_state: None,
            new_state: None,
            old_severity: None,
            severity: None,
            reason: None,
            detail: None,
            duration_secs: None,
            summary: None,
            urgency: None,
        }
    }

    /// The row for one of the engine's events.
    pub fn from_event(event: &Event) -> HistoryEntry {
        let kind = match &event.kind {
            EventKind::Changed { .. } => EntryKind::Changed,
            EventKind::IdentityChanged { .. } => EntryKind::IdentityChanged,
            EventKind::OverLimit { .. } => EntryKind::OverLimit,
            EventKind::Appeared { .. } => EntryKind::Appeared,
            EventKind::Vanished { .. } => EntryKind::Vanished,
            EventKind::AccountUnreachable { .. } => EntryKind::AccountUnreachable,
            EventKind::AccountRecovered { .. } => EntryKind::AccountRecovered,
        };
        let (old_state, new_state) = event.kind.transition();
        let mut entry = HistoryEntry {
            vendor: Some(event.vendor),
            account_name: Some(event.account_name.clone()),
            agent_id: event.kind.agent_id().map(str::to_string),
            agent_name: event.kind.agent_name().map(str::to_string),
            old_state: Some(old_state),
            new_state: Some(new_state),
            severity: Some(event.severity),
            ..HistoryEntry::empty(event.at_ms, kind, &event.account_id)
        };
        match &event.kind {
            EventKind::Changed {
                old_severity,
                finding,
                ..
            } => {
                entry.old_severity = Some(*old_severity);
                entry.detail = finding.clone();
            }
            EventKind::IdentityChanged {
                state,
                old_identity,
                new_identity,
                ..
            } => {
                // transition() gives the identities; the state columns keep meaning "state".
                entry.old_state = Some(state.clone());
                entry.new_state = Some(state.clone());
                entry.detail = Some(format!("{old_identity} → {new_identity}"));
            }
            EventKind::OverLimit {
                state,
                for_secs,
                limit_secs,
                approximate,
                ..
            } => {
                entry.reason = Some("time limit".to_string());
                entry.detail = Some(crate::events::limit_reason(
                    state,
                    *for_secs,
                    *limit_secs,
                    *approximate,
                ));
                entry.duration_secs = Some(*for_secs);
            }
            EventKind::AccountUnreachable { error, .. } => {
                entry.reason = Some(error.kind.as_str().to_string());
                entry.detail = Some(error.message.clone());
            }
            EventKind::AccountRecovered { down_for_secs } => {
                entry.duration_secs = Some(*down_for_secs)
            }
            EventKind::Appeared { .. } | EventKind::Vanished { .. } => {}
        }
        entry
    }

    /// The row for what a program or webhook did with a notification. Names the route by its
    /// program's name or webhook id: never a URL or an argument.
    pub fn route(outcome: &crate::routing::RouteOutcome) -> HistoryEntry {
        HistoryEntry {
            vendor: Some(outcome.vendor),
            account_name: Some(outcome.account_name.clone()),
            agent_id: outcome.agent_id.clone(),
            agent_name: outcome.agent_name.clone(),
            severity: Some(outcome.severity),
            reason: Some(outcome.route_kind.to_string()),
            detail: Some(format!(
                "{}: {}",
                outcome.report.route, outcome.report.outcome
            )),
            summary: Some(outcome.summary.clone()),
            ..HistoryEntry::empty(
                crate::clock::now_ms(),
                EntryKind::Route,
                &outcome.account_id,
            )
        }
    }

    /// Adds the agent's detail ("talking", "started 12:03") to a change the engine records.
    pub fn with_detail(mut self, detail: Option<String>) -> HistoryEntry {
        if detail.is_some() {
            self.detail = detail;
        }
        self
    }

    /// "old -> new" for people; for rows where the agent did not move, what happened to it:
    /// the state words of a time limit passed ("rest over its 15 min limit"), "re-registered"
    /// for a new identity (the identities are the detail); empty for notifications and routes.
    pub fn transition(&self) -> String {
        match self.kind {
            EntryKind::OverLimit => return self.new_state.clone().unwrap_or_default(),
            EntryKind::IdentityChanged => return "re-registered".to_string(),
            _ => {}
        }
        match (&self.old_state, &self.new_state) {
            (Some(old), Some(new)) => format!("{old} -> {new}"),
            (None, Some(new)) => new.clone(),
            (Some(old), None) => old.clone(),
            (None, None) => String::new(),
        }
    }
}

pub(crate) fn urgency_str(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Low => "low",
        Urgency::Normal => "normal",
        Urgency::Critical => "critical",
    }
}

pub(crate) fn parse_urgency(text: &str) -> Option<Urgency> {
    [Urgency::Low, Urgency::Normal, Urgency::Critical]
        .into_iter()
        .find(|u| urgency_str(*u) == text)
}

pub(crate) fn parse_vendor(text: &str) -> Option<Vendor> {
    Vendor::all().into_iter().find(|v| v.as_str() == text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;

    #[test]
    fn an_outage_keeps_its_reason_kind_and_message() {
        let entry = HistoryEntry::from_event(&unreachable(5));
        assert_eq!(entry.kind, EntryKind::AccountUnreachable);
        assert_eq!(entry.reason.as_deref(), Some("timeout"));
        assert_eq!(
            entry.detail.as_deref(),
            Some("no answer within the time limit")
        );
        assert_eq!(entry.agent_id, None);
    }

    #[test]
    fn an_identity_change_keeps_the_state_in_the_state_columns() {
        let entry = HistoryEntry::from_event(&event(
            1,
            Severity::Warning,
            EventKind::IdentityChanged {
                agent_id: "c1".into(),
                name: None,
                state: "registered".into(),
                old_identity: "port 22".into(),
                new_identity: "port 2222".into(),
            },
        ));
        assert_eq!(
            (entry.old_state.as_deref(), entry.new_state.as_deref()),
            (Some("registered"), Some("registered"))
        );
        assert_eq!(entry.transition(), "re-registered");
        assert_eq!(entry.detail.as_deref(), Some("port 22 → port 2222"));
    }

    #[test]
    fn every_kind_and_urgency_reads_back_from_its_name() {
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.as_str()), Some(kind));
        }
        for u in [Urgency::Low, Urgency::Normal, Urgency::Critical] {
            assert_eq!(parse_urgency(urgency_str(u)), Some(u));
        }
    }
}
