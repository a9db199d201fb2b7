//! The engine: one poller task per enabled account, the latest-status channel, the stream of
//! observed changes, the alert task that decides what to notify and records the history, and
//! (with `EngineOptions::route`) the routes that run programs and post webhooks for each
//! notification (`routing`).
//! Front ends (tray app, CLI) start it, read from it and shut it down; a configuration change is
//! applied by shutting down and starting a new engine.

use crate::alerts::{send_notifications, AlertCommand, AlertTask, AlertView, Commanded};
use crate::board::Board;
use crate::config::Config;
use crate::events::Event;
use crate::notifier::Notifier;
use crate::policy::{AlertPolicy, Decision};
use crate::poller::{PollRecord, Poller};
use crate::routing::{RetryPolicy, Router};
use crate::running_accounts::RunningAccounts;
use crate::secrets::SecretSource;
use crate::sleep_watch::{self, SleepWatch, SystemWallClock, WallClock};
use crate::status::Status;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Events kept for subscribers that fall behind; a slower one skips ahead and is told.
const EVENT_BUFFER: usize = 4096;
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

/// What the engine does with its decisions besides publishing them.
#[derive(Default, Clone)]
pub struct EngineOptions {
    /// Sends the policy's notifications; none = decide but notify nobody.
    pub notifier: Option<Arc<dyn Notifier>>,
    /// Records confirmed changes, outages and notifications in this SQLite file.
    pub history: Option<std::path::PathBuf>,
    /// The wall clock the sleep watch compares with the monotonic one (the system's when none).
    pub wall_clock: Option<Arc<dyn WallClock>>,
    /// Runs the config's `[[actions]]` and posts its `[[webhooks]]` for each notification
    /// (with or without a notifier: routing needs no notification service).
    pub route: bool,
    /// Other webhook retries and queue sizes than the defaults (tests).
    pub route_limits: Option<(RetryPolicy, usize)>,
}

pub struct Engine {
    board: Arc<Board>,
    events: broadcast::Sender<Event>,
    polls: broadcast::Sender<PollRecord>,
    decisions: broadcast::Sender<Decision>,
    alert_view: watch::Receiver<AlertView>,
    commands: mpsc::UnboundedSender<Commanded>,
    wakers: Vec<(String, Arc<Notify>)>,
    running: RunningAccounts,
    sleep: Arc<SleepWatch>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    history_thread: Option<std::thread::JoinHandle<()>>,
}

impl Engine {
    /// Starts polling every enabled account, deciding but neither notifying nor recording.
    /// Must be called inside a tokio runtime.
    pub fn start(config: &Config, secrets: Arc<dyn SecretSource>) -> Engine {
        Engine::start_with(config, secrets, EngineOptions::default())
    }

    /// Starts polling with a notifier and a history file.
    pub fn start_with(
        config: &Config,
        secrets: Arc<dyn SecretSource>,
        options: EngineOptions,
    ) -> Engine {
        let accounts: Vec<_> = config
            .accounts
            .iter()
            .filter(|a| a.enabled)
            .cloned()
            .collect();
        let board = Arc::new(Board::new(&accounts));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (polls, _) = broadcast::channel(EVENT_BUFFER);
        let (decisions, _) = broadcast::channel(EVENT_BUFFER);
        let cancel = CancellationToken::new();
        let mut tasks = Vec::new();

        let (history_tx, history_thread) = match options.history.clone() {
            Some(path) => {
                let (tx, rx) = std::sync::mpsc::channel();
                let retention = config.history.retention_days;
                let thread = crate::history_writer::spawn(path, retention, rx);
                (Some(tx), Some(thread))
            }
            None => (None, None),
        };
        let notifications = options.notifier.map(|notifier| {
            let (tx, rx) = mpsc::unbounded_channel();
            tasks.push(tokio::spawn(send_notifications(rx, notifier)));
            tx
        });
        let route_outcomes = options
            .route
            .then(|| Router::new(&config.actions, &config.webhooks))
            .filter(|router| !router.is_empty())
            .map(|router| {
                let router = match options.route_limits {
                    Some((retry, queue)) => router.with_limits(retry, queue),
                    None => router,
                };
                let (tx, rx) = mpsc::unbounded_channel();
                // Subscribed before the alert task starts, so no decision is missed.
                let subscription = decisions.subscribe();
                tasks.extend(router.spawn(subscription, secrets.clone(), tx, cancel.child_token()));
                rx
            });
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (view_tx, alert_view) = watch::channel(AlertView::default());
        let sleep = SleepWatch::new(
            options
                .wall_clock
                .unwrap_or_else(|| Arc::new(SystemWallClock)),
        );
        tasks.push(tokio::spawn(sleep_watch::run(
            sleep.clone(),
            cancel.child_token(),
        )));
        let mut policy = AlertPolicy::new(config.alerts.clone(), config.notifications.clone());
        policy.set_maintenance_schedules(
            accounts
                .iter()
                .map(|a| (a.id.as_str(), a.maintenance.as_slice())),
        );
        let alert_task = AlertTask {
            policy,
            reports,
            commands: commands_rx,
            notifications,
            history: history_tx,
            decisions: decisions.clone(),
            view: view_tx,
            resumes: sleep.subscribe(),
            routes: route_outcomes,
        };
        tasks.push(tokio::spawn(alert_task.run(cancel.child_token())));

        let mut wakers = Vec::new();
        let mut askers = Vec::new();
        for account in accounts {
            let wake = Arc::new(Notify::new());
            wakers.push((account.id.clone(), wake.clone()));
            let (asks_tx, asks) = mpsc::unbounded_channel();
            askers.push((account.clone(), asks_tx));
            let poller = Poller {
                interval: config.poll_interval(&account),
                account,
                secrets: secrets.clone(),
                board: board.clone(),
                events: events.clone(),
                polls: polls.clone(),
                reports: reports_tx.clone(),
                sleep: sleep.clone(),
                resumes: sleep.subscribe(),
                history: options.history.clone(),
                asks,
            };
            tasks.push(tokio::spawn(poller.run(cancel.child_token(), wake)));
        }
        let running = RunningAccounts::new(askers, board.subscribe());
        Engine {
            running,
            board,
            events,
            polls,
            decisions,
            alert_view,
            commands,
            wakers,
            sleep,
            cancel,
            tasks,
            history_thread,
        }
    }

