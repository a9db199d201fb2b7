//! How a session went: an agent that ends has its turns read once (`.../agents/{id}/turns`,
//! paged), told as a finding with its end, and judged by `[accounts.session_quality]`; agents
//! that had ended before the first poll are never asked about, and a turns call that fails
//! only says so.

use super::*;
use agentwatch_core::Severity;
use agentwatch_sim::agora::SimTurn;
use agentwatch_tests::client;

fn with_quality(server: &SimServer) -> AccountConfig {
    let mut a = agora_account(server);
    let quality: toml::Value = toml::from_str(
        "error_turns = { warning = 1 }\np95_latency = { warning = \"1500ms\", critical = \"3s\" }",
    )
    .unwrap();
    a.set_option("session_quality", quality);
    a
}

/// 12 turns, 3 of them ended in an LLM error, the slow ones at 2.4 s.
fn bad_session() -> Vec<SimTurn> {
    let mut turns: Vec<SimTurn> = (0..9).map(|i| SimTurn::ok(900 + i * 40)).collect();
    turns.extend((0..3).map(|_| SimTurn::error("LLM_REQUEST_ERR", 2400)));
    turns
}

#[tokio::test]
async fn an_ended_agent_tells_how_its_session_went_once_and_a_bad_one_is_a_warning() {
    let sim = AgoraSim::demo();
    sim.set_turns(SEED_ID, Some(bad_session()));
    sim.set_turns(STOPPED_ID, Some(bad_session()));
    let server = serve(&sim).await;
    let watcher = client(&with_quality(&server), SECRET).unwrap();

    let first = by_id(watcher.poll().await.unwrap());
    assert_eq!(
        first[STOPPED_ID].finding, None,
        "ended before the first poll: never asked"
    );
    assert_eq!(sim.request_count("/turns"), 0);

    sim.set_status(SEED_ID, "STOPPED");
    let second = by_id(watcher.poll().await.unwrap());

    let ended = &second[SEED_ID];
    assert_eq!(ended.state, "STOPPED");
    assert_eq!(
        ended.finding.as_deref(),
        Some("ended with 3 LLM errors in 12 turns; p95 2.4 s")
    );
    assert_eq!(
        ended.severity,
        Severity::Warning,
        "STOPPED is info; the session makes it a warning"
    );
    assert_eq!(
        sim.request_count(&format!("{SEED_ID}/turns")),
        1,
        "{:?}",
        sim.requests()
    );
    assert_eq!(second[STOPPED_ID].finding, None);

    let third = by_id(watcher.poll().await.unwrap());
    assert_eq!(
        third[SEED_ID].severity,
        Severity::Warning,
        "kept while it stays ended"
    );
    assert_eq!(sim.request_count("/turns"), 1, "read once");
}

#[tokio::test]
async fn without_thresholds_the_session_is_told_and_the_severity_kept() {
    let sim = AgoraSim::demo();
    let good: Vec<SimTurn> = (0..60).map(|i| SimTurn::ok(700 + i)).collect();
    sim.set_turns(SEED_ID, Some(good));
    let server = serve(&sim).await;
    let mut account = agora_account(&server);
    account.watch = vec![SEED_ID.to_string()];
    let watcher = client(&account, SECRET).unwrap();
    watcher.poll().await.unwrap();

    sim.set_status(SEED_ID, "FAILED");
    let seen = by_id(watcher.poll().await.unwrap());

    assert_eq!(
        seen[SEED_ID].finding.as_deref(),
        Some("ended after 60 turns, none in error; p95 756 ms")
    );
    assert_eq!(
        seen[SEED_ID].severity,
        Severity::Critical,
        "FAILED's own severity"
    );
    // 60 turns at 50 a page: two pages, one question.
    assert_eq!(sim.request_count("page_index=2"), 1, "{:?}", sim.requests());
}

#[tokio::test]
async fn turns_that_cannot_be_read_are_said_and_the_poll_goes_on() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let watcher = client(&with_quality(&server), SECRET).unwrap();
    watcher.poll().await.unwrap();

    sim.set_turns(SEED_ID, None);
    sim.set_status(SEED_ID, "STOPPED");
    let seen = by_id(watcher.poll().await.expect("the poll is not failed"));

    assert_eq!(
        seen[SEED_ID].finding.as_deref(),
        Some("how the session went is unknown: Agora has no turns for it (HTTP 404)")
    );
    assert_eq!(
        seen[SEED_ID].severity,
        Severity::Info,
        "nothing known, nothing raised"
    );
}
