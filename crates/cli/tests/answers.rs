//! Hostile answers through the real `agentwatch check` binary: a Segura list far larger than
//! any real one, and the same agents listed thousands of times. The simulator generates the
//! answers while it sends them (the `oversized` fault), so only the child's memory is measured.
//!
//! Unix only: the child's peak memory comes from wait4(2).
#![cfg(unix)]

use agentwatch_core::secrets::env_var_name;
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::{Fault, FaultRule, SimServer};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const ACCOUNT: &str = "nc-big";
/// The ceiling the issue sets for a 300 MB answer.
const MAX_RESIDENT_KIB: i64 = 100 * 1024;
/// Far longer than a refused answer takes, short enough to fail rather than hang.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// What one run of the binary gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The child's peak resident set, from wait4(2)'s rusage (`ru_maxrss`, KiB on Linux): the
    /// kernel's own high-water mark for that one process, so no peak between two samples is
    /// missed.
    peak_kib: i64,
}

async fn start_sim(fault: Fault) -> (SeguraSim, SimServer) {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    sim.faults()
        .set(FaultRule::always(fault).on_path("nc/agent"));
    (sim, server)
}

fn write_config(dir: &Path, base_url: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[[accounts]]\nid = \"{ACCOUNT}\"\nvendor = \"segura\"\nbase_url = \"{base_url}\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\n{extra}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `agentwatch check ARGS --config CONFIG` and reaps it with wait4(2) for its rusage.
async fn check(config: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.arg("check")
        .args(args)
        .arg("--config")
        .arg(config)
        .env(env_var_name(ACCOUNT), DEFAULT_CLIENT_SECRET)
        .env("AGENTWATCH_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        // Reaped below by wait4(2) rather than `Child::wait`, which gives no rusage.
        #[allow(clippy::zombie_processes)]
        let mut child = cmd.spawn().expect("agentwatch starts");
        let pid = child.id() as libc::pid_t;
        // Both pipes are drained on their own threads so that a chatty child cannot block.
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            out.read_to_string(&mut s).map(|_| s).unwrap_or_default()
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).map(|_| s).unwrap_or_default()
        });
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it for our own child `pid`.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(
            reaped,
            pid,
            "wait4 failed: {}",
            std::io::Error::last_os_error()
        );
        Run {
            code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
            peak_kib: usage.ru_maxrss,
        }
    });
    tokio::time::timeout(RUN_LIMIT, run)
        .await
        .expect("agentwatch check finished in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_mb_answer_makes_the_account_unreachable_and_memory_stays_bounded() {
    let (_sim, server) = start_sim(Fault::Oversized {
        megabytes: 300,
        announce_length: false,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server.base_url(), "");

    let run = check(&config, &["--json"]).await;

    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.code,
        Some(3),
        "unknown: the account could not be polled\n{shown}"
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    let account = &json["accounts"][0];
    assert_eq!(account["error"]["kind"], "too_large", "{shown}");
    let message = account["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Segura agent list: answer too large (over 32 MiB)"),
        "{message}"
    );
    eprintln!(
        "peak resident memory of agentwatch check: {} KiB",
        run.peak_kib
    );
    assert!(
        run.peak_kib < MAX_RESIDENT_KIB,
        "agentwatch check peaked at {} KiB (limit {MAX_RESIDENT_KIB} KiB)",
        run.peak_kib
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_is_set_per_account() {
    // 3 MB is within the default but over a 1 MiB limit; the length is announced, so the
    // answer is refused before its body is read.
    let (_sim, server) = start_sim(Fault::Oversized {
        megabytes: 3,
        announce_length: true,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server.base_url(), "max_answer_mib = 1\n");
    let run = check(&config, &[]).await;
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(3), "{shown}");
    assert!(shown.contains("too_large"), "{shown}");
    assert!(shown.contains("answer too large (over 1 MiB)"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_listed_thousands_of_times_are_shown_once_and_logged_once() {
    // About 3 MB: the three demo agents, each listed thousands of times.
    let (_sim, server) = start_sim(Fault::Oversized {
        megabytes: 3,
        announce_length: false,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server.base_url(), "");

    let run = check(&config, &["--json"]).await;
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(0), "{shown}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    let ids: Vec<&str> = json["accounts"][0]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agent_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"], "{shown}");
    assert_eq!(
        run.stderr.matches("more than once").count(),
        1,
        "one warning per poll:\n{}",
        run.stderr
    );

    let table = check(&config, &[]).await;
    let rows = table
        .stdout
        .lines()
        .filter(|l| l.starts_with(ACCOUNT) && l.contains(" segura "))
        .count();
    assert_eq!(rows, 3, "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_without_an_agent_id_are_counted_under_the_table() {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    sim.append_raw_entries(Some(br#"{"name":"no id"},{"id":["4"]}"#.to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server.base_url(), "");

    let run = check(&config, &[]).await;
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("nc-big: 2 entries of the answer skipped (no usable agent id)"),
        "{}",
        run.stdout
    );
    let json = check(&config, &["--json"]).await;
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["accounts"][0]["skipped_entries"], 2);
    assert_eq!(value["accounts"][0]["agents"].as_array().unwrap().len(), 3);
}
