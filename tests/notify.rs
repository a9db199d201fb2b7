//! Desktop notifications through a real notification daemon: dunst on a throw-away Xvfb display
//! (the desktop test's session harness), recording every notification it receives to a file.
//! Runs inside the D-Bus session that `cargo xtask test` builds; a plain `cargo test` says it is
//! skipped, so that it never pops notifications on a developer's desktop.
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_core::notifier::{DesktopNotifier, Notification, Notifier, Urgency};
use agentwatch_core::ErrorKind;
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::{Fault, FaultRule, SimServer};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The PID of the dunst started with this session's config.
fn dunst_pid(dir: &Path) -> String {
    let out = Command::new("pgrep")
        .args(["-f", &dir.join("dunstrc").display().to_string()])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .expect("dunst is running")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_reach_the_daemon_and_a_hung_daemon_cannot_block_us() {
    if !session::in_test_session() {
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let desktop = session::start_notifications_only(&mut procs, dir.path());

    // 1. A critical notification arrives with its title, body and urgency.
    let notifier = DesktopNotifier::with_timeout(Duration::from_secs(2));
    notifier
        .notify(&Notification {
            summary: "Agent 101: signed out".into(),
            body: "Huawei CC-Gateway · Contact centre · was idle".into(),
            urgency: Urgency::Critical,
            sound: None,
        })
        .await
        .expect("dunst answers");
    let ((app, _, body, urgency), _) =
        session::until_notified(&desktop.notifications, "the direct notification", |n| {
            n.1 == "Agent 101: signed out"
        })
        .await;
    assert_eq!(app, "AgentWatch");
    assert_eq!(body, "Huawei CC-Gateway · Contact centre · was idle");
    assert_eq!(urgency, "CRITICAL");

    // 2. The engine's changes and outages become notifications: one per change, one per outage.
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = agentwatch_tests::notifying_agora_engine(&server, |_| {}).await;
    let target = AgoraSim::demo_agents()[0].agent_id.clone();
    sim.set_status(&target, "FAILED");
    let ((_, _, body, urgency), _) =
        session::until_notified(&desktop.notifications, "the FAILED change", |n| {
            // The state, then how the ended session went (read from its turns).
            n.1.starts_with(&format!("{target}: FAILED, "))
        })
        .await;
    assert_eq!(urgency, "CRITICAL");
    assert_eq!(body, "Agora Conversational AI · AI agents · was RUNNING");

    sim.faults().set(FaultRule::always(Fault::Http502));
    session::until_notified(
        &desktop.notifications,
        "the unreachable notification",
        |n| n.1 == "AI agents is unreachable",
    )
    .await;
    // Let the account fail a few more polls: still exactly one outage notification, and no
    // agent notification beyond the one real change.
    let hits = sim.faults().hits();
    tokio::time::timeout(Duration::from_secs(15), async {
        while sim.faults().hits() < hits + 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("more failed polls");
    sim.faults().clear();
    engine.poll_now();
    session::until_notified(&desktop.notifications, "the recovery", |n| {
        n.1 == "AI agents is reachable again"
    })
    .await;
    let all = session::notifications(&desktop.notifications);
    let outages = all
        .iter()
        .filter(|n| n.1.ends_with("is unreachable"))
        .count();
    let agent_changes = all
        .iter()
        .filter(|n| n.1.contains(&target) || n.1.contains(": "))
        .count();
    assert_eq!(outages, 1, "{all:?}");
    assert_eq!(
        agent_changes, 2,
        "the direct test notification and the one FAILED change: {all:?}"
    );
    engine.shutdown().await;

    // 3. A daemon that owns the bus name but never answers: we give up within our time limit.
    let pid = dunst_pid(dir.path());
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    let started = Instant::now();
    let outcome = notifier
        .notify(&Notification {
            summary: "nobody will show this".into(),
            body: String::new(),
            urgency: Urgency::Normal,
            sound: None,
        })
        .await;
    let waited = started.elapsed();
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    let err = outcome.expect_err("a frozen daemon cannot confirm");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(waited < Duration::from_secs(5), "gave up after {waited:?}");
    drop(procs);
}

/// Markup a vendor could slip into an agent id or an error page.
const MARKUP: &str = r#"<b>x</b><a href="http://a">y</a>"#;

/// What dunst shows for each notification it holds, as (summary as sent, text on screen): dunst
/// keeps the message it renders (its format applied, markup included) in its history, read with
/// `dunstctl history` after closing every notification. The text on screen is that markup as
/// Pango renders it: tags apply, entities become their characters.
fn dunst_shown() -> Vec<(String, String)> {
    let closed = Command::new("dunstctl").arg("close-all").status().unwrap();
    assert!(closed.success(), "dunstctl close-all");
    let out = Command::new("dunstctl").arg("history").output().unwrap();
    assert!(out.status.success(), "dunstctl history");
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("history JSON");
    history["data"][0]
        .as_array()
        .expect("a list of notifications")
        .iter()
        .map(|n| {
            let text = |key: &str| n[key]["data"].as_str().unwrap_or_default().to_string();
            (text("summary"), rendered(&text("message")))
        })
        .collect()
}

/// Pango markup as shown: tags dropped, the five entities decoded.
fn rendered(markup: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_markup_is_shown_as_literal_text() {
    if !session::in_test_session() {
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let desktop = session::start_notifications_only(&mut procs, dir.path());

    // An agent whose id is markup fails; then its project answers with an error page whose
    // title is markup. The id reaches the summary, the title the body.
    let sim = AgoraSim::new(AgoraSimConfig::default());
    sim.add_agent(agentwatch_sim::agora::SimAgent::new(
        MARKUP, "support", "RUNNING",
    ));
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    // Every change is told at its first sight.
    let engine =
        agentwatch_tests::notifying_agora_engine(&server, |c| c.alerts.confirm_worse_polls = 1)
            .await;
    sim.set_status(MARKUP, "FAILED");
    // The state, then how the ended session went (this agent has no turns to read).
    let failed_summary = format!("{MARKUP}: FAILED, ");
    session::until_notified(&desktop.notifications, "the FAILED change", |n| {
        n.1.starts_with(&failed_summary)
    })
    .await;
    sim.faults().set(FaultRule::always(Fault::HtmlPage {
        status: 503,
        title: MARKUP.into(),
    }));
    let ((_, _, body, _), _) = session::until_notified(&desktop.notifications, "the outage", |n| {
        n.1 == "AI agents is unreachable"
    })
    .await;
    engine.shutdown().await;
    // Sent escaped: dunst hands its record script the body as it came over D-Bus.
    assert!(
        body.contains("&lt;b&gt;x&lt;/b&gt;&lt;a href=\"http://a\"&gt;y&lt;/a&gt;"),
        "{body}"
    );

    // What the user sees: the tags as text, in the summary and in the body.
    session::notified_before_marker(&desktop.notifications).await;
    let shown = dunst_shown();
    let on_screen = |summary: &str| {
        shown
            .iter()
            .find(|(s, _)| s.starts_with(summary))
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| panic!("dunst holds no {summary:?}: {shown:#?}"))
    };
    let failed = on_screen(&failed_summary);
    assert!(failed.starts_with(&failed_summary), "{failed:?}");
    let outage = on_screen("AI agents is unreachable");
    assert!(
        outage.contains(&format!("HTTP 503 Service Unavailable: {MARKUP} · ")),
        "{outage:?}"
    );
    drop(procs);
}
