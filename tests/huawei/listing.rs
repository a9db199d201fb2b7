//! The team listing (`qualitycontrol/{workno}/allagent`): the whole team in one call with the
//! vendor's names and without the supervisor's own seat, odd field types, bad entries and odd
//! `result` shapes, the refusal (a plain message without a watch list, the status calls with
//! one, tried again on the next sign-in), a watch list filtering it, and a sign-out reaching
//! the engine through the event poll before the next scheduled poll.

use crate::{by_id, quick, sim_with, Gateway};
use agentwatch_core::config::Config;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::vendors::PollTrigger;
use agentwatch_core::{Engine, ErrorKind, Severity};
use agentwatch_sim::huawei::{
    Charset, HuaweiSim, HuaweiSimConfig, ListingRefusal, ListingStatus, MessageKey, RawAnswer,
    WorkNoType, DEFAULT_PASSWORD, DEFAULT_WORKNO,
};
use agentwatch_tests as support;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

fn ids(observations: &[agentwatch_core::Observation]) -> Vec<&str> {
    observations.iter().map(|o| o.agent_id.as_str()).collect()
}

#[tokio::test]
async fn without_a_watch_list_the_team_is_listed_with_names_in_one_call() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = gw.client(&[]);

    let first = client.poll_answer().await.expect("the listing is read");

    // The simulator lists the signed-in seat too: the client leaves it out.
    assert_eq!(gw.sim.agent(DEFAULT_WORKNO).map(|a| a.state), Some(3));
    assert_eq!(ids(&first.observations), HuaweiSim::demo_agent_ids());
    for (id, name) in HuaweiSim::demo_names() {
        assert_eq!(by_id(&first.observations, id).name.as_deref(), Some(name));
    }
    let rest = by_id(&first.observations, "105");
    assert_eq!(
        (rest.state.as_str(), rest.native.as_str(), rest.severity),
        ("rest", "8", Severity::Info)
    );
    let out = by_id(&first.observations, "106");
    assert_eq!(
        (out.state.as_str(), out.severity),
        ("signed out", Severity::Warning)
    );
    assert_eq!(first.skipped_entries, 0);

    gw.sim.set_agent("101", 8, false);
    let second = client.poll().await.expect("second poll");
    assert_eq!(by_id(&second, "101").state, "rest");
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.listing_requests, stats.status_requests),
        (2, 0),
        "one listing call per poll, no status calls"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn integer_fields_msg_and_gbk_names_are_read() {
    let config = HuaweiSimConfig {
        workno_type: WorkNoType::Integer,
        listing_status: ListingStatus::Integer,
        message_key: MessageKey::Msg,
        charset: Charset::Gbk,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 7, true), ("102", 9, false)])).await;
    gw.sim.set_name("101", "李伟");
    let client = gw.client(&[]);

    let seen = client.poll().await.expect("the listing is read");

    assert_eq!(ids(&seen), ["101", "102"]);
    let talking = by_id(&seen, "101");
    assert_eq!(
        (talking.state.as_str(), talking.name.as_deref()),
        ("talking", Some("李伟"))
    );
    let pre_rest = by_id(&seen, "102");
    assert_eq!(
        (pre_rest.state.as_str(), pre_rest.name.as_deref()),
        ("pre-rest", None)
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_bad_entry_costs_only_itself() {
    let gw = Gateway::start(sim_with(quick(), &[])).await;
    gw.sim.set_raw_listing(Some(RawAnswer::json(
        r#"{"message":"","retcode":"0","result":[
            {"workno":"101","name":"Alice Zhang","status":"4","ctiStatus":"7","extra":{"x":1}},
            {"workno":"102","name":"Bruno Costa","status":{"code":4}},
            {"name":"no work number","status":"4"},
            {"workNo":"5001","name":"the seat","status":"3"},
            {"workNo":103,"name":17,"status":"8"}
        ]}"#,
    )));
    let client = gw.client(&[]);

    let answer = client.poll_answer().await.expect("the rest is read");

    assert_eq!(ids(&answer.observations), ["101", "102", "103"]);
    assert_eq!(answer.skipped_entries, 1);
    let alice = by_id(&answer.observations, "101");
    assert_eq!(
        (alice.state.as_str(), alice.severity),
        ("idle", Severity::Ok)
    );
    let unreadable = by_id(&answer.observations, "102");
    assert_eq!(unreadable.severity, Severity::Unknown);
    assert!(
        unreadable
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("status"),
        "{unreadable:?}"
    );
    // A name that is not text costs the name, not the agent.
    let nameless = by_id(&answer.observations, "103");
    assert_eq!(
        (nameless.state.as_str(), nameless.name.as_deref()),
        ("rest", None)
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_result_that_is_not_a_list_fails_the_poll_with_the_reason() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false)])).await;
    let client = gw.client(&[]);
    for (result, reason) in [
        (r#""""#, "empty string"),
        ("7", "the number 7"),
        (r#"{"workno":"101","status":"4"}"#, "an object"),
        ("null", "no result"),
    ] {
        gw.sim.set_raw_listing(Some(RawAnswer::json(format!(
            r#"{{"message":"","retcode":"0","result":{result}}}"#
        ))));

        let err = client.poll().await.expect_err("no list, no poll");

        assert_eq!(err.kind(), ErrorKind::Malformed, "{result}: {err}");
        let message = err.to_string();
        assert!(message.contains("team listing of seat 5001"), "{message}");
        assert!(message.contains(reason), "{result}: {message}");
    }
    client.shutdown().await;
}

#[tokio::test]
async fn a_refused_listing_without_a_watch_list_says_the_seat_lacks_the_right() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = gw.client(&[]);
    for refusal in [
        ListingRefusal::Retcode {
            retcode: "000-003".into(),
        },
        ListingRefusal::Retcode {
            retcode: "100-007".into(),
        },
        ListingRefusal::NotFound,
    ] {
        gw.sim.refuse_listing(Some(refusal.clone()));

        let err = client.poll().await.expect_err("never a silent empty list");

        assert_eq!(err.kind(), ErrorKind::Vendor, "{refusal:?}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("lacks the quality-inspection right"),
            "{message}"
        );
        assert!(message.contains("watch list"), "{message}");
        let said = match &refusal {
            ListingRefusal::Retcode { retcode } => retcode.as_str(),
            ListingRefusal::NotFound => "HTTP 404",
        };
        assert!(message.contains(said), "{message}");
    }
    // "No permission" was told from a lost session by the seat's own status: no new sign-in.
    assert_eq!(gw.sim.stats().sign_in_attempts, 1);

    gw.sim.refuse_listing(None);
    let granted = client.poll().await.expect("the right was granted");
    assert_eq!(granted.len(), 10);
    client.shutdown().await;
}

