//! Polling: every watched agent, every state through the wire, the documented wire variants,
//! TLS with a private CA, 10,000 agents, and the simulator's HTTP control routes.

use crate::{by_id, quick, sim_with, Gateway};
use agentwatch_core::{ErrorKind, Severity, Vendor};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::huawei::{ListingRefusal, MessageKey, ResultShape};
use agentwatch_sim::{SimServer, TestCa};
use agentwatch_tests as support;

#[tokio::test]
async fn a_poll_shows_every_watched_agent_in_order() {
    let gw = Gateway::start_per_agent(HuaweiSim::demo()).await;
    let ids = HuaweiSim::demo_agent_ids();
    let client = gw.client(&ids);

    let observations = client.poll().await.expect("poll succeeds");

    let seen: Vec<&str> = observations.iter().map(|o| o.agent_id.as_str()).collect();
    assert_eq!(seen, ids);
    let idle = by_id(&observations, "101");
    assert_eq!(
        (idle.state.as_str(), idle.native.as_str(), idle.severity),
        ("idle", "4", Severity::Ok)
    );
    let talking = by_id(&observations, "102");
    assert_eq!(talking.state, "talking");
    assert_eq!(talking.detail.as_deref(), Some("talking"));
    let out = by_id(&observations, "106");
    assert_eq!(
        (out.state.as_str(), out.severity),
        ("signed out", Severity::Warning)
    );
    // The supervisor's seat signed in once, as busy, so that it is never offered calls.
    assert_eq!(gw.sim.stats().sign_ins, 1);
    assert_eq!(gw.sim.seat_status(DEFAULT_WORKNO).as_deref(), Some("3"));

    gw.sim.set_agent("101", 2, false);
    let observations = client.poll().await.expect("second poll succeeds");
    let changed = by_id(&observations, "101");
    assert_eq!(
        (changed.state.as_str(), changed.severity),
        ("signed out", Severity::Warning)
    );
    assert_eq!(gw.sim.stats().sign_ins, 1, "the session is reused");
    client.shutdown().await;
}

#[tokio::test]
async fn every_agent_state_maps_through_the_wire() {
    let expected = [
        ("200", 0, "unknown", Severity::Unknown),
        ("201", 1, "signed in", Severity::Ok),
        ("202", 2, "signed out", Severity::Warning),
        ("203", 3, "busy", Severity::Info),
        ("204", 4, "idle", Severity::Ok),
        ("205", 5, "wrap-up", Severity::Info),
        ("206", 6, "idle", Severity::Ok),
        ("207", 7, "talking", Severity::Ok),
        ("208", 8, "rest", Severity::Info),
        ("209", 9, "pre-rest", Severity::Info),
    ];
    let agents: Vec<(&str, i64, bool)> = expected
        .iter()
        .map(|&(id, s, _, _)| (id, s, false))
        .collect();
    let gw = Gateway::start(sim_with(quick(), &agents)).await;
    let ids: Vec<&str> = expected.iter().map(|e| e.0).collect();
    let client = gw.client(&ids);

    let observations = client.poll().await.expect("poll succeeds");

    for (id, state, label, severity) in expected {
        let o = by_id(&observations, id);
        assert_eq!(
            (o.state.as_str(), o.native.as_str(), o.severity),
            (label, state.to_string().as_str(), severity),
            "agentState {state}"
        );
        assert_eq!(o.detail, None);
    }
    client.shutdown().await;
}

#[tokio::test]
async fn an_unknown_state_is_shown_as_state_n() {
    let gw = Gateway::start(sim_with(quick(), &[("301", 42, false)])).await;
    let client = gw.client(&["301"]);

    let observations = client.poll().await.expect("poll succeeds");

    let o = by_id(&observations, "301");
    assert_eq!(
        (o.state.as_str(), o.native.as_str(), o.severity),
        ("state 42", "42", Severity::Unknown)
    );
    client.shutdown().await;
}

#[tokio::test]
async fn an_unknown_agent_is_an_unknown_observation_not_an_account_error() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101", "999"]);

    let observations = client.poll().await.expect("the account still polls");

    assert_eq!(by_id(&observations, "101").state, "idle");
    let missing = by_id(&observations, "999");
    assert_eq!(missing.state, "not found (000-002)");
    assert_eq!(missing.severity, Severity::Unknown);
    client.shutdown().await;
}

