//! `agentwatch history` as a user runs it, against a database this test fills through the
//! core's history API (what the app records).

use agentwatch_core::clock::now_ms;
use agentwatch_core::error::{ErrorKind, ErrorReport};
use agentwatch_core::history::{History, HistoryEntry};
use agentwatch_core::notifier::{Notification, Urgency};
use agentwatch_core::policy::{Decision, DecisionKind, Outcome};
use agentwatch_core::{Event, EventKind, Severity, Vendor};
use std::path::Path;
use std::process::{Command, Output};

const MINUTE: i64 = 60_000;

fn history(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentwatch"))
        .arg("history")
        .arg("--history-db")
        .arg(db)
        .args(args)
        // A fixed zone three hours east of UTC, so "local time" is checkable on any machine.
        .env("TZ", "AWT-3")
        .output()
        .expect("agentwatch runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn change(at_ms: i64, agent: &str, old: &str, new: &str, severity: Severity) -> Event {
    Event {
        at_ms,
        vendor: Vendor::Agora,
        account_id: "ai".into(),
        account_name: "AI agents".into(),
        severity,
        kind: EventKind::Changed {
            agent_id: agent.into(),
            name: Some(format!("bot-{agent}")),
            old_state: old.into(),
            old_severity: Severity::Ok,
            new_state: new.into(),
            finding: None,
        },
    }
}

/// Two days of history: an old change, a failure with its notification, an outage.
fn fill(db: &Path) -> i64 {
    let now = now_ms();
    let mut h = History::open(db).unwrap();
    h.record_event(&change(
        now - 48 * 60 * MINUTE,
        "OLD1",
        "RUNNING",
        "STOPPED",
        Severity::Warning,
    ))
    .unwrap();
    let failed = change(
        now - 30 * MINUTE,
        "A1",
        "RUNNING",
        "FAILED",
        Severity::Critical,
    );
    // The failure was notified: the alert policy's decision, written as the engine writes it.
    let notified = Decision {
        at_ms: failed.at_ms,
        vendor: failed.vendor,
        account_id: failed.account_id.clone(),
        account_name: failed.account_name.clone(),
        agent_id: Some("A1".into()),
        agent_name: Some("bot-A1".into()),
        severity: Severity::Critical,
        kind: DecisionKind::Changed {
            event: failed.clone(),
            previous_since_ms: 0,
        },
        outcome: Outcome::Notify(Notification {
            summary: "bot-A1 (A1): FAILED".into(),
            body: "Agora Conversational AI · AI agents, EU · was \"RUNNING\"".into(),
            urgency: Urgency::Critical,
            sound: None,
        }),
    };
    let mut rows: Vec<HistoryEntry> = HistoryEntry::rows_of(&notified).collect();
    rows[1].at_ms += 5;
    h.record_all(&rows).unwrap();
    h.record_all(&[HistoryEntry::from_event(&Event {
        at_ms: now - 10 * MINUTE,
        vendor: Vendor::Agora,
        account_id: "ai".into(),
        account_name: "AI agents".into(),
        severity: Severity::Unknown,
        kind: EventKind::AccountUnreachable {
            error: ErrorReport {
                kind: ErrorKind::Timeout,
                message: "no answer within the time limit".into(),
            },
            stale_agents: 2,
        },
    })])
    .unwrap();
    h.record_event(&change(
        now - 5 * MINUTE,
        "B2",
        "IDLE",
        "RUNNING",
        Severity::Ok,
    ))
    .unwrap();
    now
}

/// `YYYY-MM-DD HH:MM:SS` three hours east of UTC (the child's TZ).
#[cfg_attr(not(unix), allow(dead_code))]
fn in_utc_plus_3(at_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(at_ms / 1000)
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(3, 0, 0).unwrap());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[test]
fn the_table_lists_the_last_day_newest_first_in_local_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let now = fill(&db);

    let out = history(&db, &[]);
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}");
    let header = shown.lines().next().unwrap();
    assert!(header.starts_with("TIME"), "{shown}");
    assert!(shown.contains("RUNNING -> FAILED"), "{shown}");
    assert!(shown.contains("bot-A1 (A1): FAILED [change]"), "{shown}");
    assert!(
        shown.contains("timeout: no answer within the time limit"),
        "{shown}"
    );
    // The child's time zone is set with TZ, which only Unix reads (Windows takes the zone
    // from its own settings).
    #[cfg(unix)]
    assert!(
        shown.contains(&in_utc_plus_3(now - 30 * MINUTE)),
        "local time: {shown}"
    );
    #[cfg(not(unix))]
    let _ = now;
    assert!(!shown.contains("OLD1"), "older than 24 h: {shown}");
    let at = |needle: &str| shown.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("B2") < at("unreachable") && at("unreachable") < at("FAILED"));
}

