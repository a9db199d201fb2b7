//! Benchmark: the tray-only memory of the desktop app (the release build, as installed) in demo
//! mode (three accounts on the in-process simulators), before the dashboard is ever opened and
//! after it was opened and closed, in a desktop session the test builds itself (Xvfb, dunst,
//! Xfce's panel as the tray host). It prints the proportional set size (PSS) and the anonymous
//! memory from /proc/PID/smaps_rollup, with a breakdown of where the PSS goes.
//!
//! Run it with `cargo xtask bench --memory`, which builds the release app and runs this inside
//! the private D-Bus session (`AGENTWATCH_DESKTOP_BIN` picks another binary, e.g. the installed
//! `/usr/bin/agentwatch-desktop`). Variables such as `MALLOC_ARENA_MAX` reach the app, so their
//! effect can be measured with the same command. Figures go to target/artifacts/memory/.
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;
#[path = "desktop/smaps.rs"]
mod smaps;
#[path = "desktop/x11.rs"]
mod x11;

use session::{wait_for, Procs, TrayHost};
use smaps::Breakdown;
use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

/// The goal for the tray-only app after the dashboard was opened and closed.
const GOAL_PSS_MIB: f64 = 60.0;
/// Open-and-close rounds: the second shows whether each opening leaves more behind.
const ROUNDS: usize = 2;
/// How long the app stays in the tray after the last close before the figure that counts.
const TRAY_ONLY_MINUTE: Duration = Duration::from_secs(60);

#[test]
#[ignore = "benchmark of the release app: run by `cargo xtask bench --memory`"]
fn tray_only_memory_of_the_release_app() {
    if !session::in_test_session() {
        return;
    }
    let app = session::app_binary();
    assert!(app.exists(), "{} is missing", app.display());
    let mut procs = Procs::default();
    let profile = session::start_demo_profile(&mut procs, "memory", TrayHost::StatusNotifier);
    let (artifacts, home) = (&profile.artifacts, &profile.desktop.home);
    let display = profile.desktop.display.as_str();
    let started = Instant::now();
    let mut child = session::spawn_hidden_demo(display, home, &artifacts.join("app.log"));
    let pid = child.id();
    procs.adopt("agentwatch-desktop", pid);

    // In the tray, with the three demo accounts polled (the tooltip names the agents' states).
    wait_for("the tray item", Duration::from_secs(30), || {
        session::tray_tooltip().filter(|tip| tip.contains("3 accounts") && tip.contains(" ok"))
    });
    let tray_after = started.elapsed();
    settle(pid);
    let mut report = format!(
        "tray-only memory of {} in demo mode (3 accounts); environment: {}\n",
        app.display(),
        environment_settings()
    );
    let _ = writeln!(report, "tray item after {:.1} s", tray_after.as_secs_f64());
    let never_opened = Breakdown::of(pid);
    keep_smaps(pid, artifacts, "never-opened");
    let _ = writeln!(report, "{}", never_opened.line("never opened"));

    for round in 1..=ROUNDS {
        let (with_window, webkit) = open_dashboard(&app, display, home, pid);
        let _ = writeln!(
            report,
            "{}  + WebKit processes {webkit:.1} MiB PSS",
            with_window.line(&format!("dashboard open ({round})"))
        );
        close_dashboard(display, pid);
        let after_close = Breakdown::of(pid);
        keep_smaps(pid, artifacts, &format!("after-close-{round}"));
        let _ = writeln!(
            report,
            "{}",
            after_close.line(&format!("after close ({round})"))
        );
    }
    // The figure that counts is the tray's steady state, not the moment after the close: the
    // app lets go of pages when the dashboard closes, and the tray's own work (polls, the
    // tray icon, notifications) maps back the ones it uses. A minute of polling in demo mode
    // (a poll every 2 to 5 s) touches them all; the elapsed minute is what is measured here.
    let closed = Instant::now();
    while closed.elapsed() < TRAY_ONLY_MINUTE {
        std::thread::sleep(Duration::from_secs(1));
    }
    settle(pid);
    let later = Breakdown::of(pid);
    keep_smaps(pid, artifacts, "a-minute-later");
    let _ = writeln!(report, "{}", later.line("a minute later"));
    let _ = writeln!(
        report,
        "\nwhere the PSS goes, never opened -> a minute after the last close:"
    );
    report.push_str(&never_opened.table_against(&later));
    let _ = writeln!(report, "the mapped files that grew most:");
    report.push_str(&never_opened.files_grown(&later, 10));
    let _ = writeln!(
        report,
        "\ngoal: tray-only PSS after an open and close under {GOAL_PSS_MIB} MiB: {} ({:.1} MiB a minute after the close)",
        if later.pss_mib < GOAL_PSS_MIB {
            "met"
        } else {
            "NOT met"
        },
        later.pss_mib
    );
    print!("{report}");
    std::fs::write(artifacts.join("memory.txt"), &report).unwrap();
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "the app exited during the benchmark (see {})",
        artifacts.join("app.log").display()
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Keeps the app's whole /proc/PID/smaps and its threads' names beside the report, to see page
/// by page where the memory of one stage goes (`smaps-<stage>.txt`, `threads-<stage>.txt`).
fn keep_smaps(pid: u32, artifacts: &std::path::Path, stage: &str) {
    if let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) {
        let _ = std::fs::write(artifacts.join(format!("smaps-{stage}.txt")), smaps);
    }
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
        .map(|name| name.trim_end().to_string())
        .collect();
    let _ = std::fs::write(
        artifacts.join(format!("threads-{stage}.txt")),
        threads.join("\n") + "\n",
    );
}

