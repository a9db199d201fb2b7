//! Time-in-state limits end to end: the engine polls the Huawei simulator over loopback every
//! second, agents are held in "rest" there, and the limits are seconds long so that crossing
//! them happens while the test waits. What the policy decided (notified or quiet, and why) is
//! read from the engine's decisions, the live status from its status channel, and what was
//! recorded from the history file.

use agentwatch_core::alerts::AlertCommand;
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::history::{EntryKind, History, HistoryFilter};
use agentwatch_core::policy::{AgentKey, Decision, DecisionKind, Outcome, Reason};
use agentwatch_core::policy::{SnoozeTarget, SnoozeUntil};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::status::AgentStatus;
use agentwatch_core::time_limits::{TimeLimit, TimeLimits};
use agentwatch_core::{Engine, EngineOptions, EventKind, Severity, Status, Vendor};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::SimServer;
use agentwatch_tests::wait_status;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const IDLE: i64 = 4;
const REST: i64 = 8;
/// Generous: the machine is shared with other builds and tests.
const DEADLINE: Duration = Duration::from_secs(30);

fn account(sim: &SimServer, watch: &[&str], limits: TimeLimits) -> AccountConfig {
    let mut cc = AccountConfig::new("cc", Vendor::Huawei, Some(&sim.base_url()));
    cc.name = "Contact centre".into();
    cc.set_option("workno", DEFAULT_WORKNO);
    cc.watch = watch.iter().map(|s| s.to_string()).collect();
    cc.time_limits = limits;
    cc.validate().expect("a valid account");
    cc
}

fn config(account: AccountConfig) -> Config {
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![account],
        ..Config::default()
    };
    // Reminders as often as allowed; flapping out of the way of a quick succession of limits.
    config.alerts.remind_every_mins = 1;
    config.alerts.flap_changes = 0;
    config
}

fn rest_limit(warning_secs: u64, critical_secs: u64) -> TimeLimits {
    TimeLimits::from([(
        "rest".to_string(),
        TimeLimit::secs(Some(warning_secs), Some(critical_secs)),
    )])
}

fn start(config: &Config, history: &Path) -> Engine {
    Engine::start_with(
        config,
        Arc::new(StaticSecrets::new().with("cc", DEFAULT_PASSWORD)),
        EngineOptions {
            history: Some(history.to_path_buf()),
            ..Default::default()
        },
    )
}

fn agent<'a>(status: &'a Status, id: &str) -> Option<&'a AgentStatus> {
    status.agents.iter().find(|a| a.observation.agent_id == id)
}

/// The engine's decisions as they come, kept per agent until a test looks for them (decisions
/// about one agent arrive while the test waits for another's).
struct Decisions {
    rx: broadcast::Receiver<Decision>,
    unread: Vec<Decision>,
}

impl Decisions {
    fn of(engine: &Engine) -> Decisions {
        Decisions {
            rx: engine.decisions(),
            unread: Vec::new(),
        }
    }

    /// The next decision about `agent` that `wanted` accepts, within `deadline`, and the
    /// decisions about that agent passed over on the way.
    async fn next(
        &mut self,
        agent: &str,
        deadline: Duration,
        wanted: impl Fn(&Decision) -> bool,
    ) -> (Decision, Vec<Decision>) {
        let mut passed = Vec::new();
        let about = |d: &Decision| d.agent_id.as_deref() == Some(agent);
        while let Some(i) = self.unread.iter().position(about) {
            let d = self.unread.remove(i);
            if wanted(&d) {
                return (d, passed);
            }
            passed.push(d);
        }
        let rx = &mut self.rx;
        let unread = &mut self.unread;
        let found = tokio::time::timeout(deadline, async {
            loop {
                let d = rx.recv().await.expect("decisions flow");
                if !about(&d) {
                    unread.push(d);
                } else if wanted(&d) {
                    return d;
                } else {
                    passed.push(d);
                }
            }
        })
        .await;
        match found {
            Ok(d) => (d, passed),
            Err(_) => panic!("no such decision about {agent} within {deadline:?}; saw {passed:#?}"),
        }
    }
}

