//! Agents' names in every CLI output, over real HTTP to the simulators: the vendor's name where
//! it gives one, the user's `[accounts.labels]` over it, the id alone otherwise. `check`'s NAME
//! column, `watch` lines (`Name (id)`), and the history `watch` wrote: its table and its CSV.

mod common;

use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::SimServer;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LABEL: &str = "Night desk: Li Wei";

struct Sims {
    agora: AgoraSim,
    _agora_server: SimServer,
    _segura_server: SimServer,
    config: String,
}

/// An Agora project with two named agents and one without a name, watched by id (Agora gives
/// names when asked per agent), one labelled by the user; and the Segura demo, whose list
/// carries names, with agent 2 labelled.
async fn start_sims() -> Sims {
    let agora = AgoraSim::new(AgoraSimConfig::default());
    agora.add_agent(SimAgent::new("bot-1", "support", "RUNNING").named("Support triage"));
    agora.add_agent(SimAgent::new("bot-2", "support", "RUNNING").named("vendor-name-2"));
    agora.add_agent(SimAgent::new("bot-3", "support", "RUNNING").named(""));
    let agora_server = SimServer::start(agora.router(), 0, None).await.unwrap();
    let segura_server = SimServer::start(SeguraSim::demo().router(), 0, None)
        .await
        .unwrap();
    let d = AgoraSimConfig::default();
    let config = format!(
        "poll_interval_secs = 1\n\
         [[accounts]]\nid = \"ai\"\nvendor = \"agora\"\nbase_url = \"{}\"\n\
         app_id = \"{}\"\ncustomer_id = \"{}\"\ntimeout_secs = 5\n\
         watch = [\"bot-1\", \"bot-2\", \"bot-3\"]\n\
         [accounts.labels]\n\"bot-2\" = \"{LABEL}\"\n\n\
         [[accounts]]\nid = \"nc\"\nvendor = \"segura\"\nbase_url = \"{}\"\n\
         client_id = \"{DEFAULT_CLIENT_ID}\"\ntimeout_secs = 5\n\
         [accounts.labels]\n\"2\" = \"Lab bench\"\n",
        agora_server.base_url(),
        d.app_id,
        d.customer_id,
        segura_server.base_url(),
    );
    Sims {
        agora,
        _agora_server: agora_server,
        _segura_server: segura_server,
        config,
    }
}

