//! Switching a running app into the demo (the first-run view's "Try the demo") and back out
//! (the demo banner's "Leave the demo").
//!
//! Why a restart rather than switching in-process: the demo is a different profile, not a
//! different config. Its config, history, alert memory and webview data live in a temporary
//! folder and its secrets in memory, and `AppState` holds those for the life of the process
//! (every command reads `state.secrets`, `state.config_path`, `state.demo`). Swapping them under
//! running commands and pollers would put locks on every one of them and risk a command writing
//! the demo's accounts into the user's real config, or the real keyring, mid-switch. A fresh
//! process started with `--demo` is the demo exactly as `agentwatch-desktop --demo` runs it
//! (nothing in it can reach the real config or keyring), and leaving it is the same path back.
//!
//! Order matters with the single-instance lock: the new process would find the old one still
//! holding it and hand over to it. So the old one shuts down its engine, releases the lock, and
//! only then starts the new one, as its last act.

use std::ffi::OsString;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime};

/// The arguments to start the next process with, once this one has shut down.
#[derive(Default)]
pub struct Relaunch(Mutex<Option<Vec<OsString>>>);

/// The arguments this process was started with, for the demo or not. `--hidden` is dropped:
/// the person who asked wants to see the dashboard.
pub fn arguments(current: impl IntoIterator<Item = OsString>, demo: bool) -> Vec<OsString> {
    let mut next: Vec<OsString> = current
        .into_iter()
        .filter(|a| !matches!(a.to_str(), Some("--demo" | "--hidden" | "--minimized")))
        .collect();
    if demo {
        next.push("--demo".into());
    }
    next
}

/// Quits this process and starts it again in (or out of) the demo.
pub fn switch<R: Runtime>(app: &AppHandle<R>, demo: bool) {
    let next = arguments(std::env::args_os().skip(1), demo);
    tracing::info!(
        "restarting {} the demo",
        if demo { "into" } else { "out of" }
    );
    if let Some(relaunch) = app.try_state::<Relaunch>() {
        *relaunch.0.lock().unwrap() = Some(next);
    }
    app.exit(0);
}

/// Called last on exit: starts the next process if a switch asked for one.
pub fn on_exit<R: Runtime>(app: &AppHandle<R>) {
    let Some(next) = app
        .try_state::<Relaunch>()
        .and_then(|r| r.0.lock().unwrap().take())
    else {
        return;
    };
    tauri_plugin_single_instance::destroy(app);
    let binary = match tauri::process::current_binary(&app.env()) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("cannot restart: where this program lives is unknown: {e}");
            return;
        }
    };
    if let Err(e) = std::process::Command::new(&binary).args(&next).spawn() {
        tracing::error!("cannot restart {}: {e}", binary.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_demo_keeps_the_other_arguments_and_shows_the_dashboard() {
        assert_eq!(
            arguments(args(&["--config", "/tmp/a.toml", "--hidden"]), true),
            args(&["--config", "/tmp/a.toml", "--demo"])
        );
        assert_eq!(arguments(args(&["--demo"]), false), args(&[]));
        assert_eq!(arguments(args(&["--demo"]), true), args(&["--demo"]));
    }
}
