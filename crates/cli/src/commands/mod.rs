pub mod check;
pub mod control;
pub mod demo;
pub mod history;
pub mod secret;
pub mod serve;
pub mod sim;
pub mod watch;

use crate::terminal;
use agentwatch_core::config::Config;
use std::path::Path;

/// Loads the configuration or prints why not. The file is never rewritten here.
pub fn load_config(path: &Path) -> Result<Config, u8> {
    match Config::load(path) {
        Ok(c) => Ok(c),
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            Err(EXIT_USAGE)
        }
    }
}

/// Loads the configuration and insists on at least one account; `empty_exit` is the exit code
/// when there is none.
pub fn load_accounts(path: &Path, empty_exit: u8) -> Result<Config, u8> {
    let config = load_config(path)?;
    if config.accounts.is_empty() {
        // Points at what the package installs: the man page and the complete example.
        terminal::warn(format_args!(
            "agentwatch: no accounts in {}: add an [[accounts]] table (see {}; a complete example: {})",
            path.display(),
            agentwatch_core::docs::CONFIGURATION_HELP,
            agentwatch_core::docs::EXAMPLE_CONFIG_PATH,
        ));
        return Err(empty_exit);
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
