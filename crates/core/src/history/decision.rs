//! What one decision of the alert policy becomes in the history: the confirmed change or outage
//! it records, then the notification it sent. The rule lives here once: the alert task writes
//! these rows, `agentwatch watch` prints them and the soak's model of the history computes
//! them, so the three cannot drift apart.

use super::entry::{EntryKind, HistoryEntry};
use crate::notifier::Notification;
use crate::policy::{Decision, DecisionKind};

impl HistoryEntry {
    /// The rows `decision` becomes, in the order they are written: its confirmed event (a
    /// change, an outage, a recovery), then its notification. Pending changes, blips and quiet
    /// decisions about nothing confirmed become no row.
    pub fn rows_of(decision: &Decision) -> impl Iterator<Item = HistoryEntry> + '_ {
        let event = decision.confirmed_event().map(HistoryEntry::from_event);
        let notification = decision
            .notification()
            .map(|sent| HistoryEntry::notification(decision, sent));
        event.into_iter().chain(notification)
    }

    /// The row for the notification a decision sent: who it is about (vendor, account and its
    /// name, agent and its name), how much it matters (the decision's severity, not the
    /// notification server's urgency), why it went out, and its text.
    pub fn notification(decision: &Decision, sent: &Notification) -> HistoryEntry {
        HistoryEntry {
            vendor: Some(decision.vendor),
            account_name: Some(decision.account_name.clone()),
            agent_id: decision.agent_id.clone(),
            agent_name: decision.agent_name.clone(),
            severity: Some(decision.severity),
            reason: Some(notification_reason(&decision.kind).to_string()),
            detail: Some(sent.body.clone()),
            summary: Some(sent.summary.clone()),
            urgency: Some(sent.urgency),
            ..HistoryEntry::empty(
                decision.at_ms,
                EntryKind::Notification,
                &decision.account_id,
            )
        }
    }
}

/// Why a notification went out, in the history's words.
fn notification_reason(kind: &DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Recovered { .. } => "recovery",
        DecisionKind::FlappingStarted { .. } | DecisionKind::FlappingSettled { .. } => "flapping",
        DecisionKind::Reminder { .. } => "reminder",
        DecisionKind::StormSummary { .. } => "storm",
        DecisionKind::Pending { .. } | DecisionKind::Blip { .. } | DecisionKind::Changed { .. } => {
            "change"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;
    use crate::model::{Severity, Vendor};
    use crate::notifier::Urgency;
    use crate::policy::{Outcome, Reason};

    fn decision(kind: DecisionKind, outcome: Outcome) -> Decision {
        Decision {
            at_ms: 1_000,
            vendor: Vendor::Huawei,
            account_id: ACCOUNT.into(),
            account_name: "Contact centre".into(),
            agent_id: Some("A1".into()),
            agent_name: Some("Agent A1".into()),
            severity: Severity::Critical,
            kind,
            outcome,
        }
    }

    #[test]
    fn a_notified_change_is_its_change_then_its_notification_both_fully_named() {
        let change = changed(1_000, "A1", "idle", "FAILED", Severity::Critical);
        let d = decision(
            DecisionKind::Changed {
                event: change.clone(),
                previous_since_ms: 0,
            },
            Outcome::Notify(failure_notice()),
        );
        let rows: Vec<_> = HistoryEntry::rows_of(&d).collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0], HistoryEntry::from_event(&change));
        let n = &rows[1];
        assert_eq!(n.kind, EntryKind::Notification);
        assert_eq!(n.at_ms, 1_000);
        assert_eq!(n.vendor, Some(Vendor::Huawei));
        assert_eq!(n.account_id, ACCOUNT);
        assert_eq!(n.account_name.as_deref(), Some("Contact centre"));
        assert_eq!(n.agent_id.as_deref(), Some("A1"));
        assert_eq!(n.agent_name.as_deref(), Some("Agent A1"));
        assert_eq!(n.severity, Some(Severity::Critical));
        assert_eq!(n.urgency, Some(Urgency::Critical));
        assert_eq!(n.reason.as_deref(), Some("change"));
        assert_eq!(n.summary.as_deref(), Some("Agent A1 (A1): FAILED"));
    }

    #[test]
    fn a_reminder_is_one_notification_row_and_a_quiet_or_pending_decision_none() {
        let reminder = decision(
            DecisionKind::Reminder {
                state: "FAILED".into(),
                for_secs: 1_800,
            },
            Outcome::Notify(failure_notice()),
        );
        let rows: Vec<_> = HistoryEntry::rows_of(&reminder).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].reason.as_deref(), Some("reminder"));
        assert_eq!(rows[0].severity, Some(Severity::Critical));

        let pending = decision(
            DecisionKind::Pending {
                event: changed(1_000, "A1", "idle", "FAILED", Severity::Critical),
            },
            Outcome::Quiet(Reason::Pending {
                what: "FAILED".into(),
                seen: 1,
                needed: 2,
            }),
        );
        assert_eq!(HistoryEntry::rows_of(&pending).count(), 0);
    }
}