#[test]
fn filters_narrow_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    fill(&db);

    let shown = stdout(&history(&db, &["--since", "3d", "--agent", "OLD1"]));
    assert!(shown.contains("RUNNING -> STOPPED"), "{shown}");
    assert_eq!(shown.lines().count(), 2, "header and one row: {shown}");

    let shown = stdout(&history(&db, &["--since", "20m"]));
    assert!(
        shown.contains("B2") && shown.contains("unreachable"),
        "{shown}"
    );
    assert!(!shown.contains("FAILED"), "{shown}");

    let shown = stdout(&history(&db, &["--since", "1h", "--until", "20m"]));
    assert!(shown.contains("FAILED") && !shown.contains("B2"), "{shown}");

    let out = history(&db, &["--account", "nobody"]);
    assert!(out.status.success());
    assert!(stdout(&out).is_empty());
}

#[test]
fn csv_goes_to_stdout_with_a_header_and_quoting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    fill(&db);

    let out = history(&db, &["--csv", "--agent", "A1"]);
    assert!(out.status.success());
    let csv = stdout(&out);
    let records: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert!(
        records[0].starts_with("time,at_ms,kind,vendor,account_id"),
        "{csv}"
    );
    assert_eq!(records.len(), 3, "header, notification, change: {csv}");
    assert!(records[1].contains(",notification,"), "newest first: {csv}");
    assert!(
        records[1].contains("\"Agora Conversational AI · AI agents, EU · was \"\"RUNNING\"\"\""),
        "{csv}"
    );
    assert!(
        records[2].contains(",changed,agora,ai,AI agents,A1,bot-A1,RUNNING,FAILED,ok,critical,")
    );
}

#[test]
fn a_notification_shows_its_severity_and_is_listed_under_its_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    fill(&db);

    let shown = stdout(&history(&db, &["--vendor", "agora", "--agent", "A1"]));
    let notification = shown
        .lines()
        .find(|l| l.contains(" notification "))
        .unwrap_or_else(|| panic!("--vendor agora dropped the notification:\n{shown}"));
    let cells: Vec<&str> = notification.split("  ").filter(|c| !c.is_empty()).collect();
    assert!(
        cells.iter().any(|c| c.trim() == "critical"),
        "the SEVERITY column: {shown}"
    );
    assert_eq!(
        shown.lines().count(),
        3,
        "header, notification, change: {shown}"
    );

    let out = history(&db, &["--vendor", "huawei"]);
    assert!(out.status.success());
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));

    let csv = stdout(&history(
        &db,
        &["--csv", "--vendor", "agora", "--agent", "A1"],
    ));
    assert!(
        csv.contains(",notification,agora,ai,AI agents,A1,bot-A1,,,,critical,change,"),
        "{csv}"
    );
}

#[test]
fn no_database_yet_is_not_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-written.sqlite3");
    let out = history(&db, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no history yet"));
    assert!(!db.exists());
}

#[test]
fn hostile_recorded_text_is_shown_visible_one_row_each_and_kept_whole_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let hostile = "x\x1b]0;pwned\x07\r\nagora ai FAKE FAILED -> RUNNING ok\u{202e}\x1b[2J";
    let long_state = "S".repeat(300);
    let mut h = History::open(&db).unwrap();
    h.record_event(&change(
        now_ms() - MINUTE,
        hostile,
        "RUNNING",
        &long_state,
        Severity::Unknown,
    ))
    .unwrap();
    drop(h);

    let out = history(&db, &[]);
    assert!(out.status.success());
    let table = stdout(&out);
    assert!(
        !table
            .chars()
            .any(|c| c != '\n' && c.is_control() || c == '\u{202e}'),
        "{table:?}"
    );
    assert_eq!(table.lines().count(), 2, "header and one row: {table}");
    assert!(
        table.contains(r"bot-x\x1b]0;pwned\x07\r\nagora ai FAKE FAILED -> RUNNING ok…"),
        "{table}"
    );
    assert!(
        table.contains(&format!("RUNNING -> {}…", "S".repeat(52))),
        "the long change is cut to 64 characters: {table}"
    );

    let csv = stdout(&history(&db, &["--csv"]));
    assert!(csv.contains(hostile), "CSV keeps the value: {csv:?}");
    assert!(csv.contains(&long_state), "{csv:?}");
}
