//! Skill queues (`[accounts.queues]`) against the simulator: listed once per sign-in, asked in
//! batches of at most 100 skills, sentinels never shown as figures, refusals as the queues'
//! own state (the agents still polled), unknown skills found and kept out of the batches, and a
//! queue that builds up reaching the engine as one change with its finding.

use crate::{by_id, Gateway};
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::items::Figures;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::{Engine, EngineOptions, EventKind, Observation, Severity};
use agentwatch_sim::huawei::{HuaweiSim, SimQueue, UnknownSkill, DEFAULT_PASSWORD};
use agentwatch_tests as support;
use std::sync::Arc;
use std::time::Duration;

/// The account watching the demo team's agents 101 and 102 and the seat's skill queues.
fn with_queues(gw: &Gateway, queues: &str) -> AccountConfig {
    let mut account = gw.account(&["101", "102"]);
    let table: toml::Value = toml::from_str(queues).expect("queues TOML");
    account.set_option("queues", table);
    account
}

const THRESHOLDS: &str = r#"
skills = "all"
waiting = { warning = 1, critical = 5 }
longest_wait = { warning = "60s", critical = "3m" }
no_free_agent = "critical"
"#;

fn queues_of(observations: &[Observation]) -> Vec<&Observation> {
    observations
        .iter()
        .filter(|o| o.agent_id.starts_with("queue:"))
        .collect()
}

#[tokio::test]
async fn the_seats_queues_are_items_of_the_account_listed_once_per_sign_in() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    gw.sim.set_queue(2, SimQueue::new("vip", 4, 200, 0, 2));
    let client = support::client(&with_queues(&gw, THRESHOLDS), DEFAULT_PASSWORD).unwrap();

    let first = client.poll().await.expect("agents and queues");

    assert_eq!(
        by_id(&first, "101").state,
        "idle",
        "the agents are polled as before"
    );
    let queues = queues_of(&first);
    let ids: Vec<&str> = queues.iter().map(|q| q.agent_id.as_str()).collect();
    assert_eq!(ids, ["queue:1", "queue:2", "queue:3"]);
    let vip = by_id(&first, "queue:2");
    assert_eq!(vip.name.as_deref(), Some("vip"));
    assert_eq!(vip.state, "4 waiting · longest 3 min 20 s · 0 of 2 free");
    assert_eq!(vip.severity, Severity::Critical);
    assert_eq!(
        vip.finding.as_deref(),
        Some("4 waiting for 3 min 20 s, no agent free")
    );
    let Some(Figures::Queue(figures)) = vip.figures.as_deref() else {
        panic!("queue figures: {vip:?}");
    };
    assert_eq!(
        (
            figures.waiting,
            figures.longest_wait_secs,
            figures.available,
            figures.logged_on
        ),
        (Some(4), Some(200), Some(0), Some(2))
    );
    assert_eq!(by_id(&first, "queue:3").name.as_deref(), Some("web chat"));
    assert_eq!(
        by_id(&first, "queue:1").severity,
        Severity::Warning,
        "1 waiting"
    );

    client.poll().await.expect("second poll");
    let stats = gw.sim.stats();
    assert_eq!(
        (stats.skill_listing_requests, stats.queue_stat_requests),
        (1, 2),
        "the skills are listed once per sign-in, the statistics read every poll"
    );

    // A new sign-in lists them again (a skill added to the VDN shows up).
    gw.sim.set_queue(4, SimQueue::new("callback", 0, 0, 1, 1));
    gw.sim.expire_all_sessions();
    let renewed = client.poll().await.expect("signed in again");
    assert!(
        renewed.iter().any(|o| o.agent_id == "queue:4"),
        "{renewed:?}"
    );
    assert_eq!(gw.sim.stats().skill_listing_requests, 2);
    client.shutdown().await;
}

