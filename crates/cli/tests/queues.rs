//! Skill queues and team counts in `agentwatch check`, as a user runs it against the Huawei
//! simulator over loopback: a row per queue and for the team in the table, the items with their
//! figures in `--json`, and the exit code following the worst of agents and items.

mod common;

use agentwatch_sim::huawei::{HuaweiSim, SimQueue, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::SimServer;
use common::{run, text};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn check(config: &Path, json: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.arg("check");
    if json {
        cmd.arg("--json");
    }
    cmd.arg("--config").arg(config).env(
        agentwatch_core::secrets::env_var_name("cc"),
        DEFAULT_PASSWORD,
    );
    cmd
}

/// The demo gateway's idle agents 101 and 107 and its skill queues, with the team's limits.
fn write_config(dir: &Path, server: &SimServer) -> std::path::PathBuf {
    let text = format!(
        r#"[[accounts]]
id = "cc"
vendor = "huawei"
base_url = "{}"
workno = "{DEFAULT_WORKNO}"
watch = ["101", "107"]

[accounts.queues]
skills = [1, 2]
waiting = {{ warning = 2, critical = 5 }}
longest_wait = {{ warning = "60s", critical = "3m" }}

[accounts.team]
min_in_state = {{ idle = {{ warning = 2, critical = 1 }} }}
"#,
        server.base_url()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_queues_and_the_team_and_exits_with_the_worst_of_them() {
    let huawei = HuaweiSim::demo();
    let server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);

    // Calm: two idle agents, queues below their levels.
    let out = run(check(&config, false)).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    for needle in [
        "queue:1",
        "voice",
        "1 waiting · longest 12 s · 3 of 5 free",
        "queue:2",
        "vip",
        "team",
        "2 idle",
    ] {
        assert!(shown.contains(needle), "{needle} missing from:\n{shown}");
    }

    // The vip queue builds up with nobody free: critical, exit 2, the finding in DETAIL.
    huawei.set_queue(2, SimQueue::new("vip", 4, 200, 0, 3));
    let out = run(check(&config, false)).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("4 waiting for 3 min 20 s, no agent free"),
        "{shown}"
    );

    let out = run(check(&config, true)).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["worst"], "critical");
    let items = json["accounts"][0]["agents"].as_array().unwrap();
    let vip = items.iter().find(|i| i["agent_id"] == "queue:2").unwrap();
    assert_eq!(vip["severity"], "critical");
    assert_eq!(vip["name"], "vip");
    assert_eq!(
        vip["figures"],
        serde_json::json!({"kind": "queue", "skill_id": "2", "waiting": 4,
            "longest_wait_secs": 200, "available": 0, "logged_on": 3})
    );
    assert_eq!(vip["finding"], "4 waiting for 3 min 20 s, no agent free");
    let team = items.iter().find(|i| i["agent_id"] == "team").unwrap();
    assert_eq!(team["state"], "2 idle");
    assert_eq!(team["figures"]["kind"], "team");
    assert_eq!(team["figures"]["agents"], 2);

    // One agent goes on rest: the team is short of idle agents (warning); the queue calms.
    huawei.set_queue(2, SimQueue::new("vip", 0, 0, 2, 3));
    huawei.set_agent("107", 8, false);
    let out = run(check(&config, true)).await;
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(out.status.code(), Some(1), "{json}");
    let items = json["accounts"][0]["agents"].as_array().unwrap();
    let team = items.iter().find(|i| i["agent_id"] == "team").unwrap();
    assert_eq!(team["severity"], "warning");
    assert_eq!(team["state"], "1 idle (min 2) · 1 rest");
    assert_eq!(team["finding"], "1 idle, fewer than 2");

    // The queue calls refused: the queues are unknown (exit 3), the agents still read.
    huawei.set_agent("107", 4, false);
    huawei.refuse_queues(Some("000-003".into()));
    let out = run(check(&config, true)).await;
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(out.status.code(), Some(3), "{json}");
    let items = json["accounts"][0]["agents"].as_array().unwrap();
    let agent = items.iter().find(|i| i["agent_id"] == "101").unwrap();
    assert_eq!(agent["state"], "idle");
    let vip = items.iter().find(|i| i["agent_id"] == "queue:2").unwrap();
    assert_eq!(vip["severity"], "unknown");
    assert!(
        vip["figures"]["unreadable"]
            .as_str()
            .unwrap()
            .contains("000-003"),
        "{vip}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_threshold_is_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let account = "[[accounts]]\nid = \"cc\"\nvendor = \"huawei\"\n\
                   base_url = \"https://10.1.2.3:8043\"\nworkno = \"5001\"\n\n";
    for (section, place, key) in [
        (
            "[accounts.queues]\nskills = \"all\"\nwaiting = { warning = 5, critical = 2 }\n",
            "config.toml:9:",
            "accounts[cc].queues.waiting.critical: the critical level (2) must be higher",
        ),
        (
            "[accounts.team]\nmin_in_state = { idle = { warning = 1, critical = 2 } }\n",
            "config.toml:8:",
            "accounts[cc].team.min_in_state.idle.critical: the critical level (2) must be lower",
        ),
    ] {
        std::fs::write(&config, format!("{account}{section}")).unwrap();
        let out = run(check(&config, false)).await;
        let shown = text(&out);
        assert_eq!(
            out.status.code(),
            // `check` is a Nagios plugin: a config it cannot load is UNKNOWN.
            Some(3),
            "a configuration problem: {shown}"
        );
        assert!(shown.contains(place), "{place}: {shown}");
        assert!(shown.contains(key), "{key}: {shown}");
    }
}

/// A newcomer's demo shows what queues are for within its first minute: the "vip" queue builds
/// up (a warning, then critical with no agent free) while agents go on rest, and the team's
/// counts cross their limits; each is told as a notification.
#[test]
fn the_demo_shows_a_queue_building_up_and_a_team_alert_within_a_minute() {
    use std::io::BufRead;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let started = Instant::now();
    // The demo ends itself after a minute: the loop below is bounded by it.
    let mut demo = Command::new(env!("CARGO_BIN_EXE_agentwatch"))
        .args(["demo", "--duration", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = demo.stdout.take().unwrap();
    let wanted = [
        "Queue vip notification warning",
        "Queue vip notification critical",
        "Team notification critical",
    ];
    let mut seen: Vec<(usize, Duration, String)> = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(which) = wanted.iter().position(|w| line.contains(w)) {
            if !seen.iter().any(|(w, ..)| *w == which) {
                seen.push((which, started.elapsed(), line));
            }
        }
        if seen.len() == wanted.len() {
            break;
        }
    }
    let _ = demo.kill();
    let _ = demo.wait();
    let told = |which: usize| seen.iter().find(|(w, ..)| *w == which);
    for (which, what) in wanted.iter().enumerate() {
        let (_, after, line) = told(which).unwrap_or_else(|| panic!("no \"{what}\": {seen:?}"));
        assert!(*after < Duration::from_secs(60), "{line} after {after:?}");
    }
    // It builds up: the warning is told before the critical.
    assert!(told(0).unwrap().1 <= told(1).unwrap().1, "{seen:?}");
    let critical = &told(1).unwrap().2;
    assert!(critical.contains("no agent free"), "{critical}");
    let team = &told(2).unwrap().2;
    assert!(team.contains("rest, more than"), "{team}");
}
