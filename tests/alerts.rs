//! The alert policy end to end: the engine polls the simulators, which script a blip, a storm
//! and a flapping agent; a real dunst records what reached the desktop, and this test asserts
//! what it received and what it did not. Polls are driven one by one with poll-now (the
//! interval is an hour), so that "seen in two polls" means exactly two polls.
//!
//! Runs inside the D-Bus session that `cargo xtask test` builds; a plain `cargo test` says it is
//! skipped.
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::history::{EntryKind, History, HistoryFilter};
use agentwatch_core::notifier::DesktopNotifier;
use agentwatch_core::policy::DecisionKind;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::{Engine, EngineOptions, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::SimServer;
use agentwatch_tests::wait_status;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One poll of every account, and wait until each has finished it.
async fn poll_all(engine: &Engine) {
    agentwatch_tests::poll_all(engine, DEADLINE).await;
}

/// Generous: a loaded CI machine builds and runs other test binaries beside this one.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blips_are_quiet_storms_are_summarised_and_flapping_is_told_once() {
    if !session::in_test_session() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let desktop = session::start_notifications_only(&mut procs, dir.path());

    // A contact centre of 12 idle agents and the demo AI project.
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    let ids: Vec<String> = (101..=112).map(|n: u32| n.to_string()).collect();
    huawei.add_agents(ids.iter().map(|id| (id.clone(), 4, false)));
    let agora = AgoraSim::demo();
    let huawei_server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    let agora_server = SimServer::start(agora.router(), 0, None).await.unwrap();

    let mut cc = AccountConfig::new("cc", Vendor::Huawei, Some(&huawei_server.base_url()));
    cc.name = "Contact centre".into();
    cc.set_option("workno", DEFAULT_WORKNO);
    cc.watch = ids.clone();
    let defaults = AgoraSimConfig::default();
    let mut ai = AccountConfig::new("ai", Vendor::Agora, Some(&agora_server.base_url()));
    ai.name = "AI agents".into();
    ai.set_option("app_id", defaults.app_id.clone());
    ai.set_option("customer_id", defaults.customer_id.clone());
    let mut config = Config {
        poll_interval_secs: 3600,
        accounts: vec![cc, ai],
        ..Config::default()
    };
    config.alerts.flap_changes = 3;
    let secrets = StaticSecrets::new()
        .with("cc", DEFAULT_PASSWORD)
        .with("ai", &defaults.customer_secret);
    let engine = Engine::start_with(
        &config,
        Arc::new(secrets),
        EngineOptions {
            notifier: Some(Arc::new(DesktopNotifier::default())),
            history: Some(dir.path().join("history.sqlite3")),
            ..Default::default()
        },
    );
    let mut decisions = engine.decisions();
    wait_status(&engine, DEADLINE, "the first (baseline) polls", |s| {
        s.agents.len() == 12 + 7
    })
    .await;

    // 1. A blip: FAILED for one poll, then RUNNING again. Pending, then a blip; never notified.
    let blip = AgoraSim::demo_agents()[0].agent_id.clone();
    agora.set_status(&blip, "FAILED");
    poll_all(&engine).await;
    agora.set_status(&blip, "RUNNING");
    poll_all(&engine).await;

    // 2. A storm: nine agents change in the same poll; confirmed together two polls later.
    for id in &ids[..6] {
        huawei.set_agent(id, 2, false);
    }
    for id in &ids[6..9] {
        huawei.set_agent(id, 3, false);
    }
    poll_all(&engine).await;
    poll_all(&engine).await;
    let storm = "9 agents changed in Contact centre: 6 signed out, 3 busy";
    session::until_notified(&desktop.notifications, "the storm summary", |n| {
        n.1 == storm
    })
    .await;

    // 3. Flapping: a second AI agent goes FAILED and back, each change confirmed; more than
    // three changes within the window.
    let flappy = AgoraSim::demo_agents()[1].agent_id.clone();
    for round in 0..3 {
        agora.set_status(&flappy, "FAILED");
        poll_all(&engine).await;
        poll_all(&engine).await;
        agora.set_status(&flappy, "RUNNING");
        poll_all(&engine).await;
        if round == 1 {
            session::until_notified(&desktop.notifications, "the flapping notice", |n| {
                n.1 == format!("{flappy} is flapping")
            })
            .await;
        }
    }
    // The last poll's decisions are out when the policy has seen its last change confirmed.
    let deadline = Instant::now() + DEADLINE;
    let mut confirmed_flappy_changes = 0;
    while confirmed_flappy_changes < 6 {
        let left = deadline.saturating_duration_since(Instant::now());
        let d = tokio::time::timeout(left, decisions.recv())
            .await
            .expect("the flapping agent's six confirmed changes")
            .unwrap();
        let about_flappy = d.agent_id.as_deref() == Some(flappy.as_str());
        if about_flappy
            && matches!(
                d.kind,
                DecisionKind::Changed { .. } | DecisionKind::Recovered { .. }
            )
        {
            confirmed_flappy_changes += 1;
        }
        if d.agent_id.as_deref() == Some(blip.as_str()) {
            assert!(
                matches!(
                    d.kind,
                    DecisionKind::Pending { .. } | DecisionKind::Blip { .. }
                ),
                "the blip is only ever pending, then a blip: {d:?}"
            );
            assert!(d.notification().is_none(), "{d:?}");
        }
    }
    engine.shutdown().await;

    // Everything the engine sent, also a notification of the last poll still on its way.
    let all = session::notified_before_marker(&desktop.notifications).await;
    let titles: Vec<&str> = all.iter().map(|n| n.1.as_str()).collect();
    // The blip reached nobody.
    assert!(!titles.iter().any(|t| t.contains(&blip)), "{titles:#?}");
    // The storm is one summary, not nine notifications.
    assert_eq!(
        titles.iter().filter(|t| **t == storm).count(),
        1,
        "{titles:#?}"
    );
    assert!(
        !titles
            .iter()
            .any(|t| t.ends_with(": signed out") || t.ends_with(": busy")),
        "{titles:#?}"
    );
    // Flapping: told once, and nothing about that agent after it.
    let about_flappy: Vec<&str> = titles
        .iter()
        .copied()
        .filter(|t| t.contains(&flappy))
        .collect();
    let flapping_at = about_flappy
        .iter()
        .position(|t| t.ends_with("is flapping"))
        .expect("a flapping notice");
    assert_eq!(
        flapping_at,
        about_flappy.len() - 1,
        "quiet after the flapping notice: {about_flappy:#?}"
    );
    assert_eq!(
        about_flappy
            .iter()
            // The state, then how the ended session went.
            .filter(|t| t.contains(": FAILED"))
            .count(),
        2,
        "the first two failures were told before it was flapping: {about_flappy:#?}"
    );

    // The history holds the confirmed changes and what was sent, not the blip.
    let history = History::open(&dir.path().join("history.sqlite3")).unwrap();
    let rows = |account: &str, agent: Option<&str>, kind: EntryKind| {
        history
            .query(&HistoryFilter {
                account: Some(account.into()),
                agent: agent.map(str::to_string),
                kinds: vec![kind],
                ..HistoryFilter::default()
            })
            .unwrap()
    };
    assert!(rows("ai", Some(&blip), EntryKind::Changed).is_empty());
    assert_eq!(rows("cc", None, EntryKind::Changed).len(), 9);
    let storm_rows = rows("cc", None, EntryKind::Notification);
    assert_eq!(storm_rows.len(), 1, "{storm_rows:#?}");
    assert_eq!(storm_rows[0].summary.as_deref(), Some(storm));
    assert_eq!(storm_rows[0].reason.as_deref(), Some("storm"));
    assert_eq!(rows("ai", Some(&flappy), EntryKind::Changed).len(), 6);
    drop(procs);
}
