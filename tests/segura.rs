//! End-to-end tests of the Segura client against its simulator, over real HTTP on loopback.

use agentwatch_core::config::AccountConfig;
use agentwatch_core::vendors::VendorClient;
use agentwatch_core::{ErrorKind, Observation, Severity, Vendor};
use agentwatch_sim::segura::{
    AgentArrayName, ErrorShape, ListError, SeguraSim, SeguraSimConfig, DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
};
use agentwatch_sim::{Fault, FaultRule, SimServer, TestCa};
use agentwatch_tests::{account, client, wait_for};
use std::sync::Arc;
use std::time::Duration;

/// A running simulator and a client of it, built as the engine builds it.
struct Setup {
    sim: SeguraSim,
    server: SimServer,
    client: Arc<dyn VendorClient>,
}

async fn start(sim: SeguraSim) -> Setup {
    start_with(sim, |_| {}).await
}

async fn start_with(sim: SeguraSim, adjust: impl FnOnce(&mut AccountConfig)) -> Setup {
    let server = SimServer::start(sim.router(), 0, None)
        .await
        .expect("simulator starts");
    let mut account = segura_account(&server.base_url());
    adjust(&mut account);
    let client = client(&account, DEFAULT_CLIENT_SECRET).expect("client builds");
    Setup {
        sim,
        server,
        client,
    }
}

fn segura_account(base_url: &str) -> AccountConfig {
    let mut account = account("segura-test", Vendor::Segura, base_url);
    account.set_option("client_id", DEFAULT_CLIENT_ID.to_string());
    account
}

fn by_id<'a>(seen: &'a [Observation], id: &str) -> &'a Observation {
    seen.iter()
        .find(|o| o.agent_id == id)
        .unwrap_or_else(|| panic!("agent {id} missing from {seen:?}"))
}

fn ids(seen: &[Observation]) -> Vec<&str> {
    seen.iter().map(|o| o.agent_id.as_str()).collect()
}

/// Every way an observation can reach a person or a file.
fn shown(seen: &[Observation]) -> String {
    format!("{seen:?}\n{}", serde_json::to_string(seen).unwrap())
}

#[tokio::test]
async fn a_poll_reports_every_registered_agent() {
    let s = start(SeguraSim::demo()).await;
    let seen = s.client.poll().await.expect("poll succeeds");
    assert_eq!(ids(&seen), ["1", "2", "3"]);
    let default = by_id(&seen, "1");
    assert_eq!(default.name.as_deref(), Some("Default"));
    assert_eq!(default.state, "registered");
    assert_eq!(default.native, "registered");
    assert_eq!(default.severity, Severity::Ok);
    assert_eq!(default.detail.as_deref(), Some("port 30000"));
    let identity = default.identity.as_deref().unwrap();
    let hash = identity
        .strip_prefix("port 30000 · fingerprint ")
        .unwrap_or_else(|| panic!("unexpected identity {identity:?}"));
    assert!(
        hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{identity}"
    );
    assert_eq!(s.client.vanished_severity(), Severity::Critical);
    assert_eq!(s.client.identity_change_severity(), Severity::Critical);
    for agent in s.sim.agents() {
        assert!(!shown(&seen).contains(&agent.fingerprint));
    }
}

#[tokio::test]
async fn both_array_spellings_and_integer_ids_read_the_same() {
    let s = start(SeguraSim::demo()).await;
    let documented = s.client.poll().await.unwrap();
    for (spelling, numeric) in [
        (AgentArrayName::Agents, false),
        (AgentArrayName::Agent, true),
        (AgentArrayName::Agents, true),
    ] {
        s.sim.set_spelling(spelling);
        s.sim.set_numeric_ids(numeric);
        let seen = s
            .client
            .poll()
            .await
            .unwrap_or_else(|e| panic!("{spelling:?}/{numeric}: {e}"));
        assert_eq!(seen, documented, "{spelling:?}, numeric ids {numeric}");
    }
}

