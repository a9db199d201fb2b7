//! `agentwatch serve`: the engine headless, for a server, with its state exposed to Prometheus
//! at `/metrics` (OpenMetrics), plus `/healthz` and `/readyz`. Same config and secrets as
//! `watch` (systemd credentials first when run as a service), history recorded, and like
//! `watch` it answers `agentwatch snooze|ack|pause|maintenance` and keeps the alert memory
//! beside the history (a snooze outlives a restart); SIGTERM or SIGINT stops cleanly (Huawei
//! seats signed out), SIGHUP reloads the config and keeps the running one when the file is
//! refused. The engine runs in core's host; this module only translates to HTTP.

mod access;
mod formats;
mod http;
mod metrics;
mod signals;

use super::{load_accounts, EXIT_USAGE};
use crate::terminal;
use access::Access;
use agentwatch_core::config::ConfigFile;
use agentwatch_core::history::History;
use agentwatch_core::host::{Host, HostOptions, Reloaded};
use agentwatch_core::secrets::headless_secrets;
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
    let config = match load_accounts(&args.config, EXIT_USAGE) {
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
    let host = Arc::new(Host::new(host_options(history)));
    let metrics = Arc::new(Metrics::new());
    // Subscribed before the engine starts: the first polls count.
    let feeders = feed_metrics(&host, &metrics);
    let accounts = config.accounts.iter().filter(|a| a.enabled).count();
    host.start(config).await;
    let control = match host.serve_control(|_| {}).await {
        Ok(control) => Some(control),
        Err(e) => {
            tracing::warn!("scripts cannot control this serve: {e}");
            None
        }
    };
    let shared = Arc::new(Shared {
        metrics: metrics.clone(),
        status: StatusFeed::new(host.status()),
        access,
    });
    tracing::info!(
        listen = %args.listen,
        accounts,
        token = shared.access.requires_token(),
        "serving /metrics, /healthz and /readyz"
    );
    terminal::say(format_args!(
        "serving http://{}/metrics for {} account(s) from {}; SIGHUP reloads, SIGTERM stops",
        listener.local_addr().map_or(args.listen, |a| a),
        accounts,
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
                Signal::Reload => reload(&host, &args.config, &metrics).await,
            },
            ended = &mut server => {
                terminal::warn(format_args!("agentwatch: the HTTP server stopped: {ended:?}"));
                break 1;
            }
        }
    };
    if let Some(control) = control {
        control.stop().await;
    }
    // The engine first: it signs the Huawei seats out and lets the history finish writing.
    host.shutdown().await;
    // The host's channels outlive its engines: the feeders are stopped here.
    for feeder in feeders {
        feeder.abort();
    }
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

/// Reads the config again and runs it; a file that is refused (said why, and shown by
/// `agentwatch_config_last_reload_successful`) or unchanged keeps the running one.
async fn reload(host: &Host, file: &ConfigFile, metrics: &Metrics) {
    let loaded = file.load();
    let ids: Option<HashSet<String>> = loaded
        .as_ref()
        .ok()
        .map(|next| next.accounts.iter().map(|a| a.id.clone()).collect());
    let enabled = loaded
        .as_ref()
        .map_or(0, |next| next.accounts.iter().filter(|a| a.enabled).count());
    match host.reload(loaded).await {
        Reloaded::Refused(e) => {
            tracing::error!("the configuration was refused; still running the previous one: {e}");
            metrics.config_loaded(false);
        }
        Reloaded::Unchanged => {
            metrics.config_loaded(true);
            tracing::info!("configuration unchanged; nothing to reload");
        }
        Reloaded::Restarted => {
            metrics.config_loaded(true);
            if let Some(ids) = ids {
                metrics.keep_accounts(&ids);
            }
            tracing::info!("configuration reloaded: {enabled} account(s)");
        }
    }
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

/// What the host does under `serve`: secrets as for `watch` (systemd credentials first); no
/// desktop to notify; the history recorded as for `watch`, the alert memory beside it; the
/// configured `[[actions]]` and `[[webhooks]]` run (their URLs from the keyring,
/// `AGENTWATCH_SECRET_WEBHOOK_<ID>` or `$CREDENTIALS_DIRECTORY/webhook:<id>`).
fn host_options(history: PathBuf) -> HostOptions {
    let mut options = HostOptions::new(headless_secrets()).with_history(history);
    options.engine.route = true;
    options
}

/// The tasks that feed the metrics from the host's polls and decisions, for as long as serve
/// runs (across reloads).
fn feed_metrics(host: &Host, metrics: &Arc<Metrics>) -> Vec<JoinHandle<()>> {
    let mut polls = host.polls();
    let mut decisions = host.decisions();
    let (m1, m2) = (metrics.clone(), metrics.clone());
    vec![
        tokio::spawn(async move {
            loop {
                match polls.recv().await {
                    Ok(record) => {
                        m1.record_poll(&record);
                        // A poll of 10,000 agents allocates and frees the answer, the snapshot
                        // and a copy of the status: hand that back at once, so the resident
                        // size is what the engine keeps, not its peak.
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
    ]
}