fn over_limit(d: &Decision, level: Severity) -> bool {
    matches!(&d.kind, DecisionKind::Changed { event, .. }
        if matches!(event.kind, EventKind::OverLimit { .. }) && d.severity == level)
}

fn summary(d: &Decision) -> String {
    match &d.outcome {
        Outcome::Notify(n) => format!("{} | {}", n.summary, n.body),
        Outcome::Quiet(reason) => panic!("expected a notification, got quiet: {reason}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_warns_then_goes_critical_reminds_obeys_snooze_and_ends_with_the_state() {
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    huawei.set_agent("103", IDLE, false);
    huawei.set_agent("104", IDLE, false);
    huawei.set_agent("105", REST, false);
    let server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let config = config(account(&server, &["103", "104", "105"], rest_limit(3, 6)));
    let engine = start(&config, &db);
    let mut decisions = Decisions::of(&engine);

    let first = wait_status(&engine, DEADLINE, "the first poll", |s| s.agents.len() == 3).await;
    let approx = agent(&first, "105").unwrap();
    let t = approx.observation.time_in_state.as_ref().unwrap();
    assert!(
        t.approximate,
        "105 was resting before watching began: {t:?}"
    );
    assert_eq!(t.limit.as_ref().unwrap().warning_secs, Some(3));

    // 104 is snoozed before it goes to rest; 103 is not.
    let in_an_hour = agentwatch_core::clock::now_local() + Duration::from_secs(3600);
    engine.command(AlertCommand::Snooze(
        SnoozeTarget::Agent(AgentKey::new("cc", "104")),
        SnoozeUntil::At(in_an_hour),
    ));
    huawei.set_agent("103", REST, false);
    huawei.set_agent("104", REST, false);

    // Warning, confirmed over two polls like any change that makes things worse, then critical.
    let (warning, _) = decisions
        .next("103", DEADLINE, |d| over_limit(d, Severity::Warning))
        .await;
    let text = summary(&warning);
    assert!(text.starts_with("103: rest for "), "{text}");
    assert!(text.contains("limit 3 s"), "{text}");
    let (critical, _) = decisions
        .next("103", DEADLINE, |d| over_limit(d, Severity::Critical))
        .await;
    assert!(
        summary(&critical).contains("limit 6 s"),
        "{}",
        summary(&critical)
    );

    // The live view: rest, for how long, against which limit, and critical.
    let live = wait_status(&engine, DEADLINE, "103 critical", |s| {
        agent(s, "103").is_some_and(|a| a.observation.severity == Severity::Critical)
    })
    .await;
    let live = agent(&live, "103").unwrap();
    let t = live.observation.time_in_state.as_ref().unwrap();
    let limit = t.limit.as_ref().unwrap();
    assert_eq!(live.observation.state, "rest");
    assert_eq!(
        (limit.over, limit.critical_secs),
        (Some(Severity::Critical), Some(6))
    );
    assert!(limit.for_secs >= 6 && !t.approximate, "{t:?}");
    assert_eq!(live.since_ms, t.entered_ms);

    // The agent that was resting from the start crosses too, said to be "at least" that long.
    let (approximate, _) = decisions
        .next("105", DEADLINE, |d| over_limit(d, Severity::Critical))
        .await;
    assert!(
        summary(&approximate).contains("rest for ≥ "),
        "{}",
        summary(&approximate)
    );

    // The snoozed agent crossed its limits without a word.
    let (snoozed, _) = decisions
        .next("104", DEADLINE, |d| over_limit(d, Severity::Critical))
        .await;
    assert!(
        matches!(snoozed.outcome, Outcome::Quiet(Reason::AgentSnoozed { .. })),
        "{snoozed:?}"
    );

    // Staying in rest is no change: the next thing about 103 is a reminder, a minute on.
    let (reminder, passed) = decisions
        .next("103", Duration::from_secs(120), |d| {
            matches!(d.kind, DecisionKind::Reminder { .. })
        })
        .await;
    assert!(
        passed.is_empty(),
        "staying in rest made decisions: {passed:#?}"
    );
    let text = summary(&reminder);
    assert!(
        text.starts_with("103: rest for ") && text.contains("still over its 6 s limit"),
        "{text}"
    );

    // Leaving the state ends the breach, with a recovery notice since it was told.
    huawei.set_agent("103", IDLE, false);
    let (recovered, _) = decisions
        .next("103", DEADLINE, |d| {
            matches!(d.kind, DecisionKind::Recovered { .. })
        })
        .await;
    let text = summary(&recovered);
    assert!(text.starts_with("103: idle"), "{text}");
    assert!(text.contains("in rest"), "{text}");
    let idle = wait_status(&engine, DEADLINE, "103 idle", |s| {
        agent(s, "103").is_some_and(|a| a.observation.state == "idle")
    })
    .await;
    let idle = agent(&idle, "103").unwrap();
    assert_eq!(idle.observation.severity, Severity::Ok);
    assert!(idle.observation.over_limit().is_none());
    engine.shutdown().await;

    // The history has the crossings, the timeline a band for them, the CSV their rows.
    let history = History::open_existing(&db).unwrap().unwrap();
    let rows = history
        .query(&HistoryFilter {
            agent: Some("103".into()),
            kinds: vec![EntryKind::OverLimit],
            ..Default::default()
        })
        .unwrap();
    let details: Vec<_> = rows.iter().filter_map(|r| r.detail.clone()).collect();
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        details.iter().any(|d| d.contains("limit 6 s")),
        "{details:?}"
    );
    let bands = history.timeline("cc", Some("103"), 0, None).unwrap();
    let states: Vec<_> = bands
        .iter()
        .map(|b| (b.state.as_str(), b.severity))
        .collect();
    assert!(
        states.ends_with(&[
            ("rest", Severity::Info),
            ("rest over its 3 s limit", Severity::Warning),
            ("rest over its 6 s limit", Severity::Critical),
            ("idle", Severity::Ok),
        ]),
        "{states:?}"
    );
    let mut csv = Vec::new();
    history
        .export_csv(&HistoryFilter::default(), &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains("over_limit") && csv.contains("rest over its 6 s limit"),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_time_in_state_comes_from_the_history() {
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    huawei.set_agent("201", IDLE, false);
    huawei.set_agent("202", REST, false);
    let server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    // Limits long enough not to be crossed while this test runs.
    let config = config(account(&server, &["201", "202"], rest_limit(600, 1200)));

    // The first run sees 201 go to rest and records it.
    let engine = start(&config, &db);
    wait_status(&engine, DEADLINE, "the first poll", |s| s.agents.len() == 2).await;
    huawei.set_agent("201", REST, false);
    let mut decisions = Decisions::of(&engine);
    decisions
        .next("201", DEADLINE, |d| {
            matches!(d.kind, DecisionKind::Changed { .. })
        })
        .await;
    engine.shutdown().await;
    let recorded = History::open_existing(&db)
        .unwrap()
        .unwrap()
        .entered_states("cc")
        .unwrap();
    let (state, entered_ms) = recorded["201"].clone();
    assert_eq!(state, "rest");

    // The second run knows since when 201 rests; 202 was never seen to change: "at least".
    let engine = start(&config, &db);
    let status = wait_status(&engine, DEADLINE, "the first poll after the restart", |s| {
        s.agents.len() == 2
    })
    .await;
    let carried = agent(&status, "201").unwrap();
    let t = carried.observation.time_in_state.as_ref().unwrap();
    assert_eq!((t.entered_ms, t.approximate), (entered_ms, false));
    assert_eq!(carried.since_ms, entered_ms);
    let t = agent(&status, "202")
        .unwrap()
        .observation
        .time_in_state
        .clone();
    assert!(t.unwrap().approximate);
    engine.shutdown().await;
}
