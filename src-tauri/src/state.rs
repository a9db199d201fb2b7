//! The app's state: the configuration, the secrets, and core's host, which runs the engine
//! (restarted whenever the configuration changes), keeps the alert memory and applies the
//! alert commands. The engine's alert policy decides what to notify (per-severity settings,
//! confirmation, flapping, quiet hours, pause) and sends it through the notifier, and records
//! the history; background tasks, started once, forward the host's status, events and alert
//! view to the webview and, through the listener set at setup (`Shared::on_tray_change`), the
//! tray.

use crate::secrets::Secrets;
use crate::view::{EventView, StatusView, TrayView, PAUSED_UNTIL_RESUMED};
use agentwatch_core::alerts::AlertView;
use agentwatch_core::config::Config;
use agentwatch_core::host::{Host, HostOptions};
use agentwatch_core::notifier::Notifier;
use agentwatch_core::running_accounts::RunningAccounts;
use agentwatch_core::{ErrorReport, Event, Status};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Emitter, Runtime};

/// Events kept for the dashboard's "recent events" list.
pub const RECENT_EVENTS: usize = 200;
pub const STATUS_EVENT: &str = "status";
/// The agents' events, in batches: all those one poll brought (newest first, at most
/// `RECENT_EVENTS`) in one message. One message per event (a 10,000-agent team's 500 changes a
/// poll) kept the page so busy that the status arrived seconds late or never.
pub const AGENT_EVENTS: &str = "agent-events";
/// The policy's view (pending, flapping, snoozes, recent decisions) pushed to the dashboard.
pub const ALERTS_EVENT: &str = "alerts";

/// Shows a new tray view (the tray module's, set at setup: state does not know the tray).
pub type TrayListener = Box<dyn Fn(&TrayView) + Send + Sync>;

/// What the background tasks share with the commands. Only short `std` locks, never held
/// across an `.await`.
#[derive(Default)]
pub struct Shared {
    recent: Mutex<VecDeque<Event>>,
    latest: Mutex<Arc<Status>>,
    /// Unix ms until which notifications are paused; 0 = not paused.
    paused_until_ms: AtomicI64,
    tray: Mutex<Option<TrayView>>,
    alerts: Mutex<Arc<AlertView>>,
    tray_listener: std::sync::OnceLock<TrayListener>,
}

impl Shared {
    pub fn paused_until(&self) -> Option<i64> {
        let until = self.paused_until_ms.load(Ordering::Relaxed);
        (until > agentwatch_core::clock::now_ms()).then_some(until)
    }

    pub fn set_paused_until(&self, until_ms: Option<i64>) {
        self.paused_until_ms
            .store(until_ms.unwrap_or(0), Ordering::Relaxed);
    }

    pub fn recent(&self) -> Vec<Event> {
        self.recent.lock().unwrap().iter().cloned().collect()
    }

    pub fn latest(&self) -> Arc<Status> {
        self.latest.lock().unwrap().clone()
    }

    /// The alert policy's latest view: what is pending, flapping, snoozed, and why.
    pub fn alerts(&self) -> Arc<AlertView> {
        self.alerts.lock().unwrap().clone()
    }

    /// Who shows the tray view when it changes (set once, at setup).
    pub fn on_tray_change(&self, listener: TrayListener) {
        if self.tray_listener.set(listener).is_err() {
            tracing::warn!("the tray listener was already set");
        }
    }

    pub fn tray_view(&self) -> Option<TrayView> {
        self.tray.lock().unwrap().clone()
    }

    fn push_event(&self, event: Event) {
        let mut recent = self.recent.lock().unwrap();
        if recent.len() == RECENT_EVENTS {
            recent.pop_back();
        }
        recent.push_front(event);
    }
}

/// Sends the latest status to the webview and the tray. Called on every status update, when
/// the pause changes and when the alert view does (maintenance windows).
pub fn publish<R: Runtime>(app: &AppHandle<R>, shared: &Shared) {
    let status = shared.latest();
    let paused = shared.paused_until();
    let view = TrayView::new(&status, paused, &shared.alerts().maintenance);
    let changed = {
        let mut current = shared.tray.lock().unwrap();
        let changed = current.as_ref() != Some(&view);
        *current = Some(view.clone());
        changed
    };
    if let (true, Some(show)) = (changed, shared.tray_listener.get()) {
        show(&view);
    }
    let payload = StatusView::new(&status, &view, paused);
    if let Err(e) = app.emit(STATUS_EVENT, &payload) {
        tracing::debug!("status not sent to the dashboard: {e}");
    }
}