#[tokio::test]
async fn two_hundred_and_fifty_skills_are_three_calls_of_at_most_a_hundred() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    gw.sim.add_queues((1..=250).map(|id| {
        (
            id,
            SimQueue::new(&format!("skill {id}"), id as u64 % 3, 5, 1, 2),
        )
    }));
    let client = support::client(&with_queues(&gw, THRESHOLDS), DEFAULT_PASSWORD).unwrap();

    let seen = client.poll().await.expect("every queue read");

    assert_eq!(queues_of(&seen).len(), 250);
    assert!(
        queues_of(&seen).iter().all(|q| q.native != "unreadable"),
        "{seen:?}"
    );
    let stats = gw.sim.stats();
    assert_eq!(stats.queue_stat_requests, 3, "{stats:?}");
    assert_eq!(stats.max_skills_per_call, 100);
    assert_eq!(stats.refused_batches, 0);
    assert_eq!(by_id(&seen, "queue:250").name.as_deref(), Some("skill 250"));

    // Listed by id: the same batching, in the order written.
    let ids: Vec<String> = (1..=250).map(|i| i.to_string()).collect();
    let listed = format!("skills = [{}]", ids.join(", "));
    let by_list = support::client(&with_queues(&gw, &listed), DEFAULT_PASSWORD).unwrap();
    let seen = by_list.poll().await.expect("every listed queue read");
    assert_eq!(queues_of(&seen).len(), 250);
    assert_eq!(gw.sim.stats().queue_stat_requests, 6);
    assert_eq!(
        gw.sim.stats().skill_listing_requests,
        1,
        "a list needs no listing"
    );
    client.shutdown().await;
    by_list.shutdown().await;
}

#[tokio::test]
async fn a_figure_the_gateway_does_not_report_is_never_a_number() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    gw.sim.set_queue(
        2,
        SimQueue {
            available: None,
            logged_on: None,
            ..SimQueue::new("vip", 3, 40, 0, 0)
        },
    );
    gw.sim.set_queue(
        3,
        SimQueue {
            waiting: None,
            ..SimQueue::new("web chat", 0, 0, 2, 2)
        },
    );
    let client = support::client(&with_queues(&gw, THRESHOLDS), DEFAULT_PASSWORD).unwrap();

    let seen = client.poll().await.unwrap();

    let vip = by_id(&seen, "queue:2");
    assert_eq!(vip.state, "3 waiting · longest 40 s");
    assert!(!vip.state.contains("65535"));
    let chat = by_id(&seen, "queue:3");
    assert_eq!(chat.severity, Severity::Unknown);
    assert_eq!(chat.state, "calls waiting not reported · 2 of 2 free");
    client.shutdown().await;
}

#[tokio::test]
async fn a_refusal_is_the_queues_own_state_and_the_agents_are_still_polled() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = support::client(&with_queues(&gw, THRESHOLDS), DEFAULT_PASSWORD).unwrap();
    client.poll().await.expect("first poll lists the skills");

    gw.sim.refuse_queues(Some("000-003".into()));
    let refused = client.poll().await.expect("not the account's failure");

    assert_eq!(by_id(&refused, "102").state, "talking");
    for queue in queues_of(&refused) {
        assert_eq!(queue.severity, Severity::Unknown, "{queue:?}");
        assert_eq!(queue.native, "unreadable");
        assert!(
            queue
                .state
                .contains("lacks the right to see queue statistics")
                && queue.state.contains("000-003"),
            "{}",
            queue.state
        );
    }
    assert_eq!(queues_of(&refused).len(), 3, "each queue is still shown");
    assert_eq!(
        gw.sim.stats().sign_in_attempts,
        1,
        "000-003 with a live session is a refusal, not an expired Guid"
    );

    // Skills that cannot be listed at all: one item stands for them, with the reason.
    gw.sim.refuse_queues(None);
    gw.sim.refuse_skill_listing(Some("100-007".into()));
    gw.sim.expire_all_sessions();
    let unlisted = client
        .poll()
        .await
        .expect("still not the account's failure");
    let all = queues_of(&unlisted);
    assert_eq!(all.len(), 1, "{unlisted:?}");
    assert_eq!(all[0].agent_id, "queue:all");
    assert!(all[0].state.contains("100-007"), "{}", all[0].state);
    assert_eq!(by_id(&unlisted, "101").state, "idle");
    client.shutdown().await;
}

