//! The notification as programs and webhooks receive it: one flat JSON object built from a
//! decision that notifies, holding states, names and our own words, never a credential.

use crate::model::Severity;
use crate::policy::{Decision, DecisionKind};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

/// One notification, for routes. Field names are a public interface (programs read them):
/// add fields, never rename them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutePayload {
    /// What happened: `change`, `recovery`, `reminder`, `flapping_started`, `flapping_settled`
    /// or `storm_summary`.
    pub kind: &'static str,
    pub vendor: String,
    pub account_id: String,
    pub account_name: String,
    /// Absent for notifications about an account (outage, recovery, storm summary).
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
    pub severity: Severity,
    /// RFC 3339, UTC.
    pub time: String,
    /// Unix time in milliseconds, the same instant.
    pub time_ms: i64,
    /// Why it went out, in the alert policy's terms ("confirmed change", "still FAILED after
    /// 30 min", "4 changes in one poll"...).
    pub why: String,
    /// The desktop notification's title and body, ready to show.
    pub summary: String,
    pub body: String,
    /// For a storm summary: how many changes it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// The reason a notifying decision went out, in a few words.
fn why(kind: &DecisionKind) -> String {
    use crate::clock::human_duration;
    match kind {
        DecisionKind::Changed { .. } | DecisionKind::Pending { .. } | DecisionKind::Blip { .. } => {
            "confirmed change".into()
        }
        DecisionKind::Recovered {
            previous_state,
            previous_for_secs,
            ..
        } => format!(
            "recovered after {} in {previous_state}",
            human_duration(*previous_for_secs)
        ),
        DecisionKind::FlappingStarted {
            changes,
            window_mins,
            ..
        } => format!("flapping: {changes} changes in {window_mins} min"),
        DecisionKind::FlappingSettled { quiet_mins, .. } => {
            format!("stopped flapping: no change for {quiet_mins} min")
        }
        DecisionKind::Reminder { state, for_secs } => {
            format!(
                "reminder: still {state} after {}",
                human_duration(*for_secs)
            )
        }
        DecisionKind::StormSummary { count, .. } => {
            format!("{count} notifications from one poll, summarised")
        }
    }
}

impl RoutePayload {
    /// The payload of a decision that notifies; `None` for one that stays quiet.
    pub fn from_decision(decision: &Decision) -> Option<RoutePayload> {
        let notification = decision.notification()?;
        let (kind, old_state, new_state, count) = match &decision.kind {
            DecisionKind::Changed { event, .. } => {
                let (old, new) = event.kind.transition();
                ("change", Some(old), Some(new), None)
            }
            DecisionKind::Recovered { event, .. } => {
                let (old, new) = event.kind.transition();
                ("recovery", Some(old), Some(new), None)
            }
            DecisionKind::Pending { event } | DecisionKind::Blip { event } => {
                let (old, new) = event.kind.transition();
                ("change", Some(old), Some(new), None)
            }
            DecisionKind::FlappingStarted { state, .. } => {
                ("flapping_started", None, Some(state.clone()), None)
            }
            DecisionKind::FlappingSettled { state, .. } => {
                ("flapping_settled", None, Some(state.clone()), None)
            }
            DecisionKind::Reminder { state, .. } => ("reminder", None, Some(state.clone()), None),
            DecisionKind::StormSummary { count, .. } => ("storm_summary", None, None, Some(*count)),
        };
        let time =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(decision.at_ms) * 1_000_000)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_default();
        Some(RoutePayload {
            kind,
            vendor: decision.vendor.to_string(),
            account_id: decision.account_id.clone(),
            account_name: decision.account_name.clone(),
            agent_id: decision.agent_id.clone(),
            agent_name: decision.agent_name.clone(),
            old_state,
            new_state,
            severity: decision.severity,
            time,
            time_ms: decision.at_ms,
            why: why(&decision.kind),
            summary: notification.summary.clone(),
            body: notification.body.clone(),
            count,
        })
    }

    /// Who it is about, for one-line texts: "name (id)", the id, or the account's name.
    pub fn subject(&self) -> String {
        match &self.agent_id {
            Some(id) => crate::events::agent_subject(id, self.agent_name.as_deref()),
            None => self.account_name.clone(),
        }
    }

    /// The few facts a chat message lists under its title.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Severity", self.severity.to_string()),
            ("Vendor", self.vendor.clone()),
            (
                "Account",
                format!("{} ({})", self.account_name, self.account_id),
            ),
        ];
        if self.agent_id.is_some() {
            facts.push(("Agent", self.subject()));
        }
        match (&self.old_state, &self.new_state) {
            (Some(old), Some(new)) => facts.push(("State", format!("{old} → {new}"))),
            (None, Some(new)) => facts.push(("State", new.clone())),
            _ => {}
        }
        facts.push(("Time", self.time.clone()));
        facts
    }
}
