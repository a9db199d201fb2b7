//! The timeline: for a window, which state each agent was in from when to when (coloured bands
//! on the dashboard), and when the account itself was unreachable.

use super::entry::{EntryKind, HistoryEntry};
use super::query::{entry_from_row, COLUMNS};
use super::History;
use crate::error::Result;
use crate::model::Severity;
use rusqlite::types::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stretch of time in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Band {
    /// The agent; `None` for an account outage band.
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    /// The state as a person reads it; "unreachable" for an outage band.
    pub state: String,
    pub severity: Severity,
    /// Start, clipped to the window's start when the state began earlier.
    pub from_ms: i64,
    /// End; `None` while it lasts (no later change is known up to the window's end).
    pub to_ms: Option<i64>,
    /// For hovering: the agent's detail, or the outage's reason.
    pub detail: Option<String>,
}

/// Identity changes keep the state, so they do not split a band; passing a time limit starts a
/// band of its own ("rest over its 15 min limit", warning) until the agent leaves the state.
const TIMELINE_KINDS: [EntryKind; 6] = [
    EntryKind::AccountUnreachable,
    EntryKind::AccountRecovered,
    EntryKind::Changed,
    EntryKind::OverLimit,
    EntryKind::Appeared,
    EntryKind::Vanished,
];

/// The state a band is in, before it knows where it ends.
struct Open {
    from_ms: i64,
    entry: HistoryEntry,
}

impl History {
    /// Bands for one account's agents (or only `agent`) over `[since_ms, until_ms)`, outage
    /// bands (agent `None`) first, then by agent and time. The state an agent was in when the
    /// window starts comes from its last recorded change before the window, when there is one;
    /// an agent with no change recorded before or during the window has no band.
    pub fn timeline(
        &self,
        account: &str,
        agent: Option<&str>,
        since_ms: i64,
        until_ms: Option<i64>,
    ) -> Result<Vec<Band>> {
        let fail = self.error("cannot read the timeline");
        // The rows that move a band boundary: an agent's state changes and the account's
        // outages. Our own fixed words, so inlining them in the SQL is safe.
        let kind_list = TIMELINE_KINDS
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        // The last such row of each agent (and of the account, agent_id NULL) before the
        // window, then every such row in the window, oldest first. Whether a band went on
        // past `until` is asked separately (agents_changing_from).
        let scope = format!(
            "account_id = ?1 AND (?2 IS NULL OR agent_id = ?2 OR agent_id IS NULL) \
             AND kind IN ({kind_list})"
        );
        let sql = format!(
            "SELECT {COLUMNS}, id FROM (
                 SELECT *, ROW_NUMBER() OVER (
                     PARTITION BY agent_id ORDER BY at_ms DESC, id DESC) AS newest
                 FROM entries WHERE {scope} AND at_ms < ?3)
             WHERE newest = 1
             UNION ALL
             SELECT {COLUMNS}, id FROM entries
             WHERE {scope} AND at_ms >= ?3 AND (?4 IS NULL OR at_ms < ?4)
             ORDER BY at_ms, id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&fail)?;
        let params = [
            Value::Text(account.to_string()),
            agent.map_or(Value::Null, |a| Value::Text(a.to_string())),
            Value::Integer(since_ms),
            until_ms.map_or(Value::Null, Value::Integer),
        ];
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(&fail)?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            if let Some(entry) = entry_from_row(row).map_err(&fail)? {
                entries.push(entry);
            }
        }
        let ended_later = match until_ms {
            Some(until) => self
                .agents_changing_from(account, until, &kind_list)
                .map_err(&fail)?,
            None => Vec::new(),
        };
        Ok(bands(entries, since_ms, until_ms, &ended_later))
    }

    /// Agents (and `None` for the account) with a state row at or after `at_ms`.
    fn agents_changing_from(
        &self,
        account: &str,
        at_ms: i64,
        kind_list: &str,
    ) -> rusqlite::Result<Vec<Option<String>>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT DISTINCT agent_id FROM entries \
             WHERE account_id = ?1 AND at_ms >= ?2 AND kind IN ({kind_list})"
        ))?;
        let agents = stmt.query_map(rusqlite::params![account, at_ms], |row| row.get(0))?;
        agents.collect()
    }
}

/// Turns state rows (oldest first, rows before the window first) into bands.
fn bands(
    entries: Vec<HistoryEntry>,
    since_ms: i64,
    until_ms: Option<i64>,
    ended_later: &[Option<String>],
) -> Vec<Band> {
    // BTreeMap: outage (None) first, then agents in id order.
    let mut open: BTreeMap<Option<String>, Open> = BTreeMap::new();
    let mut done: BTreeMap<Option<String>, Vec<Band>> = BTreeMap::new();
    for entry in entries {
        let key = entry.agent_id.clone();
        let at = entry.at_ms.max(since_ms);
        match entry.kind {
            // A repeated "unreachable" while already down continues the same outage.
            EntryKind::AccountUnreachable if open.contains_key(&key) => {}
            EntryKind::AccountRecovered => {
                if let Some(o) = open.remove(&key) {
                    done.entry(key).or_default().push(close(o, Some(at)));
                }
            }
            _ => {
                let next = Open { from_ms: at, entry };
                if let Some(o) = open.insert(key.clone(), next) {
                    done.entry(key).or_default().push(close(o, Some(at)));
                }
            }
        }
    }
    for (key, o) in open {
        let end = match until_ms {
            Some(until) if ended_later.contains(&key) => Some(until),
            _ => None,
        };
        done.entry(key).or_default().push(close(o, end));
    }
    done.into_values()
        .flatten()
        // A state that was replaced at the very start of the window has nothing to show.
        .filter(|b| b.to_ms != Some(b.from_ms))
        .collect()
}

