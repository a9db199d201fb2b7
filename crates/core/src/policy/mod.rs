//! The alert policy: which observed changes become desktop notifications, and why the others
//! do not. Pure: the caller passes the time (`now`, an `OffsetDateTime` in local time, which
//! quiet hours are read in) and the policy never reads a clock, sleeps or does I/O.
//!
//! The engine calls [`AlertPolicy::on_poll`] after every poll of an account and
//! [`AlertPolicy::tick`] every ~30 s (reminders, flapping that settled), sends the
//! notifications of the `Notify` decisions and stores the confirmed changes. Rules, in order:
//! - Confirmation: a new state must be seen in N consecutive polls (by direction, severity and
//!   account); a state that goes away sooner is a blip. The first poll of an account is the
//!   baseline. An account outage is confirmed the same way and notified once for the account.
//! - Flapping: more than K confirmed changes in a window: one notification, then quiet until a
//!   whole window passes without a change.
//! - Recovery: back to health after a notified problem says so, with how long it lasted.
//! - Gates, first match wins: notifications off, paused, maintenance window, account snoozed,
//!   agent snoozed, severity turned off, quiet hours.
//! - Storm control: more than S notifications from one poll become one summary.
//! - Sounds (`[notifications.sounds]`): a notification that goes out carries the sound of its
//!   severity, if any; a reminder only with `repeat_critical`; a storm summary the sound of the
//!   most severe notification it stands for.

mod accounts;
mod agents;
mod decision;
mod explain;
mod flapping;
mod gates;
mod notifications;
mod quiet_hours;
mod settings;
mod snooze;
mod storm;
mod threshold;
mod track;
mod wording;

#[cfg(test)]
mod tests;

pub use decision::{
    AccountRef, AgentKey, Decision, DecisionKind, Outcome, PendingChange, PollOutcome, StateCount,
    DEFAULT_RULES,
};
pub use explain::Reason;
pub use quiet_hours::{Day, QuietAllow, QuietHours, TimeOfDay};
pub use settings::{
    AccountAlertSettings, AlertSettings, ConfirmPolls, DEFAULT_CONFIRM_BETTER_POLLS,
    DEFAULT_CONFIRM_WORSE_POLLS, DEFAULT_FLAP_CHANGES, DEFAULT_FLAP_WINDOW_MINS,
    DEFAULT_REMIND_EVERY_MINS, DEFAULT_STORM_THRESHOLD, MAX_CONFIRM_POLLS, MAX_FLAP_WINDOW_MINS,
    MAX_REMIND_EVERY_MINS, MAX_STORM_THRESHOLD,
};
pub use snooze::{Snooze, SnoozeTarget, SnoozeUntil};

use crate::clock::times::to_ms;
use crate::condition::Condition;
use crate::events::{Event, EventKind};
use crate::maintenance::{ActiveMaintenance, MaintenanceBook, MaintenanceTarget};
use crate::model::Severity;
pub use notifications::NotificationSettings;
use snooze::Snoozes;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use track::{AccountTrack, AgentTrack, Reach};

pub struct AlertPolicy {
    settings: AlertSettings,
    notifications: NotificationSettings,
    agents: BTreeMap<AgentKey, AgentTrack>,
    accounts: BTreeMap<String, AccountTrack>,
    snoozes: Snoozes,
    /// Maintenance windows: configured and started at run time.
    maintenance: MaintenanceBook,
    /// The condition stopping every account, as of the poll being handled.
    condition_now: Option<Condition>,
    /// Conditions already told, until they end.
    conditions_told: BTreeSet<Condition>,
}

impl AlertPolicy {
    /// `notifications` are the per-severity switches of `[notifications]`, applied here too.
    pub fn new(settings: AlertSettings, notifications: NotificationSettings) -> Self {
        AlertPolicy {
            settings,
            notifications,
            agents: BTreeMap::new(),
            accounts: BTreeMap::new(),
            snoozes: Snoozes::default(),
            maintenance: MaintenanceBook::default(),
            condition_now: None,
            conditions_told: BTreeSet::new(),
        }
    }

    /// Applies edited settings and keeps everything learnt so far (states, snoozes, flapping).
    pub fn set_settings(&mut self, settings: AlertSettings, notifications: NotificationSettings) {
        self.settings = settings;
        self.notifications = notifications;
    }

    pub fn settings(&self) -> &AlertSettings {
        &self.settings
    }

