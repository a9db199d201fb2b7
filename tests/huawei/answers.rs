//! Unreadable answers: one agent's status answer that cannot be read (garbage, wrong types,
//! bytes that are not text) shows that agent with severity unknown and the reason while the
//! others stay visible; unreadable answers to every call, or to the sign-in, fail the account.
//! A watch list naming an agent twice polls it once.

use crate::{by_id, quick, sim_with, Gateway};
use agentwatch_core::{ErrorKind, Severity};
use agentwatch_sim::huawei::RawAnswer;
use agentwatch_sim::{Fault, FaultRule};

const UNREADABLE: &str = "unreadable answer";

fn agents() -> Vec<(&'static str, i64, bool)> {
    vec![
        ("101", 4, false),
        ("102", 7, true),
        ("103", 8, false),
        ("104", 5, false),
        ("105", 3, false),
    ]
}

#[tokio::test]
async fn one_unreadable_status_answer_marks_only_its_agent() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &agents())).await;
    let client = gw.client(&["101", "102", "103", "104", "105"]);
    client.poll().await.expect("a healthy first poll");

    // Garbage, a wrong type, bytes that are no text at all, and a sound answer whose message
    // holds a byte that is not UTF-8 (decoded lossily: it costs nothing).
    gw.sim
        .set_raw_status("102", RawAnswer::json("<html><body>Service unavailable"));
    gw.sim.set_raw_status(
        "103",
        RawAnswer::json(r#"{"retcode":"0","result":{"agentState":[8],"isWorking":false}}"#),
    );
    gw.sim
        .set_raw_status("104", RawAnswer::json(b"\xff\xfe\x00\x01\x9c\x80".to_vec()));
    gw.sim.set_raw_status(
        "105",
        RawAnswer::json(
            b"{\"message\":\"\xff\xfe\",\"retcode\":\"0\",\"result\":{\"agentState\":3,\"isWorking\":false}}"
                .to_vec(),
        ),
    );

    let observations = client.poll().await.expect("the account still polls");

    assert_eq!(observations.len(), 5);
    let idle = by_id(&observations, "101");
    assert_eq!((idle.state.as_str(), idle.severity), ("idle", Severity::Ok));
    for (id, reason) in [
        ("102", "expected value"),
        ("103", "agentState: invalid type"),
        ("104", "expected value"),
    ] {
        let o = by_id(&observations, id);
        assert_eq!(
            (o.state.as_str(), o.severity),
            (UNREADABLE, Severity::Unknown),
            "{id}"
        );
        let detail = o.detail.as_deref().unwrap_or_default();
        assert!(
            detail.contains(&format!("malformed answer to status of agent {id}")),
            "{id}: {detail}"
        );
        assert!(detail.contains(reason), "{id}: {detail}");
    }
    let busy = by_id(&observations, "105");
    assert_eq!(
        (busy.state.as_str(), busy.severity),
        ("busy", Severity::Info)
    );
    assert_eq!(gw.sim.stats().sign_ins, 1, "not a session problem");

    for id in ["102", "103", "104", "105"] {
        gw.sim.clear_raw_status(id);
    }
    let observations = client.poll().await.expect("poll");
    assert_eq!(by_id(&observations, "102").state, "talking");
    assert_eq!(by_id(&observations, "103").state, "rest");
    assert_eq!(by_id(&observations, "104").state, "wrap-up");
    client.shutdown().await;
}

#[tokio::test]
async fn unreadable_answers_to_every_status_call_fail_the_account() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &agents()[..2])).await;
    let client = gw.client(&["101", "102"]);
    gw.sim.set_raw_status("101", RawAnswer::json("garbage"));
    gw.sim
        .set_raw_status("102", RawAnswer::json(r#"{"retcode":"0","result":"x"}"#));

    let err = client.poll().await.expect_err("nothing could be read");

    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(
        err.to_string()
            .contains("malformed answer to status of agent 101"),
        "{err}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_sign_in_answer_fails_the_account() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &agents())).await;
    gw.sim
        .faults()
        .set(FaultRule::times(Fault::Truncated, 1).on_path("/onlineagent/5001"));
    let client = gw.client(&["101"]);

    let err = client.poll().await.expect_err("the sign-in answer is cut");

    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(
        err.to_string()
            .contains("malformed answer to sign-in of seat 5001"),
        "{err}"
    );
    assert_eq!(gw.sim.stats().status_requests, 0);
    client.shutdown().await;
}

#[tokio::test]
async fn an_agent_named_twice_in_the_watch_list_is_polled_once() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &agents())).await;
    let client = gw.client(&["101", "102", "101", "102", "101"]);

    let observations = client.poll().await.expect("poll");

    let ids: Vec<&str> = observations.iter().map(|o| o.agent_id.as_str()).collect();
    assert_eq!(ids, ["101", "102"]);
    assert_eq!(gw.sim.stats().status_requests, 2);
    client.shutdown().await;
}
