//! End-to-end tests of the `http-json` vendor against its simulator, over real HTTP on
//! loopback: the authentication kinds, nested pointers, numeric ids, paging by cursor and by
//! next URL (never to another host), the states table, malformed items, and the engine's
//! change detection and `check` on top.

use agentwatch_core::check::{check_account, CheckOutcome};
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::vendors::http_json::MAX_PAGES;
use agentwatch_core::vendors::VendorClient;
use agentwatch_core::{Engine, ErrorKind, EventKind, Observation, Severity, Vendor};
use agentwatch_sim::http_json::{HttpJsonSim, Paging, SimAuth, DEFAULT_TOKEN, DEFAULT_USER};
use agentwatch_sim::{Fault, FaultRule, SimServer};
use agentwatch_tests::client;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(20);

/// The account as a user writes it, pointed at the simulator: nested state pointer.
fn bots(base_url: &str, auth: &str) -> AccountConfig {
    bots_listed_at(base_url, auth, "/data/items")
}

fn bots_listed_at(base_url: &str, auth: &str, list: &str) -> AccountConfig {
    let text = format!(
        r#"
[[accounts]]
id = "bots"
vendor = "http-json"
base_url = "{base_url}"
timeout_secs = 2
path = "/api/v1/agents"
{auth}
[accounts.fields]
list = "{list}"
id = "/id"
name = "/displayName"
state = "/presence/state"
next = "/meta/next"
[accounts.states]
online = "ok"
away = "warning"
offline = "critical"
"#
    );
    let config = Config::parse(&text, Path::new("bots.toml")).expect("the account loads");
    config.accounts.into_iter().next().unwrap()
}

async fn serve(sim: &HttpJsonSim) -> SimServer {
    SimServer::start(sim.router(), 0, None)
        .await
        .expect("simulator starts")
}

fn by_id<'a>(seen: &'a [Observation], id: &str) -> &'a Observation {
    seen.iter()
        .find(|o| o.agent_id == id)
        .unwrap_or_else(|| panic!("agent {id} missing from {seen:?}"))
}

fn ids(seen: &[Observation]) -> Vec<&str> {
    seen.iter().map(|o| o.agent_id.as_str()).collect()
}

async fn poll(client: &Arc<dyn VendorClient>) -> agentwatch_core::Result<Vec<Observation>> {
    client.poll().await
}

#[tokio::test]
async fn every_auth_kind_sends_the_secret_its_way_and_a_wrong_one_is_an_auth_error() {
    let cases = [
        (SimAuth::None, "auth = \"none\"", ""),
        (
            SimAuth::Bearer(DEFAULT_TOKEN.into()),
            "auth = \"bearer\"",
            DEFAULT_TOKEN,
        ),
        (
            SimAuth::Basic {
                user: DEFAULT_USER.into(),
                password: "pw".into(),
            },
            &format!("auth = \"basic\"\nuser = \"{DEFAULT_USER}\"") as &str,
            "pw",
        ),
        (
            SimAuth::Header {
                name: "x-api-key".into(),
                value: "k3y".into(),
            },
            "auth = \"header:X-Api-Key\"",
            "k3y",
        ),
    ];
    for (sim_auth, auth_key, secret) in cases {
        let sim = HttpJsonSim::new(sim_auth.clone(), Paging::None);
        sim.add_agent("bot-1", "Billing bot", "online");
        let server = serve(&sim).await;
        let account = bots(&server.base_url(), auth_key);
        let seen = poll(&client(&account, secret).unwrap()).await;
        let seen = seen.unwrap_or_else(|e| panic!("{auth_key}: {e}"));
        assert_eq!(ids(&seen), ["bot-1"], "{auth_key}");
        if sim_auth != SimAuth::None {
            let err = poll(&client(&account, "wrong").unwrap()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Auth, "{auth_key}: {err}");
            assert!(
                !err.to_string().contains("wrong"),
                "the secret is not quoted: {err}"
            );
            assert_eq!(sim.refused(), 1, "{auth_key}");
        }
    }
}