#[tokio::test]
async fn an_unknown_skill_is_found_once_per_sign_in_and_the_others_are_read() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let client = support::client(
        &with_queues(&gw, "skills = [1, 999, 2]\nwaiting = { warning = 1 }"),
        DEFAULT_PASSWORD,
    )
    .unwrap();

    let seen = client.poll().await.expect("the known skills are read");

    let ids: Vec<&str> = queues_of(&seen)
        .iter()
        .map(|q| q.agent_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["queue:1", "queue:999", "queue:2"],
        "in the order written"
    );
    assert_eq!(by_id(&seen, "queue:2").state, "0 waiting · 3 of 3 free");
    let unknown = by_id(&seen, "queue:999");
    assert_eq!(unknown.severity, Severity::Unknown);
    assert!(
        unknown.state.contains("no such skill on the seat's VDN"),
        "{}",
        unknown.state
    );
    // The refused batch, then each of its skills on its own.
    assert_eq!(gw.sim.stats().queue_stat_requests, 4);

    let again = client.poll().await.unwrap();
    assert!(by_id(&again, "queue:999").state.contains("no such skill"));
    assert_eq!(
        gw.sim.stats().queue_stat_requests,
        5,
        "the refused skill stays out of the batch until the next sign-in"
    );

    // A gateway that leaves unknown skills out of its answer instead.
    gw.sim.set_unknown_skill(UnknownSkill::Omit);
    gw.sim.expire_all_sessions();
    let omitted = client.poll().await.unwrap();
    assert!(
        by_id(&omitted, "queue:999")
            .state
            .contains("does not include this skill"),
        "{omitted:?}"
    );
    assert_eq!(
        by_id(&omitted, "queue:1").state,
        "1 waiting · longest 12 s · 3 of 5 free"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn queues_need_the_seat_that_asks() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let mut account = with_queues(&gw, THRESHOLDS);
    account.set_option("auth", "guid");
    account.remove_option("workno");
    let (key, message) = account.validate().unwrap_err();
    assert_eq!(key, "queues");
    assert!(message.contains("workno"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_that_builds_up_is_one_change_told_with_its_finding() {
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let mut account = with_queues(&gw, THRESHOLDS);
    account.name = "Contact centre".into();
    let config = Config {
        poll_interval_secs: 1,
        accounts: vec![account],
        ..Config::default()
    };
    let engine = Engine::start_with(
        &config,
        Arc::new(StaticSecrets::new().with("cc", DEFAULT_PASSWORD)),
        EngineOptions {
            history: None,
            ..Default::default()
        },
    );
    let mut events = engine.subscribe();
    let mut status = engine.status();
    tokio::time::timeout(
        Duration::from_secs(15),
        status.wait_for(|s| s.agents.iter().any(|a| a.observation.agent_id == "queue:2")),
    )
    .await
    .expect("first poll")
    .unwrap();

    // The figures move within the level: no change.
    gw.sim.set_queue(2, SimQueue::new("vip", 0, 0, 2, 3));
    // Waits for the board to show it, not for "a poll": with a one-second interval a poll in
    // flight may have read the queue before the change.
    tokio::time::timeout(
        Duration::from_secs(15),
        status.wait_for(|s| {
            s.agents.iter().any(|a| {
                a.observation.agent_id == "queue:2"
                    && a.observation.state == "0 waiting · 2 of 3 free"
            })
        }),
    )
    .await
    .expect("the figures' move on the board")
    .unwrap();
    // Then calls build up with nobody free.
    gw.sim.set_queue(2, SimQueue::new("vip", 4, 200, 0, 3));
    let change = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let event = events.recv().await.expect("events");
            if event.kind.agent_id() == Some("queue:2") {
                return event;
            }
        }
    })
    .await
    .expect("the queue's change");

    assert_eq!(change.severity, Severity::Critical);
    let EventKind::Changed {
        old_state,
        new_state,
        finding,
        ..
    } = &change.kind
    else {
        panic!("a change: {change:?}");
    };
    // The first event about the queue: 3 then 2 of 3 free was no change.
    assert_eq!(old_state, "0 waiting · 2 of 3 free");
    assert_eq!(new_state, "4 waiting · longest 3 min 20 s · 0 of 3 free");
    assert_eq!(
        finding.as_deref(),
        Some("4 waiting for 3 min 20 s, no agent free")
    );
    assert!(change.line().contains("Queue vip"), "{}", change.line());
    let summary = engine.current().summary();
    assert!(
        summary.starts_with("2 agents: 2 ok · 3 queues: 1 ok, 1 warning, 1 failed · 1 account"),
        "{summary}"
    );
    engine.shutdown().await;
}

