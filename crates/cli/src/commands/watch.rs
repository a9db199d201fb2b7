//! `agentwatch watch`: one line per change of the configured accounts until Ctrl-C (or for
//! `--duration`).

use super::{load_accounts, shutdown_signal};
use crate::terminal;
use agentwatch_core::config::Config;
use agentwatch_core::history::History;
use agentwatch_core::notifier::{DesktopNotifier, Notifier};
use agentwatch_core::secrets::{headless_secrets, SecretSource};
use agentwatch_core::{Engine, EngineOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run(config_path: &Path, notify: bool, duration: Option<Duration>) -> u8 {
    let config = match load_accounts(config_path, super::EXIT_USAGE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    terminal::say(format_args!(
        "watching {} account(s) from {}; Ctrl-C to stop",
        config.accounts.iter().filter(|a| a.enabled).count(),
        config_path.display()
    ));
    let options = EngineOptions {
        notifier: notify.then(|| Arc::new(DesktopNotifier::default()) as Arc<dyn Notifier>),
        history: Some(History::default_path()),
        // Programs and webhooks go with --notify, with or without a notification service.
        route: notify,
        ..Default::default()
    };
    print_events(&config, headless_secrets(), options, duration).await;
    0
}

/// Runs an engine and prints every event until Ctrl-C or until `duration` has passed.
pub async fn print_events(
    config: &Config,
    secrets: Arc<dyn SecretSource>,
    options: EngineOptions,
    duration: Option<Duration>,
) {
    let engine = Engine::start_with(config, secrets, options);
    let control = serve_control(&engine).await;
    let mut events = engine.subscribe();
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
            received = events.recv() => match received {
                Ok(event) => terminal::say(event.line()),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    terminal::say(format_args!("({n} events skipped: output too slow)"))
                }
                Err(_) => break,
            },
            _ = &mut deadline => break,
            _ = &mut stop => break,
        }
    }
    control.cancel();
    engine.shutdown().await;
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
