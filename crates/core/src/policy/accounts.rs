//! An account's reachability: an outage is confirmed like any change (N failed polls), told
//! once for the account rather than once per agent, and its end is told only if it was.

use super::threshold::Step;
use super::track::{AccountTrack, AgentView, Reach};
use super::{
    account_decision, event, AccountRef, AlertPolicy, Decision, DecisionKind, Outcome, Reason,
    SnoozeTarget,
};
use crate::clock::times::{elapsed_secs, to_ms};
use crate::condition::Condition;
use crate::error::{ErrorKind, ErrorReport};
use crate::events::{Event, EventKind};
use crate::model::Severity;
use crate::notifier::Notification;
use time::OffsetDateTime;

impl AlertPolicy {
    pub(super) fn observe_account(
        &mut self,
        now: OffsetDateTime,
        track: &mut AccountTrack,
        observed: Reach,
        out: &mut Vec<Decision>,
    ) {
        let now_ms = to_ms(now);
        let account = track.account.clone();
        let (severity, worse) = match observed {
            Reach::Unreachable => (Severity::Unknown, true),
            Reach::Reachable => (Severity::Ok, false),
        };
        let needed = self
            .settings
            .confirm_polls_for(&account.id, severity, worse);
        let confirmed = track.confirmed;
        let step = track
            .confirmer
            .observe(&confirmed, observed, needed, now_ms);
        if let Some(dropped) = step.dropped {
            let event = self.account_event(&account, track, dropped.value, now_ms);
            let reason = Reason::Blip {
                state: dropped.value.label().to_string(),
                polls: dropped.seen,
                then: observed.label().to_string(),
            };
            out.push(account_decision(
                &account,
                now_ms,
                event.severity,
                DecisionKind::Blip { event },
                Outcome::Quiet(reason),
            ));
        }
        match step.step {
            Step::Steady => {}
            Step::Pending { seen, needed } => {
                let event = self.account_event(&account, track, observed, now_ms);
                let what = event.kind.what();
                out.push(account_decision(
                    &account,
                    now_ms,
                    event.severity,
                    DecisionKind::Pending { event },
                    Outcome::Quiet(Reason::Pending { what, seen, needed }),
                ));
            }
            Step::Confirmed(candidate) => {
                let event = self.account_event(&account, track, candidate.value, now_ms);
                let previous_since_ms = track.since_ms;
                track.confirmed = candidate.value;
                track.since_ms = candidate.first_seen_ms;
                let outcome = match candidate.value {
                    Reach::Unreachable => match self
                        .condition_now
                        .filter(|c| c.covers(track.latest_failure))
                    {
                        // Its end is quiet too: nobody was told of this account alone.
                        Some(condition) => self.tell_condition(now, &account, condition),
                        None => {
                            let outcome = self.outcome(now, &account, None, event.severity, || {
                                Notification::for_event(&event)
                            });
                            track.outage_alerted = matches!(outcome, Outcome::Notify(_));
                            outcome
                        }
                    },
                    Reach::Reachable => {
                        self.snoozes.end_on_recovery(&SnoozeTarget::Account {
                            account_id: account.id.clone(),
                        });
                        let alerted = std::mem::replace(&mut track.outage_alerted, false);
                        if alerted {
                            self.outcome(now, &account, None, event.severity, || {
                                Notification::for_event(&event)
                            })
                        } else {
                            Outcome::Quiet(Reason::NeverAlerted)
                        }
                    }
                };
                out.push(account_decision(
                    &account,
                    now_ms,
                    event.severity,
                    DecisionKind::Changed {
                        event,
                        previous_since_ms,
                    },
                    outcome,
                ));
            }
        }
    }

    /// One notification for a condition that stops every account; the other accounts' outages
    /// in it are quiet.
    fn tell_condition(
        &mut self,
        now: OffsetDateTime,
        account: &AccountRef,
        condition: Condition,
    ) -> Outcome {
        if !self.conditions_told.insert(condition) {
            return Outcome::Quiet(Reason::PartOfCondition {
                condition: condition.headline().to_string(),
            });
        }
        let accounts = self.accounts.len() + 1;
        self.outcome(now, account, None, Severity::Unknown, || {
            condition.notification(accounts)
        })
    }

    /// The event an account moving to `to` makes, as the poller reports it.
    pub(super) fn account_event(
        &self,
        account: &AccountRef,
        track: &AccountTrack,
        to: Reach,
        now_ms: i64,
    ) -> Event {
        let (severity, kind) = match to {
            Reach::Unreachable => (
                Severity::Unknown,
                EventKind::AccountUnreachable {
                    error: track.last_error.clone().unwrap_or_else(|| ErrorReport {
                        kind: ErrorKind::Connect,
                        message: "the account did not answer".to_string(),
                    }),
                    stale_agents: self
                        .tracks_of(&account.id)
                        .filter(|(_, track)| track.confirmed != AgentView::Absent)
                        .count(),
                },
            ),
            Reach::Reachable => (
                Severity::Ok,
                EventKind::AccountRecovered {
                    down_for_secs: elapsed_secs(track.since_ms, now_ms),
                },
            ),
        };
        event(account, now_ms, severity, kind)
    }
}
