//! `agentwatch watch`: one line per confirmed change of the configured accounts (and per
//! notification the alert policy sent) until Ctrl-C (or for `--duration`): the rows the history
//! records, in the same words. `--raw` prints every change the moment a poll sees it instead.

use super::{load_accounts, shutdown_signal};
use crate::terminal;
use agentwatch_core::config::{Config, ConfigFile};
use agentwatch_core::events::agent_subject;
use agentwatch_core::history::{History, HistoryEntry};
use agentwatch_core::notifier::{DesktopNotifier, Notifier};
use agentwatch_core::policy::Decision;
use agentwatch_core::secrets::{headless_secrets, SecretSource};
use agentwatch_core::status::Status;
use agentwatch_core::watched::NOT_FOUND;
use agentwatch_core::{Engine, EngineOptions, Event};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

/// What `watch` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// What the alert policy confirmed and notified: the history's rows, as they are recorded.
    Confirmed,
    /// Every change the moment a poll sees it, blips included (not what the history keeps).
    Raw,
}

pub async fn run(
    config_file: &ConfigFile,
    notify: bool,
    duration: Option<Duration>,
    lines: Lines,
) -> u8 {
    let config = match load_accounts(config_file, super::EXIT_USAGE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    terminal::say(format_args!(
        "watching {} account(s) from {}; Ctrl-C to stop",
        config.accounts.iter().filter(|a| a.enabled).count(),
        config_file.path.display()
    ));
    let options = EngineOptions {
        notifier: notify.then(|| Arc::new(DesktopNotifier::default()) as Arc<dyn Notifier>),
        history: Some(History::default_path()),
        // Programs and webhooks go with --notify, with or without a notification service.
        route: notify,
        ..Default::default()
    };
    print_events(&config, headless_secrets(), options, duration, lines).await;
    0
}

/// Runs an engine and prints its lines until Ctrl-C or until `duration` has passed.
pub async fn print_events(
    config: &Config,
    secrets: Arc<dyn SecretSource>,
    options: EngineOptions,
    duration: Option<Duration>,
    lines: Lines,
) {
    let engine = Engine::start_with(config, secrets, options);
    let control = serve_control(&engine).await;
    let mut source = LineSource::new(&engine, lines);
    let mut status = engine.status();
    let mut not_found = NotFoundAgents::default();
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            received = source.next() => match received {
                Ok(lines) => lines.into_iter().for_each(terminal::say),
                Err(RecvError::Lagged(n)) => {
                    terminal::say(format_args!("({n} events skipped: output too slow)"))
                }
                Err(RecvError::Closed) => break,
            },
            Ok(()) = status.changed() => {
                let current = status.borrow_and_update().clone();
                for line in not_found.newly_in(&current) {
                    terminal::say(line);
                }
            }
            _ = &mut deadline => break,
            _ = &mut stop => break,
        }
    }
    control.cancel();
    engine.shutdown().await;
}

/// Where the printed lines come from: the alert policy's decisions, each as the rows the
/// history records for it (none for a change still waiting to be confirmed), or the raw events.
enum LineSource {
    Confirmed(broadcast::Receiver<Decision>),
    Raw(broadcast::Receiver<Event>),
}

impl LineSource {
    fn new(engine: &Engine, lines: Lines) -> LineSource {
        match lines {
            Lines::Confirmed => LineSource::Confirmed(engine.decisions()),
            Lines::Raw => LineSource::Raw(engine.subscribe()),
        }
    }

    /// The lines of the next decision (often none) or event.
    async fn next(&mut self) -> Result<Vec<String>, RecvError> {
        match self {
            LineSource::Confirmed(decisions) => {
                let decision = decisions.recv().await?;
                Ok(HistoryEntry::rows_of(&decision)
                    .map(|row| row.line())
                    .collect())
            }
            LineSource::Raw(events) => Ok(vec![events.recv().await?.line()]),
        }
    }
}

/// The watched agents the vendors do not list, each printed once when first found missing
/// (in the event lines' shape); an agent listed later shows as a change from "not found".
#[derive(Default)]
struct NotFoundAgents(HashSet<(String, String)>);

impl NotFoundAgents {
    fn newly_in(&mut self, status: &Status) -> Vec<String> {
        status
            .agents
            .iter()
            .filter(|a| a.observation.native == NOT_FOUND && a.observation.state == NOT_FOUND)
            .filter(|a| {
                self.0
                    .insert((a.account_id.clone(), a.observation.agent_id.clone()))
            })
            .map(|a| {
                let o = &a.observation;
                format!(
                    "{} {} {} {} {NOT_FOUND} {} ({})",
                    agentwatch_core::clock::local_hms(a.since_ms),
                    a.vendor,
                    a.account_id,
                    agent_subject(&o.agent_id, o.name.as_deref()),
                    o.severity,
                    o.detail.as_deref().unwrap_or_default()
                )
            })
            .collect()
    }
}

/// Answers `agentwatch snooze|ack|pause|maintenance` from other processes while watching,
/// printing what each request did. Watching goes on without it when the channel cannot be had
/// (another AgentWatch answers on it, or its folder is refused).
async fn serve_control(engine: &Engine) -> CancellationToken {
    use agentwatch_core::control::channel::{location, ControlServer, Handler};
    let cancel = CancellationToken::new();
    match ControlServer::bind(&location()).await {
        Ok(server) => {
            let control = engine.control();
            let handler: Handler = Arc::new(move |request| {
                let answer = control.apply(&request.op);
                let verdict = if answer.ok { "" } else { "refused: " };
                terminal::say(format_args!("control: {verdict}{}", answer.message));
                Box::pin(std::future::ready(answer))
            });
            tokio::spawn(server.serve(handler, cancel.clone()));
        }
        Err(e) => terminal::warn(format_args!(
            "agentwatch: scripts cannot control this watch: {e}"
        )),
    }
    cancel
}
