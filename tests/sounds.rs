//! Sounds per severity, read off the session bus: the `Notify` calls the engine makes to the real
//! notification service (dunst, in the desktop test's session harness) as `dbus-monitor` sees
//! them. A severity with a sound carries the Freedesktop `sound-name` or `sound-file` hint; one
//! without carries no sound hint at all. Runs inside the D-Bus session that `cargo xtask test`
//! builds; a plain `cargo test` says it is skipped.
//!
//! Reminders of a critical agent are silent, or sound again with `repeat_critical`: the second
//! test waits for the first reminder (a minute, the shortest interval) of two engines at once.
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

/// One `Notify` call as the bus carried it: its summary, body and hints as (key, value) text.
#[derive(Debug, Clone)]
struct NotifyCall {
    summary: String,
    body: String,
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
        if let [_app, _icon, summary, body, ..] = strings.as_slice() {
            calls.push(NotifyCall {
                summary: summary.clone(),
                body: body.clone(),
                hints,
            });
        }
    }
    calls
}

/// Waits (polling, with a deadline) until dbus-monitor has logged a `Notify` call that `pick`
/// accepts.
async fn until_called(log: &Path, what: &str, pick: impl Fn(&NotifyCall) -> bool) -> NotifyCall {
    until_called_within(Duration::from_secs(30), log, what, pick).await
}

async fn until_called_within(
    limit: Duration,
    log: &Path,
    what: &str,
    pick: impl Fn(&NotifyCall) -> bool,
) -> NotifyCall {
    let deadline = Instant::now() + limit;
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

/// Whether this test can run here: inside the test session, with dbus-monitor.
fn can_run() -> bool {
    if !session::in_test_session() {
        return false;
    }
    if !session::have("dbus-monitor") {
        assert!(
            std::env::var_os(session::REQUIRE_DESKTOP_VAR).is_none(),
            "dbus-monitor is missing: `cargo xtask setup` installs it (Debian's dbus-bin)"
        );
        eprintln!("skipped: dbus-monitor is missing (Debian's dbus-bin)");
        return false;
    }
    true
}

/// dunst in a private session, and dbus-monitor logging every call to the notification
/// service (to the returned file) once it is seen listening.
async fn monitored_session(
    procs: &mut session::Procs,
    dir: &Path,
) -> (session::Desktop, std::path::PathBuf) {
    let desktop = session::start_notifications_only(procs, dir);
    let monitor_log = dir.join("dbus-monitor.log");
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
            return (desktop, monitor_log);
        }
        assert!(Instant::now() < deadline, "dbus-monitor never saw a call");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notify_call_carries_the_sound_of_its_severity_and_none_without_one() {
    if !can_run() {
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let (desktop, monitor_log) = monitored_session(&mut procs, dir.path()).await;

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
    // The state, then how the ended session went (read from its turns).
    let failed = until_called(&monitor_log, "the FAILED change", |c| {
        c.summary.starts_with(&format!("{failing}: FAILED, "))
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
        shown
            .iter()
            .any(|n| n.1.starts_with(&format!("{failing}: FAILED, "))),
        "{shown:?}"
    );
    drop(procs);
}

/// Two engines, each watching its own simulator and sending to the same bus, one with
/// `repeat_critical` and one without: the first reminder of the first rings again, the other's
/// is silent. The shortest reminder interval is a minute, checked every 30 s: up to 90 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_ring_again_only_with_repeat_critical() {
    if !can_run() {
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let (_desktop, monitor_log) = monitored_session(&mut procs, dir.path()).await;

    let mut engines = Vec::new();
    let mut sims = Vec::new();
    for (name, repeat) in [("Repeating desk", true), ("Quiet desk", false)] {
        let sim = AgoraSim::demo();
        let server = SimServer::start(sim.router(), 0, None).await.unwrap();
        let engine = agentwatch_tests::notifying_agora_engine(&server, move |c| {
            c.accounts[0].name = name.to_string();
            c.alerts.confirm_worse_polls = 1;
            c.alerts.remind_every_mins = 1;
            c.notifications.sounds.critical = Some(Sound::parse("alarm-clock-elapsed"));
            c.notifications.sounds.repeat_critical = repeat;
        })
        .await;
        sim.set_status(&AgoraSim::demo_agents()[0].agent_id, "FAILED");
        engines.push(engine);
        sims.push((sim, server));
    }
    let failing = AgoraSim::demo_agents()[0].agent_id.clone();
    let reminder = |desk: &'static str| {
        let (log, failing) = (monitor_log.clone(), failing.clone());
        async move {
            until_called_within(Duration::from_secs(120), &log, desk, |c| {
                c.summary == format!("{failing}: still FAILED") && c.body.contains(desk)
            })
            .await
        }
    };
    let repeating = reminder("Repeating desk").await;
    let quiet = reminder("Quiet desk").await;
    for engine in engines {
        engine.shutdown().await;
    }
    assert_eq!(
        repeating.hint("sound-name"),
        Some("string \"alarm-clock-elapsed\""),
        "{repeating:?}"
    );
    assert_eq!(
        quiet.sound_hints(),
        Vec::<&(String, String)>::new(),
        "a reminder without repeat_critical is silent: {quiet:?}"
    );
    // Both changes to FAILED rang.
    let calls = notify_calls(&std::fs::read_to_string(&monitor_log).unwrap());
    let rang = calls
        .iter()
        .filter(|c| c.summary.starts_with(&format!("{failing}: FAILED, ")))
        .filter(|c| c.hint("sound-name") == Some("string \"alarm-clock-elapsed\""))
        .count();
    assert_eq!(rang, 2, "{calls:#?}");
    drop(procs);
}
