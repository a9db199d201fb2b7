//! An agent's changes: confirmation, flapping, recovery, the settling of a flap and reminders
//! while it stays critical.

use super::threshold::{Candidate, Step};
use super::track::{change, AgentTrack, AgentView};
use super::{
    agent_decision, event, wording, AccountRef, AgentKey, AlertPolicy, Decision, DecisionKind,
    Outcome, Reason, SnoozeTarget,
};
use crate::clock::times::{elapsed_secs, to_ms};
use crate::model::{Severity, Snapshot};
use crate::notifier::Notification;
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl AlertPolicy {
    pub(super) fn baseline(&mut self, account: &AccountRef, snapshot: &Snapshot, now_ms: i64) {
        // Built in one go from the sorted snapshot and appended: a map filled one key at a
        // time in order leaves its nodes half empty, which for 10,000 agents is megabytes.
        let mut tracks: BTreeMap<AgentKey, AgentTrack> = snapshot
            .iter()
            .map(|(id, observation)| {
                let track = AgentTrack::new(AgentView::Present(observation.clone()), now_ms);
                (AgentKey::new(&account.id, id), track)
            })
            .collect();
        self.agents.append(&mut tracks);
    }

    pub(super) fn observe_agents(
        &mut self,
        now: OffsetDateTime,
        account: &AccountRef,
        snapshot: &Snapshot,
        out: &mut Vec<Decision>,
    ) {
        // The account's tracks come out of the map and go back rebuilt in one go, in order:
        // removing and inserting each of 10,000 agents every poll would leave the map's nodes
        // half empty and allocate for every agent.
        let mut tracked = self.take_tracks_of(&account.id).into_iter().peekable();
        let mut in_snapshot = snapshot.iter().peekable();
        let mut kept: Vec<(AgentKey, AgentTrack)> =
            Vec::with_capacity(snapshot.len().max(tracked.len()));
        loop {
            // Both walk the agent ids in ascending order: the next agent is the smaller head,
            // and an agent both tracked and observed is at the head of both.
            let next_observed = in_snapshot.peek().map(|(id, _)| id.as_str());
            let next_tracked = tracked.peek().map(|(key, _)| key.agent_id.as_str());
            let (take_observed, take_tracked) = match (next_observed, next_tracked) {
                (None, None) => break,
                (Some(_), None) => (true, false),
                (None, Some(_)) => (false, true),
                (Some(seen), Some(known)) => (seen <= known, known <= seen),
            };
            let seen = if take_observed {
                in_snapshot.next()
            } else {
                None
            };
            let (key, mut track) = if take_tracked {
                tracked.next().expect("peeked")
            } else {
                let (id, _) = seen.expect("an agent not tracked is observed");
                // An agent never seen before is absent until its appearance is confirmed.
                let track = AgentTrack::new(AgentView::Absent, to_ms(now));
                (AgentKey::new(&account.id, id), track)
            };
            let observed = seen.map_or(AgentView::Absent, |(_, o)| AgentView::Present(o.clone()));
            if let AgentView::Present(o) = &observed {
                if o.name.is_some() {
                    track.name = o.name.clone();
                }
            }
            self.settle(now, account, &key, &mut track, out);
            self.observe_agent(now, account, &key, &mut track, observed, out);
            if track.is_gone() {
                // Confirmed gone: nothing left to track, and nothing left to snooze.
                self.snoozes
                    .forget(|target| !matches!(target, SnoozeTarget::Agent(k) if *k == key));
            } else {
                kept.push((key, track));
            }
        }
        // Collected from ascending keys: built in one go with full nodes.
        let mut kept: BTreeMap<AgentKey, AgentTrack> = kept.into_iter().collect();
        self.agents.append(&mut kept);
    }

    pub(super) fn observe_agent(
        &mut self,
        now: OffsetDateTime,
        account: &AccountRef,
        key: &AgentKey,
        track: &mut AgentTrack,
        observed: AgentView,
        out: &mut Vec<Decision>,
    ) {
        let now_ms = to_ms(now);
        let rules = account.rules;
        let name = track.name.clone();
        let change_to = |view: &AgentView, confirmed: &AgentView| {
            change(confirmed, view, &key.agent_id, name.as_deref(), rules)
        };
        let needed = match change_to(&observed, &track.confirmed) {
            Some((severity, _)) => {
                let worse = severity.rank() > track.confirmed.severity(rules).rank();
                self.settings
                    .confirm_polls_for(&account.id, severity, worse)
            }
            None => 1,
        };
        let confirmed = track.confirmed.clone();
        let step = track.confirmer.observe_continuing(
            &confirmed,
            observed.clone(),
            needed,
            now_ms,
            AgentView::same_state,
        );
        if let Some(dropped) = step.dropped {
            if let Some((severity, kind)) = change_to(&dropped.value, &confirmed) {
                let reason = Reason::Blip {
                    state: kind.what(),
                    polls: dropped.seen,
                    then: observed.label(),
                };
                out.push(agent_decision(
                    account,
                    key,
                    name.clone(),
                    now_ms,
                    severity,
                    DecisionKind::Blip {
                        event: event(account, now_ms, severity, kind),
                    },
                    Outcome::Quiet(reason),
                ));
            }
        }
        match step.step {
            // A queue's or team's figures move within its level: the confirmed view keeps the
            // latest, so that a reminder tells today's figures, not those of its confirmation.
            Step::Steady => {
                if matches!(&observed, AgentView::Present(o) if o.is_item()) {
                    track.confirmed = observed;
                }
            }
            Step::Pending { seen, needed } => {
                if let Some((severity, kind)) = change_to(&observed, &confirmed) {
                    let what = kind.what();
                    out.push(agent_decision(
                        account,
                        key,
                        name.clone(),
                        now_ms,
                        severity,
                        DecisionKind::Pending {
                            event: event(account, now_ms, severity, kind),
                        },
                        Outcome::Quiet(Reason::Pending { what, seen, needed }),
                    ));
                }
            }
            Step::Confirmed(candidate) => {
                self.confirm_agent(now, account, key, track, candidate, out)
            }
        }
    }

    pub(super) fn confirm_agent(
        &mut self,
        now: OffsetDateTime,
        account: &AccountRef,
        key: &AgentKey,
        track: &mut AgentTrack,
        candidate: Candidate<AgentView>,
        out: &mut Vec<Decision>,
    ) {
        let now_ms = to_ms(now);
        let rules = account.rules;
        let old = std::mem::replace(&mut track.confirmed, candidate.value);
        let previous_since_ms = std::mem::replace(&mut track.since_ms, candidate.first_seen_ms);
        let name = track.name.clone();
        let Some((severity, kind)) = change(
            &old,
            &track.confirmed,
            &key.agent_id,
            name.as_deref(),
            rules,
        ) else {
            return;
        };
        let event = event(account, now_ms, severity, kind);
        let subject = crate::events::agent_subject(&key.agent_id, name.as_deref());
        let state = track.confirmed.label();
        let decide = |kind: DecisionKind, outcome: Outcome| {
            agent_decision(account, key, name.clone(), now_ms, severity, kind, outcome)
        };

        if self.settings.flap_changes > 0 {
            let window_mins = self.settings.flap_window_mins;
            let changes = track
                .flaps
                .record(now_ms, severity, self.settings.flap_window_ms());
            let starts =
                !track.flaps.is_flapping() && changes > self.settings.flap_changes as usize;
            if track.flaps.is_flapping() || starts {
                out.push(decide(
                    DecisionKind::Changed {
                        event,
                        previous_since_ms,
                    },
                    Outcome::Quiet(Reason::Flapping {
                        changes,
                        window_mins,
                    }),
                ));
                if starts {
                    track.flaps.start_flapping();
                    // What was notified before the flapping is superseded by the settle notice.
                    track.alerted = false;
                    let worst = track.flaps.worst();
                    let outcome = self.outcome(now, account, Some(key), worst, || {
                        wording::flapping_started(
                            account,
                            &subject,
                            changes,
                            window_mins,
                            &state,
                            worst,
                        )
                    });
                    out.push(agent_decision(
                        account,
                        key,
                        name.clone(),
                        now_ms,
                        worst,
                        DecisionKind::FlappingStarted {
                            changes,
                            window_mins,
                            state: state.clone(),
                        },
                        outcome,
                    ));
                }
                return;
            }
        }

        if old.is_problem() && track.confirmed.is_healthy() {
            self.snoozes
                .end_on_recovery(&SnoozeTarget::Agent(key.clone()));
            let previous_state = old.label();
            // An agent past its time limit was in the state since it entered it, not since
            // the limit was passed.
            let previous_start = old
                .observation()
                .filter(|o| o.over_limit().is_some())
                .and_then(|o| o.time_in_state.as_ref())
                .map_or(previous_since_ms, |t| t.entered_ms);
            let previous_for_secs = elapsed_secs(previous_start, candidate.first_seen_ms);
            if std::mem::replace(&mut track.alerted, false) {
                let outcome = self.outcome(now, account, Some(key), severity, || {
                    wording::recovered(
                        account,
                        &subject,
                        &state,
                        &previous_state,
                        previous_for_secs,
                        severity,
                    )
                });
                out.push(decide(
                    DecisionKind::Recovered {
                        event,
                        previous_state,
                        previous_for_secs,
                    },
                    outcome,
                ));
            } else {
                out.push(decide(
                    DecisionKind::Changed {
                        event,
                        previous_since_ms,
                    },
                    Outcome::Quiet(Reason::NeverAlerted),
                ));
            }
            return;
        }

        let outcome = self.outcome(now, account, Some(key), severity, || {
            Notification::for_event(&event)
        });
        if matches!(outcome, Outcome::Notify(_)) && track.confirmed.is_problem() {
            track.alerted = true;
        }
        out.push(decide(
            DecisionKind::Changed {
                event,
                previous_since_ms,
            },
            outcome,
        ));
    }

    /// Ends the flapping of an agent that went a whole window without a change, and tells the
    /// state it settled in.
    pub(super) fn settle(
        &self,
        now: OffsetDateTime,
        account: &AccountRef,
        key: &AgentKey,
        track: &mut AgentTrack,
        out: &mut Vec<Decision>,
    ) {
        let now_ms = to_ms(now);
        if !track.flaps.settles(now_ms, self.settings.flap_window_ms()) {
            return;
        }
        let quiet_mins = self.settings.flap_window_mins;
        let state = track.confirmed.label();
        let severity = track.confirmed.severity(account.rules);
        let subject = crate::events::agent_subject(&key.agent_id, track.name.as_deref());
        let outcome = self.outcome(now, account, Some(key), severity, || {
            wording::flapping_settled(account, &subject, &state, quiet_mins, severity)
        });
        track.alerted = matches!(outcome, Outcome::Notify(_)) && track.confirmed.is_problem();
        track.last_reminder_ms = Some(now_ms);
        out.push(agent_decision(
            account,
            key,
            track.name.clone(),
            now_ms,
            severity,
            DecisionKind::FlappingSettled { state, quiet_mins },
            outcome,
        ));
    }

    /// A reminder when a critical agent has gone `remind_every_mins` without one (or since it
    /// became critical). A reminder held back by a snooze or quiet hours still counts as one,
    /// so the explanation appears once per period rather than every tick.
    pub(super) fn remind(
        &self,
        now: OffsetDateTime,
        account: &AccountRef,
        key: &AgentKey,
        track: &mut AgentTrack,
        out: &mut Vec<Decision>,
    ) {
        let now_ms = to_ms(now);
        let Some(every_ms) = self.settings.remind_every_ms() else {
            return;
        };
        let AgentView::Present(observation) = &track.confirmed else {
            return;
        };
        if observation.severity != Severity::Critical || track.flaps.is_flapping() {
            return;
        }
        let last = track
            .last_reminder_ms
            .map_or(track.since_ms, |r| r.max(track.since_ms));
        if now_ms.saturating_sub(last) < every_ms {
            return;
        }
        track.last_reminder_ms = Some(now_ms);
        // A queue or team in trouble is told by what is wrong with it, as its change was.
        let state = match (&observation.finding, observation.is_item()) {
            (Some(finding), true) => finding.clone(),
            _ => observation.state.clone(),
        };
        let for_secs = elapsed_secs(track.since_ms, now_ms);
        let subject = crate::events::agent_subject(&key.agent_id, track.name.as_deref());
        // Past a time limit, what matters is how long it has been in the state altogether.
        let over_limit = observation
            .over_limit()
            .zip(observation.time_in_state.as_ref());
        // Silent unless `repeat_critical`: the change itself sounded already.
        let sound = self.notifications.sounds.for_reminder();
        let outcome =
            self.outcome_sounding(now, account, Some(key), Severity::Critical, sound, || {
                match over_limit {
                    Some(((_, limit_secs, _), t)) => wording::over_limit_reminder(
                        account,
                        &subject,
                        &state,
                        elapsed_secs(t.entered_ms, now_ms),
                        limit_secs,
                        t.approximate,
                    ),
                    None => wording::reminder(account, &subject, &state, for_secs),
                }
            });
        if matches!(outcome, Outcome::Notify(_)) {
            track.alerted = true;
        }
        out.push(agent_decision(
            account,
            key,
            track.name.clone(),
            now_ms,
            Severity::Critical,
            DecisionKind::Reminder { state, for_secs },
            outcome,
        ));
    }
}
