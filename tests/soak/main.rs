//! `cargo xtask soak --minutes N`: the engine for a long while against 10,000 simulated Huawei
//! agents plus the Agora and Segura simulators, with agents changing state, appearing and
//! vanishing, and with the simulators' faults (500s, slow answers, resets) injected now and then.
//! History is on. Every minute it prints the polling process's resident memory (VmRSS) and its
//! peak (VmHWM); at the end it checks that every row the engine handed to the history (each
//! confirmed change, outage, recovery and notification it published) is in the history file as
//! it was handed, naming the first rows that differ, and that memory grew less than the goal
//! after the warm-up (`--rows-only`: the row check alone, as `cargo xtask test` runs it for two
//! minutes with fewer agents, `tests/soak_short.rs`).
//!
//! The rows expected are worked out from the engine's published decisions by the function the
//! alert task writes them with (`HistoryEntry::rows_of`), and kept in a file rather than in
//! memory so that the check does not weigh on the memory figures.
//!
//! The simulators and the churn script run in a child process (this binary with `--serve N`),
//! so that the memory figures are the engine's alone. Traffic stays on loopback; the run is
//! bounded by `--minutes`.

mod churn;

use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::history::{History, HistoryEntry, HistoryFilter};
use agentwatch_core::policy::Decision;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::{Engine, EngineOptions, Vendor};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// Huawei agents watched by default: 10,000 steady ones plus the churners that vanish and come
/// back (`--huawei-agents N` for another number of steady ones).
pub const HUAWEI_AGENTS: u32 = 10_000;
pub const HUAWEI_CHURNERS: u32 = 20;
pub const FIRST_HUAWEI_AGENT: u32 = 101;
/// Less than this growth of VmRSS from the end of the warm-up to the end of the run.
const GROWTH_GOAL_KIB: u64 = 5 * 1024;
const MINUTE: Duration = Duration::from_secs(60);
/// Differing rows named in a failure, of each sort (altered, lost, extra).
const ROWS_NAMED: usize = 5;
const USAGE: &str = "usage: agentwatch-soak [--minutes N] [--warmup-minutes W] [--interval SECS] [--huawei-agents N] [--rows-only]";

