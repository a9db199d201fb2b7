//! *Test connection* and the pickers for an account the engine is polling: through the running
//! session, never a second sign-in (which would take the seat over, and the gateway would then
//! refuse the engine's Guid with 100-006).

use crate::Gateway;
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::connection_test::{list_agents, list_queues, test_connection};
use agentwatch_core::running_accounts::RunningAccounts;
use agentwatch_core::secrets::{StaticSecrets, TypedSecrets};
use agentwatch_core::status::AccountHealth;
use agentwatch_core::Engine;
use agentwatch_sim::huawei::{HuaweiSim, DEFAULT_PASSWORD};
use agentwatch_tests::{poll_all, wait_status};
use secrecy::SecretString;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(20);

fn secrets() -> StaticSecrets {
    StaticSecrets::new().with("cc", DEFAULT_PASSWORD)
}

/// An engine running `account`, polling once an hour (so only the tests' polls happen),
/// returned once its first poll got through.
async fn running(account: &AccountConfig) -> Engine {
    let config = Config {
        poll_interval_secs: 3600,
        accounts: vec![account.clone()],
        ..Config::default()
    };
    let engine = Engine::start(&config, std::sync::Arc::new(secrets()));
    wait_status(&engine, DEADLINE, "the first poll", |s| {
        s.accounts.iter().all(|a| a.health == AccountHealth::Ok)
    })
    .await;
    engine
}

fn typed(password: &str) -> TypedSecrets {
    TypedSecrets::new(Some(SecretString::from(password.to_string())), None)
}

#[tokio::test]
async fn testing_a_running_account_uses_its_session_and_signs_in_once() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let account = gw.account(&["101", "102"]);
    let engine = running(&account).await;
    let live: RunningAccounts = engine.running();
    assert_eq!(gw.sim.stats().sign_ins, 1);

    // The form as the dashboard sends it; renamed, with another watch list; and with the
    // stored password typed again: all the running account's connection.
    let mut renamed = account.clone();
    renamed.name = "Contact centre".into();
    renamed.watch.push("103".into());
    let forms = [
        (account.clone(), TypedSecrets::default()),
        (renamed, TypedSecrets::default()),
        (account.clone(), typed(DEFAULT_PASSWORD)),
    ];
    for (form, typed) in forms {
        let test = test_connection(&form, &typed, &secrets(), Some(&live)).await;
        assert!(test.ok && test.running_session, "{test:?}");
        assert_eq!(test.agents, 2, "the running account's agents: {test:?}");
        assert_eq!(test.sample[0], "101: idle", "{test:?}");
    }
    let stats = gw.sim.stats();
    assert_eq!(
        stats.sign_ins, 1,
        "Test connection signed the seat in again"
    );
    assert_eq!(stats.force_logins, 0);

    // A new password for the running seat is not tried against it: that would end the live
    // session. The answer says so, and what to do.
    let test = test_connection(
        &account,
        &typed("An0ther-Pa55word"),
        &secrets(),
        Some(&live),
    )
    .await;
    assert!(!test.ok && !test.running_session, "{test:?}");
    let why = test.error.expect("a reason").message;
    assert!(
        why.contains("a second sign-in would end its session"),
        "{why}"
    );
    assert!(why.contains("Save the account"), "{why}");
    assert!(!why.contains("An0ther-Pa55word"), "{why}");

    // Nor is another account on the same seat signed in beside it.
    let mut twin = account.clone();
    twin.id = "cc-copy".into();
    let test = test_connection(&twin, &TypedSecrets::default(), &secrets(), Some(&live)).await;
    let why = test.error.expect("a reason").message;
    assert!(why.contains("\"cc\""), "names the running account: {why}");
    assert_eq!(gw.sim.stats().sign_ins, 1);

    // The engine's session still works: its next poll needs no new sign-in.
    let mut polls = engine.polls();
    poll_all(&engine, DEADLINE).await;
    let record = polls.recv().await.unwrap();
    assert_eq!(record.error, None, "{record:?}");
    let stats = gw.sim.stats();
    assert_eq!((stats.sign_ins, stats.force_logins), (1, 0));
    engine.shutdown().await;
}

#[tokio::test]
async fn the_pickers_list_a_running_seats_team_and_queues_without_signing_in_again() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    // A watch list: the picker must still offer the whole team, which the engine's polls do
    // not ask for.
    let account = gw.account(&["101"]);
    let engine = running(&account).await;
    let live = engine.running();
    let mut form = account.clone();
    form.labels.insert("102".into(), "Bruno (nights)".into());

    let agents = list_agents(&form, &TypedSecrets::default(), &secrets(), Some(&live))
        .await
        .expect("the team");
    let ids: Vec<&str> = agents.iter().map(|a| a.agent_id.as_str()).collect();
    assert_eq!(ids, HuaweiSim::demo_agent_ids());
    assert_eq!(agents[0].name.as_deref(), Some("Alice Zhang"));
    assert_eq!(
        agents[1].name.as_deref(),
        Some("Bruno (nights)"),
        "the form's label"
    );

    let queues = list_queues(&form, &TypedSecrets::default(), &secrets(), Some(&live))
        .await
        .expect("the queues");
    let skills: Vec<(&str, Option<&str>)> = queues
        .iter()
        .map(|q| (q.skill_id.as_str(), q.name.as_deref()))
        .collect();
    assert_eq!(
        skills,
        [
            ("1", Some("voice")),
            ("2", Some("vip")),
            ("3", Some("web chat"))
        ]
    );

    let stats = gw.sim.stats();
    assert_eq!(stats.sign_ins, 1, "a picker signed the seat in again");
    assert_eq!(stats.force_logins, 0);
    let mut polls = engine.polls();
    poll_all(&engine, DEADLINE).await;
    assert_eq!(polls.recv().await.unwrap().error, None);
    assert_eq!(gw.sim.stats().sign_ins, 1);
    engine.shutdown().await;
}

#[tokio::test]
async fn an_account_that_does_not_run_is_tested_with_a_session_of_its_own() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let account = gw.account(&["101", "102"]);
    let test = test_connection(&account, &TypedSecrets::default(), &secrets(), None).await;
    assert!(test.ok && !test.running_session, "{test:?}");
    let stats = gw.sim.stats();
    // Signed in for the test, and out again: the seat is free afterwards.
    assert_eq!(stats.sign_ins, 1);
    assert!(
        !gw.sim.is_signed_in(agentwatch_sim::huawei::DEFAULT_WORKNO),
        "the test left the seat signed in"
    );
}