    /// Takes one poll of one account and decides what, if anything, to tell.
    pub fn on_poll(
        &mut self,
        now: OffsetDateTime,
        account: &AccountRef,
        outcome: PollOutcome<'_>,
    ) -> Vec<Decision> {
        let now_ms = to_ms(now);
        self.snoozes.prune(now);
        self.maintenance.prune(now);
        let mut out = Vec::new();
        let mut track = self
            .accounts
            .remove(&account.id)
            .unwrap_or_else(|| AccountTrack::new(account.clone(), now_ms));
        track.account = account.clone();
        track.latest_failure = match &outcome {
            PollOutcome::Unreachable(error) => Some(error.kind),
            PollOutcome::Ok(_) => None,
        };
        self.note_condition(&track);
        match outcome {
            PollOutcome::Unreachable(error) => {
                track.last_error = Some(error.clone());
                self.observe_account(now, &mut track, Reach::Unreachable, &mut out);
            }
            PollOutcome::Ok(snapshot) => {
                self.observe_account(now, &mut track, Reach::Reachable, &mut out);
                // While an outage stands (its end not yet confirmed) agents change nothing.
                if track.confirmed == Reach::Reachable {
                    if track.baselined {
                        self.observe_agents(now, account, snapshot, &mut out);
                    } else {
                        self.baseline(account, snapshot, now_ms);
                        track.baselined = true;
                    }
                }
            }
        }
        self.accounts.insert(account.id.clone(), track);
        storm::fold(
            &mut out,
            self.settings.storm_threshold,
            account,
            now_ms,
            storm::Round::Poll,
        );
        out
    }

    /// Works out the condition the latest polls show (this account's included) and forgets the
    /// told conditions that ended, so that the next one is told again.
    fn note_condition(&mut self, track: &AccountTrack) {
        let latest = self
            .accounts
            .values()
            .chain(std::iter::once(track))
            .map(|t| t.latest_failure);
        self.condition_now = Condition::of(latest);
        let now = self.condition_now;
        self.conditions_told.retain(|told| Some(*told) == now);
    }

    /// After the machine slept: forgets every unconfirmed change (what was counted before the
    /// sleep says nothing about now) and starts the reminder intervals afresh (the time asleep
    /// is no reason to remind anyone before a poll has even looked again).
    pub fn after_sleep(&mut self, now: OffsetDateTime) {
        let now_ms = to_ms(now);
        for track in self.accounts.values_mut() {
            track.confirmer = Default::default();
        }
        for track in self.agents.values_mut() {
            track.confirmer = Default::default();
            track.last_reminder_ms = Some(now_ms);
        }
    }

    /// Reminders for agents that stay critical, and flapping agents that settled. Call it
    /// every ~30 s; reminders come at most once per `remind_every_mins` per agent.
    pub fn tick(&mut self, now: OffsetDateTime) -> Vec<Decision> {
        let now_ms = to_ms(now);
        self.snoozes.prune(now);
        self.maintenance.prune(now);
        let mut out = Vec::new();
        let accounts: Vec<(AccountRef, bool)> = self
            .accounts
            .values()
            .map(|t| (t.account.clone(), t.confirmed == Reach::Reachable))
            .collect();
        for (account, reachable) in accounts {
            if !reachable {
                continue;
            }
            let mut reminders = Vec::new();
            let mut tracks = self.take_tracks_of(&account.id);
            for (key, track) in tracks.iter_mut() {
                self.settle(now, &account, key, track, &mut out);
                self.remind(now, &account, key, track, &mut reminders);
            }
            self.agents.append(&mut tracks);
            storm::fold(
                &mut reminders,
                self.settings.storm_threshold,
                &account,
                now_ms,
                storm::Round::Reminders,
            );
            out.extend(reminders);
        }
        out
    }

    /// Acknowledge (`SnoozeUntil::Recovery`) or snooze one agent.
    pub fn snooze_agent(&mut self, key: AgentKey, until: SnoozeUntil) {
        self.snoozes.set(SnoozeTarget::Agent(key), until);
    }

    /// Acknowledge (until reachable again after its outage) or snooze a whole account.
    pub fn snooze_account(&mut self, account_id: impl Into<String>, until: SnoozeUntil) {
        let target = SnoozeTarget::Account {
            account_id: account_id.into(),
        };
        self.snoozes.set(target, until);
    }

    /// Pause all notifications until a time, or (`None`) until resumed.
    pub fn pause_all(&mut self, until: Option<OffsetDateTime>) {
        let until = until.map_or(SnoozeUntil::Cleared, SnoozeUntil::At);
        self.snoozes.set(SnoozeTarget::All, until);
    }

    pub fn resume_all(&mut self) {
        self.snoozes.clear(&SnoozeTarget::All);
    }

    /// True when there was such a snooze.
    pub fn clear_snooze(&mut self, target: &SnoozeTarget) -> bool {
        self.snoozes.clear(target)
    }

    pub fn is_paused(&self, now: OffsetDateTime) -> bool {
        self.snoozes.active(&SnoozeTarget::All, now).is_some()
    }

    /// The snoozes in force at `now`.
    pub fn snoozes(&self, now: OffsetDateTime) -> Vec<Snooze> {
        self.snoozes.list(now)
    }

