//! Routing end to end: `[[actions]]` programs (real subprocesses written by the test) and
//! `[[webhooks]]` (a real HTTP listener on loopback per format), driven by an Agora simulator
//! agent failing, through the engine and through the `agentwatch watch --notify` binary.
//! The notifier in the engine tests is a recording one: what is tested there is that routing
//! never holds the desktop notification up, not the desktop's notification service.

#[path = "routing/listener.rs"]
mod listener;

use agentwatch_core::alerts::AlertView;
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::history::{EntryKind, History, HistoryFilter};
use agentwatch_core::notifier::{Notification, Notifier, Urgency};
use agentwatch_core::policy::{Decision, DecisionKind, Outcome};
use agentwatch_core::routing::{
    ActionConfig, RetryPolicy, RouteOutcome, Router, WebhookConfig, WebhookFormat,
};
use agentwatch_core::secrets::{SecretSource, StaticSecrets};
use agentwatch_core::{Engine, EngineOptions, Severity, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::SimServer;
use agentwatch_tests::{account, agentwatch_binary, wait_for};
use listener::Listener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

const DEADLINE: Duration = Duration::from_secs(30);

fn agora_account(server: &SimServer) -> AccountConfig {
    let defaults = AgoraSimConfig::default();
    let mut a = account("ai", Vendor::Agora, &server.base_url());
    a.name = "Voice bots".into();
    a.set_option("app_id", defaults.app_id);
    a.set_option("customer_id", defaults.customer_id);
    a
}

fn agora_secrets() -> StaticSecrets {
    StaticSecrets::new().with("ai", &AgoraSimConfig::default().customer_secret)
}

/// Remembers when each notification was handed to it.
#[derive(Default)]
struct RecordingNotifier(Mutex<Vec<(Instant, Notification)>>);

#[async_trait::async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, n: &Notification) -> agentwatch_core::Result<()> {
        self.0.lock().unwrap().push((Instant::now(), n.clone()));
        Ok(())
    }
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    path.display().to_string()
}

fn action(argv: &[&str], timeout_secs: Option<u64>) -> ActionConfig {
    ActionConfig {
        command: argv.iter().map(|s| s.to_string()).collect(),
        min_severity: None,
        accounts: vec![],
        timeout_secs,
    }
}

fn webhook(id: &str, format: WebhookFormat, url: Option<String>) -> WebhookConfig {
    WebhookConfig {
        id: id.into(),
        format,
        url,
        min_severity: None,
        accounts: vec![],
    }
}

