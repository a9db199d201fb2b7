//! When each agent entered its state, poll after poll, and where it stands against its limit.
//!
//! The entry time comes, best first, from the vendor (an observation that arrives with a
//! `time_in_state`), from a change seen between two polls, from the history (the state the
//! history last recorded for the agent, when it is the state seen now), or else from the first
//! poll that saw the agent: then it is approximate, "at least this long".

use super::{limit_for, TimeLimits};
use crate::model::{Observation, Severity, TimeInState};
use std::collections::HashMap;

/// Per agent id: the state the history last recorded for it and when (Unix ms).
pub type HistoryEntries = HashMap<String, (String, i64)>;

#[derive(Debug, Clone)]
struct Entered {
    state: String,
    native: String,
    at_ms: i64,
    approximate: bool,
}

/// One account's entry times. Keep one per account for as long as it is watched.
#[derive(Debug, Default)]
pub struct StateClock {
    entered: HashMap<String, Entered>,
    /// False until the first poll is stamped: agents seen then were already in their state.
    started: bool,
    /// Read once, at the first poll.
    history: HistoryEntries,
}

impl StateClock {
    /// A clock that takes the entry times the history knows for agents still in that state.
    pub fn with_history(history: HistoryEntries) -> StateClock {
        StateClock {
            history,
            ..StateClock::default()
        }
    }

    /// Stamps each observation with its time in state and, when the account has a limit for
    /// its state, raises its severity to the limit's level once past it. Agents no longer
    /// observed are forgotten.
    pub fn stamp(&mut self, observations: &mut [Observation], limits: &TimeLimits, now_ms: i64) {
        let mut entered = HashMap::with_capacity(observations.len());
        for obs in observations.iter_mut() {
            let vendor_ms = obs.time_in_state.as_ref().map(|t| t.entered_ms.min(now_ms));
            // A queue or team stays in its state while its level (native) does; its words
            // change with every figure.
            let item = obs.is_item();
            let same_state =
                |e: &&Entered| e.native == obs.native && (item || e.state == obs.state);
            let previous = self.entered.remove(&obs.agent_id);
            let from_history = || {
                self.history
                    .get(&obs.agent_id)
                    .filter(|(state, at_ms)| *state == obs.state && *at_ms <= now_ms)
                    .map(|(_, at_ms)| *at_ms)
            };
            let (at_ms, approximate) = match (vendor_ms, previous.as_ref().filter(same_state)) {
                (Some(ms), _) => (ms, false),
                (None, Some(e)) => (e.at_ms, e.approximate),
                (None, None) if !self.started => match from_history() {
                    Some(ms) => (ms, false),
                    None => (now_ms, true),
                },
                (None, None) => (now_ms, false),
            };
            let for_secs = u64::try_from((now_ms - at_ms) / 1000).unwrap_or(0);
            // Time limits are on agents' states; an item's level is its thresholds' business.
            let limit = match item {
                true => None,
                false => limit_for(limits, obs).map(|l| l.check(for_secs)),
            };
            if let Some(level) = limit.as_ref().and_then(|l| l.over) {
                obs.severity = Severity::worst([obs.severity, level]);
            }
            obs.time_in_state = Some(TimeInState {
                entered_ms: at_ms,
                approximate,
                limit,
            });
            entered.insert(
                obs.agent_id.clone(),
                Entered {
                    state: obs.state.clone(),
                    native: obs.native.clone(),
                    at_ms,
                    approximate,
                },
            );
        }
        self.entered = entered;
        self.started = true;
        self.history = HistoryEntries::new();
    }
}

#[cfg(test)]
mod tests {
    use super::super::TimeLimit;
    use super::*;

    const MIN: i64 = 60_000;

    fn seen(id: &str, state: &str) -> Observation {
        Observation::seen_ok(id, state)
    }

    fn rest_limits() -> TimeLimits {
        TimeLimits::from([("rest".to_string(), TimeLimit::secs(Some(900), Some(1800)))])
    }

