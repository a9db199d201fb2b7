//! Sounds per severity, read off the session bus: the `Notify` calls the engine makes to the real
//! notification service (dunst, in the desktop test's session harness) as `dbus-monitor` sees
//! them. A severity with a sound carries the Freedesktop `sound-name` or `sound-file` hint; one
//! without carries no sound hint at all. Runs inside the D-Bus session that `cargo xtask test`
//! builds; a plain `cargo test` says it is skipped.
//!
//! Reminders (silent, or sounding with `repeat_critical`) are decided by the policy with its
//! injected clock (crates/core/src/policy/tests.rs): here they would need a minute of waiting
//! per reminder, and they reach the bus through the very same path as the changes below.
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_core::sounds::Sound;
use agentwatch_sim::agora::AgoraSim;
use agentwatch_sim::{Fault, FaultRule, SimServer};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One `Notify` call as the bus carried it: its summary and its hints as (key, value) text.
#[derive(Debug, Clone)]
struct NotifyCall {
    summary: String,
    hints: Vec<(String, String)>,
}

impl NotifyCall {
    fn hint(&self, key: &str) -> Option<&str> {
        self.hints
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn sound_hints(&self) -> Vec<&(String, String)> {
        self.hints
            .iter()
            .filter(|(k, _)| k.starts_with("sound-") || k == "suppress-sound")
            .collect()
    }
}

/// The text of a `string "..."` line (dbus-monitor escapes nothing else we send).
fn quoted(line: &str) -> Option<String> {
    let start = line.find("string \"")? + "string \"".len();
    let end = line.rfind('"')?;
    (end >= start).then(|| line[start..end].to_string())
}

/// Reads dbus-monitor's text output: every method call to `Notify`, with the summary (the
/// third string argument: app name, icon, summary, body) and each `dict entry` of the hints.
fn notify_calls(log: &str) -> Vec<NotifyCall> {
    let mut calls = Vec::new();
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        if !(line.starts_with("method call") && line.contains("member=Notify")) {
            continue;
        }
        let mut strings = Vec::new();
        let mut hints = Vec::new();
        while let Some(arg) = lines.next_if(|l| l.starts_with(' ')) {
            if arg.starts_with("   string ") {
                strings.extend(quoted(arg));
            } else if arg.trim() == "dict entry(" {
                let key = lines.next().and_then(quoted).unwrap_or_default();
                let value = lines
                    .next()
                    .map(|v| v.trim().trim_start_matches("variant").trim().to_string())
                    .unwrap_or_default();
                hints.push((key, value));
            }
        }
        if let Some(summary) = strings.get(2) {
            calls.push(NotifyCall {
                summary: summary.clone(),
                hints,
            });
        }
    }
    calls
}

/// Waits (polling, with a deadline) until dbus-monitor has logged a `Notify` call that `pick`
/// accepts.
async fn until_called(log: &Path, what: &str, pick: impl Fn(&NotifyCall) -> bool) -> NotifyCall {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let calls = notify_calls(&std::fs::read_to_string(log).unwrap_or_default());
        if let Some(call) = calls.iter().find(|c| pick(c)) {
            return call.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no Notify call for {what} on the bus; dbus-monitor saw: {calls:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notify_call_carries_the_sound_of_its_severity_and_none_without_one() {
    if !session::in_test_session() {
        return;
    }
    if !session::have("dbus-monitor") {
        assert!(
            std::env::var_os(session::REQUIRE_DESKTOP_VAR).is_none(),
            "dbus-monitor is missing: `cargo xtask setup` installs it (Debian's dbus-bin)"
        );
        eprintln!("skipped: dbus-monitor is missing (Debian's dbus-bin)");
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let desktop = session::start_notifications_only(&mut procs, dir.path());

    // dbus-monitor on the session bus, watching calls to the notification service.
    let monitor_log = dir.path().join("dbus-monitor.log");
    procs.spawn(
        "dbus-monitor",
        Command::new("dbus-monitor").args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ]),
        &monitor_log,
    );
    // It listens once it sees a call: send markers until one shows in its log.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        session::notified_before_marker(&desktop.notifications).await;
        if notify_calls(&std::fs::read_to_string(&monitor_log).unwrap_or_default())
            .iter()
            .any(|c| c.summary.starts_with("test marker"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "dbus-monitor never saw a call");
    }

    // Critical rings the theme's alarm; an unreachable account (unknown) plays a file; a
    // warning has no sound.
    let sound_file = dir.path().join("outage.oga");
    std::fs::write(&sound_file, b"OggS").unwrap();
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let file_for_config = sound_file.clone();
    let engine = agentwatch_tests::notifying_agora_engine(&server, move |c| {
        c.alerts.confirm_worse_polls = 1;
        c.notifications.sounds.critical = Some(Sound::parse("alarm-clock-elapsed"));
        c.notifications.sounds.unknown = Some(Sound::File(file_for_config));
        c.validate_settings().expect("a valid sound config");
    })
    .await;
    let agents = AgoraSim::demo_agents();
    let (failing, recovering) = (agents[0].agent_id.clone(), agents[1].agent_id.clone());

    sim.set_status(&failing, "FAILED");
    let failed = until_called(&monitor_log, "the FAILED change", |c| {
        c.summary == format!("{failing}: FAILED")
    })
    .await;
    assert_eq!(
        failed.hint("sound-name"),
        Some("string \"alarm-clock-elapsed\""),
        "{failed:?}"
    );
    assert_eq!(failed.sound_hints().len(), 1, "{failed:?}");

    sim.set_status(&recovering, "RECOVERING");
    let warning = until_called(&monitor_log, "the RECOVERING change", |c| {
        c.summary == format!("{recovering}: RECOVERING")
    })
    .await;
    assert_eq!(
        warning.sound_hints(),
        Vec::<&(String, String)>::new(),
        "a warning has no sound: {warning:?}"
    );
    // The call itself was complete: it carries its urgency hint (1 = normal).
    assert_eq!(warning.hint("urgency"), Some("byte 1"), "{warning:?}");

    sim.faults().set(FaultRule::always(Fault::Http502));
    let outage = until_called(&monitor_log, "the outage", |c| {
        c.summary == "AI agents is unreachable"
    })
    .await;
    assert_eq!(
        outage.hint("sound-file"),
        Some(format!("string \"{}\"", sound_file.display()).as_str()),
        "{outage:?}"
    );
    engine.shutdown().await;
    sim.faults().clear();

    // dunst shows the notifications as usual: the hints change nothing else.
    let shown = session::notified_before_marker(&desktop.notifications).await;
    assert!(
        shown.iter().any(|n| n.1 == format!("{failing}: FAILED")),
        "{shown:?}"
    );
    drop(procs);
}
