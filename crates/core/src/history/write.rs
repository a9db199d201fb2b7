//! Writing rows. Each call is one transaction: a batch (one poll cycle's changes and
//! notifications) is stored whole or, after a crash, not at all.

use super::entry::{urgency_str, HistoryEntry};
use super::History;
use crate::error::Result;
use crate::events::Event;
use rusqlite::{params, Transaction};

const INSERT: &str = "INSERT INTO entries (at_ms, kind, vendor, account_id, account_name, \
    agent_id, agent_name, old_state, new_state, old_severity, severity, reason, detail, \
    duration_secs, summary, urgency) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

impl History {
    /// Stores one of the engine's events (a confirmed change, an outage, its end).
    pub fn record_event(&mut self, event: &Event) -> Result<()> {
        self.record_all(&[HistoryEntry::from_event(event)])
    }

    /// Stores several rows in one transaction: one commit per poll cycle instead of one per
    /// row, and all of them or none after a crash.
    pub fn record_all(&mut self, entries: &[HistoryEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let fail = super::db_error(&path, "cannot record");
        let tx = self.conn.transaction().map_err(&fail)?;
        insert_all(&tx, entries).map_err(&fail)?;
        tx.commit().map_err(&fail)
    }
}

fn insert_all(tx: &Transaction<'_>, entries: &[HistoryEntry]) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(INSERT)?;
    for e in entries {
        insert.execute(params![
            e.at_ms,
            e.kind.as_str(),
            e.vendor.map(|v| v.as_str()),
            e.account_id,
            e.account_name,
            e.agent_id,
            e.agent_name,
            e.old_state,
            e.new_state,
            e.old_severity.map(|s| s.as_str()),
            e.severity.map(|s| s.as_str()),
            e.reason,
            e.detail,
            // SQLite integers are signed 64-bit; a duration beyond that is not a real one.
            e.duration_secs
                .map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
            e.summary,
            e.urgency.map(urgency_str),
        ])?;
    }
    Ok(())
}
