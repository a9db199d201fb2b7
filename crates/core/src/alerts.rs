//! The alert task: owns the alert policy, feeds it every poll and a periodic tick, applies
//! snooze/pause/maintenance commands, and hands out what it decided: notifications to the notifier, confirmed
//! changes and sent notifications to the history, every decision to subscribers, and a view of
//! what is pending, flapping or snoozed to the UI.

use crate::clock::now_local;
use crate::error::ErrorReport;
use crate::history::HistoryEntry;
use crate::maintenance::{ActiveMaintenance, AdhocMaintenance, MaintenanceTarget};
use crate::model::Snapshot;
use crate::notifier::Notifier;
use crate::policy::{
    AccountRef, AgentKey, AlertPolicy, Decision, PendingChange, PollOutcome, Snooze, SnoozeTarget,
    SnoozeUntil,
};
use crate::routing::{RouteOutcome, RouteReport};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

/// How often reminders and settled flapping are looked for.
pub const TICK: Duration = Duration::from_secs(30);
/// Decisions kept for the UI's "why did (not) this notify" list.
const RECENT_DECISIONS: usize = 200;

/// One poll of one account, as the poller saw it.
pub(crate) struct PollReport {
    pub account: AccountRef,
    pub outcome: Result<Snapshot, ErrorReport>,
}

/// What the UI can ask of the policy.
#[derive(Debug, Clone)]
pub enum AlertCommand {
    Snooze(SnoozeTarget, SnoozeUntil),
    ClearSnooze(SnoozeTarget),
    /// Pause every notification, until the time given or until resumed.
    PauseAll(Option<time::OffsetDateTime>),
    ResumeAll,
    /// Starts (or moves the end of) a maintenance window of an account or one agent.
    StartMaintenance(MaintenanceTarget, time::OffsetDateTime),
    /// Ends the target's maintenance window now.
    EndMaintenance(MaintenanceTarget),
}

/// What the policy is holding back or waiting on, for the UI.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertView {
    pub pending: Vec<PendingChange>,
    pub flapping: Vec<AgentKey>,
    pub snoozes: Vec<Snooze>,
    pub paused: bool,
    /// The maintenance windows in force.
    pub maintenance: Vec<ActiveMaintenance>,
    /// The windows started at run time (kept across restarts by the desktop app).
    pub adhoc_maintenance: Vec<AdhocMaintenance>,
    /// The latest decisions, newest last, each with its explanation.
    pub recent: Vec<ExplainedDecision>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainedDecision {
    #[serde(flatten)]
    pub decision: Decision,
    pub explanation: String,
    /// What each program and webhook did with it, as their outcomes come in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteReport>,
}

/// A command, and who waits until it is applied and the view says so (none: nobody waits).
pub(crate) type Commanded = (AlertCommand, Option<tokio::sync::oneshot::Sender<()>>);

pub(crate) struct AlertTask {
    pub policy: AlertPolicy,
    pub reports: mpsc::UnboundedReceiver<PollReport>,
    pub commands: mpsc::UnboundedReceiver<Commanded>,
    pub notifications: Option<mpsc::UnboundedSender<crate::notifier::Notification>>,
    pub history: Option<std::sync::mpsc::Sender<Vec<HistoryEntry>>>,
    pub decisions: broadcast::Sender<Decision>,
    pub view: watch::Sender<AlertView>,
    /// Wakes after the machine slept.
    pub resumes: watch::Receiver<u64>,
    /// What the routes (programs, webhooks) did with the notifications; none = no routing.
    pub routes: Option<mpsc::UnboundedReceiver<RouteOutcome>>,
}