#[tokio::test]
async fn nested_pointers_numeric_ids_and_the_states_table() {
    let sim = HttpJsonSim::new(SimAuth::Bearer(DEFAULT_TOKEN.into()), Paging::None);
    sim.add_agent("101", "Billing bot", "online");
    sim.add_agent("102", "Returns bot", "away");
    sim.add_agent("103", "Night bot", "offline");
    sim.add_agent("104", "New bot", "REBOOTING");
    sim.set_numeric_ids(true);
    let server = serve(&sim).await;
    let seen = poll(
        &client(
            &bots(&server.base_url(), "auth = \"bearer\""),
            DEFAULT_TOKEN,
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        ids(&seen),
        ["101", "102", "103", "104"],
        "numbers read as ids"
    );
    let billing = by_id(&seen, "101");
    assert_eq!(billing.name.as_deref(), Some("Billing bot"));
    assert_eq!(
        (billing.native.as_str(), billing.severity),
        ("online", Severity::Ok)
    );
    assert_eq!(by_id(&seen, "102").severity, Severity::Warning);
    assert_eq!(by_id(&seen, "103").severity, Severity::Critical);
    let unlisted = by_id(&seen, "104");
    assert_eq!(
        (unlisted.state.as_str(), unlisted.severity),
        ("REBOOTING", Severity::Unknown),
        "an unlisted state is shown verbatim as unknown"
    );
}

fn many(sim: &HttpJsonSim, n: usize) {
    for i in 1..=n {
        sim.add_agent(&format!("bot-{i:02}"), &format!("Bot {i}"), "online");
    }
}

#[tokio::test]
async fn paging_by_cursor_and_by_next_url_sees_every_agent() {
    for paging in [
        Paging::Cursor { page_size: 3 },
        Paging::NextUrl {
            page_size: 3,
            absolute: false,
        },
        Paging::NextUrl {
            page_size: 3,
            absolute: true,
        },
    ] {
        let sim = HttpJsonSim::new(SimAuth::Bearer(DEFAULT_TOKEN.into()), paging.clone());
        many(&sim, 10);
        let server = serve(&sim).await;
        let account = bots(&server.base_url(), "auth = \"bearer\"");
        let seen = poll(&client(&account, DEFAULT_TOKEN).unwrap())
            .await
            .unwrap();
        assert_eq!(seen.len(), 10, "{paging:?}: {:?}", ids(&seen));
        assert_eq!(sim.requests(), 4, "{paging:?}: 4 pages of at most 3");
    }
}

#[tokio::test]
async fn a_next_url_on_another_host_is_refused_and_gets_no_request() {
    let elsewhere = HttpJsonSim::new(SimAuth::None, Paging::None);
    let other = serve(&elsewhere).await;
    // `localhost` is another host than the account's 127.0.0.1, as far as the secret goes.
    let next = format!("http://localhost:{}/api/v1/agents", other.addr().port());
    let sim = HttpJsonSim::new(
        SimAuth::Bearer(DEFAULT_TOKEN.into()),
        Paging::NextUrlTo(next),
    );
    many(&sim, 2);
    let server = serve(&sim).await;
    let account = bots(&server.base_url(), "auth = \"bearer\"");
    let err = poll(&client(&account, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another host"), "{err}");
    assert!(!err.to_string().contains(DEFAULT_TOKEN), "{err}");
    assert_eq!(
        elsewhere.requests(),
        0,
        "nothing, above all no secret, went there"
    );
}

#[tokio::test]
async fn an_endless_cursor_stops_at_the_page_budget_with_a_reason() {
    let sim = HttpJsonSim::new(
        SimAuth::Bearer(DEFAULT_TOKEN.into()),
        Paging::Endless { page_size: 2 },
    );
    many(&sim, 3);
    let server = serve(&sim).await;
    let account = bots(&server.base_url(), "auth = \"bearer\"");
    let err = poll(&client(&account, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("pages"), "{err}");
    assert_eq!(sim.requests(), MAX_PAGES as u64);
}

#[tokio::test]
async fn malformed_items_are_skipped_or_unreadable_and_the_rest_is_kept() {
    let sim = HttpJsonSim::new(SimAuth::Bearer(DEFAULT_TOKEN.into()), Paging::None);
    many(&sim, 2);
    sim.set_extra_items(vec![
        json!("just text"),
        json!({"displayName": "no id"}),
        json!({"id": "bot-x", "displayName": "no state"}),
        json!({"id": "bot-y", "presence": {"state": {"deep": 1}}}),
    ]);
    let server = serve(&sim).await;
    let account = bots(&server.base_url(), "auth = \"bearer\"");
    let answer = client(&account, DEFAULT_TOKEN)
        .unwrap()
        .poll_answer()
        .await
        .unwrap();
    assert_eq!(answer.skipped_entries, 2, "the two items without an id");
    let seen = &answer.observations;
    assert_eq!(by_id(seen, "bot-01").severity, Severity::Ok);
    for id in ["bot-x", "bot-y"] {
        let o = by_id(seen, id);
        assert_eq!(
            (o.state.as_str(), o.severity),
            ("unreadable", Severity::Unknown)
        );
    }

    // A wrong envelope fails the poll with a reason; a cut answer too.
    let wrong = bots_listed_at(&server.base_url(), "auth = \"bearer\"", "/data/missing");
    let err = poll(&client(&wrong, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("/data/missing"), "{err}");
    sim.faults().set(FaultRule::times(Fault::Truncated, 1));
    let err = poll(&client(&account, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
}

#[tokio::test]
async fn an_oversized_answer_and_a_slow_one_fail_within_the_limits() {
    let sim = HttpJsonSim::new(SimAuth::Bearer(DEFAULT_TOKEN.into()), Paging::None);
    many(&sim, 2);
    let server = serve(&sim).await;
    let mut account = bots(&server.base_url(), "auth = \"bearer\"");
    account.max_answer_mib = Some(1);
    sim.faults().set(FaultRule::times(
        Fault::Oversized {
            megabytes: 3,
            announce_length: false,
        },
        1,
    ));
    let err = poll(&client(&account, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    sim.faults()
        .set(FaultRule::times(Fault::Slow { millis: 4000 }, 1));
    let started = std::time::Instant::now();
    let err = poll(&client(&account, DEFAULT_TOKEN).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the 2 s time limit held"
    );
}

#[tokio::test]
async fn check_and_the_engine_see_it_like_any_vendor() {
    let sim = HttpJsonSim::demo();
    let server = serve(&sim).await;
    let account = bots(&server.base_url(), "auth = \"bearer\"");
    let secrets = Arc::new(StaticSecrets::new().with("bots", DEFAULT_TOKEN));

    let check = check_account(&account, secrets.as_ref()).await;
    assert_eq!(check.vendor, Vendor::HttpJson);
    match &check.outcome {
        CheckOutcome::Agents(list) => assert_eq!(list.len(), 4),
        CheckOutcome::Error(e) => panic!("check failed: {e:?}"),
    }

    let config = Config {
        poll_interval_secs: 1,
        accounts: vec![account],
        ..Config::default()
    };
    let engine = Engine::start(&config, secrets);
    let mut events = engine.subscribe();
    let mut status = engine.status();
    tokio::time::timeout(DEADLINE, async {
        while status.borrow_and_update().agents.len() < 4 {
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the first poll");
    sim.set_state("bot-2", "offline");
    let event = tokio::time::timeout(DEADLINE, events.recv())
        .await
        .expect("the change is reported")
        .unwrap();
    assert_eq!(event.severity, Severity::Critical);
    assert_eq!(event.vendor, Vendor::HttpJson);
    match &event.kind {
        EventKind::Changed {
            agent_id,
            old_state,
            new_state,
            ..
        } => assert_eq!(
            (agent_id.as_str(), old_state.as_str(), new_state.as_str()),
            ("bot-2", "online", "offline")
        ),
        other => panic!("not a change: {other:?}"),
    }
    engine.shutdown().await;
}

#[test]
fn the_account_form_describes_every_key_the_vendor_reads() {
    let form = Vendor::HttpJson.module().form();
    let names: Vec<&str> = form.fields.iter().map(|f| f.name).collect();
    for key in [
        "path",
        "auth",
        "user",
        "fields.list",
        "fields.id",
        "fields.name",
        "fields.state",
        "fields.next",
        "states",
    ] {
        assert!(names.contains(&key), "{key} missing from {names:?}");
    }
}

/// A measurement, not a check: one poll of 10,000 agents, in one answer and in pages of 100
/// and 1,000 by cursor. Run with
/// `cargo test -p agentwatch-tests --test http_json -- --ignored --nocapture poll_timings`.
#[tokio::test]
#[ignore = "a measurement for BENCHMARKS.md"]
async fn poll_timings() {
    const AGENTS: usize = 10_000;
    for paging in [
        Paging::None,
        Paging::Cursor { page_size: 1_000 },
        Paging::Cursor { page_size: 100 },
    ] {
        let sim = HttpJsonSim::new(SimAuth::Bearer(DEFAULT_TOKEN.into()), paging.clone());
        many(&sim, AGENTS);
        let server = serve(&sim).await;
        let client = client(
            &bots(&server.base_url(), "auth = \"bearer\""),
            DEFAULT_TOKEN,
        )
        .unwrap();
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            let seen = client.poll().await.unwrap();
            best = best.min(started.elapsed());
            assert_eq!(seen.len(), AGENTS);
        }
        println!(
            "http-json poll of {AGENTS} agents, {paging:?}: best of 5 {:.1} ms, {} requests",
            best.as_secs_f64() * 1000.0,
            sim.requests() / 5
        );
    }
}
