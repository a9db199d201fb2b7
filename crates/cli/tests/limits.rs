//! Time-in-state limits in `agentwatch check` and `agentwatch watch`, as a user runs them against
//! the Huawei simulator over loopback, with the history in a data folder of the test's own.

mod common;

use agentwatch_core::clock::now_ms;
use agentwatch_core::history::History;
use agentwatch_core::{Event, EventKind, Severity, Vendor};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::SimServer;
use common::{run, text};
use std::path::Path;
use std::process::Command;

const REST: i64 = 8;
const MINUTE: i64 = 60_000;

/// `agentwatch <args>` with the account's password in the environment and `data` as the data
/// folder (where the history lives).
fn agentwatch(data: &Path, args: &[&str], config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.args(args)
        .arg("--config")
        .arg(config)
        .env("XDG_DATA_HOME", data)
        .env(
            agentwatch_core::secrets::env_var_name("cc"),
            DEFAULT_PASSWORD,
        );
    cmd
}

async fn resting_agent() -> (HuaweiSim, SimServer) {
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    huawei.set_agent("101", REST, false);
    let server = SimServer::start(huawei.router(), 0, None).await.unwrap();
    (huawei, server)
}

fn write_config(
    dir: &Path,
    server: &SimServer,
    poll_secs: u64,
    limits: &str,
) -> std::path::PathBuf {
    let text = format!(
        "poll_interval_secs = {poll_secs}\n\n[[accounts]]\nid = \"cc\"\nvendor = \"huawei\"\n\
         base_url = \"{}\"\nworkno = \"{DEFAULT_WORKNO}\"\nwatch = [\"101\"]\n\n\
         [accounts.time_limits]\n{limits}\n",
        server.base_url()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_raises_the_exit_code_when_the_history_says_an_agent_rests_too_long() {
    let (_sim, server) = resting_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &server,
        15,
        "rest = { warning = \"5m\", critical = \"1h\" }",
    );

    // Nothing recorded: the rest counts from now, within its limit.
    let fresh = dir.path().join("fresh");
    let out = run(agentwatch(&fresh, &["check"], &config)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The app recorded 101 going to rest ten minutes ago: past the 5 min warning.
    let data = dir.path().join("data");
    let mut history = History::open(&data.join("agentwatch/history.sqlite3")).unwrap();
    history
        .record_event(&Event {
            at_ms: now_ms() - 10 * MINUTE,
            vendor: Vendor::Huawei,
            account_id: "cc".into(),
            account_name: "cc".into(),
            severity: Severity::Info,
            kind: EventKind::Changed {
                agent_id: "101".into(),
                name: None,
                old_state: "idle".into(),
                old_severity: Severity::Ok,
                new_state: "rest".into(),
                finding: None,
            },
        })
        .unwrap();
    drop(history);
    let out = run(agentwatch(&data, &["check"], &config)).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("rest for 10 min, limit 5 min"), "{shown}");
    assert!(shown.contains("worst: warning"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_a_line_when_an_agent_passes_its_limit() {
    let (_sim, server) = resting_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server, 1, "rest = { warning = \"2s\" }");
    let out = run(agentwatch(
        dir.path(),
        &["watch", "--duration", "7s"],
        &config,
    ))
    .await;
    let shown = text(&out);
    // Resting since before the watch began: the time is a lower bound.
    let line = shown
        .lines()
        .find(|l| l.contains(" cc 101 rest over its 2 s limit warning (rest for ≥ "))
        .unwrap_or_else(|| panic!("no limit line in:\n{shown}"));
    assert!(line.contains(" huawei "), "{line}");
}