/// A queue's change is recorded like an agent's: the timeline has the queue's lane (the
/// build-up, lasting), and the CSV export filtered to the queue holds the change with
/// the queue's name, its states in words and the severity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queues_change_is_in_the_timeline_and_the_csv_export() {
    use agentwatch_core::history::{History, HistoryFilter};
    let gw = Gateway::start(HuaweiSim::demo()).await;
    let mut account = with_queues(&gw, THRESHOLDS);
    account.name = "Contact centre".into();
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite3");
    let config = Config {
        poll_interval_secs: 1,
        accounts: vec![account],
        ..Config::default()
    };
    let since_ms = agentwatch_core::clock::now_ms() - 1_000;
    let engine = Engine::start_with(
        &config,
        Arc::new(StaticSecrets::new().with("cc", DEFAULT_PASSWORD)),
        EngineOptions {
            history: Some(history.clone()),
            ..Default::default()
        },
    );
    support::wait_status(
        &engine,
        Duration::from_secs(15),
        "the queues' first poll",
        |s| s.agents.iter().any(|a| a.observation.agent_id == "queue:2"),
    )
    .await;
    gw.sim.set_queue(2, SimQueue::new("vip", 4, 200, 0, 3));
    let critical = "4 waiting · longest 3 min 20 s · 0 of 3 free";
    let only_the_queue = HistoryFilter {
        agent: Some("queue:2".into()),
        ..HistoryFilter::default()
    };

    // The history writer works behind the engine: wait for the queue's recorded change.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let csv = loop {
        let mut csv = Vec::new();
        if let Some(h) = History::open_existing(&history).unwrap() {
            h.export_csv(&only_the_queue, &mut csv).unwrap();
        }
        let csv = String::from_utf8(csv).unwrap();
        if csv.contains(critical) {
            break csv;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the queue's change is not in the export:\n{csv}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let row = csv
        .lines()
        .find(|l| l.contains(critical) && l.contains(",changed,"))
        .unwrap_or_else(|| panic!("no change row for the queue:\n{csv}"));
    for field in ["queue:2", "Contact centre", "vip", "critical", "0 waiting"] {
        assert!(row.contains(field), "{field} missing from {row}");
    }
    assert!(
        csv.lines().skip(1).all(|l| l.contains("queue:2")),
        "the filter let other rows in:\n{csv}"
    );

    let h = History::open_existing(&history).unwrap().unwrap();
    let lane = h.timeline("cc", Some("queue:2"), since_ms, None).unwrap();
    let last = lane.last().expect("a band for the queue");
    assert_eq!(last.state, critical, "{lane:?}");
    assert_eq!(last.severity, Severity::Critical);
    assert_eq!(last.to_ms, None, "the build-up lasts: {lane:?}");
    assert_eq!(last.agent_name.as_deref(), Some("vip"));
    assert!(last.from_ms >= since_ms, "{lane:?}");
    engine.shutdown().await;
}
