pub mod check;
pub mod control;
pub mod demo;
pub mod history;
pub mod secret;
pub mod serve;
pub mod sim;
pub mod watch;

use crate::terminal;
use agentwatch_core::config::{Config, ConfigFile};

/// Loads the configuration or prints why not, exiting with `exit`. The file is never
/// rewritten here. A file named by `--config` or `$AGENTWATCH_CONFIG` must exist.
pub fn load_config(file: &ConfigFile, exit: u8) -> Result<Config, u8> {
    match file.load() {
        Ok(c) => Ok(c),
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            Err(exit)
        }
    }
}

/// Loads the configuration and insists on at least one account; `exit` is the exit code
/// when the file is refused or has none (then saying how to write one).
pub fn load_accounts(file: &ConfigFile, exit: u8) -> Result<Config, u8> {
    let config = load_config(file, exit)?;
    if config.accounts.is_empty() {
        terminal::warn(format_args!("agentwatch: {}", file.how_to_create()));
        return Err(exit);
    }
    Ok(config)
}

/// Exit code for a usage or configuration problem (distinct from the Nagios 0..3).
pub const EXIT_USAGE: u8 = 64;

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
