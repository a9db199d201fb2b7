//! A second start hands over to the running AgentWatch, or waits while a dying one lets go.
//!
//! Tauri's single-instance plugin, on finding the D-Bus name taken, forwards the start to its
//! owner and fails the whole app when that call fails. An owner on its way out (Quit, a crash, a
//! relaunch) holds the name for a moment after it stopped answering, so AgentWatch started
//! then stopped with "failed to forward arguments to the running instance: NoReply": a
//! supervisor who restarts the app right after closing it got no app at all. This runs before
//! the plugin: it forwards the start itself, and when the owner does not take it, waits for the
//! name to be free (the plugin then takes it) instead of failing.

use std::time::{Duration, Instant};
use zbus::blocking::{connection, fdo::DBusProxy, Connection};

/// The plugin's name and path: the app's identifier (tauri.conf.json) + ".SingleInstance".
const NAME: &str = "io.agentwatch.desktop.SingleInstance";
const PATH: &str = "/io/agentwatch/desktop/SingleInstance";
const INTERFACE: &str = "org.SingleInstance.DBus";
/// A running app answers in milliseconds; a hung one must not hang this start for good.
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// How long a dying instance may take to leave the bus.
const RELEASE_WAIT: Duration = Duration::from_secs(15);

pub enum Start {
    /// The running AgentWatch took this start (it shows its dashboard): exit quietly.
    HandedOver,
    /// No other AgentWatch runs (or there is no session bus): start as the first instance.
    First,
}

pub fn hand_over_or_wait() -> Result<Start, String> {
    // Without a session bus the plugin starts the app normally too; so does this.
    let Ok(bus) =
        connection::Builder::session().and_then(|b| b.method_timeout(ANSWER_WAIT).build())
    else {
        return Ok(Start::First);
    };
    let Ok(dbus) = DBusProxy::new(&bus) else {
        return Ok(Start::First);
    };
    if !name_has_owner(&dbus) {
        return Ok(Start::First);
    }
    let refused = match forward_start(&bus) {
        Ok(()) => return Ok(Start::HandedOver),
        Err(e) => e,
    };
    tracing::info!(
        "the AgentWatch holding {NAME} did not take this start ({refused}); waiting for it to end"
    );
    let deadline = Instant::now() + RELEASE_WAIT;
    while name_has_owner(&dbus) {
        if Instant::now() >= deadline {
            return Err(format!(
                "another AgentWatch is running but does not answer ({refused}). End it (its \
                 tray menu's Quit, or `pkill agentwatch-desktop`) and start AgentWatch again."
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Start::First)
}

fn name_has_owner(dbus: &DBusProxy) -> bool {
    zbus::names::BusName::try_from(NAME)
        .ok()
        .and_then(|name| dbus.name_has_owner(name).ok())
        .unwrap_or(false)
}

/// What the plugin sends: this process's arguments and folder (the app shows its dashboard).
fn forward_start(bus: &Connection) -> zbus::Result<()> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cwd = std::env::current_dir()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    bus.call_method(
        Some(NAME),
        PATH,
        Some(INTERFACE),
        "ExecuteCallback",
        &(args, cwd),
    )
    .map(|_| ())
}
