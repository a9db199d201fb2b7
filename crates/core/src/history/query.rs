//! Reading rows back, newest first, through a filter.

use super::entry::{parse_urgency, parse_vendor, EntryKind, HistoryEntry};
use super::History;
use crate::error::Result;
use rusqlite::types::Value;
use rusqlite::Row;

/// Which rows to read. The default reads everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Rows at or after this time (unix ms).
    pub since_ms: Option<i64>,
    /// Rows strictly before this time (unix ms).
    pub until_ms: Option<i64>,
    /// Only this account's rows.
    pub account: Option<String>,
    /// Only this agent's rows (its changes and the notifications about it).
    pub agent: Option<String>,
    /// Only the rows of this vendor's accounts.
    pub vendor: Option<crate::model::Vendor>,
    /// Only these kinds; empty = every kind.
    pub kinds: Vec<EntryKind>,
    /// At most this many rows (the newest).
    pub limit: Option<u32>,
}

impl HistoryFilter {
    /// The WHERE clause and its parameters, shared by the query and the export.
    pub(crate) fn to_sql(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        let mut add = |clause: &str, value: Value| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("?{}", values.len())));
        };
        if let Some(since) = self.since_ms {
            add("at_ms >= ?", Value::Integer(since));
        }
        if let Some(until) = self.until_ms {
            add("at_ms < ?", Value::Integer(until));
        }
        if let Some(account) = &self.account {
            add("account_id = ?", Value::Text(account.clone()));
        }
        if let Some(agent) = &self.agent {
            add("agent_id = ?", Value::Text(agent.clone()));
        }
        if let Some(vendor) = self.vendor {
            add("vendor = ?", Value::Text(vendor.as_str().to_string()));
        }
        if !self.kinds.is_empty() {
            // Kinds are our own fixed words, never user text: inlining them is safe.
            let list: Vec<String> = self
                .kinds
                .iter()
                .map(|k| format!("'{}'", k.as_str()))
                .collect();
            clauses.push(format!("kind IN ({})", list.join(", ")));
        }
        let mut sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        sql.push_str(" ORDER BY at_ms DESC, id DESC");
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        (sql, values)
    }
}

pub(crate) const COLUMNS: &str = "at_ms, kind, vendor, account_id, account_name, agent_id, \
    agent_name, old_state, new_state, old_severity, severity, reason, detail, duration_secs, \
    summary, urgency";

