//! `agentwatch watch`: one line per confirmed change of the configured accounts (and per
//! notification the alert policy sent) until Ctrl-C (or for `--duration`): the rows the history
//! records, in the same words. `--raw` prints every change the moment a poll sees it instead.

use super::{load_accounts, shutdown_signal};
use crate::terminal;
use agentwatch_core::config::{Config, ConfigFile};
use agentwatch_core::events::agent_subject;
use agentwatch_core::history::{History, HistoryEntry};
use agentwatch_core::host::{ControlService, Host, HostOptions};
use agentwatch_core::notifier::{DesktopNotifier, Notifier};
use agentwatch_core::policy::Decision;
use agentwatch_core::secrets::headless_secrets;
use agentwatch_core::status::Status;
use agentwatch_core::watched::NOT_FOUND;
use agentwatch_core::Event;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

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
    // The history, and the alert memory beside it: a snooze outlives this watch.
    let mut options = HostOptions::new(headless_secrets()).with_history(History::default_path());
    options.engine.notifier =
        notify.then(|| Arc::new(DesktopNotifier::default()) as Arc<dyn Notifier>);
    // Programs and webhooks go with --notify, with or without a notification service.
    options.engine.route = notify;
    print_events(config, options, duration, lines).await;
    0
}

/// Runs a host and prints its lines until Ctrl-C or until `duration` has passed.
pub async fn print_events(
    config: Config,
    options: HostOptions,
    duration: Option<Duration>,
    lines: Lines,
) {
    let host = Arc::new(Host::new(options));
    // Subscribed before the engine starts, so that no line of its first poll is missed.
    let mut source = LineSource::new(&host, lines);
    let mut status = host.status();
    host.start(config).await;
    let control = serve_control(&host).await;
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
    if let Some(control) = control {
        control.stop().await;
    }
    host.shutdown().await;
}

/// Where the printed lines come from: the alert policy's decisions, each as the rows the
/// history records for it (none for a change still waiting to be confirmed), or the raw events.
enum LineSource {
    Confirmed(broadcast::Receiver<Decision>),
    Raw(broadcast::Receiver<Event>),
}

impl LineSource {
    fn new(host: &Host, lines: Lines) -> LineSource {
        match lines {
            Lines::Confirmed => LineSource::Confirmed(host.decisions()),
            Lines::Raw => LineSource::Raw(host.events()),
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
async fn serve_control(host: &Arc<Host>) -> Option<ControlService> {
    let answered = host
        .serve_control(|answer| {
            let verdict = if answer.ok { "" } else { "refused: " };
            terminal::say(format_args!("control: {verdict}{}", answer.message));
        })
        .await;
    answered
        .map_err(|e| {
            terminal::warn(format_args!(
                "agentwatch: scripts cannot control this watch: {e}"
            ))
        })
        .ok()
}