#[tokio::test]
async fn a_lower_case_token_type_is_accepted() {
    let sim = SeguraSim::new(SeguraSimConfig {
        token_type: "bearer".into(),
        ..SeguraSimConfig::default()
    });
    sim.add_agent("5", "Edge", 30005);
    let s = start(sim).await;
    assert_eq!(ids(&s.client.poll().await.unwrap()), ["5"]);
}

#[tokio::test]
async fn the_token_is_fetched_once_and_reused() {
    let s = start(SeguraSim::demo()).await;
    // Polls that start together share one token fetch.
    let together = poll_concurrently(&s.client, 4).await;
    assert!(together.iter().all(Result::is_ok), "{together:?}");
    for _ in 0..3 {
        s.client.poll().await.unwrap();
    }
    assert_eq!(s.sim.tokens_issued(), 1);
}

async fn poll_concurrently(
    client: &Arc<dyn VendorClient>,
    n: usize,
) -> Vec<agentwatch_core::Result<Vec<Observation>>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.poll().await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("poll task"));
    }
    results
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_the_poll_succeeds() {
    let s = start(SeguraSim::demo()).await;
    s.client.poll().await.unwrap();
    s.sim.expire_tokens();
    let seen = s.client.poll().await.expect("poll after expiry succeeds");
    assert_eq!(seen.len(), 3);
    assert_eq!(s.sim.tokens_issued(), 2);
    assert_eq!(s.sim.unauthorized_answers(), 1);
}

#[tokio::test]
async fn a_token_dying_on_time_is_replaced() {
    // Announced as 1 s, dead after 300 ms: the client still holds it when it dies.
    let sim = SeguraSim::new(SeguraSimConfig {
        token_lifetime: Duration::from_millis(300),
        ..SeguraSimConfig::default()
    });
    sim.add_agent("1", "Default", 30000);
    let s = start(sim).await;
    s.client.poll().await.unwrap();
    let died = wait_for(Duration::from_secs(5), || async {
        (s.sim.live_tokens() == 0).then_some(())
    })
    .await;
    assert!(died.is_some(), "the simulator's token never expired");
    assert_eq!(
        ids(&s.client.poll().await.expect("poll after expiry")),
        ["1"]
    );
    assert_eq!(s.sim.tokens_issued(), 2);
}

