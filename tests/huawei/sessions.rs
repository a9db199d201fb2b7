//! Sessions: sign-in failures and take-over, expiry and renewal, Guid rotation, the heartbeat,
//! the static-Guid mode, sign-out on shutdown and the background task's end.

use crate::{assert_no_secrets, by_id, quick, sim_with, Gateway};
use agentwatch_core::config::HuaweiAuth;
use agentwatch_core::ErrorKind;
use agentwatch_sim::huawei::AuthMode;
use agentwatch_sim::huawei::{HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_tests as support;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_wrong_password_is_an_auth_error() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let secret = "Wr0ng-Pa55word";
    let client = support::client(&gw.account(&["101"]), secret).unwrap();

    let err = client.poll().await.expect_err("sign-in is refused");

    assert_eq!(err.kind(), ErrorKind::Auth);
    let message = err.to_string();
    assert!(
        message.contains("wrong work number or password"),
        "{message}"
    );
    assert!(message.contains("5001"), "names the seat: {message}");
    assert_no_secrets(&err, &[secret]);
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));
}

#[tokio::test]
async fn a_seat_signed_in_elsewhere_is_taken_over() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let (retcode, _) = gw.sign_in_elsewhere(DEFAULT_WORKNO, DEFAULT_PASSWORD).await;
    assert_eq!(retcode, "0");
    let client = gw.client(&["101"]);

    let observations = client
        .poll()
        .await
        .expect("poll succeeds after a forced sign-in");

    assert_eq!(by_id(&observations, "101").state, "idle");
    assert_eq!(gw.sim.stats().force_logins, 1);
    assert_eq!(gw.sim.seat_status(DEFAULT_WORKNO).as_deref(), Some("3"));
    client.shutdown().await;
}

#[tokio::test]
async fn an_expired_session_is_renewed_on_the_next_poll() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("first poll");
    let first_guid = gw.sim.current_guid(DEFAULT_WORKNO).expect("signed in");

    gw.sim.expire_all_sessions();
    assert_eq!(gw.status_retcode(&first_guid, "101").await, "100-006");
    let observations = client.poll().await.expect("the poll signs in again");

    assert_eq!(by_id(&observations, "101").state, "idle");
    assert_eq!(gw.sim.stats().sign_ins, 2);
    assert!(gw.sim.is_signed_in(DEFAULT_WORKNO));
    assert_ne!(gw.sim.current_guid(DEFAULT_WORKNO), Some(first_guid));
    client.shutdown().await;
}

#[tokio::test]
async fn a_rotated_guid_is_picked_up_from_the_event_poll() {
    let config = HuaweiSimConfig {
        auth_mode: AuthMode::Dynamic,
        guid_rotation: Duration::from_millis(400),
        old_guid_grace: Duration::from_millis(300),
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("first poll");
    let first_guid = gw.sim.current_guid(DEFAULT_WORKNO).expect("signed in");

    // Wait until the first Guid is past its grace: rotated and then 300 ms more.
    let refused = support::wait_for(Duration::from_secs(10), || async {
        let code = gw.status_retcode(&first_guid, "101").await;
        (code == "000-003").then_some(code)
    })
    .await;
    assert!(refused.is_some(), "the first Guid expires after its grace");
    assert!(gw.sim.stats().guids_delivered >= 1);

    let observations = client
        .poll()
        .await
        .expect("polls go on with the rotated Guid");

    assert_eq!(by_id(&observations, "101").state, "idle");
    assert_eq!(gw.sim.stats().sign_ins, 1, "no new sign-in was needed");
    client.shutdown().await;
}

#[tokio::test]
async fn the_heartbeat_keeps_the_seat_signed_in_past_the_timeout() {
    let config = HuaweiSimConfig {
        accounts: [(DEFAULT_WORKNO, DEFAULT_PASSWORD), ("5002", "other")]
            .into_iter()
            .map(|(w, p)| (w.to_string(), p.to_string()))
            .collect(),
        auth_mode: AuthMode::Static,
        heartbeat_timeout: Duration::from_millis(700),
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("first poll");
    // A seat nobody polls events for, to show that the timeout is real.
    let (retcode, _) = gw.sign_in_elsewhere("5002", "other").await;
    assert_eq!(retcode, "0");

    // Seat 5002 signed in after the client's seat: once it has been dropped for silence, the
    // client's seat has outlived the heartbeat timeout too.
    let silent_seat_dropped = support::wait_for(Duration::from_secs(10), || async {
        (!gw.sim.is_signed_in("5002")).then_some(())
    })
    .await;
    assert!(
        silent_seat_dropped.is_some(),
        "a seat without heartbeat is signed out"
    );

    assert!(
        gw.sim.is_signed_in(DEFAULT_WORKNO),
        "the heartbeat kept the seat"
    );
    // Six event polls take at least 6 x (200 ms hold + 200 ms pause): three timeouts' worth.
    let long_after = support::wait_for(Duration::from_secs(15), || async {
        (gw.sim.stats().event_polls >= 6).then_some(())
    })
    .await;
    assert!(long_after.is_some(), "the heartbeat keeps polling events");
    assert!(
        gw.sim.is_signed_in(DEFAULT_WORKNO),
        "the heartbeat kept the seat"
    );
    client.poll().await.expect("polls still succeed");
    assert_eq!(
        gw.sim.stats().sign_ins,
        2,
        "one for the client, one for seat 5002"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_static_guid_polls_and_reports_its_expiry_clearly() {
    let config = HuaweiSimConfig {
        auth_mode: AuthMode::Static,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 5, false)])).await;
    let (_, guid) = gw.sign_in_elsewhere(DEFAULT_WORKNO, DEFAULT_PASSWORD).await;
    let guid = guid.expect("the sign-in hands out a Guid");
    let mut account = gw.account(&["101"]);
    account.auth = Some(HuaweiAuth::Guid);
    account.workno = None;
    account.phonenum = None;
    let client = support::client(&account, &guid).unwrap();

    let observations = client.poll().await.expect("poll with the configured Guid");
    assert_eq!(by_id(&observations, "101").state, "wrap-up");
    assert_eq!(
        gw.sim.stats().sign_ins,
        1,
        "the client did not sign in itself"
    );

    gw.sim.expire_all_sessions();
    let err = client
        .poll()
        .await
        .expect_err("the Guid is no longer valid");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.to_string()
            .contains("configured Guid is no longer valid"),
        "{err}"
    );
    assert_no_secrets(&err, &[&guid]);

    // It never signs out a session it did not create.
    let (_, _) = gw.sign_in_elsewhere(DEFAULT_WORKNO, DEFAULT_PASSWORD).await;
    client.shutdown().await;
    assert!(gw.sim.is_signed_in(DEFAULT_WORKNO));
    assert_eq!(
        gw.sim.stats().sign_outs + gw.sim.stats().forced_sign_outs,
        0
    );
}