pub struct AppState {
    pub config_path: PathBuf,
    pub secrets: Arc<Secrets>,
    pub demo: bool,
    /// Set when the config file failed to load: it is reported and never written over.
    pub config_error: Option<ErrorReport>,
    pub shared: Arc<Shared>,
    notifier: Option<Arc<dyn Notifier>>,
    /// Where the engine records confirmed changes, outages and notifications (SQLite).
    history: Option<PathBuf>,
    /// Where history exports go instead of the Downloads folder (tests).
    export_dir: Option<PathBuf>,
    /// Where the pause and the snoozes are kept across restarts (core's `host::memory`).
    alert_memory: Option<PathBuf>,
    /// Runs the engine, keeps the alert memory, applies the alert commands.
    pub host: Arc<Host>,
    config: tokio::sync::Mutex<Config>,
    /// Set once the host's feeds are forwarded to the webview and the tray.
    forwarding: OnceLock<()>,
    /// Keeps demo-mode resources (the simulators) alive as long as the app.
    _keep: Mutex<Vec<Box<dyn std::any::Any + Send>>>,
}

impl AppState {
    /// Loads the config; a file that does not load leaves the app running with no accounts and
    /// the error shown, and every command that would write the file refuses.
    pub fn new(
        config_path: PathBuf,
        secrets: Secrets,
        notifier: Option<Arc<dyn Notifier>>,
        demo: bool,
    ) -> AppState {
        let (config, config_error) = match Config::load(&config_path) {
            Ok(c) => (c, None),
            Err(e) => {
                tracing::error!("the config file did not load: {e}");
                (Config::default(), Some(ErrorReport::from(&e)))
            }
        };
        let secrets = Arc::new(secrets);
        let mut state = AppState {
            config_path,
            host: Arc::new(Host::new(HostOptions::new(secrets.clone()))),
            secrets,
            demo,
            config_error,
            shared: Arc::new(Shared::default()),
            notifier,
            history: None,
            export_dir: None,
            alert_memory: None,
            config: tokio::sync::Mutex::new(config),
            forwarding: OnceLock::new(),
            _keep: Mutex::new(Vec::new()),
        };
        state.rebuild_host();
        state
    }

    /// Records the history in this SQLite file.
    pub fn with_history(mut self, path: PathBuf) -> Self {
        self.history = Some(path);
        self.rebuild_host();
        self
    }

    /// Keeps the pause and the snoozes in this file, and takes back the ones it holds: the
    /// first engine is handed them like any engine after a restart.
    pub fn with_alert_memory(mut self, path: PathBuf) -> Self {
        self.alert_memory = Some(path);
        self.rebuild_host();
        self
    }

    /// A host for the options set so far (builders only: no engine runs yet), and what its
    /// memory holds shown at once.
    fn rebuild_host(&mut self) {
        let mut options = HostOptions::new(self.secrets.clone());
        options.engine.notifier = self.notifier.clone();
        options.engine.history = self.history.clone();
        // [[actions]] and [[webhooks]], beside (never behind) the desktop notification.
        options.engine.route = true;
        options.alert_memory = self.alert_memory.clone();
        self.host = Arc::new(Host::new(options));
        self.shared.set_paused_until(self.host.paused_until_ms());
        let remembered = self.host.alert_view().borrow().clone();
        *self.shared.alerts.lock().unwrap() = remembered;
    }

    /// Writes history exports to this folder instead of the Downloads folder.
    pub fn with_export_dir(mut self, dir: PathBuf) -> Self {
        self.export_dir = Some(dir);
        self
    }

    pub fn export_dir(&self) -> Option<PathBuf> {
        self.export_dir.clone()
    }

    pub fn keep_alive(&self, thing: Box<dyn std::any::Any + Send>) {
        self._keep.lock().unwrap().push(thing);
    }

    /// Refuses a change while the config file on disk did not load (it would be written over).
    pub fn writable(&self) -> crate::error::Result<()> {
        match &self.config_error {
            Some(e) => Err(crate::error::Error::from(e)),
            None => Ok(()),
        }
    }

    pub async fn config(&self) -> Config {
        self.config.lock().await.clone()
    }

    /// Applies a change to the config: validates and saves the file, then restarts the engine.
    /// Refuses while the file on disk did not load (it would be overwritten).
    pub async fn update_config<R, F>(
        &self,
        app: &AppHandle<R>,
        change: F,
    ) -> crate::error::Result<()>
    where
        R: Runtime,
        F: FnOnce(&mut Config) -> crate::error::Result<()>,
    {
        if let Some(e) = &self.config_error {
            return Err(crate::error::Error::ConfigBroken(format!(
                "the config file did not load, so AgentWatch will not write over it; fix it and restart: {}",
                e.message
            )));
        }
        {
            let mut config = self.config.lock().await;
            let mut next = config.clone();
            change(&mut next)?;
            next.save(&self.config_path)?;
            *config = next;
        }
        self.restart(app).await;
        Ok(())
    }

    /// Runs the current config: the host stops the running engine (if any) and starts one,
    /// handing it the alert memory.
    pub async fn restart<R: Runtime>(&self, app: &AppHandle<R>) {
        if self.forwarding.set(()).is_ok() {
            self.forward(app);
        }
        let config = self.config.lock().await.clone();
        self.host.start(config).await;
    }