    /// The maintenance windows of the config file, by account (replacing the ones before).
    pub fn set_maintenance_schedules<'a>(
        &mut self,
        accounts: impl IntoIterator<Item = (&'a str, &'a [crate::maintenance::MaintenanceWindow])>,
    ) {
        self.maintenance.set_schedules(accounts);
    }

    /// Starts (or moves the end of) a maintenance window of an account or one of its agents.
    pub fn start_maintenance(&mut self, target: MaintenanceTarget, until: OffsetDateTime) {
        self.maintenance.start(target, until);
    }

    /// Ends a maintenance window now; true when one was in force.
    pub fn end_maintenance(&mut self, target: &MaintenanceTarget, now: OffsetDateTime) -> bool {
        self.maintenance.end(target, now)
    }

    /// The maintenance windows in force at `now`.
    pub fn maintenance(&self, now: OffsetDateTime) -> Vec<ActiveMaintenance> {
        self.maintenance.list(now)
    }

    /// The windows started at run time and still in force (kept across restarts).
    pub fn adhoc_maintenance(
        &self,
        now: OffsetDateTime,
    ) -> Vec<crate::maintenance::AdhocMaintenance> {
        self.maintenance.adhoc(now)
    }

    /// Changes seen but not yet confirmed, for the UI's "pending" marks.
    pub fn pending(&self) -> Vec<PendingChange> {
        let accounts = self.accounts.iter().filter_map(|(id, t)| {
            t.confirmer.candidate().map(|c| PendingChange {
                account_id: id.clone(),
                agent_id: None,
                old_state: t.confirmed.label().to_string(),
                new_state: c.value.label().to_string(),
                what: match c.value {
                    Reach::Unreachable => "unreachable",
                    Reach::Reachable => "reachable again",
                }
                .to_string(),
                seen: c.seen,
                needed: c.needed,
                since_ms: c.first_seen_ms,
            })
        });
        let agents = self.agents.iter().filter_map(|(key, t)| {
            t.confirmer.candidate().map(|c| {
                let rules = self
                    .accounts
                    .get(&key.account_id)
                    .map_or(DEFAULT_RULES, |a| a.account.rules);
                let change = track::change(
                    &t.confirmed,
                    &c.value,
                    &key.agent_id,
                    t.name.as_deref(),
                    rules,
                );
                PendingChange {
                    account_id: key.account_id.clone(),
                    agent_id: Some(key.agent_id.clone()),
                    old_state: t.confirmed.label(),
                    new_state: c.value.label(),
                    what: change.map_or_else(|| c.value.label(), |(_, kind)| kind.what()),
                    seen: c.seen,
                    needed: c.needed,
                    since_ms: c.first_seen_ms,
                }
            })
        });
        accounts.chain(agents).collect()
    }

    /// Agents whose changes are quiet because they flap.
    pub fn flapping(&self) -> Vec<AgentKey> {
        self.agents
            .iter()
            .filter(|(_, t)| t.flaps.is_flapping())
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Forgets an account removed from the configuration, with its agents and snoozes.
    pub fn forget_account(&mut self, account_id: &str) {
        self.accounts.remove(account_id);
        self.agents.retain(|key, _| key.account_id != account_id);
        self.maintenance.forget_account(account_id);
        self.snoozes.forget(|target| match target {
            SnoozeTarget::All => true,
            SnoozeTarget::Account { account_id: id } => id != account_id,
            SnoozeTarget::Agent(key) => key.account_id != account_id,
        });
    }

    /// Takes one account's agent tracks out of the map (cheap: the map is split, not copied).
    fn take_tracks_of(&mut self, account_id: &str) -> BTreeMap<AgentKey, AgentTrack> {
        let mut tracks = self.agents.split_off(&AgentKey::new(account_id, ""));
        let first_of_next_account = tracks
            .keys()
            .find(|key| key.account_id != account_id)
            .cloned();
        if let Some(first) = first_of_next_account {
            let mut later_accounts = tracks.split_off(&first);
            self.agents.append(&mut later_accounts);
        }
        tracks
    }

    /// One account's agent tracks, in the order of their ids.
    fn tracks_of<'a>(
        &'a self,
        account_id: &'a str,
    ) -> impl Iterator<Item = (&'a AgentKey, &'a AgentTrack)> + 'a {
        self.agents
            .range(AgentKey::new(account_id, "")..)
            .take_while(move |(key, _)| key.account_id == account_id)
    }
}

fn event(account: &AccountRef, at_ms: i64, severity: Severity, kind: EventKind) -> Event {
    Event {
        at_ms,
        vendor: account.vendor,
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        severity,
        kind,
    }
}

/// A decision about the account itself (outage, recovery, storm summary).
pub(crate) fn account_decision(
    account: &AccountRef,
    at_ms: i64,
    severity: Severity,
    kind: DecisionKind,
    outcome: Outcome,
) -> Decision {
    Decision {
        at_ms,
        vendor: account.vendor,
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        agent_id: None,
        agent_name: None,
        severity,
        kind,
        outcome,
    }
}

/// A decision about one agent of the account.
fn agent_decision(
    account: &AccountRef,
    key: &AgentKey,
    name: Option<String>,
    at_ms: i64,
    severity: Severity,
    kind: DecisionKind,
    outcome: Outcome,
) -> Decision {
    Decision {
        agent_id: Some(key.agent_id.clone()),
        agent_name: name,
        ..account_decision(account, at_ms, severity, kind, outcome)
    }
}
