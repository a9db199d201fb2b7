//! A start while another AgentWatch is on its way out. The one leaving holds the app's
//! single-instance name on the session bus for a moment after it stopped answering; a start in
//! that moment used to forward itself to it, get no answer ("NoReply") and stop, so that a
//! supervisor restarting the app right after closing it got no app. The app must wait for the
//! name to be free and start.
//!
//! The leaving instance is played by this test: it holds the name and answers nothing, then lets
//! go. Skipped (with a message) outside `cargo xtask test`. Logs in
//! target/artifacts/single-instance/.
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use session::{wait_for, Procs, TrayHost};
use std::time::Duration;

const NAME: &str = "io.agentwatch.desktop.SingleInstance";

#[test]
fn a_start_while_the_last_instance_leaves_waits_for_it_and_runs() {
    if !session::in_test_session() {
        return;
    }
    let mut procs = Procs::default();
    let profile = session::start_demo_profile(&mut procs, "single-instance", TrayHost::None);
    let (artifacts, home) = (&profile.artifacts, &profile.desktop.home);

    // The instance on its way out: owns the name, serves nothing.
    let leaving = dbus::blocking::Connection::new_session().expect("the session bus");
    leaving
        .request_name(NAME, false, false, true)
        .expect("the single-instance name");

    let log_path = artifacts.join("app.log");
    let mut app = session::spawn_hidden_demo(&profile.desktop.display, home, &log_path);
    procs.adopt("agentwatch-desktop", app.id());
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    wait_for(
        "the new start to find the name held by an instance that does not answer",
        Duration::from_secs(30),
        || log().contains("did not take this start").then_some(()),
    );
    assert!(
        app.try_wait().unwrap().is_none(),
        "the app gave up while the old instance was leaving:\n{}",
        log()
    );

    // The old instance is gone: its connection, and with it the name.
    drop(leaving);
    wait_for(
        "the new start to take the name and run",
        Duration::from_secs(30),
        || {
            let running = app.try_wait().ok().flatten().is_none();
            (running && session::bus_name_has_owner(NAME) && log().contains("control channel:"))
                .then_some(())
        },
    );
    println!("single instance: a start waited for the leaving instance and runs");
}
