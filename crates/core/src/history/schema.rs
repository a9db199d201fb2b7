//! The file's settings and its schema, versioned: each migration runs once, in order, inside a
//! transaction together with the version bump, so a crash mid-migration leaves the old schema.

use crate::error::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Migration N (1-based) brings the schema from version N-1 to N. Append only: a released
/// migration is never edited, a change is a new entry.
const MIGRATIONS: &[&str] = &[
    // 1: one table for every kind of row, so that "what happened, newest first" across changes,
    // outages and notifications is one indexed scan, and the export is one query. Columns that
    // do not apply to a kind are NULL (see entry.rs for what each kind fills in).
    "CREATE TABLE entries (
        id            INTEGER PRIMARY KEY,
        at_ms         INTEGER NOT NULL,
        kind          TEXT NOT NULL,
        vendor        TEXT,
        account_id    TEXT NOT NULL,
        account_name  TEXT,
        agent_id      TEXT,
        agent_name    TEXT,
        old_state     TEXT,
        new_state     TEXT,
        old_severity  TEXT,
        severity      TEXT,
        reason        TEXT,
        detail        TEXT,
        duration_secs INTEGER,
        summary       TEXT,
        urgency       TEXT
    );
    CREATE INDEX entries_at ON entries (at_ms);
    CREATE INDEX entries_account_agent_at ON entries (account_id, agent_id, at_ms);",
    // 2: notification rows name their vendor, account and severity like the rows beside them.
    // Those written before get their account's vendor and name from its other rows, and the
    // severity of the change or outage recorded with them (same account, agent and time);
    // a reminder, flapping notice or storm summary has no such row and keeps no severity.
    "UPDATE entries SET
        vendor = COALESCE(vendor, (SELECT o.vendor FROM entries AS o
            WHERE o.account_id = entries.account_id AND o.vendor IS NOT NULL
            ORDER BY o.at_ms DESC LIMIT 1)),
        account_name = COALESCE(account_name, (SELECT o.account_name FROM entries AS o
            WHERE o.account_id = entries.account_id AND o.account_name IS NOT NULL
            ORDER BY o.at_ms DESC LIMIT 1)),
        severity = COALESCE(severity, (SELECT o.severity FROM entries AS o
            WHERE o.account_id = entries.account_id AND o.agent_id IS entries.agent_id
              AND o.at_ms = entries.at_ms AND o.kind NOT IN ('notification', 'route')
            LIMIT 1))
    WHERE kind = 'notification'
      AND (vendor IS NULL OR account_name IS NULL OR severity IS NULL);",
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Connection settings; run on every open.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // Incremental auto-vacuum lets pruning give freed pages back to the file system without
    // rewriting the whole file (see retention.rs). It only takes effect when set before the
    // first table is created, i.e. on a new file; on an existing file it is a no-op.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    // Crash guarantee: in WAL mode a commit appends the transaction to the -wal file with
    // write(2) before COMMIT returns. If the process is killed (kill -9, a crash, a panic) the
    // operating system still holds those bytes and SQLite replays them on the next open, so
    // every committed transaction survives and an uncommitted one vanishes whole.
    // synchronous = NORMAL skips the fsync per commit: only an operating-system crash or power
    // loss can lose the last few commits (never corrupt the file), a fair trade for a monitor
    // that writes on every poll.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // A file system without shared memory support refuses WAL; rollback journaling with
        // the same synchronous setting still keeps committed transactions on a process kill.
        tracing::warn!("history: WAL journal refused, using {mode}");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

/// Brings the schema to [`CURRENT_VERSION`]. Refuses a file written by a newer AgentWatch
/// rather than writing rows it does not understand into it.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let fail = |e: rusqlite::Error| {
        Error::Io(format!(
            "history database {}: cannot update the schema: {e}",
            path.display()
        ))
    };
    // IMMEDIATE: two processes opening a new file at once serialise here instead of both
    // trying to create the tables.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(fail)?;
    let found: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .map_err(fail)?;
    let found = found.unwrap_or(0);
    if found > CURRENT_VERSION {
        return Err(Error::Io(format!(
            "history database {} was written by a newer AgentWatch (schema {found}, this one \
             knows {CURRENT_VERSION}); use that version or move the file away",
            path.display()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(fail)?;
        tx.execute("DELETE FROM schema_version", []).map_err(fail)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [index as i64 + 1],
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;

    fn version(history: &History) -> i64 {
        history
            .conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_file_gets_the_current_schema_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let first = History::open(&path).unwrap();
        assert_eq!(version(&first), CURRENT_VERSION);
        drop(first);
        // Reopening runs no migration again (it would fail: the table exists).
        let again = History::open(&path).unwrap();
        assert_eq!(version(&again), CURRENT_VERSION);
        let rows: i64 = again
            .conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn the_file_uses_incremental_auto_vacuum_and_both_indexes() {
        let (_dir, history) = crate::history::testing::temp_history();
        let auto_vacuum: i64 = history
            .conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto_vacuum, 2, "2 = incremental");
        let indexes: Vec<String> = history
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(indexes, ["entries_account_agent_at", "entries_at"]);
    }

    #[test]
    fn notification_rows_of_an_older_file_get_their_vendor_account_name_and_severity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let history = History::open(&path).unwrap();
        // Rows as version 1 wrote them: a change, the notification about it (no vendor, name
        // or severity), a reminder, and a notification of an account never seen otherwise.
        history
            .conn
            .execute_batch(
                "INSERT INTO entries (at_ms, kind, vendor, account_id, account_name, agent_id,
                     new_state, severity) VALUES
                     (1000, 'changed', 'agora', 'ai', 'AI agents', 'A1', 'FAILED', 'critical');
                 INSERT INTO entries (at_ms, kind, account_id, agent_id, summary, urgency) VALUES
                     (1000, 'notification', 'ai', 'A1', 'A1: FAILED', 'critical'),
                     (9000, 'notification', 'ai', 'A1', 'A1: still FAILED', 'critical'),
                     (9000, 'notification', 'gone', NULL, 'gone: unreachable', 'normal');
                 UPDATE schema_version SET version = 1;",
            )
            .unwrap();
        drop(history);
        let history = History::open(&path).unwrap();
        assert_eq!(version(&history), CURRENT_VERSION);
        /// at_ms, account_id, vendor, account_name, severity
        type Row = (i64, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = history
            .conn
            .prepare(
                "SELECT at_ms, account_id, vendor, account_name, severity FROM entries
                 WHERE kind = 'notification' ORDER BY at_ms, account_id",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            rows,
            [
                (
                    1000,
                    "ai".into(),
                    some("agora"),
                    some("AI agents"),
                    some("critical")
                ),
                (9000, "ai".into(), some("agora"), some("AI agents"), None),
                (9000, "gone".into(), None, None, None),
            ]
        );
    }

    #[test]
    fn a_file_from_a_newer_version_is_refused_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let history = History::open(&path).unwrap();
        history
            .conn
            .execute("UPDATE schema_version SET version = 99", [])
            .unwrap();
        drop(history);
        let err = History::open(&path).err().expect("refused");
        assert!(err.to_string().contains("newer AgentWatch"), "{err}");
    }
}
