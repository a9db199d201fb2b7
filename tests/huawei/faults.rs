//! Injected faults: each gives the error kind a supervisor can act on, names the failed call,
//! leaks no credential, and the next poll after the fault succeeds.

use crate::{assert_no_secrets, by_id, quick, sim_with, Gateway};
use agentwatch_core::Error;
use agentwatch_core::ErrorKind;
use agentwatch_sim::huawei::{DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::{Fault, FaultRule};
use std::time::{Duration, Instant};

/// Injects `fault` on status calls, checks the poll's error, clears it, checks recovery.
async fn fault_gives(fault: Fault, kind: ErrorKind) -> Error {
    let gw =
        Gateway::start_per_agent(sim_with(quick(), &[("101", 4, false), ("102", 7, true)])).await;
    let client = gw.client(&["101", "102"]);
    client.poll().await.expect("healthy first poll");
    let guid = gw.sim.current_guid(DEFAULT_WORKNO).unwrap();

    gw.sim
        .faults()
        .set(FaultRule::always(fault.clone()).on_path("agentstatus"));
    let err = client.poll().await.expect_err("the fault fails the poll");
    assert_eq!(err.kind(), kind, "{fault:?}: {err}");
    assert!(
        err.to_string().contains("status of agent"),
        "names the call: {err}"
    );
    assert_no_secrets(&err, &[DEFAULT_PASSWORD, &guid]);

    gw.sim.faults().clear();
    let observations = client.poll().await.expect("the next poll succeeds");
    assert_eq!(by_id(&observations, "102").state, "talking");
    client.shutdown().await;
    err
}

#[tokio::test]
async fn http_500_is_an_http_status_error() {
    let err = fault_gives(Fault::Http500, ErrorKind::HttpStatus).await;
    assert!(err.to_string().contains("500"), "{err}");
}

#[tokio::test]
async fn http_502_is_an_http_status_error() {
    let err = fault_gives(Fault::Http502, ErrorKind::HttpStatus).await;
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let started = Instant::now();
    fault_gives(Fault::Slow { millis: 2_500 }, ErrorKind::Timeout).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "status calls run concurrently"
    );
}

#[tokio::test]
async fn a_reset_connection_is_a_connect_error() {
    fault_gives(Fault::Reset, ErrorKind::Connect).await;
}

#[tokio::test]
async fn a_truncated_answer_is_malformed() {
    fault_gives(Fault::Truncated, ErrorKind::Malformed).await;
}

#[tokio::test]
async fn wrong_types_are_malformed() {
    let err = fault_gives(Fault::WrongTypes, ErrorKind::Malformed).await;
    assert!(
        err.to_string()
            .contains("malformed answer to status of agent"),
        "{err}"
    );
}

#[tokio::test]
async fn rate_limiting_is_reported_with_its_retry_after() {
    let err = fault_gives(
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        ErrorKind::RateLimited,
    )
    .await;
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}