/// The allocator, runtime and WebKit variables the app inherits, as the report's header shows them.
fn environment_settings() -> String {
    let set: Vec<String> = [
        "MALLOC_ARENA_MAX",
        "TOKIO_WORKER_THREADS",
        "WEBKIT_DISABLE_COMPOSITING_MODE",
        "WEBKIT_DISABLE_DMABUF_RENDERER",
        "AGENTWATCH_KEEP_MAPPED_PAGES",
    ]
    .iter()
    .filter_map(|v| Some(format!("{v}={}", std::env::var(v).ok()?)))
    .collect();
    if set.is_empty() {
        "no allocator or runtime variables".to_string()
    } else {
        set.join(" ")
    }
}

/// Waits until the app's resident memory stops moving (two readings a second apart within
/// 256 KiB), so that a figure is not taken in the middle of a poll or a release of memory.
fn settle(pid: u32) {
    wait_for(
        "the app's memory to settle",
        Duration::from_secs(60),
        || {
            let first = session::rss_mib(pid)?;
            std::thread::sleep(Duration::from_secs(1));
            let second = session::rss_mib(pid)?;
            ((first - second).abs() < 0.25).then_some(())
        },
    );
}

/// Opens the dashboard the way a second start from the menu does (the running instance shows
/// it), waits until its web process has loaded the page, and returns the app's figures and the
/// PSS of its WebKit processes.
fn open_dashboard(
    app: &std::path::Path,
    display: &str,
    home: &std::path::Path,
    pid: u32,
) -> (Breakdown, f64) {
    let second = Command::new(app)
        .env("DISPLAY", display)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("NO_AT_BRIDGE", "1")
        .output()
        .expect("a second start of the app");
    assert!(
        second.status.success(),
        "the second start failed: {}",
        String::from_utf8_lossy(&second.stderr)
    );
    wait_for("the dashboard window", Duration::from_secs(30), || {
        (!dashboard_windows(display, pid).is_empty()).then_some(())
    });
    wait_for("the WebKit web process", Duration::from_secs(30), || {
        (!session::children_named(pid, "WebKitWebProces").is_empty()).then_some(())
    });
    // The page has loaded and drawn once the web processes stop growing (the live view still
    // changes a little with each poll).
    wait_for("the dashboard to load", Duration::from_secs(90), || {
        let first = webkit_pss(pid);
        std::thread::sleep(Duration::from_secs(2));
        let second = webkit_pss(pid);
        (first > 50.0 && (first - second).abs() < 2.0).then_some(())
    });
    (Breakdown::of(pid), webkit_pss(pid))
}

/// Closes the dashboard as its close button does and waits until the WebKit processes are gone
/// and the app has handed back what it frees.
fn close_dashboard(display: &str, pid: u32) {
    for window in dashboard_windows(display, pid) {
        x11::close_window(display, window.parse().unwrap());
    }
    wait_for("the dashboard to close", Duration::from_secs(15), || {
        dashboard_windows(display, pid).is_empty().then_some(())
    });
    wait_for(
        "the WebKit processes to exit",
        Duration::from_secs(30),
        || {
            session::children_named(pid, "WebKit")
                .is_empty()
                .then_some(())
        },
    );
    settle(pid);
}

fn webkit_pss(pid: u32) -> f64 {
    session::children_named(pid, "WebKit")
        .into_iter()
        .filter_map(session::pss_mib)
        .sum()
}

fn dashboard_windows(display: &str, pid: u32) -> Vec<String> {
    session::window_ids(
        display,
        &[
            "--onlyvisible",
            "--pid",
            &pid.to_string(),
            "--name",
            "^AgentWatch$",
        ],
    )
}
