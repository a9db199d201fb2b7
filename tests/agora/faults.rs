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
        .set(FaultRule::times(Fault::Truncated, 1).on_path(FAILED_ID));

    let err = watcher.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(
        err.to_string().contains(FAILED_ID),
        "names the agent: {err}"
    );

    let seen = by_id(watcher.poll().await.unwrap());
    assert_eq!(seen[FAILED_ID].severity, Severity::Critical);
}

#[tokio::test]
async fn a_per_agent_answer_with_wrong_types_shows_that_agent_as_unknown() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let mut acct = agora_account(&server);
    acct.watch = vec![SEED_ID.into(), FAILED_ID.into()];
    let watcher = client(&acct, SECRET).unwrap();
    sim.faults()
        .set(FaultRule::times(Fault::WrongTypes, 1).on_path(FAILED_ID));

    let seen = by_id(
        watcher
            .poll()
            .await
            .expect("one bad answer does not fail the account"),
    );

    let bad = &seen[FAILED_ID];
    assert_eq!(bad.severity, Severity::Unknown);
    let detail = bad.detail.as_deref().unwrap();
    assert!(detail.contains("unreadable"), "{detail}");
    assert_eq!(seen[SEED_ID].severity, Severity::Ok);
    let seen = by_id(watcher.poll().await.unwrap());
    assert_eq!(seen[FAILED_ID].severity, Severity::Critical);
}

/// List requests served so far (per-agent queries have a path after `agents`).
fn list_requests(sim: &AgoraSim) -> usize {
    sim.request_count("/agents?")
}

#[tokio::test]
async fn endless_new_cursors_stop_within_the_budget_and_name_the_cursor() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    sim.faults().set(FaultRule::always(Fault::EndlessCursor));

    let started = std::time::Instant::now();
    let err = watcher.poll().await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Malformed);
    let text = err.to_string();
    assert!(text.contains("Agora kept returning new cursors"), "{text}");
    assert!(
        text.contains(" pages for ") && text.contains(" agents"),
        "{text}"
    );
    // Each of the 7 states holds at most 2 demo agents, one page's worth: 1 page needed, at
    // most 3 allowed. Far from the 50-page cap, let alone the 500 pages of old.
    let requests = list_requests(&sim);
    assert!(requests <= 7 * 3, "{requests} list requests in one cycle");
    assert!(started.elapsed() < Duration::from_secs(5));

    sim.faults().clear();
    let before = list_requests(&sim);
    assert_eq!(watcher.poll().await.unwrap().len(), 7);
    assert_eq!(
        list_requests(&sim) - before,
        7,
        "one page per state once healed"
    );
}

#[tokio::test]
async fn a_cursor_with_an_empty_page_ends_paging_normally() {
    // No agents at all: every state's page is empty, yet each comes with a new cursor.
    let sim = AgoraSim::new(AgoraSimConfig::default());
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    sim.faults().set(FaultRule::always(Fault::EndlessCursor));

    assert_eq!(watcher.poll().await.expect("an empty project").len(), 0);
    assert_eq!(list_requests(&sim), 7, "one page per state");
}

#[tokio::test]
async fn answers_without_meta_are_read() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    sim.faults()
        .set(FaultRule::always(Fault::DropKey { key: "meta".into() }));

    let seen = by_id(watcher.poll().await.expect("no meta is fine"));

    assert_eq!(seen.len(), 7);
    assert_eq!(seen[FAILED_ID].severity, Severity::Critical);
    assert!(sim.faults().hits() >= 7, "the fault was applied");
}

/// The dashboard's "Test connection" waits for a whole check at most its limit: a vendor slower
/// than that (within the account's own time limit) fails the check as a timeout, with the
/// route, instead of keeping the form busy. A check within the limit is untouched.
#[tokio::test]
async fn a_check_past_its_limit_is_a_timeout_with_the_route() {
    use agentwatch_core::check::{check_account_within, CheckOutcome};
    use agentwatch_core::secrets::StaticSecrets;
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let account = agora_account(&server);
    let secrets = StaticSecrets::new().with("ai", SECRET);
    sim.faults()
        .set(FaultRule::always(Fault::Slow { millis: 3_000 }));
    let started = std::time::Instant::now();
    let check = check_account_within(&account, &secrets, Duration::from_secs(1)).await;
    // Sooner than the account's own 2 s request limit would have.
    assert!(
        started.elapsed() < Duration::from_millis(1_900),
        "{:?}",
        started.elapsed()
    );
    match &check.outcome {
        CheckOutcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Timeout, "{e:?}");
            assert_eq!(e.message, "no answer within 1 s");
        }
        other => panic!("not a timeout: {other:?}"),
    }
    let timed_out_route = check.route.clone();

    sim.faults().clear();
    let check = check_account_within(&account, &secrets, Duration::from_secs(10)).await;
    assert_eq!(timed_out_route, check.route, "the same route is named");
    assert!(
        matches!(&check.outcome, CheckOutcome::Agents(list) if list.len() == 7),
        "{:?}",
        check.outcome
    );
}
