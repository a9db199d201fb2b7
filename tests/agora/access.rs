//! Watch mode, credentials, vendor errors and the simulator's HTTP control routes.

use super::*;
use agentwatch_core::{ErrorKind, Severity};
use agentwatch_tests::client;
use std::time::Duration;

#[tokio::test]
async fn watch_mode_queries_each_agent_and_a_404_means_exited() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let mut acct = agora_account(&server);
    acct.watch = vec![
        SEED_ID.into(),
        STOPPED_ID.into(),
        "GONE0000000000000000000000000000".into(),
    ];

    let seen = by_id(client(&acct, SECRET).unwrap().poll().await.unwrap());

    assert_eq!(seen.len(), 3);
    assert_eq!(seen[SEED_ID].name.as_deref(), Some("support-triage"));
    assert_eq!(seen[SEED_ID].severity, Severity::Ok);
    assert_eq!(seen[STOPPED_ID].state, "STOPPED");
    assert!(seen[STOPPED_ID]
        .detail
        .as_deref()
        .unwrap()
        .contains("stopped "));
    let gone = &seen["GONE0000000000000000000000000000"];
    assert_eq!(
        (gone.state.as_str(), gone.native.as_str()),
        ("EXITED", "404")
    );
    assert_eq!(gone.severity, Severity::Info);
    assert_eq!(sim.request_count("/agents?"), 0, "watch mode does not list");

    sim.configure(|c| c.exited_answer_404 = true);
    let seen = by_id(client(&acct, SECRET).unwrap().poll().await.unwrap());
    assert_eq!(seen[STOPPED_ID].state, "EXITED");
    assert_eq!(seen[STOPPED_ID].severity, Severity::Info);
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_that_does_not_show_the_secret() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let acct = agora_account(&server);
    let wrong = "hunter2-not-the-secret";

    let watcher = client(&acct, wrong).unwrap();
    let err = watcher.poll().await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Auth);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("HTTP 401"), "{shown}");
    assert!(
        shown.contains("Invalid authentication credentials"),
        "{shown}"
    );
    assert!(!shown.contains(wrong), "{shown}");
    assert!(
        !shown.contains("aHVudGVyMi"),
        "the Basic credentials leaked: {shown}"
    );

    // The supervisor fixes the credentials on the server side: the same client recovers.
    sim.rotate_secret(wrong);
    assert_eq!(watcher.poll().await.unwrap().len(), 7);
}

#[tokio::test]
async fn a_rotated_secret_fails_the_poll_until_it_is_restored() {
    let sim = AgoraSim::demo();
    sim.configure(|c| c.legacy_error_body = true);
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    assert_eq!(watcher.poll().await.unwrap().len(), 7);

    sim.rotate_secret("rotated-elsewhere");
    let err = watcher.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    // The older error shape's `message` is quoted.
    assert!(
        err.to_string()
            .contains("Invalid authentication credentials"),
        "{err}"
    );

    sim.rotate_secret(SECRET);
    assert_eq!(watcher.poll().await.unwrap().len(), 7);
}

#[tokio::test]
async fn an_unknown_app_id_is_refused_with_the_servers_reason() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let mut acct = agora_account(&server);
    acct.set_option("app_id", "someone-elses-app");

    let err = client(&acct, SECRET).unwrap().poll().await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("HTTP 403"), "{err}");
    assert!(err.to_string().contains("InvalidAppId"), "{err}");
}

#[tokio::test]
async fn a_list_answer_whose_status_is_not_ok_is_a_vendor_error() {
    let sim = AgoraSim::demo();
    sim.set_reply_status("failed");
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();

    let err = watcher.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert!(err.to_string().contains("\"failed\""), "{err}");

    sim.set_reply_status("ok");
    assert_eq!(watcher.poll().await.unwrap().len(), 7);
}

#[tokio::test]
async fn agents_changed_through_the_http_control_routes_are_seen() {
    let sim = AgoraSim::demo();
    let server = serve(&sim).await;
    let watcher = client(&agora_account(&server), SECRET).unwrap();
    let control = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let agent_url = format!("{}/_sim/agents/NEWAGENT", server.base_url());

    let put = control
        .put(&agent_url)
        .json(&serde_json::json!({"status": "FAILED", "channel": "support", "name": "night-shift"}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let seen = by_id(watcher.poll().await.unwrap());
    assert_eq!(seen["NEWAGENT"].state, "FAILED");
    assert_eq!(seen["NEWAGENT"].severity, Severity::Critical);

    let deleted = control.delete(&agent_url).send().await.unwrap();
    assert_eq!(deleted.status(), reqwest::StatusCode::NO_CONTENT);
    let seen = by_id(watcher.poll().await.unwrap());
    assert!(!seen.contains_key("NEWAGENT"));
    assert_eq!(seen.len(), 7);
}