/// The binary with the config, each account's secret and a throw-away home (where `watch`
/// keeps its history and `history` reads it).
fn agentwatch(dir: &Path, config: &str) -> Command {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.arg("--config")
        .arg(path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("TZ", "UTC")
        .env_remove("AGENTWATCH_LOG")
        .env(
            agentwatch_core::secrets::env_var_name("ai"),
            AgoraSimConfig::default().customer_secret,
        )
        .env(
            agentwatch_core::secrets::env_var_name("nc"),
            DEFAULT_CLIENT_SECRET,
        );
    cmd
}

/// The table row of an agent: the line whose AGENT cell is `agent_id`.
fn row<'a>(table: &'a str, account: &str, agent_id: &str) -> &'a str {
    table
        .lines()
        .find(|l| {
            let mut cells = l.split_whitespace();
            cells.next() == Some(account) && cells.nth(1) == Some(agent_id)
        })
        .unwrap_or_else(|| panic!("no row for {account}/{agent_id}:\n{table}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_vendor_names_labels_over_them_and_no_name_as_blank() {
    let sims = start_sims().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.arg("check");
    let out = common::run(cmd).await;
    let shown = common::text(&out);
    assert!(out.status.success(), "{shown}");
    let header = shown.lines().next().unwrap();
    assert!(
        header.contains("AGENT") && header.contains("NAME"),
        "{shown}"
    );
    assert!(
        row(&shown, "ai", "bot-1").contains("Support triage"),
        "{shown}"
    );
    // The label replaces the vendor's name wherever the agent is shown.
    let labelled = row(&shown, "ai", "bot-2");
    assert!(labelled.contains(LABEL), "{shown}");
    assert!(!shown.contains("vendor-name-2"), "{shown}");
    // No name: the NAME cell is blank, the state follows the id.
    let unnamed: Vec<&str> = row(&shown, "ai", "bot-3").split_whitespace().collect();
    assert_eq!(unnamed[3], "RUNNING", "{shown}");
    // Segura's list carries names; agent 2's label wins over its vendor name.
    assert!(row(&shown, "nc", "1").contains("Default"), "{shown}");
    assert!(row(&shown, "nc", "2").contains("Lab bench"), "{shown}");

    // --json carries the same names.
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.args(["check", "--json"]);
    let out = common::run(cmd).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<(String, Option<String>)> = json["accounts"][0]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["agent_id"].as_str().unwrap().to_string(),
                o["name"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("bot-1".to_string(), Some("Support triage".to_string())),
            ("bot-2".to_string(), Some(LABEL.to_string())),
            ("bot-3".to_string(), None),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_lines_and_the_history_it_writes_show_names() {
    let sims = start_sims().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = agentwatch(dir.path(), &sims.config)
        .args(["watch", "--duration", "120s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct StopOnDrop(std::process::Child);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let mut child = StopOnDrop(child);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    // Once the watch has polled every agent twice (the first poll is the baseline), they fail.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !every_agent_polled_twice(&sims.agora) {
        assert!(Instant::now() < deadline, "watch never polled twice");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in ["bot-1", "bot-2", "bot-3"] {
        assert!(sims.agora.set_status(id, "FAILED"));
    }
    let mut printed = Vec::new();
    let expected = [
        "Support triage (bot-1) RUNNING -> FAILED critical".to_string(),
        format!("{LABEL} (bot-2) RUNNING -> FAILED critical"),
        " ai bot-3 RUNNING -> FAILED critical".to_string(),
    ];
    let all_seen = |printed: &[String]| {
        expected
            .iter()
            .all(|e| printed.iter().any(|l| l.contains(e.as_str())))
    };
    while !all_seen(&printed) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_millis(500))) {
            Ok(line) => printed.push(line),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => assert!(
                Instant::now() < deadline,
                "watch never printed every change:\n{}",
                printed.join("\n")
            ),
            Err(e) => panic!("watch stopped early ({e}):\n{}", printed.join("\n")),
        }
    }
    assert!(
        !printed.iter().any(|l| l.contains("vendor-name-2")),
        "{printed:?}"
    );
    // The history is written on its own thread: wait until the three changes are in it.
    loop {
        let mut cmd = agentwatch(dir.path(), &sims.config);
        cmd.args(["history", "--csv"]);
        let csv = String::from_utf8_lossy(&common::run(cmd).await.stdout).to_string();
        if ["bot-1", "bot-2", "bot-3"]
            .iter()
            .all(|id| csv.contains(&format!(",{id},")))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the history never held the changes:\n{csv}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGTERM on Unix, so that watch ends its own way; Windows sends a console program no
    // such signal from another process, so there it is ended.
    #[cfg(unix)]
    let _ = Command::new("kill").arg(child.0.id().to_string()).status();
    #[cfg(not(unix))]
    let _ = child.0.kill();
    let _ = child.0.wait();

    // The history `watch` wrote keeps the names: the table shows `Name (id)`...
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.arg("history");
    let out = common::run(cmd).await;
    let table = common::text(&out);
    assert!(out.status.success(), "{table}");
    assert!(table.contains("Support triage (bot-1)"), "{table}");
    assert!(table.contains(&format!("{LABEL} (bot-2)")), "{table}");
    assert!(!table.contains("vendor-name-2"), "{table}");

    // ...and the CSV has them in its agent_name column, blank for the agent without a name.
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.args(["history", "--csv"]);
    let out = common::run(cmd).await;
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{csv}");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let id_col = header.iter().position(|h| *h == "agent_id").unwrap();
    let name_col = header.iter().position(|h| *h == "agent_name").unwrap();
    // Every row about the agent (its change, its notification) carries the same name.
    let name_of = |agent: &str| -> String {
        let names: std::collections::BTreeSet<String> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|cells| cells.get(id_col) == Some(&agent))
            .map(|cells| cells[name_col].to_string())
            .collect();
        assert_eq!(names.len(), 1, "rows of {agent} differ in name:\n{csv}");
        names.into_iter().next().unwrap()
    };
    assert_eq!(name_of("bot-1"), "Support triage");
    assert_eq!(name_of("bot-2"), LABEL);
    assert_eq!(name_of("bot-3"), "");
}

/// True once each watched agent has been asked for twice (its first poll finished).
fn every_agent_polled_twice(sim: &AgoraSim) -> bool {
    let requests = sim.requests();
    ["bot-1", "bot-2", "bot-3"].iter().all(|id| {
        // Recorded as `path?query`.
        let path = format!("/agents/{id}?");
        requests.iter().filter(|r| r.contains(&path)).count() >= 2
    })
}