/// The first Agora demo agent, failed once the engine has its baseline.
async fn fail_first_agent(engine: &Engine, sim: &AgoraSim) -> String {
    let target = AgoraSim::demo_agents()[0].agent_id.clone();
    let mut status = engine.status();
    tokio::time::timeout(DEADLINE, async {
        while !status
            .borrow_and_update()
            .agents
            .iter()
            .any(|a| a.observation.agent_id == target)
        {
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the first poll");
    sim.set_status(&target, "FAILED");
    target
}

/// The route reports under the decision that notified about `agent`, once `count` are in.
async fn route_reports(
    view: &mut watch::Receiver<AlertView>,
    agent: &str,
    count: usize,
) -> Vec<(String, bool, String)> {
    let found = tokio::time::timeout(DEADLINE, async {
        loop {
            let reports: Vec<_> = view
                .borrow_and_update()
                .recent
                .iter()
                .filter(|d| {
                    d.decision.agent_id.as_deref() == Some(agent)
                        && d.decision.notification().is_some()
                })
                .flat_map(|d| d.routes.iter())
                .map(|r| (r.route.clone(), r.ok, r.outcome.clone()))
                .collect();
            if reports.len() >= count {
                return reports;
            }
            view.changed().await.unwrap();
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("{count} route reports about {agent} in the Why list"))
}

fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie has ended; only its parent has not read its status yet.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn a_program_gets_the_notification_and_a_hanging_one_is_killed_without_holding_anything_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let good = script(
        dir.path(),
        "good.sh",
        r#"cat > "$1/stdin.json"; env > "$1/env.txt"; echo "paged $AGENTWATCH_AGENT_ID"; echo grumble >&2"#,
    );
    let hang = script(
        dir.path(),
        "hang.sh",
        r#"sleep 120 & echo $! > "$1/child.pid"; sleep 120"#,
    );
    let failing = script(dir.path(), "failing.sh", "exit 3");

    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let history = dir.path().join("history.sqlite");
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![agora_account(&server)],
        ..Config::default()
    };
    config.actions = vec![
        action(&["/bin/sh", &hang, &out], Some(2)),
        action(&["/bin/sh", &good, &out, "--team", "cc"], None),
        action(&["/bin/sh", &failing], None),
        action(&[&dir.path().join("missing").display().to_string()], None),
    ];
    // Only critical ones, and only from another account: must not run.
    let mut filtered = action(&["/bin/sh", &good, "/nonexistent"], None);
    filtered.accounts = vec!["ai".into()];
    filtered.min_severity = Some(Severity::Critical);
    let mut other_account = filtered.clone();
    other_account.accounts = vec!["elsewhere".into()];
    config.actions.push(other_account);

    let notifier = Arc::new(RecordingNotifier::default());
    let engine = Engine::start_with(
        &config,
        Arc::new(agora_secrets()),
        EngineOptions {
            notifier: Some(notifier.clone()),
            history: Some(history.clone()),
            route: true,
            ..Default::default()
        },
    );
    let mut view = engine.alert_view();
    let agent = fail_first_agent(&engine, &sim).await;

    // The good program's report comes in while the hanging one is still running.
    let early = route_reports(&mut view, &agent, 3).await;
    let early_at = Instant::now();
    assert!(
        early
            .iter()
            .all(|(route, _, _)| route != "action sh hang.sh"),
        "the hanging program reported before the others: {early:?}"
    );
    let all = route_reports(&mut view, &agent, 4).await;
    let hang_at = Instant::now();
    let outcome_of = |name: &str| {
        all.iter()
            .find(|(route, _, _)| route == name)
            .unwrap_or_else(|| panic!("no report for {name}: {all:?}"))
            .clone()
    };
    assert_eq!(
        outcome_of("action sh good.sh"),
        ("action sh good.sh".into(), true, "exit code 0".into())
    );
    assert_eq!(outcome_of("action sh failing.sh").2, "exit code 3");
    assert!(
        outcome_of("action missing")
            .2
            .starts_with("could not start:"),
        "{all:?}"
    );
    assert_eq!(
        outcome_of("action sh hang.sh").2,
        "killed at its time limit of 2 s"
    );
    assert_eq!(all.len(), 4, "the filtered-out action ran: {all:?}");

    // The desktop notification went out before any program finished, let alone the hanging one.
    let notified = notifier.0.lock().unwrap().clone();
    let (notified_at, notification) = notified.first().expect("a desktop notification").clone();
    assert_eq!(notification.urgency, Urgency::Critical);
    assert!(
        notified_at <= early_at
            && hang_at.duration_since(notified_at) >= Duration::from_millis(1500)
    );

    // The program got the notification on stdin, its argv and the variables, no secret.
    let stdin: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("stdin.json")).unwrap())
            .unwrap();
    assert_eq!(stdin["kind"], "change");
    assert_eq!(stdin["vendor"], "agora");
    assert_eq!(stdin["account_id"], "ai");
    assert_eq!(stdin["account_name"], "Voice bots");
    assert_eq!(stdin["agent_id"], agent.as_str());
    assert_eq!(stdin["old_state"], "RUNNING");
    assert_eq!(stdin["new_state"], "FAILED");
    assert_eq!(stdin["severity"], "critical");
    assert!(stdin["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(stdin["why"], "confirmed change");
    let env = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    for line in [
        "AGENTWATCH_SEVERITY=critical",
        "AGENTWATCH_ACCOUNT_ID=ai",
        "AGENTWATCH_NEW_STATE=FAILED",
        "AGENTWATCH_KIND=change",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
    assert!(env.contains(&format!("AGENTWATCH_AGENT_ID={agent}")));
    let secret = AgoraSimConfig::default().customer_secret;
    assert!(
        !env.contains(&secret),
        "the program saw the account's secret"
    );

    // What the hanging program started was killed with it.
    let child: u32 = std::fs::read_to_string(dir.path().join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(5), || async {
            process_gone(child).then_some(())
        })
        .await
        .is_some(),
        "the hanging program's child {child} is still running"
    );

    engine.shutdown().await;
    // The history holds each outcome, naming programs but never their arguments.
    let rows = History::open(&history)
        .unwrap()
        .query(&HistoryFilter {
            kinds: vec![EntryKind::Route],
            ..Default::default()
        })
        .unwrap();
    let details: Vec<String> = rows.iter().filter_map(|r| r.detail.clone()).collect();
    assert!(
        details.contains(&"action sh good.sh: exit code 0".to_string()),
        "{details:?}"
    );
    assert!(details.contains(&"action sh hang.sh: killed at its time limit of 2 s".to_string()));
    assert!(rows
        .iter()
        .all(|r| r.reason.as_deref() == Some("action")
            && r.agent_id.as_deref() == Some(agent.as_str())));
    assert!(!details.iter().any(|d| d.contains("--team")));
}

#[tokio::test]
async fn each_webhook_format_posts_its_services_documented_shape() {
    let hooks = Listener::start().await;
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![agora_account(&server)],
        ..Config::default()
    };
    config.webhooks = vec![
        webhook("plain", WebhookFormat::Json, Some(hooks.url("/json"))),
        webhook("chat", WebhookFormat::Slack, Some(hooks.url("/slack"))),
        webhook("teams", WebhookFormat::Teams, Some(hooks.url("/teams"))),
        webhook("phone", WebhookFormat::Ntfy, Some(hooks.url("/cc-alerts"))),
    ];
    let mut quiet = webhook("quiet", WebhookFormat::Json, Some(hooks.url("/quiet")));
    quiet.accounts = vec!["ai".into()];
    quiet.min_severity = Some(Severity::Critical);
    config.webhooks.push(quiet);
    // A route for the account only when it is critical: the recovery later must not reach it.
    let engine = Engine::start_with(
        &config,
        Arc::new(agora_secrets()),
        EngineOptions {
            route: true,
            ..Default::default()
        },
    );
    let mut view = engine.alert_view();
    let agent = fail_first_agent(&engine, &sim).await;
    let reports = route_reports(&mut view, &agent, 5).await;
    for (route, ok, outcome) in &reports {
        assert!(ok, "{route}: {outcome}");
        assert_eq!(outcome, "delivered (HTTP 200)");
    }

    let json = hooks.received("/json")[0].clone();
    assert_eq!(json.header("content-type"), "application/json");
    let body = json.json();
    assert_eq!(
        (
            &body["kind"],
            &body["new_state"],
            &body["severity"],
            &body["agent_id"]
        ),
        (
            &"change".into(),
            &"FAILED".into(),
            &"critical".into(),
            &serde_json::Value::from(agent.as_str())
        )
    );

    // Slack incoming webhook: `text` (the fallback) and Block Kit sections.
    let slack = hooks.received("/slack")[0].json();
    assert!(
        slack["text"].as_str().unwrap().contains("FAILED"),
        "{slack}"
    );
    assert_eq!(slack["blocks"][0]["type"], "section");
    assert_eq!(slack["blocks"][0]["text"]["type"], "mrkdwn");
    let fields = slack["blocks"][1]["fields"].as_array().unwrap();
    assert!(fields.len() <= 10 && fields.iter().all(|f| f["type"] == "mrkdwn"));

    // Teams Workflows: a message with one Adaptive Card attachment.
    let teams = hooks.received("/teams")[0].json();
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["version"], "1.4");
    assert_eq!(card["content"]["body"][0]["type"], "TextBlock");
    assert_eq!(card["content"]["body"][2]["type"], "FactSet");

    // ntfy: the message as the body, Title/Priority/Tags headers.
    let ntfy = hooks.received("/cc-alerts")[0].clone();
    assert!(
        ntfy.header("title").contains("FAILED"),
        "{:?}",
        ntfy.headers
    );
    assert_eq!(ntfy.header("priority"), "5");
    assert!(ntfy
        .header("tags")
        .split(',')
        .any(|t| t == "rotating_light"));
    assert!(String::from_utf8_lossy(&ntfy.body).contains("Voice bots"));

    // Back to RUNNING: a recovery, which is ok and so never reaches the critical-only webhook.
    sim.set_status(&agent, "RUNNING");
    let recovered = wait_for(DEADLINE, || async {
        let n = hooks.received("/json").len();
        (n >= 2).then_some(n)
    })
    .await;
    assert!(recovered.is_some(), "the recovery was not posted");
    assert_eq!(hooks.received("/json")[1].json()["kind"], "recovery");
    // Every other route had it in hand before the quiet one would have.
    wait_for(DEADLINE, || async {
        (hooks.received("/cc-alerts").len() >= 2).then_some(())
    })
    .await
    .expect("the recovery on ntfy");
    assert_eq!(
        hooks.received("/quiet").len(),
        1,
        "a recovery passed min_severity critical"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_storm_summary_is_one_run_and_one_post() {
    let dir = tempfile::tempdir().unwrap();
    let count = script(
        dir.path(),
        "count.sh",
        r#"cat >> "$1/runs.jsonl"; echo >> "$1/runs.jsonl""#,
    );
    let hooks = Listener::start().await;
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![agora_account(&server)],
        ..Config::default()
    };
    config.alerts.storm_threshold = 3;
    config.actions = vec![action(
        &["/bin/sh", &count, &dir.path().display().to_string()],
        None,
    )];
    config.webhooks = vec![webhook(
        "chat",
        WebhookFormat::Json,
        Some(hooks.url("/storm")),
    )];
    let engine = Engine::start_with(
        &config,
        Arc::new(agora_secrets()),
        EngineOptions {
            route: true,
            ..Default::default()
        },
    );
    // Four agents fail at once, after the baseline: four changes, over the threshold of three.
    let first = fail_first_agent(&engine, &sim).await;
    for agent in AgoraSim::demo_agents().iter().skip(1).take(3) {
        sim.set_status(&agent.agent_id, "FAILED");
    }
    assert_eq!(first, AgoraSim::demo_agents()[0].agent_id);
    let posted = wait_for(DEADLINE, || async {
        hooks.received("/storm").first().cloned()
    })
    .await
    .expect("the storm summary was posted");
    let body = posted.json();
    assert_eq!(body["kind"], "storm_summary", "{body}");
    assert!(body["count"].as_u64().unwrap() >= 4, "{body}");
    assert!(body["why"]
        .as_str()
        .unwrap()
        .ends_with("from one poll, summarised"));
    assert!(body["agent_id"].is_null());
    let runs = wait_for(DEADLINE, || async {
        std::fs::read_to_string(dir.path().join("runs.jsonl"))
            .ok()
            .filter(|t| t.ends_with("}\n"))
    })
    .await
    .expect("the program ran for the storm");
    // Two more polls: still one post and one run, not one per agent.
    let polls = sim.request_count("/agents");
    wait_for(DEADLINE, || async {
        (sim.request_count("/agents") >= polls + 2).then_some(())
    })
    .await
    .expect("two more polls");
    assert_eq!(hooks.received("/storm").len(), 1);
    let runs_now = std::fs::read_to_string(dir.path().join("runs.jsonl")).unwrap();
    assert_eq!(runs_now, runs);
    assert_eq!(runs.lines().filter(|l| !l.is_empty()).count(), 1, "{runs}");
    assert!(runs.contains("\"kind\":\"storm_summary\""), "{runs}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_failing_webhook_is_retried_until_it_answers() {
    let hooks = Listener::start().await;
    hooks.answer_with("/flaky", &[503, 500]);
    hooks.answer_with("/gone", &[404]);
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![agora_account(&server)],
        ..Config::default()
    };
    config.webhooks = vec![
        webhook("flaky", WebhookFormat::Json, Some(hooks.url("/flaky"))),
        webhook("gone", WebhookFormat::Json, Some(hooks.url("/gone"))),
    ];
    let retry = RetryPolicy {
        attempts: 4,
        first_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
    };
    let engine = Engine::start_with(
        &config,
        Arc::new(agora_secrets()),
        EngineOptions {
            route: true,
            route_limits: Some((retry, 16)),
            ..Default::default()
        },
    );
    let mut view = engine.alert_view();
    let agent = fail_first_agent(&engine, &sim).await;
    let reports = route_reports(&mut view, &agent, 2).await;
    assert!(
        reports.contains(&(
            "webhook flaky".into(),
            true,
            "delivered (HTTP 200) after 3 attempts".into()
        )),
        "{reports:?}"
    );
    assert!(
        reports.contains(&(
            "webhook gone".into(),
            false,
            "failed: HTTP 404 (not retried)".into()
        )),
        "{reports:?}"
    );
    assert_eq!(hooks.received("/flaky").len(), 3);
    assert_eq!(hooks.received("/gone").len(), 1);
    engine.shutdown().await;
}

fn reminder(n: usize) -> Decision {
    Decision {
        at_ms: 1_700_000_000_000 + n as i64,
        vendor: Vendor::Agora,
        account_id: "ai".into(),
        account_name: "Voice bots".into(),
        agent_id: Some(format!("agent-{n}")),
        agent_name: None,
        severity: Severity::Critical,
        kind: DecisionKind::Reminder {
            state: "FAILED".into(),
            for_secs: 600,
        },
        outcome: Outcome::Notify(Notification {
            summary: format!("agent-{n}: still FAILED"),
            body: "Agora · Voice bots".into(),
            urgency: Urgency::Critical,
            sound: None,
        }),
    }
}

async fn next_outcome(rx: &mut tokio::sync::mpsc::UnboundedReceiver<RouteOutcome>) -> RouteOutcome {
    tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .expect("a route outcome in time")
        .expect("the router is running")
}

#[tokio::test]
async fn a_full_queue_drops_the_oldest_notification_and_counts_it() {
    let hooks = Listener::start().await;
    hooks.hold("/slow");
    let router = Router::new(
        &[],
        &[webhook(
            "slow",
            WebhookFormat::Json,
            Some(hooks.url("/slow")),
        )],
    )
    .with_limits(RetryPolicy::default(), 2);
    let (decisions, subscription) = tokio::sync::broadcast::channel(64);
    let (tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    let secrets: Arc<dyn SecretSource> = Arc::new(StaticSecrets::new());
    router.spawn(subscription, secrets, tx, cancel.clone());

    decisions.send(reminder(1)).unwrap();
    wait_for(DEADLINE, || async {
        (!hooks.received("/slow").is_empty()).then_some(())
    })
    .await
    .expect("the first post, held by the listener");
    for n in 2..=5 {
        decisions.send(reminder(n)).unwrap();
    }
    // 2 and 3 waited in the queue of two; 4 pushed 2 out, 5 pushed 3 out.
    let first_drop = next_outcome(&mut outcomes).await;
    let second_drop = next_outcome(&mut outcomes).await;
    assert_eq!(first_drop.agent_id.as_deref(), Some("agent-2"));
    assert_eq!(
        first_drop.report.outcome,
        "dropped: the queue was full (1 dropped since the start)"
    );
    assert_eq!(second_drop.agent_id.as_deref(), Some("agent-3"));
    assert!(second_drop
        .report
        .outcome
        .contains("(2 dropped since the start)"));
    assert!(!first_drop.report.ok);

    hooks.release("/slow");
    let mut delivered = Vec::new();
    for _ in 0..3 {
        let outcome = next_outcome(&mut outcomes).await;
        assert!(outcome.report.ok, "{:?}", outcome.report);
        delivered.push(outcome.agent_id.unwrap());
    }
    assert_eq!(delivered, ["agent-1", "agent-4", "agent-5"]);
    let posted: Vec<String> = hooks
        .received("/slow")
        .iter()
        .map(|r| r.json()["agent_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(posted, ["agent-1", "agent-4", "agent-5"]);
    cancel.cancel();
}

// ---- `agentwatch watch --notify`, the binary, with no notification service at all ----

#[tokio::test]
async fn watch_notify_routes_a_failing_agent_with_no_notification_service_and_no_secret_leaks() {
    routes_a_failing_agent_with_no_secret_leaks(&["watch", "--notify"]).await;
}

/// `serve` routes as `watch --notify` does (issue 12: a team's server posts to its chat).
#[tokio::test]
async fn serve_routes_a_failing_agent_with_no_secret_leaks() {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .to_string();
    routes_a_failing_agent_with_no_secret_leaks(&["serve", "--listen", &listen]).await;
}

/// The real `agentwatch` binary run as `command` in an environment with no notification
/// service: a failing agent reaches a program and a webhook, both outcomes are in the
/// history, and neither the webhook's token nor the account secret is written anywhere.
async fn routes_a_failing_agent_with_no_secret_leaks(command: &[&str]) {
    const TOKEN: &str = "T0KEN9f8e7d6c5b4a3928170";
    let dir = tempfile::tempdir().unwrap();
    let hooks = Listener::start().await;
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let defaults = AgoraSimConfig::default();
    let page = script(
        dir.path(),
        "page.sh",
        r#"cat > "$1/page.json"; env > "$1/page.env""#,
    );
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            r#"poll_interval_secs = 1

[[accounts]]
id = "ai"
vendor = "agora"
name = "Voice bots"
base_url = "{base}"
app_id = "{app_id}"
customer_id = "{customer_id}"

[[actions]]
command = ["/bin/sh", "{page}", "{out}"]
min_severity = "critical"

[[webhooks]]
id = "chat"
format = "slack"
"#,
            base = server.base_url(),
            app_id = defaults.app_id,
            customer_id = defaults.customer_id,
            out = dir.path().display(),
        ),
    )
    .unwrap();
    // The webhook URL holds a token: it comes from the environment (as the keyring would give
    // it), never from the config.
    let url = hooks.url(&format!("/services/{TOKEN}"));
    let stdout = std::fs::File::create(dir.path().join("stdout.log")).unwrap();
    let stderr = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = tokio::process::Command::new(agentwatch_binary())
        .args(command)
        .arg("--config")
        .arg(&config_path)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("AGENTWATCH_LOG", "debug")
        .env("AGENTWATCH_SECRET_AI", &defaults.customer_secret)
        .env("AGENTWATCH_SECRET_WEBHOOK_CHAT", &url)
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // The baseline, then the fault.
    let agent = AgoraSim::demo_agents()[0].agent_id.clone();
    wait_for(DEADLINE, || async {
        (sim.request_count("/agents") >= 2).then_some(())
    })
    .await
    .expect("agentwatch polled the simulator");
    sim.set_status(&agent, "FAILED");

    let posted = wait_for(DEADLINE, || async {
        hooks
            .received(&format!("/services/{TOKEN}"))
            .first()
            .cloned()
    })
    .await
    .expect("the Slack webhook got the failure");
    assert!(posted.json()["text"].as_str().unwrap().contains("FAILED"));
    let page = wait_for(DEADLINE, || async {
        std::fs::read_to_string(dir.path().join("page.json"))
            .ok()
            .filter(|t| t.ends_with('}'))
    })
    .await
    .expect("the program ran");
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["new_state"], "FAILED");
    assert_eq!(page["agent_id"], agent.as_str());

    // Both outcomes are in the history before we stop it.
    let history = dir
        .path()
        .join("data/agentwatch")
        .join(agentwatch_core::history::FILE_NAME);
    let rows = wait_for(DEADLINE, || async {
        let rows = History::open_existing(&history)
            .ok()
            .flatten()?
            .query(&HistoryFilter {
                kinds: vec![EntryKind::Route],
                ..Default::default()
            })
            .ok()?;
        (rows.len() >= 2).then_some(rows)
    })
    .await
    .unwrap_or_else(|| panic!("two route rows in {}", history.display()));
    let details: Vec<_> = rows.iter().filter_map(|r| r.detail.clone()).collect();
    assert!(
        details.contains(&"webhook chat: delivered (HTTP 200)".to_string()),
        "{details:?}"
    );
    assert!(
        details.contains(&"action sh page.sh: exit code 0".to_string()),
        "{details:?}"
    );

    child.start_kill().unwrap();
    let _ = child.wait().await;
    // Nothing secret anywhere: the program's environment, the output and log, the history.
    let mut places = vec![
        dir.path().join("page.env"),
        dir.path().join("page.json"),
        dir.path().join("stdout.log"),
        dir.path().join("stderr.log"),
    ];
    places.extend(
        std::fs::read_dir(dir.path().join("data/agentwatch"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(
        log.contains("webhook chat"),
        "the log says nothing of routing:\n{log}"
    );
    for place in places {
        let bytes = std::fs::read(&place).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(TOKEN),
            "{} holds the webhook token",
            place.display()
        );
        assert!(
            !text.contains(&defaults.customer_secret),
            "{} holds the account secret",
            place.display()
        );
    }
}

// ---- a webhook URL kept in the real keyring (gnome-keyring, under `xtask session-inner`) ----

fn keyring_session() -> bool {
    let on = std::env::var_os("AGENTWATCH_TEST_KEYRING").is_some();
    if !on {
        eprintln!("skipped: run under `cargo xtask session-inner` for the real Secret Service");
    }
    on
}

/// `agentwatch secret set webhook:<id> --stdin` with `input` on its standard input.
async fn secret_set(config: &Path, name: &str, input: &str) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(agentwatch_binary())
        .args(["--config"])
        .arg(config)
        .args(["secret", "set", name, "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("secret set ended")
        .unwrap()
}

#[tokio::test]
async fn a_webhook_url_stored_in_the_keyring_is_used_and_never_shown() {
    if !keyring_session() {
        return;
    }
    const TOKEN: &str = "K3YRINGt0ken5a4b3c2d1e0f";
    let dir = tempfile::tempdir().unwrap();
    let hooks = Listener::start().await;
    let sim = AgoraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![agora_account(&server)],
        ..Config::default()
    };
    config.webhooks = vec![webhook("kr-chat", WebhookFormat::Teams, None)];
    let config_path = dir.path().join("config.toml");
    config.save(&config_path).unwrap();

    // Plain http to a host that is not loopback is refused, and nothing is stored.
    let refused = secret_set(
        &config_path,
        "webhook:kr-chat",
        "http://chat.example.org/x\n",
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("https") && !said.contains("chat.example.org"),
        "{said}"
    );

    let url = hooks.url(&format!("/workflows/{TOKEN}"));
    let stored = secret_set(&config_path, "webhook:kr-chat", &format!("{url}\n")).await;
    assert!(stored.status.success(), "{stored:?}");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&stored.stdout),
        String::from_utf8_lossy(&stored.stderr)
    );
    assert!(!said.contains(TOKEN), "secret set echoed the URL: {said}");
    assert!(agentwatch_tests::secret_tool_search().contains("webhook:kr-chat"));

    let secrets: Arc<dyn SecretSource> = Arc::new(agentwatch_core::secrets::FirstFound::new(vec![
        Arc::new(agora_secrets()),
        Arc::new(agentwatch_core::secrets::SecretStore::default()),
    ]));
    let history = dir.path().join("history.sqlite3");
    let engine = Engine::start_with(
        &config,
        secrets,
        EngineOptions {
            route: true,
            history: Some(history.clone()),
            ..Default::default()
        },
    );
    let mut view = engine.alert_view();
    let agent = fail_first_agent(&engine, &sim).await;
    let reports = route_reports(&mut view, &agent, 1).await;
    assert_eq!(
        reports,
        [(
            "webhook kr-chat".into(),
            true,
            "delivered (HTTP 200)".into()
        )]
    );
    let card = hooks.received(&format!("/workflows/{TOKEN}"))[0].json();
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    // The Why list as the dashboard gets it (serialised) never holds the URL.
    let why = serde_json::to_string(&*view.borrow()).unwrap();
    assert!(!why.contains(TOKEN));
    engine.shutdown().await;
    let history_bytes = std::fs::read(&history).unwrap();
    assert!(!String::from_utf8_lossy(&history_bytes).contains(TOKEN));

    let deleted = tokio::process::Command::new(agentwatch_binary())
        .args(["secret", "delete", "webhook:kr-chat"])
        .output()
        .await
        .unwrap();
    assert!(deleted.status.success());
}

// ---- figures for BENCHMARKS.md (run by hand: --ignored --nocapture) ----

/// Pushes `n` notifications through a router and waits for `n` outcomes; the time it took.
async fn route_many(router: Router, n: usize) -> (Duration, Vec<RouteOutcome>) {
    let (decisions, subscription) = tokio::sync::broadcast::channel(n + 1);
    let (tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    router.spawn(
        subscription,
        Arc::new(StaticSecrets::new()),
        tx,
        cancel.clone(),
    );
    let started = Instant::now();
    for i in 0..n {
        decisions.send(reminder(i)).unwrap();
    }
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        got.push(
            tokio::time::timeout(Duration::from_secs(120), outcomes.recv())
                .await
                .expect("outcomes in time")
                .unwrap(),
        );
    }
    cancel.cancel();
    (started.elapsed(), got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "figures for BENCHMARKS.md: cargo test -p agentwatch-tests --test routing -- --ignored --nocapture"]
async fn routing_figures() {
    let hooks = Listener::start().await;
    let n = 1000;
    let router = Router::new(
        &[],
        &[webhook(
            "bench",
            WebhookFormat::Slack,
            Some(hooks.url("/bench")),
        )],
    )
    .with_limits(RetryPolicy::default(), n);
    let (took, outcomes) = route_many(router, n).await;
    assert!(outcomes.iter().all(|o| o.report.ok));
    assert_eq!(hooks.received("/bench").len(), n);
    println!(
        "webhook (slack format, loopback, in order): {n} posts in {:.2} s = {:.0} posts/s, {:.2} ms each",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / n as f64
    );

    let n = 200;
    let router =
        Router::new(&[action(&["/bin/true"], None)], &[]).with_limits(RetryPolicy::default(), n);
    let (took, outcomes) = route_many(router, n).await;
    assert!(outcomes.iter().all(|o| o.report.ok));
    println!(
        "program (/bin/true, 4 at a time): {n} runs in {:.2} s = {:.0} runs/s, {:.2} ms each",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / n as f64
    );
}
