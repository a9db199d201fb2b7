//! The history: every confirmed change, account outage and notification sent, in an embedded
//! SQLite file in the platform data dir, so a supervisor can look back ("when did A1 fail, and
//! were we told?") from the dashboard or `agentwatch history`.
//!
//! rusqlite is blocking, so this API is synchronous. Async callers run it off the async worker
//! threads: keep the [`History`] on one dedicated thread fed by a channel, or move it into
//! `tokio::task::spawn_blocking`. `History` is `Send` (not `Sync`) for exactly that.
//!
//! Nothing secret is ever stored: rows hold states, severities, reasons and notification texts,
//! which are built from vendor states and our own words, never from credentials.

mod csv;
mod decision;
mod entered;
mod entry;
pub mod export;
pub mod lanes;
mod line;
mod query;
mod retention;
mod schema;
mod timeline;
mod write;

pub use entry::{EntryKind, HistoryEntry};
pub use query::HistoryFilter;
pub use retention::{HistorySettings, PruneReport, DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS};
pub use timeline::Band;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file name inside the platform data dir.
pub const FILE_NAME: &str = "history.sqlite3";

/// How long a statement waits for another process (the CLI reading while the app writes, or
/// the other way round) before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// `<platform data dir>/history.sqlite3` (`~/.local/share/agentwatch/` on Linux).
    pub fn default_path() -> PathBuf {
        directories::ProjectDirs::from("", "", "agentwatch")
            .map(|d| d.data_dir().join(FILE_NAME))
            .unwrap_or_else(|| PathBuf::from(FILE_NAME))
    }

    /// Opens the database, creating its folder and file when missing and bringing the schema
    /// up to date.
    pub fn open(path: &Path) -> Result<History> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Io(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path).map_err(db_error(path, "cannot open"))?;
        History::prepare(conn, path)
    }

    /// Opens an existing database; `None` when there is no file yet (nothing was recorded).
    /// For readers such as `agentwatch history`, which must not leave an empty file behind.
    pub fn open_existing(path: &Path) -> Result<Option<History>> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        match Connection::open_with_flags(path, flags) {
            Ok(conn) => History::prepare(conn, path).map(Some),
            Err(_) if !path.exists() => Ok(None),
            Err(e) => Err(db_error(path, "cannot open")(e)),
        }
    }

    fn prepare(mut conn: Connection, path: &Path) -> Result<History> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(db_error(path, "cannot configure"))?;
        schema::configure(&conn).map_err(db_error(path, "cannot configure"))?;
        schema::migrate(&mut conn, path)?;
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's own consistency check of the whole file. Reads every page: meant for tests and
    /// for a "repair" action, not for every start.
    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(self.error("cannot check"))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(Error::Io(format!(
                "the history database {} is damaged: {verdict}",
                self.path.display()
            )))
        }
    }

    /// Maps a SQLite error to the core's error, naming the file and what we were doing.
    fn error(&self, doing: &'static str) -> impl Fn(rusqlite::Error) -> Error + '_ {
        db_error(&self.path, doing)
    }
}

fn db_error<'a>(path: &'a Path, doing: &'static str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |e| Error::Io(format!("history database {}: {doing}: {e}", path.display()))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builders shared by the unit tests of this module.

    use crate::error::{ErrorKind, ErrorReport};
    use crate::events::{Event, EventKind};
    use crate::model::{Severity, Vendor};
    use crate::notifier::Notification;
    use crate::policy::{Decision, DecisionKind, Outcome};

    pub const ACCOUNT: &str = "cc";

    pub fn event(at_ms: i64, severity: Severity, kind: EventKind) -> Event {
        Event {
            at_ms,
            vendor: Vendor::Huawei,
            account_id: ACCOUNT.into(),
            account_name: "Contact centre".into(),
            severity,
            kind,
        }
    }

    pub fn changed(at_ms: i64, agent: &str, old: &str, new: &str, severity: Severity) -> Event {
        event(
            at_ms,
            severity,
            EventKind::Changed {
                agent_id: agent.into(),
                name: Some(format!("Agent {agent}")),
                old_state: old.into(),
                old_severity: Severity::Ok,
                new_state: new.into(),
                finding: None,
            },
        )
    }

    pub fn unreachable(at_ms: i64) -> Event {
        event(
            at_ms,
            Severity::Unknown,
            EventKind::AccountUnreachable {
                error: ErrorReport {
                    kind: ErrorKind::Timeout,
                    message: "no answer within the time limit".into(),
                },
                stale_agents: 3,
            },
        )
    }

    pub fn recovered(at_ms: i64, down_for_secs: u64) -> Event {
        event(
            at_ms,
            Severity::Ok,
            EventKind::AccountRecovered { down_for_secs },
        )
    }

    /// A confirmed change of `agent` that was notified, as the alert policy decides it.
    pub fn notified_change(
        at_ms: i64,
        agent: &str,
        old: &str,
        new: &str,
        severity: Severity,
        sent: Notification,
    ) -> Decision {
        let event = changed(at_ms, agent, old, new, severity);
        Decision {
            at_ms,
            vendor: event.vendor,
            account_id: event.account_id.clone(),
            account_name: event.account_name.clone(),
            agent_id: Some(agent.into()),
            agent_name: Some(format!("Agent {agent}")),
            severity,
            kind: DecisionKind::Changed {
                event,
                previous_since_ms: 0,
            },
            outcome: Outcome::Notify(sent),
        }
    }

    /// Agent A1's failure (idle -> FAILED, critical) at `at_ms`, notified.
    pub fn notified_failure(at_ms: i64) -> Decision {
        notified_change(
            at_ms,
            "A1",
            "idle",
            "FAILED",
            Severity::Critical,
            failure_notice(),
        )
    }

    /// The notification of agent A1's failure.
    pub fn failure_notice() -> Notification {
        Notification {
            summary: "Agent A1 (A1): FAILED".into(),
            body: "Huawei CC-Gateway · Contact centre · was idle".into(),
            urgency: crate::notifier::Urgency::Critical,
            sound: None,
        }
    }

    pub fn temp_history() -> (tempfile::TempDir, super::History) {
        let dir = tempfile::tempdir().unwrap();
        let history = super::History::open(&dir.path().join("sub/history.sqlite3")).unwrap();
        (dir, history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_creates_the_folder_and_a_wal_database() {
        let (dir, history) = testing::temp_history();
        assert!(dir.path().join("sub/history.sqlite3").exists());
        let mode: String = history
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        history.check_integrity().unwrap();
    }

    #[test]
    fn a_missing_file_is_not_created_by_open_existing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.sqlite3");
        assert!(History::open_existing(&path).unwrap().is_none());
        assert!(!path.exists());
    }

    #[test]
    fn the_default_path_is_in_the_data_dir() {
        let path = History::default_path();
        assert!(path.ends_with(FILE_NAME));
        assert!(
            path.to_string_lossy().contains("agentwatch"),
            "{}",
            path.display()
        );
    }

    #[test]
    fn history_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<History>();
    }
}
