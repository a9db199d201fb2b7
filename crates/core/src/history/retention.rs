//! Retention: rows older than the configured number of days are deleted, and the space they
//! took is given back so that the file stays bounded.
//!
//! How the file shrinks: new files use incremental auto-vacuum (schema.rs), so after a delete
//! `PRAGMA incremental_vacuum` moves the freed pages to the end of the file and truncates it,
//! without the full rewrite (twice the disk space, an exclusive lock for seconds) that VACUUM
//! does. In WAL mode the truncation reaches the main file at the next checkpoint, so prune
//! checkpoints too, which also empties the -wal file. A file without auto-vacuum (created
//! outside AgentWatch) gets a full VACUUM instead, but only when at least a quarter of it is
//! free, so that a daily prune of one day's rows does not rewrite the file every day.

use super::History;
use crate::error::Result;
use serde::{Deserialize, Serialize};

pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Ten years: beyond that the file only grows.
pub const MAX_RETENTION_DAYS: u32 = 3650;
const DAY_MS: i64 = 86_400_000;

/// The `[history]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistorySettings {
    /// Days of history kept (1 to `MAX_RETENTION_DAYS`); older rows are pruned.
    pub retention_days: u32,
}

impl HistorySettings {
    /// Checks the range. The error is (key under `history.`, message).
    pub fn validate(&self) -> std::result::Result<(), (String, String)> {
        if (1..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            Ok(())
        } else {
            Err((
                "retention_days".to_string(),
                format!("must be between 1 and {MAX_RETENTION_DAYS} days"),
            ))
        }
    }
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// What a prune did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub deleted_rows: usize,
    /// Pages given back to the file system.
    pub freed_pages: i64,
}

impl History {
    /// Deletes rows older than `retention_days` before `now_ms` and shrinks the file. Cheap
    /// when there is nothing to delete: run it at start and then every few hours.
    pub fn prune(&mut self, now_ms: i64, retention_days: u32) -> Result<PruneReport> {
        let fail = super::db_error(&self.path, "cannot prune");
        let cutoff = now_ms.saturating_sub(i64::from(retention_days.max(1)) * DAY_MS);
        let deleted_rows = self
            .conn
            .execute("DELETE FROM entries WHERE at_ms < ?1", [cutoff])
            .map_err(&fail)?;
        if deleted_rows == 0 {
            return Ok(PruneReport {
                deleted_rows,
                freed_pages: 0,
            });
        }
        let pages_before = self.page_count().map_err(&fail)?;
        let auto_vacuum: i64 = self
            .conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .map_err(&fail)?;
        if auto_vacuum == 2 {
            self.incremental_vacuum().map_err(&fail)?;
        } else {
            let free: i64 = self
                .conn
                .query_row("PRAGMA freelist_count", [], |r| r.get(0))
                .map_err(&fail)?;
            if free * 4 >= pages_before {
                self.conn.execute_batch("VACUUM").map_err(&fail)?;
            }
        }
        // A reader holding an old snapshot can make this checkpoint partial; the next prune
        // finishes it, so its busy answer is not an error.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(&fail)?;
        let pages_after = self.page_count().map_err(&fail)?;
        Ok(PruneReport {
            deleted_rows,
            freed_pages: (pages_before - pages_after).max(0),
        })
    }

    /// Frees every free page. Each step of the statement frees one page, so it is stepped
    /// until done (a single `execute` would free just one).
    fn incremental_vacuum(&self) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
        Ok(())
    }

    fn page_count(&self) -> rusqlite::Result<i64> {
        self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;
    use crate::history::{HistoryEntry, HistoryFilter};
    use crate::model::Severity;

    fn file_len(history: &History) -> u64 {
        std::fs::metadata(history.path()).unwrap().len()
    }

    #[test]
    fn prune_keeps_newer_rows_and_shrinks_the_file() {
        let (_dir, mut history) = temp_history();
        let now = 100 * DAY_MS;
        // 40 days of a busy contact centre: an old bulk that must go, a recent part that stays.
        let detail = "x".repeat(200);
        let mut entries = Vec::new();
        for i in 0..4_000i64 {
            let at = now - 40 * DAY_MS + i * (40 * DAY_MS / 4_000);
            let change = changed(at, &format!("A{}", i % 50), "idle", "busy", Severity::Info);
            entries.push(HistoryEntry::from_event(&change).with_detail(Some(detail.clone())));
        }
        history.record_all(&entries).unwrap();
        history
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let before = file_len(&history);

        let report = history.prune(now, 30).unwrap();

        let kept = history.query(&HistoryFilter::default()).unwrap();
        assert_eq!(report.deleted_rows, 1_000, "the 10 oldest days");
        assert_eq!(kept.len(), 3_000);
        assert!(kept.iter().all(|e| e.at_ms >= now - 30 * DAY_MS));
        assert!(report.freed_pages > 0);
        let after = file_len(&history);
        assert!(
            after * 10 < before * 9,
            "the file shrank by about a quarter: {before} -> {after} bytes"
        );
        history.check_integrity().unwrap();
    }

    #[test]
    fn nothing_old_means_nothing_deleted() {
        let (_dir, mut history) = temp_history();
        history
            .record_event(&changed(DAY_MS, "A1", "idle", "busy", Severity::Info))
            .unwrap();
        let report = history.prune(DAY_MS + 1, 30).unwrap();
        assert_eq!(report.deleted_rows, 0);
        assert_eq!(history.query(&HistoryFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn zero_days_still_keeps_the_last_day() {
        let (_dir, mut history) = temp_history();
        let now = 10 * DAY_MS;
        history
            .record_all(&[
                HistoryEntry::from_event(&changed(now - 2 * DAY_MS, "A1", "a", "b", Severity::Ok)),
                HistoryEntry::from_event(&changed(now - 3_600_000, "A1", "b", "c", Severity::Ok)),
            ])
            .unwrap();
        assert_eq!(history.prune(now, 0).unwrap().deleted_rows, 1);
    }

    #[test]
    fn settings_default_to_30_days_and_reject_unknown_keys() {
        let s: HistorySettings = toml::from_str("").unwrap();
        assert_eq!(s.retention_days, 30);
        let s: HistorySettings = toml::from_str("retention_days = 7").unwrap();
        assert_eq!(s.retention_days, 7);
        assert!(toml::from_str::<HistorySettings>("retention = 7").is_err());
    }
}