#[tokio::test]
async fn shutdown_signs_the_seat_out_and_stops_the_heartbeat() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("poll");
    assert!(gw.sim.is_signed_in(DEFAULT_WORKNO));

    client.shutdown().await;

    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));
    assert_eq!(gw.sim.stats().sign_outs, 1);
    assert_no_more_event_polls(&gw).await;
}

#[tokio::test]
async fn a_seat_that_is_talking_is_forced_out_on_shutdown() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("poll");
    gw.sim.set_agent(DEFAULT_WORKNO, 7, true);

    client.shutdown().await;

    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));
    assert_eq!(
        gw.sim.stats().sign_outs,
        0,
        "the plain sign-out was refused"
    );
    assert_eq!(gw.sim.stats().forced_sign_outs, 1);
}

#[tokio::test]
async fn dropping_the_client_stops_the_heartbeat() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("poll");
    let heartbeat_runs = support::wait_for(Duration::from_secs(5), || async {
        (gw.sim.stats().event_polls >= 2).then_some(())
    })
    .await;
    assert!(heartbeat_runs.is_some(), "the heartbeat polls events");

    drop(client);

    assert_no_more_event_polls(&gw).await;
}

#[tokio::test]
async fn the_event_poll_answers_at_once_when_an_agent_changes() {
    let config = HuaweiSimConfig {
        auth_mode: AuthMode::Static,
        event_hold: Duration::from_secs(5),
        ..HuaweiSimConfig::default()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let (_, guid) = gw.sign_in_elsewhere(DEFAULT_WORKNO, DEFAULT_PASSWORD).await;
    let guid = guid.expect("a Guid");
    let url = format!(
        "{}/agentgateway/resource/agentevent/{DEFAULT_WORKNO}?calldata=",
        gw.url()
    );
    let poll_events = || {
        let request = reqwest::Client::new()
            .get(&url)
            .header("Guid", &guid)
            .send();
        async move {
            let body: serde_json::Value = request.await.unwrap().json().await.unwrap();
            body
        }
    };
    // The seat's own sign-in is the first event; it is answered without waiting.
    let first = poll_events().await;
    assert_eq!(first["retcode"], "0");

    let started = Instant::now();
    let held = tokio::spawn(poll_events());
    let polls_before = gw.sim.stats().event_polls;
    let is_held = support::wait_for(Duration::from_secs(3), || async {
        (gw.sim.stats().event_polls > polls_before).then_some(())
    })
    .await;
    assert!(is_held.is_some(), "the event poll reached the gateway");
    gw.sim.set_agent("101", 8, false);
    let answer = held.await.unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered before the hold ended"
    );
    assert_eq!(answer["event"]["eventType"], "QC_AgentState_Notify");
    assert_eq!(answer["event"]["workNo"], DEFAULT_WORKNO);
    assert_eq!(answer["event"]["content"]["agentId"], "101");
    assert_eq!(answer["event"]["content"]["agentState"], 8);
}

/// Over a few event-hold periods, no new event poll arrives.
async fn assert_no_more_event_polls(gw: &Gateway) {
    // Let a poll already on the wire land first.
    let settle = gw.sim.stats().event_polls;
    let _ = support::wait_for(Duration::from_millis(300), || async {
        (gw.sim.stats().event_polls > settle + 1).then_some(())
    })
    .await;
    let before = gw.sim.stats().event_polls;
    let more = support::wait_for(Duration::from_millis(1200), || async {
        (gw.sim.stats().event_polls > before).then_some(())
    })
    .await;
    assert!(
        more.is_none(),
        "event polls continued after the client stopped"
    );
}
