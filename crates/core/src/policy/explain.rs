//! Why nothing went out: every quiet decision carries a reason that reads as one sentence, so
//! the UI can answer "why was I (not) told?".

use super::quiet_hours::QuietAllow;
use crate::model::Severity;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Seen, but not in enough consecutive polls yet.
    Pending {
        /// The change being confirmed (`EventKind::what`).
        what: String,
        seen: u32,
        needed: u32,
    },
    /// A change that did not last long enough to be confirmed; `state` is the change in a few
    /// words (`EventKind::what`).
    Blip {
        state: String,
        polls: u32,
        then: String,
    },
    /// The agent is flapping; its changes stay quiet until it settles.
    Flapping {
        changes: usize,
        window_mins: u32,
    },
    /// Pause all, until a time (`Some("14:00")`) or until resumed.
    Paused {
        until: Option<String>,
    },
    AccountAcknowledged {
        account: String,
    },
    AccountSnoozed {
        account: String,
        until: Option<String>,
    },
    AgentAcknowledged,
    /// In a maintenance window (of the account, or `agent`: of this agent only): recorded in
    /// the history, never notified.
    Maintenance {
        account: String,
        agent: bool,
        until: String,
    },
    AgentSnoozed {
        until: Option<String>,
    },
    /// `[notifications] enabled = false`.
    NotificationsOff,
    /// `[notifications] <severity> = false`.
    SeverityOff {
        severity: Severity,
    },
    QuietHours {
        until: String,
        allow: QuietAllow,
    },
    /// A recovery (or an account back) whose problem was never notified.
    NeverAlerted,
    /// The outage is part of a condition that stops every account (network down, keyring
    /// locked), told once for all of them.
    PartOfCondition {
        condition: String,
    },
    /// More notifications than the storm threshold in one poll: one summary went out instead.
    FoldedIntoStorm {
        count: usize,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Pending { what, seen, needed } => write!(
                f,
                "The change to {what} is not confirmed yet: seen in {seen} of the {needed} consecutive polls needed."
            ),
            Reason::Blip { state, polls, then } => write!(
                f,
                "The change to {state} lasted only {polls} poll{} (then {then}), too short to be confirmed, so it was a blip.",
                if *polls == 1 { "" } else { "s" }
            ),
            Reason::Flapping {
                changes,
                window_mins,
            } => write!(
                f,
                "It is flapping ({changes} changes in {window_mins} min), so its changes stay quiet until it settles."
            ),
            Reason::Paused { until: Some(t) } => {
                write!(f, "All notifications are paused until {t}.")
            }
            Reason::Paused { until: None } => {
                write!(f, "All notifications are paused until you resume them.")
            }
            Reason::AccountAcknowledged { account } => write!(
                f,
                "The account {account} is acknowledged until it is reachable again."
            ),
            Reason::AccountSnoozed {
                account,
                until: Some(t),
            } => write!(f, "The account {account} is snoozed until {t}."),
            Reason::AccountSnoozed {
                account,
                until: None,
            } => write!(
                f,
                "The account {account} is snoozed until you clear the snooze."
            ),
            Reason::Maintenance {
                account,
                agent: false,
                until,
            } => write!(
                f,
                "The account {account} is in maintenance until {until}: recorded, not notified."
            ),
            Reason::Maintenance {
                agent: true, until, ..
            } => write!(
                f,
                "This agent is in maintenance until {until}: recorded, not notified."
            ),
            Reason::AgentAcknowledged => {
                write!(f, "This agent is acknowledged until it recovers.")
            }
            Reason::AgentSnoozed { until: Some(t) } => {
                write!(f, "This agent is snoozed until {t}.")
            }
            Reason::AgentSnoozed { until: None } => {
                write!(f, "This agent is snoozed until you clear the snooze.")
            }
            Reason::NotificationsOff => write!(f, "Notifications are turned off in the settings."),
            Reason::SeverityOff { severity } => write!(
                f,
                "Notifications for {severity} states are turned off in the settings."
            ),
            Reason::QuietHours {
                until,
                allow: QuietAllow::Critical,
            } => write!(
                f,
                "Quiet hours until {until} let only critical notifications through."
            ),
            Reason::QuietHours {
                until,
                allow: QuietAllow::None,
            } => write!(f, "Quiet hours until {until} hold back every notification."),
            Reason::NeverAlerted => write!(
                f,
                "It is back, but nobody was notified of the problem, so there is nothing to call off."
            ),
            Reason::PartOfCondition { condition } => write!(
                f,
                "Part of \"{condition}\", which is told once for every account it stops."
            ),
            Reason::FoldedIntoStorm { count } => write!(
                f,
                "Folded into one summary of the {count} notifications from this poll."
            ),
        }
    }
}