    /// The running engine's accounts, for *Test connection* and the pickers to ask through
    /// their sessions; none while no engine runs.
    pub async fn running_accounts(&self) -> Option<RunningAccounts> {
        self.host.running_accounts().await
    }

    /// Where the history is recorded, if anywhere.
    pub fn history_path(&self) -> Option<PathBuf> {
        self.history.clone()
    }

    pub async fn shutdown(&self) {
        self.host.shutdown().await;
    }

    /// Asks the keyring to unlock (its own prompt) and, once it is, polls at once instead of
    /// at the next look.
    pub async fn unlock_keyring(&self) -> agentwatch_core::Result<bool> {
        let unlocked = self.secrets.unlock().await?;
        if unlocked {
            self.poll_now().await;
        }
        Ok(unlocked)
    }

    /// The machine woke from sleep (logind said so).
    pub async fn resumed(&self) {
        self.host.resumed().await;
    }

    pub async fn poll_now(&self) {
        self.host.poll_now().await;
    }

    /// Forwards the host's feeds (which outlive engine restarts) to the dashboard and the tray.
    fn forward<R: Runtime>(&self, app: &AppHandle<R>) {
        // Status: every update goes to the dashboard and the tray.
        let mut status = self.host.status();
        let (app1, shared1) = (app.clone(), self.shared.clone());
        tauri::async_runtime::spawn(async move {
            loop {
                let current = status.borrow_and_update().clone();
                *shared1.latest.lock().unwrap() = current;
                publish(&app1, &shared1);
                if status.changed().await.is_err() {
                    break;
                }
            }
        });
        // Events: kept for the recent list and pushed to the dashboard.
        let mut events = self.host.events();
        let (app2, shared2) = (app.clone(), self.shared.clone());
        tauri::async_runtime::spawn(async move {
            use tokio::sync::broadcast::error::{RecvError, TryRecvError};
            loop {
                let first = match events.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!("{n} events skipped");
                        continue;
                    }
                    Err(RecvError::Closed) => break,
                };
                // Everything already waiting joins it: one poll's events go in one message.
                let mut batch = vec![first];
                loop {
                    match events.try_recv() {
                        Ok(event) => batch.push(event),
                        Err(TryRecvError::Lagged(n)) => tracing::warn!("{n} events skipped"),
                        Err(_) => break,
                    }
                }
                // Logged once, by the engine's poller that saw them.
                let newest: Vec<EventView> = batch
                    .iter()
                    .rev()
                    .take(RECENT_EVENTS)
                    .map(EventView::new)
                    .collect();
                if let Err(e) = app2.emit(AGENT_EVENTS, newest) {
                    tracing::debug!("events not sent to the dashboard: {e}");
                }
                for event in batch {
                    shared2.push_event(event);
                }
            }
        });
        // The alert policy's view: pending, flapping, snoozes and the recent decisions. The
        // host keeps the memory; the tray's face follows the pause and the maintenance.
        let mut alerts = self.host.alert_view();
        let (app3, shared3, host) = (app.clone(), self.shared.clone(), self.host.clone());
        tauri::async_runtime::spawn(async move {
            let mut maintenance = Vec::new();
            loop {
                let view = alerts.borrow_and_update().clone();
                *shared3.alerts.lock().unwrap() = view.clone();
                let paused_changed = show_pause(&app3, &shared3, host.paused_until_ms());
                // "In maintenance until 02:00" on the tray, when that changed.
                if view.maintenance != maintenance || paused_changed {
                    maintenance = view.maintenance.clone();
                    publish(&app3, &shared3);
                }
                if let Err(e) = app3.emit(ALERTS_EVENT, view.as_ref()) {
                    tracing::debug!("alert view not sent to the dashboard: {e}");
                }
                if alerts.changed().await.is_err() {
                    break;
                }
            }
        });
    }
}

/// Takes a new pause for the tray (true when it changed), and schedules the face's change back
/// when a timed pause ends. The caller publishes.
pub fn show_pause<R: Runtime>(
    app: &AppHandle<R>,
    shared: &Arc<Shared>,
    until: Option<i64>,
) -> bool {
    if until == shared.paused_until() {
        return false;
    }
    shared.set_paused_until(until);
    if let Some(until) = until.filter(|u| *u != PAUSED_UNTIL_RESUMED) {
        schedule_pause_end(app, shared.clone(), until);
    }
    true
}

/// Re-publishes when a pause ends, so that the tray leaves its paused face on time.
pub fn schedule_pause_end<R: Runtime>(app: &AppHandle<R>, shared: Arc<Shared>, until_ms: i64) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let wait = (until_ms - agentwatch_core::clock::now_ms()).max(0) as u64;
        tokio::time::sleep(std::time::Duration::from_millis(wait + 50)).await;
        publish(&app, &shared);
    });
}
