//! `cargo xtask soak --minutes N`: the engine for a long while against 10,000 simulated Huawei
//! agents plus the Agora and Segura simulators, with agents changing state, appearing and
//! vanishing, and with the simulators' faults (500s, slow answers, resets) injected now and then.
//! History is on. Every minute it prints the polling process's resident memory (VmRSS) and its
//! peak (VmHWM); at the end it checks that every row the engine handed to the history (each
//! confirmed change, outage, recovery and notification it published) is in the history file, and
//! that memory grew less than the goal after the warm-up.
//!
//! The simulators and the churn script run in a child process (this binary with `--serve`), so
//! that the memory figures are the engine's alone. Traffic stays on loopback; the run is bounded
//! by `--minutes`.

mod churn;

use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::history::{History, HistoryEntry, HistoryFilter};
use agentwatch_core::policy::Decision;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::{Engine, EngineOptions, Vendor};
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// Huawei agents watched: 10,000 steady ones plus the churners that vanish and come back.
pub const HUAWEI_AGENTS: u32 = 10_000;
pub const HUAWEI_CHURNERS: u32 = 20;
pub const FIRST_HUAWEI_AGENT: u32 = 101;
/// Less than this growth of VmRSS from the end of the warm-up to the end of the run.
const GROWTH_GOAL_KIB: u64 = 5 * 1024;
const MINUTE: Duration = Duration::from_secs(60);

