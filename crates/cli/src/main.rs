//! `agentwatch`: the headless front end of AgentWatch over the same core as the tray app.

mod commands;
mod table;
mod terminal;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "agentwatch",
    version,
    about = "Watch contact-centre, AI and connector agents; notify when one changes state."
)]
struct Cli {
    /// Configuration file (default: the platform config dir, ~/.config/agentwatch/config.toml on Linux).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the three vendor simulators in-process with a ready-made config and print every change.
    Demo {
        /// How long to run (e.g. 30s, 2m); runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
    },
    /// Watch the configured accounts and print one line per change until Ctrl-C.
    Watch {
        /// Also send desktop notifications.
        #[arg(long)]
        notify: bool,
        /// How long to run (e.g. 10m); runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
    },
    /// Watch headless for a server: expose the state at /metrics (OpenMetrics), /healthz and
    /// /readyz; SIGHUP reloads the config, SIGTERM stops.
    Serve {
        /// Address to listen on; any other than loopback needs a bearer token.
        #[arg(long, default_value = "127.0.0.1:9464", value_name = "ADDR:PORT")]
        listen: std::net::SocketAddr,
        /// File holding the bearer token requests must carry (else AGENTWATCH_METRICS_TOKEN).
        #[arg(long, value_name = "FILE")]
        bearer_token_file: Option<PathBuf>,
        /// History database (default: $STATE_DIRECTORY/history.sqlite3 under systemd, else as for `watch`).
        #[arg(long, value_name = "FILE")]
        history_db: Option<PathBuf>,
        /// Log lines as text or as JSON objects (for journald and log collectors).
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Poll every account once and print its agents; exit 0/1/2/3 for ok/warning/critical/unknown.
    Check {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show what was recorded (changes, outages, notifications sent), newest first.
    History {
        /// How far back to look (e.g. 1h, 24h, 7d).
        #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
        since: Duration,
        /// Stop this long ago (e.g. 1h); up to now when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        until: Option<Duration>,
        /// Only this agent.
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
        /// Only this account.
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Only the accounts of this vendor.
        #[arg(long, value_parser = vendor_parser())]
        vendor: Option<String>,
        /// Print CSV (RFC 4180, times in UTC) instead of a table.
        #[arg(long)]
        csv: bool,
        /// History database (default: the platform data dir, ~/.local/share/agentwatch/history.sqlite3 on Linux).
        #[arg(long, value_name = "FILE")]
        history_db: Option<PathBuf>,
    },
    /// Manage account secrets in the OS keyring.
    Secret {
        #[command(subcommand)]
        action: SecretAction,
    },
    /// Run the three vendor simulators alone (for trying the app or other tools against them).
    Sim {
        /// First port: huawei on N, agora on N+1, segura on N+2 (default: free ports).
        #[arg(long)]
        port: Option<u16>,
        /// Serve HTTPS with a generated CA, written to this file (use it as an account's ca_file).
        #[arg(long, value_name = "FILE")]
        tls_ca: Option<PathBuf>,
        /// Keep agents changing state every few seconds, as in the demo.
        #[arg(long)]
        script: bool,
    },
}

#[derive(Subcommand)]
enum SecretAction {
    /// Store the account's secret: typed without echo, or read from standard input.
    Set {
        account: String,
        /// Read the secret from standard input (first line) instead of the terminal.
        #[arg(long)]
        stdin: bool,
        /// The password of the proxy user named in the account's `proxy` URL, not the vendor secret.
        #[arg(long)]
        proxy: bool,
    },
    /// Delete the account's secret from the keyring.
    Delete {
        account: String,
        /// The proxy password instead of the vendor secret.
        #[arg(long)]
        proxy: bool,
    },
    /// Say where the account's secret comes from (keyring, environment, or missing); never prints it.
    Status {
        account: String,
        /// The proxy password instead of the vendor secret.
        #[arg(long)]
        proxy: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs go to standard error. Only `serve` logs what happens by default (a service's log is
/// its journal); the other commands print what matters and log errors alone.
/// `AGENTWATCH_LOG` (an env-filter: `info`, `agentwatch_core=debug`...) overrides the level.
fn init_logging(command: &Command) {
    let (format, default_level) = match command {
        Command::Serve { log_format, .. } => (*log_format, "info"),
        _ => (LogFormat::Text, "error"),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AGENTWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No colour codes in a journal or a file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// The registered vendors, as the values `--vendor` accepts (listed in `--help`).
fn vendor_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        agentwatch_core::Vendor::all()
            .into_iter()
            .map(|v| clap::builder::PossibleValue::new(v.as_str()).help(v.label())),
    )
}

/// `--proxy` picks the proxy password's keyring entry instead of the vendor secret's.
fn slot(proxy: bool) -> agentwatch_core::secrets::SecretSlot {
    if proxy {
        agentwatch_core::secrets::SecretSlot::Proxy
    } else {
        agentwatch_core::secrets::SecretSlot::Vendor
    }
}

fn main() -> ExitCode {
    agentwatch_core::clock::init_local_offset();
    let cli = Cli::parse();
    init_logging(&cli.command);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let config_path = cli
        .config
        .unwrap_or_else(agentwatch_core::config::default_config_path);
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Demo { duration } => commands::demo::run(duration).await,
            Command::Watch { notify, duration } => {
                commands::watch::run(&config_path, notify, duration).await
            }
            Command::Serve {
                listen,
                bearer_token_file,
                history_db,
                log_format: _,
            } => {
                commands::serve::run(commands::serve::ServeArgs {
                    listen,
                    config_path,
                    history_db,
                    bearer_token_file,
                })
                .await
            }
            Command::Check { json } => commands::check::run(&config_path, json).await,
            Command::History {
                since,
                until,
                agent,
                account,
                vendor,
                csv,
                history_db,
            } => {
                commands::history::run(commands::history::HistoryArgs {
                    since,
                    until,
                    agent,
                    account,
                    // Checked by clap against the same registry.
                    vendor: vendor.and_then(|v| v.parse().ok()),
                    csv,
                    db: history_db,
                })
                .await
            }
            Command::Secret { action } => match action {
                SecretAction::Set {
                    account,
                    stdin,
                    proxy,
                } => commands::secret::set(&config_path, &account, stdin, slot(proxy)).await,
                SecretAction::Delete { account, proxy } => {
                    commands::secret::delete(&account, slot(proxy)).await
                }
                SecretAction::Status { account, proxy } => {
                    commands::secret::status(&account, slot(proxy)).await
                }
            },
            Command::Sim {
                port,
                tls_ca,
                script,
            } => commands::sim::run(port, tls_ca, script).await,
        }
    });
    // Blocking threads (keyring, notifications) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    ExitCode::from(code)
}