    fn stamped(clock: &mut StateClock, obs: Observation, now_ms: i64) -> Observation {
        let mut list = [obs];
        clock.stamp(&mut list, &rest_limits(), now_ms);
        list[0].clone()
    }

    #[test]
    fn agents_seen_at_the_start_are_approximate_and_changes_are_exact() {
        let mut clock = StateClock::default();
        let first = stamped(&mut clock, seen("103", "rest"), 0);
        let t = first.time_in_state.unwrap();
        assert_eq!((t.entered_ms, t.approximate), (0, true));
        // Staying keeps the start; 16 minutes on, the warning limit is passed.
        let later = stamped(&mut clock, seen("103", "rest"), 16 * MIN);
        let t = later.time_in_state.as_ref().unwrap();
        assert_eq!((t.entered_ms, t.approximate), (0, true));
        assert_eq!(later.severity, Severity::Warning);
        assert_eq!(t.limit.as_ref().unwrap().for_secs, 960);
        assert_eq!(
            stamped(&mut clock, seen("103", "rest"), 31 * MIN).severity,
            Severity::Critical
        );
        // Leaving the state starts a new, exact clock and ends the breach.
        let idle = stamped(&mut clock, seen("103", "idle"), 32 * MIN);
        let t = idle.time_in_state.as_ref().unwrap();
        assert_eq!(
            (t.entered_ms, t.approximate, t.limit.is_none()),
            (32 * MIN, false, true)
        );
        assert_eq!(idle.severity, Severity::Ok);
        let back = stamped(&mut clock, seen("103", "rest"), 40 * MIN);
        let t = back.time_in_state.unwrap();
        assert_eq!((t.entered_ms, t.approximate), (40 * MIN, false));
        assert_eq!(back.severity, Severity::Ok);
    }

    #[test]
    fn the_vendors_start_time_wins_and_the_history_carries_over_a_restart() {
        let mut vendor = seen("A1", "rest");
        vendor.time_in_state = Some(TimeInState {
            entered_ms: 5 * MIN,
            approximate: false,
            limit: None,
        });
        let mut clock = StateClock::default();
        let out = stamped(&mut clock, vendor, 21 * MIN);
        assert_eq!(out.time_in_state.unwrap().entered_ms, 5 * MIN);
        assert_eq!(
            out.severity,
            Severity::Warning,
            "16 min from the vendor's start"
        );

        let history = HistoryEntries::from([
            ("101".to_string(), ("rest".to_string(), 2 * MIN)),
            ("102".to_string(), ("idle".to_string(), 2 * MIN)),
        ]);
        let mut clock = StateClock::with_history(history);
        let mut list = [seen("101", "rest"), seen("102", "rest")];
        clock.stamp(&mut list, &rest_limits(), 20 * MIN);
        let carried = list[0].time_in_state.as_ref().unwrap();
        assert_eq!((carried.entered_ms, carried.approximate), (2 * MIN, false));
        assert_eq!(list[0].severity, Severity::Warning);
        let other = list[1].time_in_state.as_ref().unwrap();
        assert_eq!(
            (other.entered_ms, other.approximate),
            (20 * MIN, true),
            "history said idle"
        );
    }

    #[test]
    fn an_agent_that_went_away_starts_afresh_and_no_limit_means_no_raise() {
        let mut clock = StateClock::default();
        stamped(&mut clock, seen("1", "rest"), 0);
        let mut none: [Observation; 0] = [];
        clock.stamp(&mut none, &rest_limits(), MIN);
        let back = stamped(&mut clock, seen("1", "rest"), 20 * MIN);
        assert_eq!(back.time_in_state.unwrap().entered_ms, 20 * MIN);
        let busy = stamped(&mut clock, seen("2", "busy"), 40 * MIN);
        let busy = stamped(&mut clock, busy, 90 * MIN);
        assert_eq!(busy.severity, Severity::Ok);
        assert!(busy.time_in_state.unwrap().limit.is_none());
    }
}