struct Options {
    minutes: u64,
    warmup_minutes: u64,
    poll_interval_secs: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        churn::serve();
        return ExitCode::SUCCESS;
    }
    let options = match parse_options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("agentwatch-soak: {message}\nusage: agentwatch-soak [--minutes N] [--warmup-minutes W] [--interval SECS]");
            return ExitCode::from(2);
        }
    };
    match soak(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("soak FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        minutes: 30,
        warmup_minutes: 3,
        poll_interval_secs: 5,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| format!("{flag} needs a whole number"))?;
        match flag.as_str() {
            "--minutes" => options.minutes = value,
            "--warmup-minutes" => options.warmup_minutes = value,
            "--interval" => options.poll_interval_secs = value.max(1),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if options.minutes <= options.warmup_minutes {
        return Err(format!(
            "--minutes ({}) must be more than the warm-up ({} min)",
            options.minutes, options.warmup_minutes
        ));
    }
    Ok(options)
}

/// The simulators' base URLs, as the child prints them.
struct SimUrls {
    huawei: String,
    agora: String,
    segura: String,
}

fn soak(options: &Options) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the simulators: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .map_err(|e| format!("no word from the simulators: {e}"))?;
    let urls: Vec<&str> = line
        .trim()
        .strip_prefix("URLS ")
        .map(|rest| rest.split(' ').collect())
        .unwrap_or_default();
    let [huawei, agora, segura] = urls[..] else {
        return Err(format!(
            "unexpected first line from the simulators: {line:?}"
        ));
    };
    let urls = SimUrls {
        huawei: huawei.into(),
        agora: agora.into(),
        segura: segura.into(),
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let history_path = dir.path().join("history.sqlite3");

    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let outcome = rt.block_on(run_engine(options, &urls, &history_path, child.id()));
    drop(rt);
    drop(child.stdin.take());
    let _ = child.wait();
    let outcome = outcome?;

    let (recorded, recorded_by_kind) = history_digest(&history_path)?;
    println!(
        "history: {} rows handed to the history, {} rows in the file ({})",
        outcome.expected.rows,
        recorded.rows,
        describe_kinds(&recorded_by_kind)
    );
    let mut failures = Vec::new();
    if outcome.lagged > 0 {
        failures.push(format!(
            "the soak's decision reader fell behind and missed {} decisions: the row check is incomplete",
            outcome.lagged
        ));
    }
    if recorded != outcome.expected {
        failures.push(format!(
            "history rows lost or altered: expected {} (by kind: {}), found {} (by kind: {})",
            outcome.expected.rows,
            describe_kinds(&outcome.expected_by_kind),
            recorded.rows,
            describe_kinds(&recorded_by_kind)
        ));
    }
    let growth = outcome.final_rss_kib as i64 - outcome.warm_rss_kib as i64;
    println!(
        "memory: VmRSS {} KiB after the {}-minute warm-up, {} KiB at the end: growth {:+} KiB over {} minutes (goal: under {} KiB); VmHWM {} KiB",
        outcome.warm_rss_kib,
        options.warmup_minutes,
        outcome.final_rss_kib,
        growth,
        options.minutes - options.warmup_minutes,
        GROWTH_GOAL_KIB,
        outcome.final_hwm_kib
    );
    if growth >= GROWTH_GOAL_KIB as i64 {
        failures.push(format!(
            "resident memory grew {growth} KiB after the warm-up (goal: under {GROWTH_GOAL_KIB} KiB)"
        ));
    }
    if outcome.expected.rows == 0 {
        failures.push("the engine published no change at all: the churn did not reach it".into());
    }
    if failures.is_empty() {
        println!("soak passed: no history row lost, memory growth within the goal");
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// An order-independent fingerprint of a set of history rows: their number and the wrapping sum
/// of each row's hash. Kept instead of the rows so that the check itself does not grow memory.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Digest {
    rows: u64,
    sum: u64,
}

impl Digest {
    fn add(&mut self, entry: &HistoryEntry) {
        let mut hasher = DefaultHasher::new();
        serde_json::to_string(entry)
            .expect("a history row serialises")
            .hash(&mut hasher);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(hasher.finish());
    }
}

struct Outcome {
    expected: Digest,
    expected_by_kind: BTreeMap<&'static str, u64>,
    lagged: u64,
    warm_rss_kib: u64,
    final_rss_kib: u64,
    final_hwm_kib: u64,
}

/// What the engine handed to the history so far, counted from its published decisions exactly
/// as the alert task turns them into rows.
#[derive(Default)]
struct Expected {
    digest: Digest,
    by_kind: BTreeMap<&'static str, u64>,
    lagged: u64,
}

impl Expected {
    fn add(&mut self, decision: &Decision) {
        if let Some(event) = decision.confirmed_event() {
            self.count(HistoryEntry::from_event(event));
        }
        if let Some(notification) = decision.notification() {
            self.count(HistoryEntry::notification(
                decision.at_ms,
                &decision.account_id,
                decision.agent_id.as_deref(),
                notification,
                "",
            ));
        }
    }

    fn count(&mut self, entry: HistoryEntry) {
        // The notification's reason is the alert task's own word: left out of the comparison.
        let entry = HistoryEntry {
            reason: if entry.kind.as_str() == "notification" {
                None
            } else {
                entry.reason
            },
            ..entry
        };
        *self.by_kind.entry(entry.kind.as_str()).or_default() += 1;
        self.digest.add(&entry);
    }
}

async fn run_engine(
    options: &Options,
    urls: &SimUrls,
    history: &std::path::Path,
    sim_pid: u32,
) -> Result<Outcome, String> {
    let config = soak_config(urls, options.poll_interval_secs);
    let secrets = Arc::new(
        StaticSecrets::new()
            .with("soak-huawei", agentwatch_sim::huawei::DEFAULT_PASSWORD)
            .with(
                "soak-agora",
                &agentwatch_sim::agora::AgoraSimConfig::default().customer_secret,
            )
            .with("soak-segura", agentwatch_sim::segura::DEFAULT_CLIENT_SECRET),
    );
    let engine = Engine::start_with(
        &config,
        secrets,
        EngineOptions {
            notifier: None,
            history: Some(history.to_path_buf()),
            ..Default::default()
        },
    );
    let expected = Arc::new(Mutex::new(Expected::default()));
    let mut decisions = engine.decisions();
    let reader = {
        let expected = expected.clone();
        tokio::spawn(async move {
            loop {
                match decisions.recv().await {
                    Ok(decision) => expected.lock().unwrap().add(&decision),
                    Err(RecvError::Lagged(n)) => expected.lock().unwrap().lagged += n,
                    Err(RecvError::Closed) => break,
                }
            }
        })
    };

    println!(
        "soak: {} Huawei agents (+{} appearing and vanishing), Agora and Segura simulators, churn every second, a 12 s fault every 20 s; poll interval {} s; {} minutes ({} of warm-up); {} build",
        HUAWEI_AGENTS,
        HUAWEI_CHURNERS,
        options.poll_interval_secs,
        options.minutes,
        options.warmup_minutes,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!(
        "{:>6}  {:>12}  {:>12}  {:>12}  {:>10}  {:>14}",
        "minute", "VmRSS (KiB)", "VmHWM (KiB)", "sim VmRSS", "rows", "accounts ok"
    );
    let started = Instant::now();
    let mut warm_rss_kib = 0;
    let mut last = memory("self");
    for minute in 1..=options.minutes {
        let until = started + MINUTE * minute as u32;
        tokio::time::sleep_until(until.into()).await;
        last = memory("self");
        if minute == options.warmup_minutes {
            warm_rss_kib = last.rss_kib;
        }
        let status = engine.current();
        let healthy = status.accounts.iter().filter(|a| a.error.is_none()).count();
        println!(
            "{:>6}  {:>12}  {:>12}  {:>12}  {:>10}  {:>14}",
            minute,
            last.rss_kib,
            last.hwm_kib,
            memory(&sim_pid.to_string()).rss_kib,
            expected.lock().unwrap().digest.rows,
            format!("{healthy}/{}", status.accounts.len()),
        );
    }
    engine.shutdown().await;
    // The alert task has ended: the decision stream closes once the reader has seen the rest.
    let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
    let expected = expected.lock().unwrap();
    Ok(Outcome {
        expected: expected.digest,
        expected_by_kind: expected.by_kind.clone(),
        lagged: expected.lagged,
        warm_rss_kib,
        final_rss_kib: last.rss_kib,
        final_hwm_kib: last.hwm_kib,
    })
}

fn soak_config(urls: &SimUrls, poll_interval_secs: u64) -> Config {
    let mut huawei = AccountConfig::new("soak-huawei", Vendor::Huawei, Some(&urls.huawei));
    huawei.set_option("workno", agentwatch_sim::huawei::DEFAULT_WORKNO);
    huawei.watch = (0..HUAWEI_AGENTS + HUAWEI_CHURNERS)
        .map(|i| (FIRST_HUAWEI_AGENT + i).to_string())
        .collect();
    // Short enough that the simulators' slow answers trip it.
    huawei.timeout_secs = Some(3);
    let agora_defaults = agentwatch_sim::agora::AgoraSimConfig::default();
    let mut agora = AccountConfig::new("soak-agora", Vendor::Agora, Some(&urls.agora));
    agora.set_option("app_id", agora_defaults.app_id);
    agora.set_option("customer_id", agora_defaults.customer_id);
    agora.timeout_secs = Some(3);
    let mut segura = AccountConfig::new("soak-segura", Vendor::Segura, Some(&urls.segura));
    segura.set_option("client_id", agentwatch_sim::segura::DEFAULT_CLIENT_ID);
    segura.timeout_secs = Some(3);
    Config {
        poll_interval_secs,
        accounts: vec![huawei, agora, segura],
        ..Config::default()
    }
}

fn history_digest(path: &std::path::Path) -> Result<(Digest, BTreeMap<&'static str, u64>), String> {
    let history = History::open_existing(path)
        .map_err(|e| e.to_string())?
        .ok_or("the engine wrote no history file")?;
    let mut digest = Digest::default();
    let mut by_kind = BTreeMap::new();
    for entry in history
        .query(&HistoryFilter::default())
        .map_err(|e| e.to_string())?
    {
        let entry = HistoryEntry {
            reason: if entry.kind.as_str() == "notification" {
                None
            } else {
                entry.reason
            },
            ..entry
        };
        *by_kind.entry(entry.kind.as_str()).or_default() += 1;
        digest.add(&entry);
    }
    Ok((digest, by_kind))
}

fn describe_kinds(by_kind: &BTreeMap<&'static str, u64>) -> String {
    by_kind
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
}

/// VmRSS and VmHWM of a process from /proc (0 when unreadable).
fn memory(pid: &str) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}