#[tokio::test]
async fn the_msg_key_array_results_and_error_statuses_are_understood() {
    let config = HuaweiSimConfig {
        message_key: MessageKey::Msg,
        result_shape: ResultShape::Array,
        error_http_status: 500,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 8, false)])).await;
    let client = gw.client(&["101", "999"]);

    let observations = client.poll().await.expect("poll succeeds");
    assert_eq!(by_id(&observations, "101").state, "rest");
    // 000-002 came with HTTP 500: the body's retcode is the truth.
    assert_eq!(by_id(&observations, "999").state, "not found (000-002)");
    client.shutdown().await;

    let wrong = support::client(&gw.account(&["101"]), "not-the-password").unwrap();
    let err = wrong.poll().await.expect_err("wrong password fails");
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
}

#[tokio::test]
async fn a_private_ca_is_trusted_through_ca_file() {
    let ca = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca_pem(&ca_file).unwrap();
    let sim = sim_with(quick(), &[("101", 4, false)]);
    let server = SimServer::start(sim.router(), 0, Some(&ca)).await.unwrap();
    let mut account = support::account("cc", Vendor::Huawei, &server.base_url());
    account.watch = vec!["101".into()];
    account.set_option("workno", DEFAULT_WORKNO);
    account.ca_file = Some(ca_file);
    let client = support::client(&account, DEFAULT_PASSWORD).unwrap();

    let observations = client.poll().await.expect("poll over TLS");

    assert_eq!(by_id(&observations, "101").state, "idle");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_agents_are_polled_with_bounded_concurrency() {
    // How fast this is, is measured by `cargo xtask bench` (BENCHMARKS.md), not asserted here.
    let sim = HuaweiSim::new(quick());
    let ids: Vec<String> = (200_000..210_000).map(|n: u32| n.to_string()).collect();
    sim.add_agents(ids.iter().map(|id| (id.clone(), 4, false)));
    let gw = Gateway::start_per_agent(sim).await;
    let mut account = gw.account(&[]);
    account.watch = ids.clone();
    let client = support::client(&account, DEFAULT_PASSWORD).unwrap();
    client
        .poll()
        .await
        .expect("first poll (signs in, opens connections)");
    let observations = client.poll().await.expect("second poll");

    assert_eq!(observations.len(), 10_000);
    assert!(observations.iter().all(|o| o.state == "idle"));
    let stats = gw.sim.stats();
    assert!(stats.max_concurrent_status <= 64, "{stats:?}");
    assert!(
        stats.max_concurrent_status > 1,
        "requests run concurrently: {stats:?}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn the_http_control_routes_drive_the_simulator() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("poll");
    let http = reqwest::Client::new();
    let control = |path: &str| format!("{}/_sim/{path}", gw.url());

    let put = http
        .put(control("agents/101"))
        .json(&serde_json::json!({"state": 7, "working": true}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let o = client.poll().await.expect("poll");
    assert_eq!(
        (o[0].state.as_str(), o[0].detail.as_deref()),
        ("talking", Some("talking"))
    );

    let delete = http.delete(control("agents/101")).send().await.unwrap();
    assert!(delete.status().is_success());
    let o = client.poll().await.expect("poll");
    assert_eq!(o[0].state, "not found (000-002)");

    let expire = http.post(control("sessions/expire")).send().await.unwrap();
    assert!(expire.status().is_success());
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));
    client.poll().await.expect("the client signs in again");
    assert_eq!(gw.sim.stats().sign_ins, 2);

    let refusal = serde_json::json!({"kind": "retcode", "retcode": "000-003"});
    let refuse = http
        .put(control("listing/refusal"))
        .json(&refusal)
        .send()
        .await
        .unwrap();
    assert!(refuse.status().is_success(), "{}", refuse.status());
    assert_eq!(
        gw.sim.listing_refusal(),
        Some(ListingRefusal::Retcode {
            retcode: "000-003".into()
        })
    );
    let grant = http
        .delete(control("listing/refusal"))
        .send()
        .await
        .unwrap();
    assert!(grant.status().is_success());
    assert_eq!(gw.sim.listing_refusal(), None);
    client.shutdown().await;
}