#[tokio::test]
async fn a_refused_listing_with_a_watch_list_falls_back_to_status_calls_until_the_next_sign_in() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    gw.sim.refuse_listing(Some(ListingRefusal::Retcode {
        retcode: "000-003".into(),
    }));
    let client = gw.client(&["102", "101"]);

    let first = client.poll().await.expect("the status calls stand in");

    assert_eq!(ids(&first), ["102", "101"]);
    let talking = by_id(&first, "102");
    assert_eq!(
        (
            talking.state.as_str(),
            talking.detail.as_deref(),
            talking.name.as_deref()
        ),
        ("talking", Some("talking"), None)
    );
    assert_eq!(gw.sim.stats().listing_requests, 1);

    let before = gw.sim.stats();
    client.poll().await.expect("second poll");
    let after = gw.sim.stats();
    assert_eq!(after.listing_requests, 1, "the refusal is remembered");
    assert_eq!(after.status_requests - before.status_requests, 2);

    // A new session asks again, and the granted listing gives the names.
    gw.sim.refuse_listing(None);
    gw.sim.expire_all_sessions();
    let renewed = client.poll().await.expect("poll after the new sign-in");
    assert_eq!(gw.sim.stats().sign_ins, 2);
    // 2 or 3: the stale Guid may have been tried on it first, unless the heartbeat noticed.
    assert!(gw.sim.stats().listing_requests >= 2);
    assert_eq!(by_id(&renewed, "101").name.as_deref(), Some("Alice Zhang"));
    client.shutdown().await;
}

#[tokio::test]
async fn a_listing_refused_with_404_falls_back_too() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    gw.sim.refuse_listing(Some(ListingRefusal::NotFound));
    let client = gw.client(&["106"]);

    let seen = client.poll().await.expect("the status call stands in");

    assert_eq!(by_id(&seen, "106").state, "signed out");
    client.shutdown().await;
}

