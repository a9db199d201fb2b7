//! The gates between a decision and a notification, first match wins: notifications off,
//! paused, maintenance window, account snoozed, agent snoozed, severity turned off, quiet
//! hours. A notification that passes gets the sound `[notifications.sounds]` gives its severity.

use super::{AccountRef, AgentKey, AlertPolicy, Outcome, Reason, SnoozeTarget, SnoozeUntil};
use crate::clock::times::time_label;
use crate::model::Severity;
use crate::notifier::Notification;
use crate::sounds::Sound;
use time::OffsetDateTime;

impl AlertPolicy {
    /// Notify with the severity's sound, unless a gate holds it back (first match wins).
    pub(super) fn outcome(
        &self,
        now: OffsetDateTime,
        account: &AccountRef,
        agent: Option<&AgentKey>,
        severity: Severity,
        notification: impl FnOnce() -> Notification,
    ) -> Outcome {
        let sound = self.notifications.sounds.for_severity(severity);
        self.outcome_sounding(now, account, agent, severity, sound, notification)
    }

    /// Notify with `sound` (none: silent), unless a gate holds it back (first match wins).
    pub(super) fn outcome_sounding(
        &self,
        now: OffsetDateTime,
        account: &AccountRef,
        agent: Option<&AgentKey>,
        severity: Severity,
        sound: Option<&Sound>,
        notification: impl FnOnce() -> Notification,
    ) -> Outcome {
        match self.gate(now, account, agent, severity) {
            Some(reason) => Outcome::Quiet(reason),
            None => Outcome::Notify(Notification {
                sound: sound.cloned(),
                ..notification()
            }),
        }
    }

    pub(super) fn gate(
        &self,
        now: OffsetDateTime,
        account: &AccountRef,
        agent: Option<&AgentKey>,
        severity: Severity,
    ) -> Option<Reason> {
        let label = |until: SnoozeUntil| match until {
            SnoozeUntil::At(t) => Some(time_label(t, now)),
            SnoozeUntil::Recovery | SnoozeUntil::Cleared => None,
        };
        if !self.notifications.enabled {
            return Some(Reason::NotificationsOff);
        }
        if let Some(until) = self.snoozes.active(&SnoozeTarget::All, now) {
            return Some(Reason::Paused {
                until: label(until),
            });
        }
        // The account's own window first, so that the reason names the account.
        let agent_id = agent.map(|key| key.agent_id.as_str());
        let window = [None, agent_id]
            .into_iter()
            .filter(|who| who.is_none() || agent_id.is_some())
            .find_map(|who| self.maintenance.active(&account.id, who, now));
        if let Some(window) = window {
            return Some(Reason::Maintenance {
                account: account.name.clone(),
                agent: window.agent_id.is_some(),
                until: window.until,
            });
        }
        let account_target = SnoozeTarget::Account {
            account_id: account.id.clone(),
        };
        if let Some(until) = self.snoozes.active(&account_target, now) {
            return Some(match until {
                SnoozeUntil::Recovery => Reason::AccountAcknowledged {
                    account: account.name.clone(),
                },
                other => Reason::AccountSnoozed {
                    account: account.name.clone(),
                    until: label(other),
                },
            });
        }
        if let Some(key) = agent {
            if let Some(until) = self.snoozes.active(&SnoozeTarget::Agent(key.clone()), now) {
                return Some(match until {
                    SnoozeUntil::Recovery => Reason::AgentAcknowledged,
                    other => Reason::AgentSnoozed {
                        until: label(other),
                    },
                });
            }
        }
        if !self.notifications.wants(severity) {
            return Some(Reason::SeverityOff { severity });
        }
        match &self.settings.quiet_hours {
            Some(quiet) if quiet.is_quiet(now) && !quiet.lets_through(severity) => {
                Some(Reason::QuietHours {
                    until: quiet.end.to_string(),
                    allow: quiet.allow,
                })
            }
            _ => None,
        }
    }
}
