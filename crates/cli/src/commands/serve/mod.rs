//! `agentwatch serve`: the engine headless, for a server, with its state exposed to Prometheus
//! at `/metrics` (OpenMetrics), plus `/healthz` and `/readyz`. Same config and secrets as
//! `watch` (systemd credentials first when run as a service), history recorded; SIGTERM or
//! SIGINT stops cleanly (Huawei seats signed out), SIGHUP reloads the config and keeps the
//! running one when the file is refused.

mod access;
mod formats;
mod http;
mod metrics;
mod signals;

use super::{load_accounts, EXIT_USAGE};
use crate::terminal;
use access::Access;
use agentwatch_core::config::{Config, ConfigFile};
use agentwatch_core::history::History;
use agentwatch_core::secrets::{headless_secrets, SecretSource};
use agentwatch_core::{Engine, EngineOptions};
use http::{Shared, StatusFeed};
use metrics::Metrics;
use signals::{Signal, Signals};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The history file under systemd's `StateDirectory=` when the unit has one.
const STATE_DIRECTORY: &str = "STATE_DIRECTORY";
/// How long the HTTP server may take to finish the requests it is answering at shutdown.
const HTTP_SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);

pub struct ServeArgs {
    pub listen: SocketAddr,
    pub config: ConfigFile,
    pub history_db: Option<PathBuf>,
    pub bearer_token_file: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> u8 {
    let access = match Access::for_listen(args.listen, args.bearer_token_file.as_deref()) {
        Ok(a) => a,
        Err(message) => {
            terminal::warn(format_args!("agentwatch: {message}"));
            return EXIT_USAGE;
        }
    };
    let mut config = match load_accounts(&args.config, EXIT_USAGE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            terminal::warn(format_args!("agentwatch: cannot handle signals: {e}"));
            return 1;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            terminal::warn(format_args!(
                "agentwatch: cannot listen on {}: {e}",
                args.listen
            ));
            return 1;
        }
    };
    let history = args.history_db.unwrap_or_else(default_history_path);
    let secrets = headless_secrets();
    let metrics = Arc::new(Metrics::new());
    let mut running = Running::start(&config, secrets.clone(), &history, &metrics);
    let shared = Arc::new(Shared {
        metrics: metrics.clone(),
        status: StatusFeed::new(running.engine.status()),
        access,
    });
    tracing::info!(
        listen = %args.listen,
        accounts = config.accounts.iter().filter(|a| a.enabled).count(),
        token = shared.access.requires_token(),
        "serving /metrics, /healthz and /readyz"
    );
    terminal::say(format_args!(
        "serving http://{}/metrics for {} account(s) from {}; SIGHUP reloads, SIGTERM stops",
        listener.local_addr().map_or(args.listen, |a| a),
        config.accounts.iter().filter(|a| a.enabled).count(),
        args.config.path.display()
    ));
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(shared.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = http_stopped.await;
            })
            .await
    });
    tokio::pin!(server);

    let code = loop {
        tokio::select! {
            signal = signals.next() => match signal {
                Signal::Stop => break 0,
                Signal::Reload => {
                    if let Some(next) = reload(&args.config, &config, &metrics) {
                        running.shutdown().await;
                        running = Running::start(&next, secrets.clone(), &history, &metrics);
                        shared.status.replace(running.engine.status());
                        config = next;
                    }
                }
            },
            ended = &mut server => {
                terminal::warn(format_args!("agentwatch: the HTTP server stopped: {ended:?}"));
                break 1;
            }
        }
    };
    // The engine first: it signs the Huawei seats out and lets the history finish writing.
    running.shutdown().await;
    let _ = stop_http.send(());
    if tokio::time::timeout(HTTP_SHUTDOWN_LIMIT, &mut server)
        .await
        .is_err()
    {
        tracing::warn!("the HTTP server did not stop within {HTTP_SHUTDOWN_LIMIT:?}");
    }
    tracing::info!("stopped");
    code
}

/// Reads the config again. `None` keeps the running one: the file was refused (said why, and
/// shown by `agentwatch_config_last_reload_successful`) or did not change.
fn reload(file: &ConfigFile, running: &Config, metrics: &Metrics) -> Option<Config> {
    let next = match file.load() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("the configuration was refused; still running the previous one: {e}");
            metrics.config_loaded(false);
            return None;
        }
    };
    metrics.config_loaded(true);
    if &next == running {
        tracing::info!("configuration unchanged; nothing to reload");
        return None;
    }
    let ids: HashSet<String> = next.accounts.iter().map(|a| a.id.clone()).collect();
    metrics.keep_accounts(&ids);
    tracing::info!(
        "configuration reloaded: {} account(s)",
        next.accounts.iter().filter(|a| a.enabled).count()
    );
    Some(next)
}

/// `$STATE_DIRECTORY/history.sqlite3` under systemd, else where `watch` keeps it.
fn default_history_path() -> PathBuf {
    match std::env::var_os(STATE_DIRECTORY).filter(|d| !d.is_empty()) {
        // systemd may list several folders, separated by ':'; the first is ours.
        Some(dirs) => {
            let dirs = dirs.to_string_lossy().into_owned();
            let first = dirs.split(':').next().unwrap_or_default();
            Path::new(first).join(agentwatch_core::history::FILE_NAME)
        }
        None => History::default_path(),
    }
}

/// One engine and the tasks that feed the metrics from it.
struct Running {
    engine: Engine,
    feeders: Vec<JoinHandle<()>>,
}

impl Running {
    fn start(
        config: &Config,
        secrets: Arc<dyn SecretSource>,
        history: &Path,
        metrics: &Arc<Metrics>,
    ) -> Running {
        let engine = Engine::start_with(config, secrets, engine_options(history));
        let mut polls = engine.polls();
        let mut decisions = engine.decisions();
        let (m1, m2) = (metrics.clone(), metrics.clone());
        let feeders = vec![
            tokio::spawn(async move {
                loop {
                    match polls.recv().await {
                        Ok(record) => {
                            m1.record_poll(&record);
                            // A poll of 10,000 agents allocates and frees the answer, the
                            // snapshot and a copy of the status: hand that back at once, so
                            // the resident size is what the engine keeps, not its peak.
                            agentwatch_core::allocator::return_freed_memory();
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!("{n} poll records skipped: the metrics fell behind")
                        }
                        Err(_) => break,
                    }
                }
            }),
            tokio::spawn(async move {
                loop {
                    match decisions.recv().await {
                        Ok(decision) => m2.record_decision(&decision),
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!("{n} decisions skipped: the metrics fell behind")
                        }
                        Err(_) => break,
                    }
                }
            }),
        ];
        Running { engine, feeders }
    }

    async fn shutdown(self) {
        self.engine.shutdown().await;
        // The engine's channels have closed with it: the feeders have ended or are ending.
        for feeder in self.feeders {
            feeder.abort();
        }
    }
}

/// What the engine does with its decisions under `serve`: no desktop to notify; the history
/// recorded as for `watch`; the configured `[[actions]]` and `[[webhooks]]` run (their URLs
/// from the keyring, `AGENTWATCH_SECRET_WEBHOOK_<ID>` or `$CREDENTIALS_DIRECTORY/webhook:<id>`).
fn engine_options(history: &Path) -> EngineOptions {
    EngineOptions {
        notifier: None,
        route: true,
        history: Some(history.to_path_buf()),
        ..Default::default()
    }
}
