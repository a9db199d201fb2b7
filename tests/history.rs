//! The history survives the app being killed mid-write: every transaction the writer saw
//! committed is there after `kill -9`, none is there by half, and SQLite finds the file intact.
//!
//! The writer is this test binary run again with AGENTWATCH_HISTORY_WRITER naming the database
//! (the ignored test `writer_child`): a real separate process, killed for real.

use agentwatch_core::history::{History, HistoryEntry, HistoryFilter};
use agentwatch_core::{Event, EventKind, Severity, Vendor};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const WRITER_ENV: &str = "AGENTWATCH_HISTORY_WRITER";
/// Rows per transaction: one poll cycle of a busy account.
const BATCH: usize = 25;
/// Transactions the parent waits to see committed before killing the writer.
const BATCHES_BEFORE_KILL: u64 = 40;

fn change(at_ms: i64, agent: usize) -> Event {
    Event {
        at_ms,
        vendor: Vendor::Huawei,
        account_id: "cc".into(),
        account_name: "Contact centre".into(),
        severity: Severity::Info,
        kind: EventKind::Changed {
            agent_id: format!("A{agent}"),
            name: None,
            old_state: "idle".into(),
            old_severity: Severity::Ok,
            new_state: "busy".into(),
            finding: None,
        },
    }
}

/// The child: records batches as fast as it can and says after each commit how many rows are
/// committed, until it is killed.
#[test]
#[ignore = "run by history_survives_kill_9_mid_write as a separate process"]
fn writer_child() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let mut history = History::open(std::path::Path::new(&path)).unwrap();
    let mut committed = 0usize;
    for round in 0i64.. {
        let batch: Vec<HistoryEntry> = (0..BATCH)
            .map(|i| HistoryEntry::from_event(&change(round * 1_000 + i as i64, i)))
            .collect();
        history.record_all(&batch).unwrap();
        committed += BATCH;
        // println! flushes on each line: the parent sees it as soon as the commit returned.
        println!("committed {committed}");
    }
}

#[test]
fn history_survives_kill_9_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "writer_child",
            "--nocapture",
            "--include-ignored",
        ])
        .env(WRITER_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    // Wait (on the child's own words, not a timer) until enough transactions are committed,
    // then kill it while it is writing the next one.
    let mut reported = 0u64;
    let mut commits_seen = 0u64;
    for line in lines.by_ref() {
        if let Some(n) = line.unwrap().strip_prefix("committed ") {
            reported = n.trim().parse().unwrap();
            commits_seen += 1;
            if commits_seen == BATCHES_BEFORE_KILL {
                break;
            }
        }
    }
    assert_eq!(
        commits_seen, BATCHES_BEFORE_KILL,
        "the writer stopped early"
    );
    let killed = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "the writer was killed, not finished");
    // Lines the child printed before it died are still in the pipe.
    for line in lines {
        if let Some(n) = line.unwrap().strip_prefix("committed ") {
            reported = n.trim().parse().unwrap();
        }
    }

    let history = History::open(&db).unwrap();
    history.check_integrity().unwrap();
    let rows = history.query(&HistoryFilter::default()).unwrap().len() as u64;
    assert!(
        rows >= reported,
        "{rows} rows found, {reported} were reported committed"
    );
    assert_eq!(
        rows % BATCH as u64,
        0,
        "a transaction was kept by half: {rows} rows"
    );
    // At most the one commit that finished between its last line and the kill is extra.
    assert!(
        rows <= reported + BATCH as u64,
        "{rows} rows, {reported} reported"
    );
}
