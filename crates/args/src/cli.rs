//! `agentwatch`: the headless front end's command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "agentwatch",
    version,
    about = "Watch contact-centre, AI and connector agents; notify when one changes state."
)]
pub struct Cli {
    /// Configuration file; it must exist (default: $AGENTWATCH_CONFIG, else the platform config
    /// dir, ~/.config/agentwatch/config.toml on Linux).
    #[arg(long, global = true, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start the three vendor simulators in-process with a ready-made config and print every change.
    Demo {
        /// How long to run (e.g. 30s, 2m); runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
    },
    /// Watch the configured accounts and print one line per confirmed change and per
    /// notification, as the history records them, until Ctrl-C.
    Watch {
        /// Also send desktop notifications.
        #[arg(long)]
        notify: bool,
        /// How long to run (e.g. 10m); runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
        /// Print every change the moment a poll sees it, before the alert policy confirms it
        /// (blips included); no notification lines. The history keeps confirmed changes only.
        #[arg(long)]
        raw: bool,
    },
    /// Watch headless for a server: expose the state at /metrics (the Prometheus text format, or
    /// OpenMetrics when asked for), /healthz and /readyz; SIGHUP reloads the config, SIGTERM stops.
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
    /// Poll every account once and print its agents; exit 0/1/2/3 for ok/warning/critical/unknown
    /// (3 also when it cannot check: a config it cannot use, a usage error).
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
    /// Snooze an agent (ACCOUNT/AGENT, or an agent id watched in one account) or a whole account
    /// in the running AgentWatch (desktop app or `agentwatch watch`).
    #[command(after_help = CONTROL_EXIT_CODES)]
    Snooze {
        /// The agent: ACCOUNT/AGENT, or its id when only one account has it.
        #[arg(required_unless_present = "account", conflicts_with = "account")]
        agent: Option<String>,
        /// Snooze every agent of this account instead.
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// How long (e.g. 30m, 2h; from 1 minute to 7 days).
        #[arg(long = "for", default_value = "1h", value_name = "DURATION", value_parser = humantime::parse_duration)]
        for_: Duration,
    },
    /// Acknowledge an agent in the running AgentWatch: quiet until it recovers.
    #[command(after_help = CONTROL_EXIT_CODES)]
    Ack {
        /// The agent: ACCOUNT/AGENT, or its id when only one account has it.
        agent: String,
    },
    /// Pause every notification of the running AgentWatch, or resume them.
    #[command(after_help = CONTROL_EXIT_CODES)]
    Pause {
        /// How long (e.g. 1h); until `--resume` when absent.
        #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration, conflicts_with = "resume")]
        for_: Option<Duration>,
        /// End the pause.
        #[arg(long)]
        resume: bool,
    },
    /// Start or end an account's maintenance window in the running AgentWatch: its changes are
    /// recorded but not notified.
    Maintenance {
        #[command(subcommand)]
        action: MaintenanceAction,
    },
    /// Run the three vendor simulators alone (for trying the app or other tools against them) and
    /// print a config for them (`agentwatch sim > config.toml` writes one that loads).
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

/// The exit codes of the commands that act on a running AgentWatch.
pub const CONTROL_EXIT_CODES: &str =
    "Exit codes: 0 done; 1 refused (unknown agent or account, time out of range); \
69 no AgentWatch running; 74 the control channel failed.";

#[derive(Subcommand)]
pub enum MaintenanceAction {
    /// Start a maintenance window now.
    #[command(after_help = CONTROL_EXIT_CODES)]
    Start {
        /// The account's id.
        account: String,
        /// How long (e.g. 2h; from 1 minute to 7 days).
        #[arg(long = "for", default_value = "1h", value_name = "DURATION", value_parser = humantime::parse_duration)]
        for_: Duration,
    },
    /// End the account's maintenance window now (also a configured one, until its next time).
    #[command(after_help = CONTROL_EXIT_CODES)]
    End {
        /// The account's id.
        account: String,
    },
}

#[derive(Subcommand)]
pub enum SecretAction {
    /// Store the account's secret, or a webhook's URL (`webhook:<ID>`): typed without echo, or
    /// read from standard input.
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
pub enum LogFormat {
    Text,
    Json,
}

/// The registered vendors, as the values `--vendor` accepts (listed in `--help`).
fn vendor_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        agentwatch_core::Vendor::all()
            .into_iter()
            .map(|v| clap::builder::PossibleValue::new(v.as_str()).help(v.label())),
    )
}

/// The clap definition, for the man page and the completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