struct Options {
    minutes: u64,
    warmup_minutes: u64,
    poll_interval_secs: u64,
    huawei_agents: u32,
    /// Check the history's rows, not the memory growth (short runs, debug builds).
    rows_only: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        let agents = args.get(1).and_then(|n| n.parse().ok());
        churn::serve(agents.unwrap_or(HUAWEI_AGENTS));
        return ExitCode::SUCCESS;
    }
    let options = match parse_options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("agentwatch-soak: {message}\n{USAGE}");
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
        huawei_agents: HUAWEI_AGENTS,
        rows_only: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--rows-only" {
            options.rows_only = true;
            continue;
        }
        let value = it
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| format!("{flag} needs a whole number"))?;
        match flag.as_str() {
            "--minutes" => options.minutes = value,
            "--warmup-minutes" => options.warmup_minutes = value,
            "--interval" => options.poll_interval_secs = value.max(1),
            "--huawei-agents" => {
                options.huawei_agents = u32::try_from(value)
                    .ok()
                    .filter(|n| (1..=HUAWEI_AGENTS).contains(n))
                    .ok_or_else(|| format!("--huawei-agents takes 1 to {HUAWEI_AGENTS}"))?
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if options.minutes == 0 {
        return Err("--minutes must be at least 1".into());
    }
    if !options.rows_only && options.minutes <= options.warmup_minutes {
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
        .arg(options.huawei_agents.to_string())
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
    let expected_path = dir.path().join("expected-rows.jsonl");

    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let outcome = rt.block_on(run_engine(
        options,
        &urls,
        &history_path,
        &expected_path,
        child.id(),
    ));
    drop(rt);
    drop(child.stdin.take());
    let _ = child.wait();
    let outcome = outcome?;

    let found = recorded_rows(&history_path)?;
    let expected = expected_rows(&expected_path)?;
    println!(
        "history: {} rows handed to the history, {} rows in the file ({})",
        expected.len(),
        found.len(),
        describe_kinds(&count_kinds(&found))
    );
    let mut failures = Vec::new();
    if outcome.lagged > 0 {
        failures.push(format!(
            "the soak's decision reader fell behind and missed {} decisions: the row check is incomplete",
            outcome.lagged
        ));
    }
    if let Some(error) = outcome.write_error {
        failures.push(format!("the expected rows could not be kept: {error}"));
    }
    if let Some(differences) = differences(expected, found) {
        failures.push(differences);
    }
    if options.rows_only {
        println!(
            "memory: VmHWM {} KiB (growth not judged: --rows-only)",
            outcome.final_hwm_kib
        );
    } else {
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
    }
    if outcome.rows == 0 {
        failures.push("the engine published no change at all: the churn did not reach it".into());
    }
    if failures.is_empty() {
        println!(
            "soak passed: every history row kept as handed{}",
            if options.rows_only {
                ""
            } else {
                ", memory growth within the goal"
            }
        );
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

struct Outcome {
    /// Rows handed to the history, by the decisions' count.
    rows: u64,
    lagged: u64,
    write_error: Option<String>,
    warm_rss_kib: u64,
    final_rss_kib: u64,
    final_hwm_kib: u64,
}

/// What the engine handed to the history so far: the rows of its published decisions, as the
/// alert task makes them (one JSON line each, in a file), and how many.
struct Expected {
    file: BufWriter<File>,
    rows: u64,
    lagged: u64,
    /// The first failure to write the file; the check is then incomplete.
    write_error: Option<String>,
}

impl Expected {
    fn create(path: &Path) -> Result<Expected, String> {
        let file =
            File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Expected {
            file: BufWriter::new(file),
            rows: 0,
            lagged: 0,
            write_error: None,
        })
    }

    fn add(&mut self, decision: &Decision) {
        for row in HistoryEntry::rows_of(decision) {
            self.rows += 1;
            let written = writeln!(self.file, "{}", row_json(&row));
            if let (Err(e), None) = (written, &self.write_error) {
                self.write_error = Some(e.to_string());
            }
        }
    }

    fn finish(&mut self) {
        if let (Err(e), None) = (self.file.flush(), &self.write_error) {
            self.write_error = Some(e.to_string());
        }
    }
}

/// A row as compared: its JSON text, every column in the order of the table.
fn row_json(row: &HistoryEntry) -> String {
    serde_json::to_string(row).expect("a history row serialises")
}

async fn run_engine(
    options: &Options,
    urls: &SimUrls,
    history: &Path,
    expected_rows: &Path,
    sim_pid: u32,
) -> Result<Outcome, String> {
    let config = soak_config(urls, options);
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
    let expected = Arc::new(Mutex::new(Expected::create(expected_rows)?));
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
        "soak: {} Huawei agents (+{} appearing and vanishing), Agora and Segura simulators, churn every second, a 12 s fault every 20 s; poll interval {} s; {} minutes ({}); {} build",
        options.huawei_agents,
        HUAWEI_CHURNERS,
        options.poll_interval_secs,
        options.minutes,
        if options.rows_only {
            "the row check only".to_string()
        } else {
            format!("{} of warm-up", options.warmup_minutes)
        },
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
            expected.lock().unwrap().rows,
            format!("{healthy}/{}", status.accounts.len()),
        );
    }
    engine.shutdown().await;
    // The alert task has ended: the decision stream closes once the reader has seen the rest.
    let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
    let mut expected = expected.lock().unwrap();
    expected.finish();
    Ok(Outcome {
        rows: expected.rows,
        lagged: expected.lagged,
        write_error: expected.write_error.clone(),
        warm_rss_kib,
        final_rss_kib: last.rss_kib,
        final_hwm_kib: last.hwm_kib,
    })
}

fn soak_config(urls: &SimUrls, options: &Options) -> Config {
    let mut huawei = AccountConfig::new("soak-huawei", Vendor::Huawei, Some(&urls.huawei));
    huawei.set_option("workno", agentwatch_sim::huawei::DEFAULT_WORKNO);
    huawei.watch = (0..options.huawei_agents + HUAWEI_CHURNERS)
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
        poll_interval_secs: options.poll_interval_secs,
        accounts: vec![huawei, agora, segura],
        ..Config::default()
    }
}

/// Every row in the history file, as JSON text.
fn recorded_rows(path: &Path) -> Result<Vec<String>, String> {
    let history = History::open_existing(path)
        .map_err(|e| e.to_string())?
        .ok_or("the engine wrote no history file")?;
    Ok(history
        .query(&HistoryFilter::default())
        .map_err(|e| e.to_string())?
        .iter()
        .map(row_json)
        .collect())
}

