//! The engine end to end over real HTTP: pollers, change detection, the status channel, outages
//! that never produce false agent changes, recovery, overrides, poll-now, and TLS with a
//! generated CA given through `ca_file`.

use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::status::AccountHealth;
use agentwatch_core::{Engine, ErrorKind, Event, EventKind, Severity, Status, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::segura::SeguraSim;
use agentwatch_sim::{Fault, FaultRule, SimServer, TestCa};
use agentwatch_tests::{account, wait_status};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const DEADLINE: Duration = Duration::from_secs(15);

fn agora_account(server: &SimServer) -> AccountConfig {
    let defaults = AgoraSimConfig::default();
    let mut a = account("ai", Vendor::Agora, &server.base_url());
    a.set_option("app_id", defaults.app_id);
    a.set_option("customer_id", defaults.customer_id);
    a
}

fn agora_secrets() -> Arc<StaticSecrets> {
    Arc::new(StaticSecrets::new().with("ai", &AgoraSimConfig::default().customer_secret))
}

fn config(accounts: Vec<AccountConfig>) -> Config {
    Config {
        poll_interval_secs: 1,
        accounts,
        ..Config::default()
    }
}

async fn next_event(rx: &mut broadcast::Receiver<Event>, what: &str) -> Event {
    tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .expect("event stream open")
}

/// Every event received so far, without waiting.
fn drain(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn agent_state(status: &Status, id: &str) -> Option<(String, Severity, bool)> {
    status
        .agents
        .iter()
        .find(|a| a.observation.agent_id == id)
        .map(|a| (a.observation.state.clone(), a.observation.severity, a.stale))
}

#[tokio::test]
async fn a_failing_agent_is_reported_once_with_critical_severity() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = Engine::start(&config(vec![agora_account(&server)]), agora_secrets());
    let mut events = engine.subscribe();
    let target = AgoraSim::demo_agents()[0].agent_id.clone();

    let first = wait_status(&engine, DEADLINE, "the first poll", |s| {
        agent_state(s, &target).is_some()
    })
    .await;
    assert_eq!(first.accounts[0].health, AccountHealth::Ok);
    assert_eq!(agent_state(&first, &target).unwrap().0, "RUNNING");
    assert!(
        drain(&mut events).is_empty(),
        "the first poll is a baseline, not a change"
    );

    sim.set_status(&target, "FAILED");
    let event = next_event(&mut events, "the change to FAILED").await;
    assert_eq!(event.severity, Severity::Critical);
    match &event.kind {
        EventKind::Changed {
            agent_id,
            old_state,
            new_state,
            name,
            ..
        } => {
            assert_eq!(agent_id, &target);
            assert_eq!(
                (old_state.as_str(), new_state.as_str()),
                ("RUNNING", "FAILED")
            );
            // Agora's list answer carries no name (start_ts, status, agent_id only).
            assert_eq!(name.as_deref(), None);
        }
        other => panic!("expected a change, got {other:?}"),
    }
    assert!(event
        .line()
        .contains(&format!("agora ai {target} RUNNING -> FAILED critical")));

    let status = wait_status(&engine, DEADLINE, "FAILED in the status", |s| {
        agent_state(s, &target).is_some_and(|a| a.0 == "FAILED")
    })
    .await;
    assert_eq!(status.worst(), Severity::Critical);
    assert!(status.summary().contains("failed"), "{}", status.summary());

    // Two more polls with nothing changed: no further event.
    let polled = status.accounts[0].last_poll_ms;
    wait_status(&engine, DEADLINE, "two more polls", |s| {
        s.accounts[0].last_poll_ms > polled.map(|p| p + 1500)
    })
    .await;
    assert!(
        drain(&mut events).is_empty(),
        "an unchanged agent is not reported again"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn an_outage_is_one_unreachable_event_with_stale_agents_and_no_false_changes() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = Engine::start(&config(vec![agora_account(&server)]), agora_secrets());
    let mut events = engine.subscribe();
    wait_status(&engine, DEADLINE, "the first poll", |s| {
        !s.agents.is_empty()
    })
    .await;
    let agents_before = engine.current().agents.len();

    for fault in [
        Fault::Http502,
        Fault::Truncated,
        Fault::WrongTypes,
        Fault::Reset,
    ] {
        sim.faults().set(FaultRule::always(fault.clone()));
        let event = next_event(&mut events, "the unreachable event").await;
        let EventKind::AccountUnreachable {
            error,
            stale_agents,
        } = &event.kind
        else {
            panic!("{fault:?}: expected unreachable, got {event:?}");
        };
        assert_eq!(*stale_agents, agents_before);
        assert_eq!(event.severity, Severity::Unknown);
        let expected = match fault {
            Fault::Http502 => ErrorKind::HttpStatus,
            Fault::Reset => ErrorKind::Connect,
            _ => ErrorKind::Malformed,
        };
        assert_eq!(error.kind, expected, "{fault:?}: {}", error.message);

        // The account keeps failing for a few more polls (backing off): no further events.
        let hits = sim.faults().hits();
        let down = wait_status(&engine, DEADLINE, "more failed polls", |s| {
            s.accounts[0].health == AccountHealth::Unreachable && sim.faults().hits() > hits
        })
        .await;
        assert!(
            down.agents.iter().all(|a| a.stale),
            "agents keep their last state, marked stale"
        );
        assert_eq!(
            down.agents.len(),
            agents_before,
            "no agent is dropped during an outage"
        );
        assert_eq!(down.worst(), Severity::Unknown);
        assert!(
            drain(&mut events).is_empty(),
            "{fault:?}: no agent change during the outage"
        );

        sim.faults().clear();
        engine.poll_now();
        let recovered = next_event(&mut events, "recovery").await;
        assert!(
            matches!(recovered.kind, EventKind::AccountRecovered { .. }),
            "{recovered:?}"
        );
        let up = wait_status(&engine, DEADLINE, "fresh agents", |s| {
            s.agents.iter().all(|a| !a.stale)
        })
        .await;
        assert_eq!(up.accounts[0].health, AccountHealth::Ok);
        assert!(
            drain(&mut events).is_empty(),
            "no false change after recovery"
        );
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn changes_during_an_outage_are_reported_after_recovery() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = Engine::start(&config(vec![agora_account(&server)]), agora_secrets());
    let mut events = engine.subscribe();
    wait_status(&engine, DEADLINE, "the first poll", |s| {
        !s.agents.is_empty()
    })
    .await;
    let target = AgoraSim::demo_agents()[1].agent_id.clone();

    sim.faults().set(FaultRule::always(Fault::Http500));
    next_event(&mut events, "unreachable").await;
    sim.set_status(&target, "FAILED");
    sim.faults().clear();
    engine.poll_now();
    let recovered = next_event(&mut events, "recovery").await;
    assert!(matches!(recovered.kind, EventKind::AccountRecovered { .. }));
    let change = next_event(&mut events, "the change made during the outage").await;
    assert!(
        matches!(&change.kind, EventKind::Changed { agent_id, new_state, .. } if agent_id == &target && new_state == "FAILED"),
        "{change:?}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn severity_overrides_from_the_config_apply() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut acc = agora_account(&server);
    acc.severity.insert("FAILED".into(), Severity::Warning);
    acc.severity.insert("stopped".into(), Severity::Critical);
    let engine = Engine::start(&config(vec![acc]), agora_secrets());
    let status = wait_status(&engine, DEADLINE, "the first poll", |s| {
        !s.agents.is_empty()
    })
    .await;
    let by_state = |state: &str| {
        status
            .agents
            .iter()
            .find(|a| a.observation.state == state)
            .map(|a| a.observation.severity)
    };
    assert_eq!(by_state("FAILED"), Some(Severity::Warning));
    assert_eq!(by_state("STOPPED"), Some(Severity::Critical));
    assert_eq!(by_state("RUNNING"), Some(Severity::Ok));
    engine.shutdown().await;
}

#[tokio::test]
async fn poll_now_cuts_the_wait_short() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut cfg = config(vec![agora_account(&server)]);
    cfg.poll_interval_secs = 3600;
    let engine = Engine::start(&cfg, agora_secrets());
    let first = wait_status(&engine, DEADLINE, "the first poll", |s| {
        !s.agents.is_empty()
    })
    .await;
    let target = AgoraSim::demo_agents()[0].agent_id.clone();
    sim.set_status(&target, "STOPPING");
    assert!(engine.poll_account_now("ai"));
    assert!(!engine.poll_account_now("no-such-account"));
    let after = wait_status(&engine, DEADLINE, "the polled-now change", |s| {
        agent_state(s, &target).is_some_and(|a| a.0 == "STOPPING")
    })
    .await;
    assert!(after.accounts[0].last_poll_ms > first.accounts[0].last_poll_ms);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_missing_secret_makes_the_account_unreachable_with_that_reason() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = Engine::start(
        &config(vec![agora_account(&server)]),
        Arc::new(StaticSecrets::new()),
    );
    let status = wait_status(&engine, DEADLINE, "the failed first poll", |s| {
        s.accounts[0].health == AccountHealth::Unreachable
    })
    .await;
    let error = status.accounts[0].error.clone().unwrap();
    assert_eq!(error.kind, ErrorKind::MissingSecret);
    assert!(
        error.message.contains("agentwatch secret set ai"),
        "{}",
        error.message
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn rate_limiting_is_reported_with_its_reason() {
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let engine = Engine::start(&config(vec![agora_account(&server)]), agora_secrets());
    let mut events = engine.subscribe();
    wait_status(&engine, DEADLINE, "the first poll", |s| {
        !s.agents.is_empty()
    })
    .await;
    sim.faults().set(FaultRule::always(Fault::RateLimited {
        retry_after_secs: 30,
    }));
    let event = next_event(&mut events, "unreachable").await;
    let EventKind::AccountUnreachable { error, .. } = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(error.kind, ErrorKind::RateLimited);
    engine.shutdown().await;
}

#[tokio::test]
async fn tls_with_a_generated_ca_works_through_ca_file_and_fails_without_it() {
    let ca = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("sim-ca.pem");
    ca.write_ca_pem(&ca_path).unwrap();
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, Some(&ca)).await.unwrap();
    assert!(server.base_url().starts_with("https://localhost:"));

    let mut trusted = account("nc", Vendor::Segura, &server.base_url());
    trusted.set_option("client_id", agentwatch_sim::segura::DEFAULT_CLIENT_ID);
    trusted.ca_file = Some(ca_path.clone());
    let untrusted = AccountConfig {
        id: "nc-untrusted".into(),
        ca_file: None,
        ..trusted.clone()
    };
    let secrets = StaticSecrets::new()
        .with("nc", agentwatch_sim::segura::DEFAULT_CLIENT_SECRET)
        .with(
            "nc-untrusted",
            agentwatch_sim::segura::DEFAULT_CLIENT_SECRET,
        );
    let checks =
        agentwatch_core::check::check_all(&config(vec![trusted, untrusted]), &secrets).await;

    match &checks[0].outcome {
        agentwatch_core::check::CheckOutcome::Agents(list) => assert_eq!(list.len(), 3),
        other => panic!("with the CA: {other:?}"),
    }
    match &checks[1].outcome {
        agentwatch_core::check::CheckOutcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Tls, "{}", e.message)
        }
        other => panic!("without the CA: {other:?}"),
    }

    // A ca_file that is not PEM is a clear TLS configuration error.
    std::fs::write(&ca_path, "not a certificate").unwrap();
    let mut broken = account("nc", Vendor::Segura, &server.base_url());
    broken.set_option("client_id", "x");
    broken.ca_file = Some(ca_path);
    let err = agentwatch_core::http::client_for(&broken.client_settings()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.to_string().contains("sim-ca.pem"), "{err}");
}

fn segura_account(server: &SimServer) -> AccountConfig {
    let mut a = account("nc", Vendor::Segura, &server.base_url());
    a.set_option("client_id", agentwatch_sim::segura::DEFAULT_CLIENT_ID);
    a
}

fn segura_secrets() -> Arc<StaticSecrets> {
    Arc::new(StaticSecrets::new().with("nc", agentwatch_sim::segura::DEFAULT_CLIENT_SECRET))
}

#[tokio::test]
async fn agents_repeated_in_one_answer_are_one_row_and_one_event() {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    // About 1 MB: each of the three agents listed thousands of times in every answer.
    sim.faults().set(
        FaultRule::always(Fault::Oversized {
            megabytes: 1,
            announce_length: false,
        })
        .on_path("nc/agent"),
    );
    let engine = Engine::start(&config(vec![segura_account(&server)]), segura_secrets());
    let mut events = engine.subscribe();

    let first = wait_status(&engine, DEADLINE, "the first poll", |s| {
        s.accounts[0].health == AccountHealth::Ok
    })
    .await;
    let ids: Vec<_> = first
        .agents
        .iter()
        .map(|a| a.observation.agent_id.as_str())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);

    sim.reregister("2");
    let event = next_event(&mut events, "the re-registration").await;
    assert!(
        matches!(&event.kind, EventKind::IdentityChanged { agent_id, .. } if agent_id == "2"),
        "{event:?}"
    );
    let polled = engine.current().accounts[0].last_poll_ms;
    let later = wait_status(&engine, DEADLINE, "two more polls", |s| {
        s.accounts[0].last_poll_ms > polled.map(|p| p + 1500)
    })
    .await;
    assert!(drain(&mut events).is_empty(), "one event for one change");
    assert_eq!(later.agents.len(), 3);
    engine.shutdown().await;
}

#[tokio::test]
async fn entries_without_an_agent_id_are_counted_in_the_account_status() {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    sim.append_raw_entries(Some(br#"{"name":"no id"},{"id":"  ","port":"1"}"#.to_vec()));
    let engine = Engine::start(&config(vec![segura_account(&server)]), segura_secrets());

    let status = wait_status(&engine, DEADLINE, "a poll with skipped entries", |s| {
        s.accounts[0].health == AccountHealth::Ok
    })
    .await;

    assert_eq!(status.accounts[0].skipped_entries, 2);
    assert_eq!(status.agents.len(), 3, "the good agents stay visible");
    sim.append_raw_entries(None);
    wait_status(&engine, DEADLINE, "the count cleared", |s| {
        s.accounts[0].skipped_entries == 0
    })
    .await;
    engine.shutdown().await;
}

/// A watched id the vendor never lists is on the board as "not found"; a watched agent that
/// leaves the list vanishes as before (critical for a Segura connector) and stays on the board
/// as gone, never turning into "not found"; back in the list, it is itself again.
#[tokio::test]
async fn watched_agents_never_go_silent_on_the_board() {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut nc = account("nc", Vendor::Segura, &server.base_url());
    nc.set_option(
        "client_id",
        agentwatch_sim::segura::DEFAULT_CLIENT_ID.to_string(),
    );
    nc.watch = vec!["1".into(), "99".into()];
    let secrets =
        Arc::new(StaticSecrets::new().with("nc", agentwatch_sim::segura::DEFAULT_CLIENT_SECRET));
    let engine = Engine::start(&config(vec![nc]), secrets);
    let mut events = engine.subscribe();

    let first = wait_status(&engine, DEADLINE, "the first poll", |s| {
        agent_state(s, "1").is_some()
    })
    .await;
    assert_eq!(
        agent_state(&first, "99"),
        Some(("not found".into(), Severity::Unknown, false)),
        "{first:?}"
    );
    assert_eq!(first.agents.len(), 2, "the two watched agents, no more");
    assert_eq!(first.worst(), Severity::Unknown);

    assert!(sim.remove_agent("1"));
    let gone = wait_status(&engine, DEADLINE, "agent 1 to go", |s| {
        agent_state(s, "1").is_some_and(|(state, _, _)| state != "registered")
    })
    .await;
    assert_eq!(
        agent_state(&gone, "1"),
        Some(("(gone)".into(), Severity::Critical, false))
    );
    let vanished = next_event(&mut events, "agent 1 vanishing").await;
    assert!(
        matches!(&vanished.kind, EventKind::Vanished { agent_id, .. } if agent_id == "1"),
        "{vanished:?}"
    );
    assert_eq!(vanished.severity, Severity::Critical);
    // Polls later it is still gone, with nothing more said about it.
    let mut polls = engine.polls();
    for _ in 0..2 {
        tokio::time::timeout(DEADLINE, polls.recv())
            .await
            .unwrap()
            .unwrap();
    }
    let later = engine.status().borrow().clone();
    assert_eq!(agent_state(&later, "1").unwrap().0, "(gone)");
    assert!(
        drain(&mut events).is_empty(),
        "no second change for a gone agent"
    );

    sim.add_agent("1", "Default", 30000);
    let back = wait_status(&engine, DEADLINE, "agent 1 back", |s| {
        agent_state(s, "1").is_some_and(|(state, _, _)| state == "registered")
    })
    .await;
    assert_eq!(agent_state(&back, "1").unwrap().1, Severity::Ok);
    engine.shutdown().await;
}