impl AlertTask {
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let mut applied = None;
            let decisions = tokio::select! {
                Some(report) = self.reports.recv() => {
                    let outcome = match &report.outcome {
                        Ok(snapshot) => PollOutcome::Ok(snapshot),
                        Err(error) => PollOutcome::Unreachable(error),
                    };
                    self.policy.on_poll(now_local(), &report.account, outcome)
                }
                Some((command, done)) = self.commands.recv() => {
                    self.apply(command);
                    applied = done;
                    Vec::new()
                }
                _ = tick.tick() => self.policy.tick(now_local()),
                Ok(()) = self.resumes.changed() => {
                    self.policy.after_sleep(now_local());
                    Vec::new()
                }
                Some(outcome) = next_route_outcome(&mut self.routes) => {
                    self.record_route(outcome);
                    Vec::new()
                }
                _ = cancel.cancelled() => break,
            };
            self.hand_out(decisions);
            if let Some(done) = applied {
                let _ = done.send(());
            }
        }
    }

    fn apply(&mut self, command: AlertCommand) {
        match command {
            AlertCommand::Snooze(SnoozeTarget::All, until) => match until {
                SnoozeUntil::At(t) => self.policy.pause_all(Some(t)),
                _ => self.policy.pause_all(None),
            },
            AlertCommand::Snooze(SnoozeTarget::Account { account_id }, until) => {
                self.policy.snooze_account(account_id, until)
            }
            AlertCommand::Snooze(SnoozeTarget::Agent(key), until) => {
                self.policy.snooze_agent(key, until)
            }
            AlertCommand::ClearSnooze(target) => {
                self.policy.clear_snooze(&target);
            }
            AlertCommand::PauseAll(until) => self.policy.pause_all(until),
            AlertCommand::ResumeAll => self.policy.resume_all(),
            AlertCommand::StartMaintenance(target, until) => {
                self.policy.start_maintenance(target, until)
            }
            AlertCommand::EndMaintenance(target) => {
                self.policy.end_maintenance(&target, now_local());
            }
        }
    }

    fn hand_out(&mut self, decisions: Vec<Decision>) {
        let mut rows = Vec::new();
        for decision in &decisions {
            if self.history.is_some() {
                rows.extend(HistoryEntry::rows_of(decision));
            }
            if let (Some(n), Some(tx)) = (decision.notification(), &self.notifications) {
                let _ = tx.send(n.clone());
            }
            tracing::debug!("{}", decision.explanation());
            let _ = self.decisions.send(decision.clone());
        }
        if let (Some(tx), false) = (&self.history, rows.is_empty()) {
            if tx.send(rows).is_err() {
                tracing::warn!("the history writer has stopped: changes are no longer recorded");
                self.history = None;
            }
        }
        self.publish_view(decisions);
    }

    /// A program's or webhook's outcome: a history row, and a line under its decision in the
    /// Why list (when the decision is still among the recent ones).
    fn record_route(&mut self, outcome: RouteOutcome) {
        if let Some(tx) = &self.history {
            if tx.send(vec![HistoryEntry::route(&outcome)]).is_err() {
                self.history = None;
            }
        }
        self.view.send_modify(|view| {
            if let Some(explained) = view
                .recent
                .iter_mut()
                .rev()
                .find(|e| outcome.concerns(&e.decision))
            {
                explained.routes.push(outcome.report);
            }
        });
    }

    fn publish_view(&self, decisions: Vec<Decision>) {
        let now = now_local();
        let (pending, flapping, snoozes, paused) = (
            self.policy.pending(),
            self.policy.flapping(),
            self.policy.snoozes(now),
            self.policy.is_paused(now),
        );
        let (maintenance, adhoc_maintenance) = (
            self.policy.maintenance(now),
            self.policy.adhoc_maintenance(now),
        );
        self.view.send_modify(|view| {
            view.maintenance = maintenance;
            view.adhoc_maintenance = adhoc_maintenance;
            view.pending = pending;
            view.flapping = flapping;
            view.snoozes = snoozes;
            view.paused = paused;
            view.recent
                .extend(decisions.into_iter().map(|decision| ExplainedDecision {
                    explanation: decision.explanation(),
                    decision,
                    routes: Vec::new(),
                }));
            let excess = view.recent.len().saturating_sub(RECENT_DECISIONS);
            view.recent.drain(..excess);
        });
    }
}

/// The next outcome from the routes; never, when there is no routing.
async fn next_route_outcome(
    routes: &mut Option<mpsc::UnboundedReceiver<RouteOutcome>>,
) -> Option<RouteOutcome> {
    match routes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Sends notifications one at a time, in order, each under the notifier's own time limit, so
/// that a slow notification service never holds up polling or the policy.
pub(crate) async fn send_notifications(
    mut queue: mpsc::UnboundedReceiver<crate::notifier::Notification>,
    notifier: Arc<dyn Notifier>,
) {
    while let Some(n) = queue.recv().await {
        if let Err(e) = notifier.notify(&n).await {
            tracing::warn!("notification not shown: {e}");
        }
    }
}