fn expected_rows(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the expected rows {}: {e}", path.display()))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// The rows of each kind.
fn count_kinds(rows: &[String]) -> BTreeMap<String, u64> {
    let mut by_kind = BTreeMap::new();
    for row in rows {
        let kind = field(row, "kind").trim_matches('"').to_string();
        *by_kind.entry(kind).or_default() += 1;
    }
    by_kind
}

/// One column of a row's JSON text, as JSON (`"changed"`, `null`, `1700000000000`).
fn field(row: &str, name: &str) -> String {
    serde_json::from_str::<serde_json::Value>(row)
        .ok()
        .and_then(|v| v.get(name).map(|v| v.to_string()))
        .unwrap_or_default()
}

/// `None` when the file holds exactly the rows handed to it (in any order); else what differs:
/// the counts, then the first rows that differ, expected beside found, each altered row with
/// the columns that changed.
fn differences(mut expected: Vec<String>, mut found: Vec<String>) -> Option<String> {
    // JSON text starts with the time (13 digits): sorted text is sorted by time first.
    expected.sort_unstable();
    found.sort_unstable();
    let (mut lost, mut extra) = (Vec::new(), Vec::new());
    let (mut e, mut f) = (expected.iter().peekable(), found.iter().peekable());
    loop {
        match (e.peek(), f.peek()) {
            (None, None) => break,
            (Some(_), None) => lost.push(e.next().unwrap()),
            (None, Some(_)) => extra.push(f.next().unwrap()),
            (Some(a), Some(b)) => match a.cmp(b) {
                std::cmp::Ordering::Equal => {
                    e.next();
                    f.next();
                }
                std::cmp::Ordering::Less => lost.push(e.next().unwrap()),
                std::cmp::Ordering::Greater => extra.push(f.next().unwrap()),
            },
        }
    }
    if lost.is_empty() && extra.is_empty() {
        return None;
    }
    // A row lost and a row extra about the same thing at the same time: one row altered.
    let key = |row: &str| {
        ["at_ms", "kind", "account_id", "agent_id"]
            .map(|name| field(row, name))
            .join(" ")
    };
    let mut extra_by_key: HashMap<String, VecDeque<&String>> = HashMap::new();
    for row in &extra {
        extra_by_key.entry(key(row)).or_default().push_back(row);
    }
    let (mut altered, mut only_lost) = (Vec::new(), Vec::new());
    for row in &lost {
        match extra_by_key
            .get_mut(&key(row))
            .and_then(VecDeque::pop_front)
        {
            Some(found) => altered.push((*row, found)),
            None => only_lost.push(*row),
        }
    }
    let only_extra: Vec<&String> = extra_by_key.into_values().flatten().collect();
    let mut out = format!(
        "history rows lost or altered: {} rows expected, {} found; {} altered, {} lost, {} never handed to the history\n\
         expected by kind: {}\nfound by kind:    {}",
        expected.len(),
        found.len(),
        altered.len(),
        only_lost.len(),
        only_extra.len(),
        describe_kinds(&count_kinds(&expected)),
        describe_kinds(&count_kinds(&found)),
    );
    for (want, got) in altered.iter().take(ROWS_NAMED) {
        out.push_str(&format!(
            "\naltered ({}):\n  expected: {want}\n  found:    {got}",
            changed_columns(want, got)
        ));
    }
    for row in only_lost.iter().take(ROWS_NAMED) {
        out.push_str(&format!("\nlost:\n  expected: {row}\n  found:    (none)"));
    }
    let mut only_extra = only_extra;
    only_extra.sort_unstable();
    for row in only_extra.iter().take(ROWS_NAMED) {
        out.push_str(&format!(
            "\nnever handed:\n  expected: (none)\n  found:    {row}"
        ));
    }
    Some(out)
}

/// "agent_name: null -> \"Agent 101\"" for each column that differs.
fn changed_columns(want: &str, got: &str) -> String {
    let parse = |row: &str| serde_json::from_str::<serde_json::Value>(row).unwrap_or_default();
    let (want, got) = (parse(want), parse(got));
    let (Some(want), Some(got)) = (want.as_object(), got.as_object()) else {
        return "not JSON objects".into();
    };
    want.iter()
        .filter(|(name, value)| got.get(*name) != Some(value))
        .map(|(name, value)| {
            let other = got.get(name).map_or("(absent)".into(), |v| v.to_string());
            format!("{name}: {value} -> {other}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_kinds(by_kind: &BTreeMap<String, u64>) -> String {
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