#[tokio::test]
async fn with_a_watch_list_the_listing_is_filtered_and_left_out_agents_are_asked_for() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = gw.client(&["103", "101", "999"]);

    let seen = client.poll().await.expect("poll");

    assert_eq!(
        ids(&seen),
        ["103", "101", "999"],
        "in watch order, nobody else"
    );
    assert_eq!(by_id(&seen, "103").name.as_deref(), Some("Li Wei"));
    assert_eq!(by_id(&seen, "101").state, "idle");
    // Not in the listing: its own status call says the gateway does not know it.
    let unknown = by_id(&seen, "999");
    assert_eq!(
        (unknown.state.as_str(), unknown.severity),
        ("not found (000-002)", Severity::Unknown)
    );
    let stats = gw.sim.stats();
    assert_eq!((stats.listing_requests, stats.status_requests), (1, 1));
    client.shutdown().await;
}

#[tokio::test]
async fn a_stale_guid_on_the_listing_signs_in_again() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = gw.client(&[]);
    client.poll().await.expect("first poll");

    gw.sim.expire_all_sessions();
    let seen = client.poll().await.expect("poll with a new session");

    assert_eq!(seen.len(), 10);
    assert_eq!(gw.sim.stats().sign_ins, 2);
    client.shutdown().await;
}

/// Whether a poll was asked for since the last look (a stored wake-up is taken at once).
async fn asked_for_a_poll(wake: &Notify) -> bool {
    tokio::time::timeout(Duration::ZERO, wake.notified())
        .await
        .is_ok()
}

#[tokio::test]
async fn only_sign_ins_and_outs_of_watched_agents_ask_for_a_poll() {
    let agents = [("101", 4, false), ("150", 4, false)];
    let gw = Gateway::start(sim_with(quick(), &agents)).await;
    let client = gw.client(&["101", "5001"]);
    let wake = Arc::new(Notify::new());
    client.set_poll_trigger(PollTrigger::new(wake.clone()));
    client.poll().await.expect("first poll");

    // Not watched, not a sign-in or sign-out, or the seat itself (its own Login event came
    // with its sign-in): no poll asked for.
    gw.sim.set_agent("150", 2, false);
    gw.sim.set_agent("101", 8, false);
    let polls = gw.sim.stats().event_polls;
    let taken = support::wait_for(Duration::from_secs(5), || async {
        (gw.sim.stats().event_polls >= polls + 2).then_some(())
    })
    .await;
    assert!(taken.is_some(), "the heartbeat took the events");
    assert!(!asked_for_a_poll(&wake).await);

    gw.sim.set_agent("101", 2, false);
    let asked = support::wait_for(Duration::from_secs(5), || async {
        asked_for_a_poll(&wake).await.then_some(())
    })
    .await;
    assert!(
        asked.is_some(),
        "a watched agent's sign-out asks for a poll"
    );
    client.shutdown().await;
}

/// The engine polls once an hour here: the sign-out can only come through the event poll.
#[tokio::test]
async fn a_sign_out_is_seen_before_the_next_scheduled_poll() {
    let gw = Gateway::start(sim_with(quick(), &[("101", 4, false), ("102", 4, false)])).await;
    gw.sim.set_name("101", "Alice Zhang");
    let config = Config {
        poll_interval_secs: 3600,
        accounts: vec![gw.account(&[])],
        ..Config::default()
    };
    let secrets = Arc::new(StaticSecrets::new().with("cc", DEFAULT_PASSWORD));
    let engine = Engine::start(&config, secrets);
    let state_of = |id: &str| {
        engine
            .current()
            .agents
            .iter()
            .find(|a| a.observation.agent_id == id)
            .map(|a| a.observation.state.clone())
    };
    let first = support::wait_for(Duration::from_secs(10), || async {
        state_of("101").filter(|s| s == "idle")
    })
    .await;
    assert!(first.is_some(), "the first poll lists agent 101");
    let named = engine
        .current()
        .agents
        .iter()
        .find(|a| a.observation.agent_id == "101")
        .and_then(|a| a.observation.name.clone());
    assert_eq!(named.as_deref(), Some("Alice Zhang"));

    gw.sim.set_agent("101", 2, false);

    let seen = support::wait_for(Duration::from_secs(10), || async {
        state_of("101").filter(|s| s == "signed out")
    })
    .await;
    assert!(
        seen.is_some(),
        "the sign-out reached the engine: {:?}",
        gw.sim.stats()
    );
    assert_eq!(
        gw.sim.stats().listing_requests,
        2,
        "one poll more, through the listing"
    );
    engine.shutdown().await;
}
