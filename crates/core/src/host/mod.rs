//! The host: runs the engine for a front end (`agentwatch watch`, `agentwatch serve`), so that
//! the front end only translates (terminal lines, HTTP).
//!
//! It owns the running engine and starts a new one for a new config (`reload` keeps the running
//! one when the new file does not load); keeps the alert memory (pause, snoozes,
//! acknowledgements, maintenance started at run time) across engine restarts and, in its file,
//! across restarts of the front end (`memory`); and answers the control channel (`control`).
//! Front ends subscribe once to its feeds (status, events, polls, decisions, the alert view),
//! which carry on across engine restarts (`feeds`).

mod control;
mod feeds;
pub mod memory;

pub use control::ControlService;
pub use memory::{ALERT_MEMORY_FILE, PAUSED_UNTIL_RESUMED};

use crate::alerts::AlertView;
use crate::config::Config;
use crate::engine::{Engine, EngineOptions};
use crate::error::Error;
use crate::events::Event;
use crate::policy::Decision;
use crate::poller::PollRecord;
use crate::running_accounts::RunningAccounts;
use crate::secrets::SecretSource;
use crate::status::Status;
use feeds::Feeds;
use memory::AlertMemory;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// How a front end wants its engine run.
pub struct HostOptions {
    /// Where the engine reads the accounts' secrets.
    pub secrets: Arc<dyn SecretSource>,
    /// The notifier, the history file and the routes, as each engine gets them.
    pub engine: EngineOptions,
    /// Keeps the alert memory in this file across restarts of the front end; none = only
    /// across engine restarts.
    pub alert_memory: Option<PathBuf>,
}

impl HostOptions {
    /// Secrets from `secrets`; no notifier, no history, no memory file, no routing.
    pub fn new(secrets: Arc<dyn SecretSource>) -> HostOptions {
        HostOptions {
            secrets,
            engine: EngineOptions::default(),
            alert_memory: None,
        }
    }

    /// Records the history in this file and keeps the alert memory beside it.
    pub fn with_history(mut self, history: PathBuf) -> Self {
        self.alert_memory = Some(memory::beside(&history));
        self.engine.history = Some(history);
        self
    }
}

/// What a reload came to.
#[derive(Debug)]
pub enum Reloaded {
    /// The file says what runs already: nothing restarted.
    Unchanged,
    /// A new engine runs the new config.
    Restarted,
    /// The file was refused: the running config goes on.
    Refused(Error),
}

struct Running {
    config: Config,
    engine: Engine,
    forwarders: Vec<JoinHandle<()>>,
}

pub struct Host {
    options: HostOptions,
    running: tokio::sync::Mutex<Option<Running>>,
    memory: Arc<Mutex<AlertMemory>>,
    feeds: Arc<Feeds>,
    /// One alert command at a time: "already snoozed" is judged on what the one before did.
    commands: tokio::sync::Mutex<()>,
}

impl Host {
    /// A host with nothing running yet; the alert memory file is read now.
    pub fn new(options: HostOptions) -> Host {
        let now = crate::clock::now_ms();
        let memory = AlertMemory::load(options.alert_memory.clone(), now);
        let feeds = Feeds::new();
        // What is remembered shows before the first engine has taken it.
        feeds.alerts.send_replace(Arc::new(memory.view(now)));
        Host {
            options,
            running: tokio::sync::Mutex::new(None),
            memory: Arc::new(Mutex::new(memory)),
            feeds: Arc::new(feeds),
            commands: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs `config`: the running engine (if any) stops first, and the new one is handed the
    /// alert memory. Must be called inside a tokio runtime.
    pub async fn start(&self, config: Config) {
        let mut running = self.running.lock().await;
        if let Some(old) = running.take() {
            stop(old).await;
        }
        let engine = Engine::start_with(
            &config,
            self.options.secrets.clone(),
            self.options.engine.clone(),
        );
        let commands = self.memory.lock().unwrap().commands(crate::clock::now_ms());
        for command in commands {
            engine.command(command);
        }
        let forwarders = self.feeds.forward(&engine, &self.memory);
        *running = Some(Running {
            config,
            engine,
            forwarders,
        });
    }

    /// Runs the config just loaded, unless it did not load (the running one goes on) or says
    /// what runs already.
    pub async fn reload(&self, loaded: crate::Result<Config>) -> Reloaded {
        let next = match loaded {
            Ok(next) => next,
            Err(e) => return Reloaded::Refused(e),
        };
        if self.config().await.as_ref() == Some(&next) {
            return Reloaded::Unchanged;
        }
        self.start(next).await;
        Reloaded::Restarted
    }

    /// The config that runs, if any.
    pub async fn config(&self) -> Option<Config> {
        self.running.lock().await.as_ref().map(|r| r.config.clone())
    }

    /// Stops the engine (Huawei seats signed out, the history written); the memory is kept.
    pub async fn shutdown(&self) {
        if let Some(old) = self.running.lock().await.take() {
            stop(old).await;
        }
    }

    /// The latest status; `changed()` wakes on every update, across engine restarts.
    pub fn status(&self) -> watch::Receiver<Arc<Status>> {
        self.feeds.status.subscribe()
    }

    pub fn current(&self) -> Arc<Status> {
        self.feeds.status.borrow().clone()
    }

    /// Every change a poll saw, as it happens.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.feeds.events.subscribe()
    }

    /// Every poll's duration and result.
    pub fn polls(&self) -> broadcast::Receiver<PollRecord> {
        self.feeds.polls.subscribe()
    }

    /// Every decision of the alert policy.
    pub fn decisions(&self) -> broadcast::Receiver<Decision> {
        self.feeds.decisions.subscribe()
    }

    /// What is pending, flapping, snoozed or paused, and the recent decisions explained.
    pub fn alert_view(&self) -> watch::Receiver<Arc<AlertView>> {
        self.feeds.alerts.subscribe()
    }

    /// The running accounts, for *Test connection* and the pickers (`connection_test`).
    pub async fn running_accounts(&self) -> Option<RunningAccounts> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|r| r.engine.running())
    }

    /// Polls every account now.
    pub async fn poll_now(&self) {
        if let Some(running) = self.running.lock().await.as_ref() {
            running.engine.poll_now();
        }
    }

    /// The machine woke from sleep (the desktop's logind said so): see [`Engine::resumed`].
    pub async fn resumed(&self) {
        if let Some(running) = self.running.lock().await.as_ref() {
            running.engine.resumed();
        }
    }

    /// Until when notifications are paused (unix ms; [`PAUSED_UNTIL_RESUMED`] for "until
    /// resumed"), as the memory holds it.
    pub fn paused_until_ms(&self) -> Option<i64> {
        let now = crate::clock::now_ms();
        self.memory.lock().unwrap().paused_until_ms(now)
    }
}

/// Stops an engine and the forwarding of its feeds (they end with its channels; the abort
/// only makes sure).
async fn stop(old: Running) {
    old.engine.shutdown().await;
    for task in old.forwarders {
        task.abort();
    }
}
