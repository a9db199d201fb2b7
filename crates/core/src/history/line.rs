//! How a history row reads as text: the line `agentwatch watch` prints for it, and the words
//! the `agentwatch history` table shows in its columns. One place, so that what `watch` printed
//! and what the history shows later describe an event in the same words.

use super::entry::{EntryKind, HistoryEntry};
use crate::clock::{human_duration, local_hms};
use crate::events::agent_subject;

impl HistoryEntry {
    /// What happened in a few words: "old -> new" for a change, the state words of a time limit
    /// passed, or the kind ("notification", "route") for rows that are no change.
    pub fn what(&self) -> String {
        match self.transition() {
            words if words.is_empty() => self.kind.to_string(),
            words => words,
        }
    }

    /// The agent as people read it, "name (id)", or "-" for a row about the account.
    pub fn agent_label(&self) -> String {
        match &self.agent_id {
            Some(id) => agent_subject(id, self.agent_name.as_deref()),
            None => "-".to_string(),
        }
    }

    /// One line of detail: a notification's text and why it went out, what a program or
    /// webhook did, an outage's reason, the length of an outage, how long an agent stayed past
    /// its limit, or the agent's detail. Line breaks become spaces: they would break a line.
    pub fn detail_text(&self) -> String {
        let text = match (
            self.kind,
            &self.summary,
            &self.reason,
            &self.detail,
            self.duration_secs,
        ) {
            (EntryKind::Route, Some(summary), _, Some(outcome), _) => {
                format!("{outcome} · {summary}")
            }
            (EntryKind::OverLimit, _, _, Some(detail), _) => detail.clone(),
            (_, Some(summary), reason, _, _) => format!(
                "{summary} [{}]",
                reason.as_deref().unwrap_or("notification")
            ),
            (_, None, Some(reason), Some(message), _) => format!("{reason}: {message}"),
            (_, None, _, _, Some(secs)) => format!("down {}", human_duration(secs)),
            (_, None, _, Some(detail), _) => detail.clone(),
            _ => String::new(),
        };
        text.replace(['\r', '\n'], " ")
    }

    /// `HH:MM:SS vendor account agent what severity (detail)`, in local time: the line
    /// `agentwatch watch` prints for the row.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} {} {} {} {} {}",
            local_hms(self.at_ms),
            self.vendor.map_or("-", |v| v.as_str()),
            self.account_id,
            self.agent_label(),
            self.what(),
            self.severity.map_or("-", |s| s.as_str()),
        );
        let detail = self.detail_text();
        if !detail.is_empty() {
            line.push_str(&format!(" ({detail})"));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventKind;
    use crate::history::testing::*;
    use crate::model::Severity;

    /// The line without its time of day (local time differs between machines).
    fn after_time(entry: &HistoryEntry) -> String {
        let line = entry.line();
        line.split_once(' ').unwrap().1.to_string()
    }

    #[test]
    fn a_change_reads_as_the_engine_always_printed_it() {
        let entry =
            HistoryEntry::from_event(&changed(0, "A1", "idle", "FAILED", Severity::Critical));
        assert_eq!(
            after_time(&entry),
            "huawei cc Agent A1 (A1) idle -> FAILED critical"
        );
        assert_eq!(entry.line(), entry.line().trim_end(), "no trailing detail");
    }

    #[test]
    fn outages_limits_and_notifications_carry_their_detail() {
        let down = HistoryEntry::from_event(&unreachable(0));
        assert_eq!(
            after_time(&down),
            "huawei cc - reachable -> unreachable unknown (timeout: no answer within the time limit)"
        );
        let up = HistoryEntry::from_event(&recovered(0, 150));
        assert_eq!(
            after_time(&up),
            "huawei cc - unreachable -> reachable ok (down 2 min)"
        );
        let limit = HistoryEntry::from_event(&event(
            0,
            Severity::Warning,
            EventKind::OverLimit {
                agent_id: "103".into(),
                name: None,
                state: "rest".into(),
                for_secs: 960,
                limit_secs: 900,
                approximate: false,
            },
        ));
        assert_eq!(
            after_time(&limit),
            "huawei cc 103 rest over its 15 min limit warning (rest for 16 min, limit 15 min)"
        );
        let decision = notified_failure(0);
        let sent = HistoryEntry::rows_of(&decision).last().unwrap();
        assert_eq!(
            after_time(&sent),
            "huawei cc Agent A1 (A1) notification critical (Agent A1 (A1): FAILED [change])"
        );
    }
}
