//! Sessions: sign-in failures and take-over, expiry and renewal, Guid rotation, the heartbeat,
//! the static-Guid mode, sign-out on shutdown and the background task's end.

use crate::{assert_no_secrets, by_id, quick, sim_with, Gateway};
use agentwatch_core::ErrorKind;
use agentwatch_sim::huawei::{AuthMode, SignInGuid};
use agentwatch_sim::huawei::{HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::{Fault, FaultRule};
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
    account.set_option("auth", "guid");
    account.remove_option("workno");
    account.remove_option("phonenum");
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

    // It never signs out a session it did not create: with a fresh session on the gateway
    // that a sign-out could end, the shutdown makes no sign-out call at all.
    let (_, _) = gw.sign_in_elsewhere(DEFAULT_WORKNO, DEFAULT_PASSWORD).await;
    client.shutdown().await;
    assert!(gw.sim.is_signed_in(DEFAULT_WORKNO));
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.sign_out_attempts, stats.forced_sign_out_attempts),
        (0, 0),
        "no sign-out was even tried: {stats:?}"
    );
    assert_eq!(
        stats.sign_in_attempts, 2,
        "both sign-ins came from the test"
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
    let stats = gw.sim.stats();
    assert_eq!((stats.sign_out_attempts, stats.sign_outs), (1, 1));
    assert_eq!(stats.forced_sign_out_attempts, 0);
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
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.sign_out_attempts, stats.sign_outs),
        (1, 0),
        "the plain sign-out was tried and refused"
    );
    assert_eq!(
        (stats.forced_sign_out_attempts, stats.forced_sign_outs),
        (1, 1)
    );
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
async fn the_event_poll_answers_at_once_when_an_agent_signs_out() {
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
    // Agent 101 signs out.
    gw.sim.set_agent("101", 2, false);
    let answer = held.await.unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered before the hold ended"
    );
    assert_eq!(answer["event"]["eventType"], "QC_AgentState_Notify");
    assert_eq!(answer["event"]["workNo"], DEFAULT_WORKNO);
    assert_eq!(
        answer["event"]["content"]["subtype"],
        "QC_AgentState_Logout"
    );
    assert_eq!(answer["event"]["content"]["monitoredagent"], "101");
}

/// A sign-in the gateway accepts without a usable `Set-GUID`: the account says so and the seat
/// is signed out again with the session cookie, rather than left signed in as busy.
async fn sign_in_without_a_guid(sign_in_guid: SignInGuid) {
    let config = HuaweiSimConfig {
        sign_in_guid,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);

    let err = client.poll().await.expect_err("nothing to poll with");

    let message = err.to_string();
    assert!(
        message.contains("sign-in of seat 5001: signed in but the gateway sent no Guid"),
        "{message}"
    );
    assert!(
        message.contains("the seat was signed out again"),
        "{message}"
    );
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO), "not left signed in");
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.sign_out_attempts, stats.sign_outs),
        (1, 1),
        "{stats:?}"
    );
    assert_eq!(stats.forced_sign_out_attempts, 0, "{stats:?}");
    assert_eq!(stats.status_requests, 0, "no status call without a Guid");
    client.shutdown().await;
    assert_eq!(
        gw.sim.stats().sign_out_attempts,
        1,
        "nothing more to sign out"
    );
}

#[tokio::test]
async fn a_sign_in_without_set_guid_is_reported_and_signed_out() {
    sign_in_without_a_guid(SignInGuid::Missing).await;
}

#[tokio::test]
async fn a_sign_in_with_an_empty_set_guid_is_reported_and_signed_out() {
    sign_in_without_a_guid(SignInGuid::Empty).await;
}