    /// Every poll's duration and result, as it ends.
    pub fn polls(&self) -> broadcast::Receiver<PollRecord> {
        self.polls.subscribe()
    }

    /// Every decision of the alert policy: notified, or quiet with the reason.
    pub fn decisions(&self) -> broadcast::Receiver<Decision> {
        self.decisions.subscribe()
    }

    /// What is pending, flapping, snoozed or paused, and the recent decisions explained.
    pub fn alert_view(&self) -> watch::Receiver<AlertView> {
        self.alert_view.clone()
    }

    /// Snooze, acknowledge, pause or resume (applied in order with the polls).
    pub fn command(&self, command: AlertCommand) {
        let _ = self.commands.send((command, None));
    }

    /// `command`, returning once it is applied and the alert view shows it; `None` when the
    /// engine has stopped.
    pub async fn apply(&self, command: AlertCommand) -> Option<()> {
        let (done, applied) = tokio::sync::oneshot::channel();
        self.commands.send((command, Some(done))).ok()?;
        applied.await.ok()
    }

    /// The latest status; `changed()` on the receiver wakes on every update.
    pub fn status(&self) -> watch::Receiver<Arc<Status>> {
        self.board.subscribe()
    }

    pub fn current(&self) -> Arc<Status> {
        self.board.current()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The running accounts, to poll or list through their own sessions (*Test connection*,
    /// the pickers) instead of signing in a second time.
    pub fn running(&self) -> RunningAccounts {
        self.running.clone()
    }

    /// Polls every account now instead of at the end of its wait.
    pub fn poll_now(&self) {
        for (_, wake) in &self.wakers {
            wake.notify_one();
        }
    }

    /// Polls one account now; false when there is no such enabled account.
    pub fn poll_account_now(&self, account_id: &str) -> bool {
        match self.wakers.iter().find(|(id, _)| id == account_id) {
            Some((_, wake)) => {
                wake.notify_one();
                true
            }
            None => false,
        }
    }

    /// The machine woke from sleep (the desktop's logind said so): sessions are renewed, the
    /// network gets a grace period and nothing counted before the sleep is confirmed by it.
    /// The engine also notices a sleep by itself, a little later, from the clocks.
    pub fn resumed(&self) {
        self.sleep.announce(None);
    }

    /// Stops every poller and waits (bounded) for them to release their sessions and for the
    /// history to write what it was given.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        let all = futures::future::join_all(std::mem::take(&mut self.tasks));
        if tokio::time::timeout(SHUTDOWN_LIMIT, all).await.is_err() {
            tracing::warn!("some accounts did not shut down within {SHUTDOWN_LIMIT:?}");
        }
        if let Some(thread) = self.history_thread.take() {
            // The alert task (the only sender) has ended: the writer drains and stops.
            let joined = tokio::task::spawn_blocking(move || thread.join());
            if tokio::time::timeout(SHUTDOWN_LIMIT, joined).await.is_err() {
                tracing::warn!("the history did not finish writing within {SHUTDOWN_LIMIT:?}");
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
