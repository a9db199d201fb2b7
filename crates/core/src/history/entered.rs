//! The state each agent was last recorded entering: what carries an agent's time in state
//! across a restart (`time_limits::StateClock::with_history`).

use super::entry::EntryKind;
use super::History;
use crate::error::Result;
use crate::time_limits::HistoryEntries;

/// The rows that put an agent in a state (or out of every state).
const ENTERING_KINDS: [EntryKind; 3] =
    [EntryKind::Changed, EntryKind::Appeared, EntryKind::Vanished];

impl History {
    /// Per agent of the account: the state of its newest change, appearance or vanishing and
    /// when it was recorded. A vanished agent reads "(gone)", which no observed state matches.
    pub fn entered_states(&self, account_id: &str) -> Result<HistoryEntries> {
        let fail = self.error("cannot read the entered states");
        let kinds = ENTERING_KINDS
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        // SQLite returns the other columns of the row holding MAX(at_ms) (a documented
        // behaviour of bare columns with a single MAX); the (account, agent, at) index serves it.
        let sql = format!(
            "SELECT agent_id, new_state, MAX(at_ms) FROM entries \
             WHERE account_id = ?1 AND agent_id IS NOT NULL AND kind IN ({kinds}) \
             GROUP BY agent_id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&fail)?;
        let rows = stmt
            .query_map([account_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(&fail)?;
        let mut out = HistoryEntries::new();
        for row in rows {
            let (agent, state, at_ms) = row.map_err(&fail)?;
            if let Some(state) = state {
                out.insert(agent, (state, at_ms));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::history::testing::*;
    use crate::model::Severity;

    #[test]
    fn the_newest_state_of_each_agent_is_found() {
        let (_dir, mut history) = temp_history();
        for event in [
            changed(1_000, "101", "idle", "rest", Severity::Ok),
            changed(5_000, "101", "rest", "idle", Severity::Ok),
            changed(9_000, "101", "idle", "rest", Severity::Ok),
            changed(2_000, "102", "idle", "busy", Severity::Ok),
            unreachable(10_000),
        ] {
            history.record_event(&event).unwrap();
        }
        let entered = history.entered_states(ACCOUNT).unwrap();
        assert_eq!(entered.len(), 2, "{entered:?}");
        assert_eq!(entered["101"], ("rest".to_string(), 9_000));
        assert_eq!(entered["102"], ("busy".to_string(), 2_000));
        assert!(history.entered_states("other").unwrap().is_empty());
    }
}