impl History {
    /// The rows the filter selects, newest first.
    pub fn query(&self, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>> {
        let mut out = Vec::new();
        self.for_each(filter, |entry| {
            out.push(entry);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams the selected rows, newest first, without holding them all in memory (exports).
    pub(crate) fn for_each(
        &self,
        filter: &HistoryFilter,
        mut visit: impl FnMut(HistoryEntry) -> Result<()>,
    ) -> Result<()> {
        let fail = self.error("cannot read");
        let (clause, values) = filter.to_sql();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM entries{clause}"))
            .map_err(&fail)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            if let Some(entry) = entry_from_row(row).map_err(&fail)? {
                visit(entry)?;
            }
        }
        Ok(())
    }
}

/// One row, or `None` for a kind this build does not know (written by a later version into a
/// shared file): skipped rather than failing the whole listing.
pub(crate) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Option<HistoryEntry>> {
    let Some(kind) = EntryKind::parse(&row.get::<_, String>(1)?) else {
        return Ok(None);
    };
    // Unknown severities, vendors and urgencies read as absent: shown as blank, never an error.
    let severity = |i: usize| -> rusqlite::Result<_> {
        Ok(row
            .get::<_, Option<String>>(i)?
            .and_then(|s| s.parse().ok()))
    };
    Ok(Some(HistoryEntry {
        at_ms: row.get(0)?,
        kind,
        vendor: row
            .get::<_, Option<String>>(2)?
            .as_deref()
            .and_then(parse_vendor),
        account_id: row.get(3)?,
        account_name: row.get(4)?,
        agent_id: row.get(5)?,
        agent_name: row.get(6)?,
        old_state: row.get(7)?,
        new_state: row.get(8)?,
        old_severity: severity(9)?,
        severity: severity(10)?,
        reason: row.get(11)?,
        detail: row.get(12)?,
        duration_secs: row
            .get::<_, Option<i64>>(13)?
            .map(|d| u64::try_from(d).unwrap_or(0)),
        summary: row.get(14)?,
        urgency: row
            .get::<_, Option<String>>(15)?
            .as_deref()
            .and_then(parse_urgency),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;
    use crate::model::{Severity, Vendor};
    use crate::notifier::{Notification, Urgency};

    fn filled() -> (tempfile::TempDir, History) {
        let (dir, mut history) = temp_history();
        let mut other = changed(2_000, "B2", "idle", "busy", Severity::Info);
        other.account_id = "ai".into();
        let failed = notified_failure(1_000);
        let mut rows: Vec<_> = HistoryEntry::rows_of(&failed).collect();
        rows[1].at_ms = 1_001;
        rows.extend([
            HistoryEntry::from_event(&other),
            HistoryEntry::from_event(&unreachable(3_000)),
            HistoryEntry::from_event(&recovered(4_000, 1)),
        ]);
        history.record_all(&rows).unwrap();
        (dir, history)
    }

    fn times(entries: &[HistoryEntry]) -> Vec<i64> {
        entries.iter().map(|e| e.at_ms).collect()
    }

    #[test]
    fn what_is_recorded_reads_back_the_same_newest_first() {
        let (_dir, mut history) = temp_history();
        let sent = Notification {
            summary: "s, with \"quotes\"".into(),
            body: "b".into(),
            urgency: Urgency::Low,
            sound: None,
        };
        let decision = notified_change(1_000, "A1", "idle", "FAILED", Severity::Critical, sent);
        let rows: Vec<_> = HistoryEntry::rows_of(&decision).collect();
        history.record_all(&rows).unwrap();
        history.record_event(&recovered(2_000, 90)).unwrap();

        let all = history.query(&HistoryFilter::default()).unwrap();
        assert_eq!(times(&all), [2_000, 1_000, 1_000]);
        assert_eq!(all[2], rows[0], "the change");
        assert_eq!(all[2].vendor, Some(Vendor::Huawei));
        assert_eq!(all[2].old_severity, Some(Severity::Ok));
        assert_eq!(all[2].severity, Some(Severity::Critical));
        assert_eq!(all[2].transition(), "idle -> FAILED");
        assert_eq!(
            all[1], rows[1],
            "the notification, written after the change"
        );
        assert_eq!(all[1].severity, Some(Severity::Critical));
        assert_eq!(all[1].urgency, Some(Urgency::Low));
        assert_eq!(all[0].duration_secs, Some(90));
    }

    #[test]
    fn a_notification_is_found_by_its_vendor_like_the_change_it_tells() {
        let (_dir, history) = filled();
        let found = history
            .query(&HistoryFilter {
                vendor: Some(Vendor::Huawei),
                agent: Some("A1".into()),
                ..Default::default()
            })
            .unwrap();
        let kinds: Vec<_> = found.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EntryKind::Notification, EntryKind::Changed]);
        assert!(history
            .query(&HistoryFilter {
                vendor: Some(Vendor::Agora),
                kinds: vec![EntryKind::Notification],
                ..Default::default()
            })
            .unwrap()
            .is_empty());
    }

    #[test]
    fn filters_select_by_time_account_agent_and_kind() {
        let (_dir, history) = filled();
        let q = |f: HistoryFilter| times(&history.query(&f).unwrap());
        assert_eq!(
            q(HistoryFilter {
                since_ms: Some(2_000),
                until_ms: Some(4_000),
                ..Default::default()
            }),
            [3_000, 2_000],
            "since is inclusive, until exclusive"
        );
        assert_eq!(
            q(HistoryFilter {
                account: Some("ai".into()),
                ..Default::default()
            }),
            [2_000]
        );
        assert_eq!(
            q(HistoryFilter {
                agent: Some("A1".into()),
                ..Default::default()
            }),
            [1_001, 1_000],
            "the agent's change and the notification about it"
        );
        assert_eq!(
            q(HistoryFilter {
                kinds: vec![EntryKind::AccountUnreachable, EntryKind::AccountRecovered],
                ..Default::default()
            }),
            [4_000, 3_000]
        );
        assert_eq!(
            q(HistoryFilter {
                limit: Some(2),
                ..Default::default()
            }),
            [4_000, 3_000],
            "the limit keeps the newest"
        );
    }

    #[test]
    fn filter_text_is_a_parameter_not_sql() {
        let (_dir, history) = filled();
        let found = history
            .query(&HistoryFilter {
                agent: Some("A1' OR '1'='1".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(found.is_empty());
    }

    #[test]
    fn rows_of_an_unknown_kind_are_skipped_not_fatal() {
        let (_dir, history) = filled();
        history
            .conn
            .execute(
                "INSERT INTO entries (at_ms, kind, account_id) VALUES (9000, 'future', 'cc')",
                [],
            )
            .unwrap();
        assert_eq!(history.query(&HistoryFilter::default()).unwrap().len(), 5);
    }
}
