//! `agentwatch`: the headless front end of AgentWatch over the same core as the tray app.

mod commands;
mod table;
mod terminal;

use agentwatch_args::cli::{Cli, Command, LogFormat, SecretAction};
use agentwatch_core::config::ConfigFile;
use agentwatch_core::Severity;
use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;

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

/// `--proxy` picks the proxy password's keyring entry instead of the vendor secret's.
fn slot(proxy: bool) -> agentwatch_core::secrets::SecretSlot {
    if proxy {
        agentwatch_core::secrets::SecretSlot::Proxy
    } else {
        agentwatch_core::secrets::SecretSlot::Vendor
    }
}

/// A command line clap refuses: its message, and the exit code the command's callers expect.
/// `check` is a Nagios plugin, where anything but 0..3 is misread (clap's 2 is CRITICAL): its
/// usage errors are 3, UNKNOWN. The other commands use 64 (EX_USAGE), as for a config error.
/// `--help` and `--version` print and exit 0.
fn usage_error(error: clap::Error) -> ExitCode {
    let _ = error.print();
    if !error.use_stderr() {
        return ExitCode::SUCCESS;
    }
    match subcommand_named(std::env::args_os().skip(1)) {
        Some(name) if name == "check" => ExitCode::from(Severity::Unknown.exit_code() as u8),
        _ => ExitCode::from(commands::EXIT_USAGE),
    }
}

/// The subcommand a command line names: its first word that is neither an option nor the
/// value of `--config`, the one option taken before it.
fn subcommand_named(args: impl Iterator<Item = std::ffi::OsString>) -> Option<std::ffi::OsString> {
    let mut args = args;
    while let Some(arg) = args.next() {
        if arg == "--config" {
            args.next();
        } else if !arg.to_string_lossy().starts_with('-') {
            return Some(arg);
        }
    }
    None
}

fn main() -> ExitCode {
    // Before the runtime's threads start: `watch` and `serve` run all day, waiting on the
    // network, so one malloc arena serves them.
    agentwatch_core::allocator::tune_for_long_running(1);
    agentwatch_core::clock::init_local_offset();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging(&cli.command);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let config = ConfigFile::resolve(cli.config);
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Demo { duration } => commands::demo::run(duration).await,
            Command::Watch {
                notify,
                duration,
                raw,
            } => {
                let lines = if raw {
                    commands::watch::Lines::Raw
                } else {
                    commands::watch::Lines::Confirmed
                };
                commands::watch::run(&config, notify, duration, lines).await
            }
            Command::Serve {
                listen,
                bearer_token_file,
                history_db,
                log_format: _,
            } => {
                commands::serve::run(commands::serve::ServeArgs {
                    listen,
                    config,
                    history_db,
                    bearer_token_file,
                })
                .await
            }
            Command::Check { json } => commands::check::run(&config, json).await,
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
                } => commands::secret::set(&config, &account, stdin, slot(proxy)).await,
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
            control @ (Command::Snooze { .. }
            | Command::Ack { .. }
            | Command::Pause { .. }
            | Command::Maintenance { .. }) => match commands::control::op(control) {
                Some(op) => commands::control::run(op).await,
                None => commands::EXIT_USAGE,
            },
        }
    });
    // Blocking threads (keyring, notifications) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    ExitCode::from(code)
}