fn close(open: Open, to_ms: Option<i64>) -> Band {
    let e = open.entry;
    let outage = e.kind == EntryKind::AccountUnreachable;
    Band {
        agent_id: e.agent_id,
        agent_name: e.agent_name,
        state: if outage {
            "unreachable".to_string()
        } else {
            e.new_state.unwrap_or_default()
        },
        severity: e.severity.unwrap_or(Severity::Unknown),
        from_ms: open.from_ms,
        to_ms,
        detail: e.detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;

    fn band(agent: Option<&str>, state: &str, sev: Severity, from: i64, to: Option<i64>) -> Band {
        Band {
            agent_id: agent.map(str::to_string),
            agent_name: agent.map(|a| format!("Agent {a}")),
            state: state.into(),
            severity: sev,
            from_ms: from,
            to_ms: to,
            detail: None,
        }
    }

    fn record(history: &mut History, events: &[crate::events::Event]) {
        let entries: Vec<_> = events.iter().map(HistoryEntry::from_event).collect();
        history.record_all(&entries).unwrap();
    }

    #[test]
    fn the_state_before_the_window_carries_into_it() {
        let (_dir, mut history) = temp_history();
        record(
            &mut history,
            &[
                changed(100, "A1", "idle", "busy", Severity::Info),
                changed(500, "A1", "busy", "FAILED", Severity::Critical),
                changed(1_500, "A1", "FAILED", "idle", Severity::Ok),
                changed(2_500, "A1", "idle", "busy", Severity::Info),
            ],
        );
        let bands = history.timeline(ACCOUNT, None, 1_000, None).unwrap();
        assert_eq!(
            bands,
            [
                band(Some("A1"), "FAILED", Severity::Critical, 1_000, Some(1_500)),
                band(Some("A1"), "idle", Severity::Ok, 1_500, Some(2_500)),
                band(Some("A1"), "busy", Severity::Info, 2_500, None),
            ]
        );
    }

    #[test]
    fn a_band_that_ends_after_the_window_is_clipped_to_its_end() {
        let (_dir, mut history) = temp_history();
        record(
            &mut history,
            &[
                changed(100, "A1", "idle", "busy", Severity::Info),
                changed(900, "B2", "idle", "busy", Severity::Info),
                changed(5_000, "A1", "busy", "idle", Severity::Ok),
            ],
        );
        let bands = history.timeline(ACCOUNT, None, 0, Some(2_000)).unwrap();
        assert_eq!(
            bands,
            [
                band(Some("A1"), "busy", Severity::Info, 100, Some(2_000)),
                band(Some("B2"), "busy", Severity::Info, 900, None),
            ],
            "A1 changed after the window; B2 is still busy"
        );
    }

    #[test]
    fn outages_are_bands_of_their_own_and_one_agent_can_be_selected() {
        let (_dir, mut history) = temp_history();
        record(
            &mut history,
            &[
                changed(100, "A1", "idle", "busy", Severity::Info),
                changed(150, "B2", "idle", "busy", Severity::Info),
                unreachable(200),
                unreachable(250),
                recovered(400, 0),
                crate::history::testing::event(
                    600,
                    Severity::Critical,
                    crate::events::EventKind::Vanished {
                        agent_id: "A1".into(),
                        name: Some("Agent A1".into()),
                        last_state: "busy".into(),
                    },
                ),
            ],
        );
        let bands = history.timeline(ACCOUNT, Some("A1"), 0, None).unwrap();
        let mut outage = band(None, "unreachable", Severity::Unknown, 200, Some(400));
        outage.agent_name = None;
        outage.detail = Some("no answer within the time limit".into());
        assert_eq!(
            bands,
            [
                outage,
                band(Some("A1"), "busy", Severity::Info, 100, Some(600)),
                band(Some("A1"), "(gone)", Severity::Critical, 600, None),
            ]
        );
    }

    #[test]
    fn an_outage_that_began_before_the_window_starts_at_the_window() {
        let (_dir, mut history) = temp_history();
        record(&mut history, &[unreachable(100), recovered(2_000, 1)]);
        let bands = history.timeline(ACCOUNT, None, 1_000, None).unwrap();
        assert_eq!(bands.len(), 1);
        assert_eq!((bands[0].from_ms, bands[0].to_ms), (1_000, Some(2_000)));
        assert!(history
            .timeline(ACCOUNT, None, 3_000, None)
            .unwrap()
            .is_empty());
    }
}