#[tokio::test]
async fn a_token_near_its_announced_expiry_is_renewed_before_use() {
    // A 10 s token is renewed 1 s early (a tenth of its life). Polling 9 s after it was
    // issued falls in that last second: the old token still works, so a client without the
    // early margin would use it and fetch nothing.
    let sim = SeguraSim::new(SeguraSimConfig {
        token_lifetime: Duration::from_secs(10),
        ..SeguraSimConfig::default()
    });
    sim.add_agent("1", "Default", 30000);
    let s = start(sim).await;
    let before_issue = tokio::time::Instant::now();
    s.client.poll().await.unwrap();
    let after_issue = tokio::time::Instant::now();
    assert_eq!(s.sim.tokens_issued(), 1);
    // The client's renewal time is at most `after_issue` + 9 s; the token dies no sooner
    // than `before_issue` + 10 s.
    tokio::time::sleep_until(after_issue + Duration::from_millis(9_100)).await;
    assert_eq!(s.sim.live_tokens(), 1, "the first token is still valid");
    s.client.poll().await.expect("poll with a renewed token");
    assert!(
        before_issue.elapsed() < Duration::from_secs(10),
        "the machine was too slow to poll inside the margin"
    );
    assert_eq!(s.sim.tokens_issued(), 2, "renewed inside the margin");
    // Renewed ahead of its announced expiry: no token was ever refused.
    assert_eq!(s.sim.unauthorized_answers(), 0);
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_auth_error_that_hides_the_secret() {
    let s = start(SeguraSim::demo()).await;
    let secret = "wrong-secret-8c1f0e";
    let wrong = client(&segura_account(&s.server.base_url()), secret).unwrap();
    let err = wrong.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let text = err.to_string();
    assert!(text.contains("client credentials refused"), "{text}");
    assert!(
        !text.contains(secret) && !format!("{err:?}").contains(secret),
        "{text}"
    );
    assert_eq!(s.sim.tokens_issued(), 0);
}

#[tokio::test]
async fn a_wrong_client_id_is_an_auth_error() {
    let s = start_with(SeguraSim::demo(), |a| {
        a.set_option("client_id", "someone-else")
    })
    .await;
    assert_eq!(s.client.poll().await.unwrap_err().kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn a_port_change_changes_the_identity() {
    let s = start(SeguraSim::demo()).await;
    let before = s.client.poll().await.unwrap();
    assert!(s.sim.set_port("2", 31999));
    let after = s.client.poll().await.unwrap();
    let (old, new) = (by_id(&before, "2"), by_id(&after, "2"));
    assert_ne!(old.identity, new.identity);
    assert!(
        new.identity
            .as_deref()
            .unwrap()
            .starts_with("port 31999 · "),
        "{new:?}"
    );
    assert_eq!(new.detail.as_deref(), Some("port 31999"));
    assert_eq!(by_id(&before, "1").identity, by_id(&after, "1").identity);
}

#[tokio::test]
async fn a_fingerprint_change_changes_the_identity_without_showing_it() {
    let s = start(SeguraSim::demo()).await;
    let old_fingerprint = s.sim.agent("3").unwrap().fingerprint;
    let before = s.client.poll().await.unwrap();
    let new_fingerprint = "bmV3LWZpbmdlcnByaW50LWFmdGVyLXJlLXJlZ2lzdHJhdGlvbg==";
    assert!(s.sim.set_fingerprint("3", new_fingerprint));
    let after = s.client.poll().await.unwrap();
    let (old, new) = (by_id(&before, "3"), by_id(&after, "3"));
    assert_ne!(old.identity, new.identity);
    assert_eq!(old.detail, new.detail, "the port did not change");
    for text in [shown(&before), shown(&after)] {
        assert!(
            !text.contains(&old_fingerprint) && !text.contains(new_fingerprint),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_removed_agent_is_absent_from_the_result() {
    let s = start(SeguraSim::demo()).await;
    assert!(s.sim.remove_agent("2"));
    assert_eq!(ids(&s.client.poll().await.unwrap()), ["1", "3"]);
}

#[tokio::test]
async fn a_watch_list_keeps_only_the_watched_agents() {
    let s = start_with(SeguraSim::demo(), |a| {
        a.watch = vec!["3".into(), "1".into(), "99".into()]
    })
    .await;
    assert_eq!(ids(&s.client.poll().await.unwrap()), ["1", "3"]);
    s.sim.remove_agent("3");
    assert_eq!(ids(&s.client.poll().await.unwrap()), ["1"]);
}

#[tokio::test]
async fn an_instance_without_agents_is_an_empty_list() {
    let s = start(SeguraSim::new(SeguraSimConfig::default())).await;
    assert_eq!(
        s.client
            .poll()
            .await
            .expect("the documented 404 is not an error"),
        vec![]
    );
}

#[tokio::test]
async fn a_refused_referer_is_a_vendor_error() {
    let s = start(SeguraSim::demo()).await;
    s.sim.block_referer(true);
    let err = s.client.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert!(
        err.to_string().contains("http referer not allowed (1105)"),
        "{err}"
    );
    s.sim.block_referer(false);
    assert_eq!(s.client.poll().await.unwrap().len(), 3);
}

/// Injects `fault` into the list call, checks the poll fails with `kind`, clears the fault and
/// checks the next poll succeeds.
async fn fault_gives(fault: Fault, kind: ErrorKind) -> agentwatch_core::Error {
    let s = start(SeguraSim::demo()).await;
    s.client.poll().await.expect("poll before the fault");
    s.sim
        .faults()
        .set(FaultRule::always(fault.clone()).on_path("nc/agent"));
    let err = s
        .client
        .poll()
        .await
        .expect_err("poll under the fault fails");
    assert_eq!(err.kind(), kind, "{fault:?}: {err}");
    assert!(
        err.to_string().contains("Segura agent list"),
        "{fault:?}: {err}"
    );
    s.sim.faults().clear();
    let seen = s
        .client
        .poll()
        .await
        .unwrap_or_else(|e| panic!("poll after {fault:?} cleared: {e}"));
    assert_eq!(seen.len(), 3);
    err
}

#[tokio::test]
async fn server_errors_are_http_status_errors() {
    let err = fault_gives(Fault::Http500, ErrorKind::HttpStatus).await;
    assert!(
        err.to_string().contains("500 Internal Server Error"),
        "{err}"
    );
    let err = fault_gives(Fault::Http502, ErrorKind::HttpStatus).await;
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    fault_gives(Fault::Slow { millis: 3_000 }, ErrorKind::Timeout).await;
}

#[tokio::test]
async fn a_reset_connection_is_a_connect_error() {
    fault_gives(Fault::Reset, ErrorKind::Connect).await;
}

#[tokio::test]
async fn truncated_and_mistyped_answers_are_malformed() {
    fault_gives(Fault::Truncated, ErrorKind::Malformed).await;
    fault_gives(Fault::WrongTypes, ErrorKind::Malformed).await;
}

#[tokio::test]
async fn a_list_call_refused_twice_is_an_auth_error_after_one_new_token() {
    let s = start(SeguraSim::demo()).await;
    s.client.poll().await.unwrap();
    assert_eq!(s.sim.tokens_issued(), 1);
    s.sim
        .faults()
        .set(FaultRule::always(Fault::Unauthorized).on_path("nc/agent"));
    let err = s.client.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("refused too"), "{err}");
    // One new token for the refusal, and no more: no retry loop.
    assert_eq!(s.sim.tokens_issued(), 2);
    assert_eq!(s.sim.faults().hits(), 2, "two list calls, then the error");
    s.sim.faults().clear();
    assert_eq!(s.client.poll().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_single_refusal_is_healed_by_a_new_token() {
    let s = start(SeguraSim::demo()).await;
    s.client.poll().await.unwrap();
    s.sim
        .faults()
        .set(FaultRule::times(Fault::Unauthorized, 1).on_path("nc/agent"));
    assert_eq!(s.client.poll().await.expect("healed").len(), 3);
    assert_eq!(s.sim.tokens_issued(), 2);
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

#[tokio::test]
async fn token_endpoint_failures_name_the_token_request() {
    let s = start(SeguraSim::demo()).await;
    s.sim
        .faults()
        .set(FaultRule::always(Fault::Http502).on_path("oauth2/token"));
    let err = s.client.poll().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert!(err.to_string().contains("Segura token request"), "{err}");
    s.sim
        .faults()
        .set(FaultRule::always(Fault::WrongTypes).on_path("oauth2/token"));
    assert_eq!(
        s.client.poll().await.unwrap_err().kind(),
        ErrorKind::Malformed
    );
    s.sim.faults().clear();
    assert_eq!(s.client.poll().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_http_control_routes_change_what_the_client_sees() {
    let s = start(SeguraSim::demo()).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let base = s.server.base_url();
    let before = s.client.poll().await.unwrap();

    let created = http
        .put(format!("{base}/_sim/agents/7"))
        .json(&serde_json::json!({"name": "Lab", "port": 30007}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let updated = http
        .put(format!("{base}/_sim/agents/1"))
        .json(&serde_json::json!({"fingerprint": "cmUtcmVnaXN0ZXJlZA=="}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 204);
    let deleted = http
        .delete(format!("{base}/_sim/agents/2"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let expired = http
        .post(format!("{base}/_sim/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 204);

    let after = s.client.poll().await.unwrap();
    assert_eq!(ids(&after), ["1", "3", "7"]);
    assert_eq!(by_id(&after, "7").name.as_deref(), Some("Lab"));
    assert_ne!(by_id(&before, "1").identity, by_id(&after, "1").identity);
    assert_eq!(s.sim.tokens_issued(), 2, "the expired token was replaced");
}

#[tokio::test]
async fn polls_work_over_tls_with_the_account_ca_file() {
    let ca = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca_pem(&ca_file).unwrap();
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, Some(&ca)).await.unwrap();
    let mut account = segura_account(&server.base_url());
    account.ca_file = Some(ca_file);
    let client = client(&account, DEFAULT_CLIENT_SECRET).unwrap();
    assert_eq!(client.poll().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_installation_under_a_path_prefix_is_reached_through_its_base_url() {
    let sim = SeguraSim::new(SeguraSimConfig {
        path_prefix: "/senhasegura".into(),
        ..SeguraSimConfig::default()
    });
    sim.add_agent("1", "Default", 30000);
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    for base in ["/senhasegura", "/senhasegura/"] {
        let account = segura_account(&format!("{}{base}", server.base_url()));
        let prefixed = client(&account, DEFAULT_CLIENT_SECRET).unwrap();
        assert_eq!(ids(&prefixed.poll().await.expect(base)), ["1"]);
    }
    assert_eq!(sim.tokens_issued(), 2);
    // Without the prefix the token endpoint is not found: the prefix is really in use.
    let bare = client(&segura_account(&server.base_url()), DEFAULT_CLIENT_SECRET).unwrap();
    let err = bare.poll().await.unwrap_err();
    assert!(err.to_string().contains("Segura token request"), "{err}");
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn each_error_shape_gives_a_readable_vendor_error() {
    for string_booleans in [false, true] {
        let sim = SeguraSim::new(SeguraSimConfig {
            string_booleans,
            ..SeguraSimConfig::default()
        });
        sim.add_agent("1", "Default", 30000);
        let s = start(sim).await;
        assert_eq!(
            ids(&s.client.poll().await.unwrap()),
            ["1"],
            "flags as text: {string_booleans}"
        );
        for (shape, said) in [
            (ErrorShape::Flat, "Database unavailable (1500)"),
            (ErrorShape::Wrapped, "Database unavailable (1500)"),
            (
                ErrorShape::Exception,
                "Database unavailable: connection pool exhausted (1500)",
            ),
        ] {
            s.sim.fail_list_with(Some(ListError {
                status: 500,
                shape,
                code: 1500,
                message: "Database unavailable".into(),
                detail: "connection pool exhausted".into(),
            }));
            let err = s.client.poll().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Vendor, "{shape:?}: {err}");
            assert_eq!(
                err.to_string(),
                format!("Segura agent list: the instance reported an error: {said}"),
                "{shape:?}, flags as text: {string_booleans}"
            );
        }
        s.sim.fail_list_with(None);
        assert_eq!(ids(&s.client.poll().await.unwrap()), ["1"]);
    }
}

#[tokio::test]
async fn one_bad_entry_does_not_blind_the_account() {
    let s = start(SeguraSim::demo()).await;
    let mut raw = br#"{"id":"7","name":"Edge ","port":{"number":1}},{"name":"no id"},"#.to_vec();
    // Latin-1 "São Paulo": not UTF-8.
    raw.extend_from_slice(b"{\"id\":\"8\",\"name\":\"S\xe3o Paulo\",\"port\":\"30008\"}");
    s.sim.append_raw_entries(Some(raw));

    let answer = s
        .client
        .poll_answer()
        .await
        .expect("the account stays readable");

    let seen = &answer.observations;
    assert_eq!(ids(seen), ["1", "2", "3", "7", "8"]);
    for good in ["1", "2", "3"] {
        assert_eq!(by_id(seen, good).severity, Severity::Ok);
    }
    let bad = by_id(seen, "7");
    assert_eq!(bad.severity, Severity::Unknown);
    assert!(
        bad.detail.as_deref().unwrap().contains("unreadable"),
        "{bad:?}"
    );
    let latin1 = by_id(seen, "8");
    assert_eq!(latin1.name.as_deref(), Some("S\u{fffd}o Paulo"));
    assert_eq!(latin1.severity, Severity::Ok);
    assert_eq!(answer.skipped_entries, 1);
}