#[tokio::test]
async fn a_guidless_seat_is_forced_out_when_the_sign_out_is_refused() {
    let config = HuaweiSimConfig {
        sign_in_guid: SignInGuid::Missing,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    // The plain sign-out fails once ("/logout" is not part of "/forcelogout").
    gw.sim
        .faults()
        .set(FaultRule::times(Fault::Http500, 1).on_path("/logout"));
    let client = gw.client(&["101"]);

    let err = client.poll().await.expect_err("nothing to poll with");

    assert!(
        err.to_string()
            .contains("the seat was signed out again (forced)"),
        "{err}"
    );
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));
    assert_eq!(gw.sim.faults().hits(), 1, "the plain sign-out was tried");
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.forced_sign_out_attempts, stats.forced_sign_outs),
        (1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_guidless_seat_that_cannot_be_signed_out_is_reported_as_such() {
    // No session cookie either: nothing proves the sign-out is ours.
    let config = HuaweiSimConfig {
        sign_in_guid: SignInGuid::Missing,
        session_cookie: false,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);

    let err = client.poll().await.expect_err("nothing to poll with");

    let message = err.to_string();
    assert!(
        message.contains("signed in but the gateway sent no Guid"),
        "{message}"
    );
    assert!(
        message.contains("the seat may still be signed in on the gateway"),
        "{message}"
    );
    assert!(message.contains("100-006"), "says why: {message}");
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.sign_out_attempts, stats.forced_sign_out_attempts),
        (1, 1),
        "sign-out, then forced sign-out: {stats:?}"
    );
    assert!(
        gw.sim.is_signed_in(DEFAULT_WORKNO),
        "the gateway refused both"
    );
}

/// Sign-ins that keep failing are spaced out (2 s, 4 s, ...) however often the account is
/// polled, and a successful sign-in starts the spacing over.
#[tokio::test]
async fn failed_sign_ins_back_off_and_a_success_resets_the_back_off() {
    let gw = Gateway::start_per_agent(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    // Every sign-in attempt of seat 5001 meets the fault: its hits count the attempts.
    gw.sim
        .faults()
        .set(FaultRule::always(Fault::Http502).on_path("/onlineagent/5001"));

    // Polled as fast as it answers for 3 s: without back-off, hundreds of sign-ins.
    let polls = std::cell::Cell::new(0u32);
    let last_error = std::cell::RefCell::new(None);
    support::wait_for(Duration::from_secs(3), || {
        let client = client.clone();
        let (polls, last_error) = (&polls, &last_error);
        async move {
            let err = client.poll().await.expect_err("the gateway fails");
            polls.set(polls.get() + 1);
            *last_error.borrow_mut() = Some(err);
            None::<()>
        }
    })
    .await;
    let attempts = gw.sim.faults().hits();
    assert!(polls.get() >= 10, "{} polls", polls.get());
    assert!(
        (1..=2).contains(&attempts),
        "{attempts} sign-in attempts in 3 s (at 0 s and 2 s)"
    );
    let gated = last_error.into_inner().expect("an error");
    assert_eq!(
        gated.kind(),
        ErrorKind::HttpStatus,
        "the last failure again: {gated}"
    );
    assert!(gated.to_string().contains("502"), "{gated}");
    assert!(
        gated.to_string().contains("failed sign-in attempt"),
        "{gated}"
    );
    assert!(gated
        .retry_after()
        .is_some_and(|wait| wait <= Duration::from_secs(4)));

    // The gateway recovers: the next attempt after the back-off signs in.
    gw.sim.faults().clear();
    let recovered = support::wait_for(Duration::from_secs(10), || async {
        client.poll().await.ok()
    })
    .await;
    assert!(recovered.is_some(), "signs in once the back-off has passed");
    assert_eq!(gw.sim.stats().sign_ins, 1);

    // A new failure after that success is back to the first, short, wait.
    gw.sim
        .faults()
        .set(FaultRule::always(Fault::Http502).on_path("/onlineagent/5001"));
    gw.sim.expire_all_sessions();
    let hits_before = gw.sim.faults().hits();
    let err = client.poll().await.expect_err("sign-in fails again");
    assert!(
        !err.to_string().contains("failed sign-in attempt"),
        "tried at once: {err}"
    );
    assert_eq!(gw.sim.faults().hits(), hits_before + 1);
    let gated = client.poll().await.expect_err("gated");
    assert!(
        gated
            .to_string()
            .contains("after 1 failed sign-in attempt,"),
        "the count started over: {gated}"
    );
    assert_eq!(
        gw.sim.faults().hits(),
        hits_before + 1,
        "no new attempt yet"
    );
    gw.sim.faults().clear();
    client.shutdown().await;
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
