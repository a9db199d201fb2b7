//! Injected faults: each is classified, and the next poll after it is cleared succeeds.

use super::*;
use agentwatch_core::{ErrorKind, Severity};
use agentwatch_sim::{Fault, FaultRule};
use agentwatch_tests::client;
use std::time::Duration;

/// Sets `fault` on every request, checks the poll fails with `kind`, clears it and checks the
/// next poll succeeds.
async fn fault_then_recovery(fault: Fault, kind: ErrorKind) -> agentwatch_core::Error {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    sim.faults().set(FaultRule::always(fault.clone()));

    let err = watcher.poll().await.unwrap_err();
    assert_eq!(err.kind(), kind, "{fault:?}: {err}");
    assert!(
        err.to_string().contains("Agora list of agents"),
        "the call is named: {err}"
    );
    assert!(!err.to_string().contains(SECRET), "{err}");

    sim.faults().clear();
    assert_eq!(
        watcher.poll().await.unwrap().len(),
        7,
        "after {fault:?} was cleared"
    );
    err
}

#[tokio::test]
async fn http_500_is_an_http_status_error() {
    let err = fault_then_recovery(Fault::Http500, ErrorKind::HttpStatus).await;
    assert!(
        err.to_string().contains("500 Internal Server Error"),
        "{err}"
    );
}

#[tokio::test]
async fn http_502_is_an_http_status_error() {
    let err = fault_then_recovery(Fault::Http502, ErrorKind::HttpStatus).await;
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn an_answer_slower_than_the_time_limit_is_a_timeout() {
    let started = std::time::Instant::now();
    fault_then_recovery(Fault::Slow { millis: 3_000 }, ErrorKind::Timeout).await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_connection_reset_is_a_connect_error() {
    fault_then_recovery(Fault::Reset, ErrorKind::Connect).await;
}

#[tokio::test]
async fn a_truncated_answer_is_malformed() {
    fault_then_recovery(Fault::Truncated, ErrorKind::Malformed).await;
}

#[tokio::test]
async fn an_answer_with_wrong_types_is_malformed() {
    fault_then_recovery(Fault::WrongTypes, ErrorKind::Malformed).await;
}

#[tokio::test]
async fn an_unauthorized_answer_is_an_auth_error() {
    fault_then_recovery(Fault::Unauthorized, ErrorKind::Auth).await;
}

#[tokio::test]
async fn rate_limiting_is_reported_with_its_retry_after() {
    let err = fault_then_recovery(
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        ErrorKind::RateLimited,
    )
    .await;
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn faults_in_watch_mode_are_classified_too() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let mut acct = agora_account(&server);
    acct.watch = vec![SEED_ID.into(), FAILED_ID.into()];
    let watcher = client(&acct, SECRET).unwrap();
    sim.faults()
        .set(FaultRule::times(Fault::WrongTypes, 1).on_path(FAILED_ID));

    let err = watcher.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(
        err.to_string().contains(FAILED_ID),
        "names the agent: {err}"
    );

    let seen = by_id(watcher.poll().await.unwrap());
    assert_eq!(seen[FAILED_ID].severity, Severity::Critical);
}
