//! Names over real HTTP to the simulators: a user's label names a Huawei agent (whose status
//! answer carries no name) in the status and in the notification title the alert policy writes;
//! `agent_list::list_agents` lists an account's agents with their names, ignoring its watch
//! list, with labels over vendor names, and fails with the vendor's reason when it cannot.

use agentwatch_core::agent_list::{list_agents, ListedAgent};
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::{Engine, EngineOptions, ErrorKind, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::SimServer;
use agentwatch_tests::wait_status;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_names_a_huawei_agent_in_the_status_and_the_notification_title() {
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    huawei.add_agents(["101", "102", "103"].map(|id| (id.to_string(), 4, false)));
    let server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    let mut cc = AccountConfig::new("cc", Vendor::Huawei, Some(&server.base_url()));
    cc.name = "Contact centre".into();
    cc.set_option("workno", DEFAULT_WORKNO);
    cc.watch = vec!["101".into(), "102".into(), "103".into()];
    cc.labels.insert("103".into(), "Li Wei".into());
    let config = Config {
        poll_interval_secs: 3600,
        accounts: vec![cc],
        ..Config::default()
    };
    let engine = Engine::start_with(
        &config,
        Arc::new(StaticSecrets::new().with("cc", DEFAULT_PASSWORD)),
        EngineOptions::default(),
    );
    let mut decisions = engine.decisions();
    wait_status(&engine, DEADLINE, "the first poll", |s| s.agents.len() == 3).await;
    let status = engine.current();
    let name_of = |id: &str| {
        status
            .agents
            .iter()
            .find(|a| a.observation.agent_id == id)
            .and_then(|a| a.observation.name.clone())
    };
    assert_eq!(name_of("103").as_deref(), Some("Li Wei"));
    // Huawei's per-agent status has no name: the others are shown by their ids.
    assert_eq!(name_of("101"), None);

    // 103 signs out (a warning): confirmed over the policy's polls, then told by name.
    huawei.set_agent("103", 2, false);
    let deadline = Instant::now() + DEADLINE;
    let title = loop {
        agentwatch_tests::poll_all(&engine, DEADLINE).await;
        let mut found = None;
        while let Ok(d) = decisions.try_recv() {
            if d.agent_id.as_deref() == Some("103") {
                assert_eq!(d.agent_name.as_deref(), Some("Li Wei"));
                if let Some(n) = d.notification() {
                    found = Some(n.summary.clone());
                }
            }
        }
        if let Some(title) = found {
            break title;
        }
        assert!(Instant::now() < deadline, "no notification about 103");
    };
    assert!(title.starts_with("Li Wei (103): "), "{title}");
    assert!(title.contains("signed out"), "{title}");
    engine.shutdown().await;
}

fn segura(server: &SimServer) -> AccountConfig {
    let mut a = AccountConfig::new("nc", Vendor::Segura, Some(&server.base_url()));
    a.set_option("client_id", DEFAULT_CLIENT_ID);
    a
}

#[tokio::test]
async fn the_picker_lists_every_agent_with_names_and_labels_whatever_the_watch_list() {
    let server = SimServer::start(SeguraSim::demo().router(), 0, None)
        .await
        .unwrap();
    let mut account = segura(&server);
    account.watch = vec!["1".into()];
    account.labels.insert("2".into(), "Lab bench".into());
    let secrets = StaticSecrets::new().with("nc", DEFAULT_CLIENT_SECRET);
    let listed = list_agents(&account, &secrets).await.expect("segura lists");
    let named = |id: &str, name: &str| ListedAgent {
        agent_id: id.into(),
        name: Some(name.into()),
    };
    assert_eq!(
        listed,
        [
            named("1", "Default"),
            named("2", "Lab bench"),
            named("3", "Branch office Recife"),
        ]
    );

    // Agora's list names no agent: ids alone, every one of the project's.
    let agora = AgoraSim::demo();
    let agora_server = SimServer::start(agora.router(), 0, None).await.unwrap();
    let d = AgoraSimConfig::default();
    let mut ai = AccountConfig::new("ai", Vendor::Agora, Some(&agora_server.base_url()));
    ai.set_option("app_id", d.app_id.clone());
    ai.set_option("customer_id", d.customer_id.clone());
    ai.watch = vec!["someone-else".into()];
    let listed = list_agents(&ai, &StaticSecrets::new().with("ai", &d.customer_secret))
        .await
        .expect("agora lists");
    let ids: Vec<String> = listed.iter().map(|a| a.agent_id.clone()).collect();
    let project = agora.agents();
    let running: Vec<&String> = project
        .iter()
        .filter(|a| a.status == "RUNNING")
        .map(|a| &a.agent_id)
        .collect();
    assert!(!running.is_empty());
    for id in running {
        assert!(ids.contains(id), "{id} not listed: {ids:?}");
    }
    for id in &ids {
        assert!(
            project.iter().any(|a| &a.agent_id == id),
            "{id} is not the project's"
        );
    }
    assert!(!ids.contains(&"someone-else".to_string()));
}

#[tokio::test]
async fn an_account_that_cannot_list_says_why() {
    let server = SimServer::start(SeguraSim::demo().router(), 0, None)
        .await
        .unwrap();
    let wrong = StaticSecrets::new().with("nc", "not-the-secret");
    let err = list_agents(&segura(&server), &wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");

    // An account whose settings do not let it poll without a watch list is told so in words.
    let mut broken = segura(&server);
    broken.remove_option("client_id");
    let err = list_agents(
        &broken,
        &StaticSecrets::new().with("nc", DEFAULT_CLIENT_SECRET),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let message = err.to_string();
    assert!(
        message.contains("cannot list its agents") && message.contains("client_id"),
        "{message}"
    );
}
