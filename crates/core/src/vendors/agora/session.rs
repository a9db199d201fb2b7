//! How an AI agent's session went, read once when the agent ends (STOPPED, FAILED, or gone):
//! its turns (`GET /agents/{agentId}/turns`, sessions of the last 7 days, latencies in ms),
//! the turns that ended in error and the 95th percentile of their end-to-end latency. With
//! `[accounts.session_quality]` a bad session makes the end a warning or critical change:
//!
//! ```toml
//! [accounts.session_quality]
//! error_turns = { warning = 1 }                        # turns ended in error, at or above
//! p95_latency = { warning = "1500ms", critical = "3s" }
//! ```
//!
//! Bounded: one request (its pages within [`MAX_TURN_PAGES`]) per ended agent, never for agents
//! that had ended before the first poll; what was learnt stays with the agent while it stays
//! ended.

use super::wire::ListedTurns;
use crate::count_limit::{CountLimit, Direction};
use crate::model::{Observation, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Turns asked per page (Agora's own Go helper uses 50; the maximum is not documented).
pub const TURN_PAGE_SIZE: u32 = 50;
/// The most pages read for one session: 1,000 turns say how it went.
pub const MAX_TURN_PAGES: u32 = 20;
/// The keys of the section, for messages.
const KEYS: &str = "error_turns, p95_latency";

/// `[accounts.session_quality]` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionQuality {
    /// Turns that ended in error, at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_turns: Option<CountLimit>,
    /// The 95th percentile of the turns' end-to-end latency, at or above ("1500ms", "3s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_latency: Option<LatencyLimit>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<String>,
}

impl SessionQuality {
    /// Reads the section from its table as written; the error's key is dotted from
    /// `session_quality`.
    pub fn read(value: &toml::Value) -> Result<SessionQuality, (String, String)> {
        if !value.is_table() {
            return Err((
                "session_quality".into(),
                format!("must be a table ([accounts.session_quality] with {KEYS})"),
            ));
        }
        let quality: SessionQuality = value.clone().try_into().map_err(|e: toml::de::Error| {
            let message = e.message().trim().to_string();
            let key = crate::queues::named_key(&message).map_or_else(
                || "session_quality".to_string(),
                |key| format!("session_quality.{key}"),
            );
            (key, message)
        })?;
        quality.validate()?;
        Ok(quality)
    }

    fn validate(&self) -> Result<(), (String, String)> {
        if let Some(errors) = &self.error_turns {
            errors.validate("session_quality.error_turns", Direction::AtLeast)?;
        }
        if let Some(latency) = &self.p95_latency {
            latency.levels_ms()?;
        }
        Ok(())
    }

    /// The level a session's summary crosses, if any.
    pub fn level(&self, summary: &TurnSummary) -> Option<Severity> {
        let by_errors = self
            .error_turns
            .and_then(|limit| limit.check(summary.error_turns, Direction::AtLeast));
        let by_latency = match (&self.p95_latency, summary.p95_latency_ms) {
            (Some(limit), Some(p95)) => {
                let (warning, critical) = limit.levels_ms().unwrap_or_default();
                CountLimit::new(warning, critical).check(p95, Direction::AtLeast)
            }
            _ => None,
        };
        [by_errors, by_latency]
            .into_iter()
            .flatten()
            .max_by_key(|s| s.rank())
    }
}

impl LatencyLimit {
    /// The levels in milliseconds; the error names the key at fault.
    fn levels_ms(&self) -> Result<(Option<u64>, Option<u64>), (String, String)> {
        let key = |level: &str| format!("session_quality.p95_latency.{level}");
        let parse = |level: &str, text: &Option<String>| match text {
            Some(t) => parse_millis(t).map(Some).map_err(|m| (key(level), m)),
            None => Ok(None),
        };
        let warning = parse("warning", &self.warning)?;
        let critical = parse("critical", &self.critical)?;
        CountLimit::new(warning, critical)
            .validate("session_quality.p95_latency", Direction::AtLeast)
            .map_err(|(key, message)| (key, message.replace(" level", " latency")))?;
        Ok((warning, critical))
    }
}

/// "1500ms", "3s", "2.5s" in milliseconds.
pub fn parse_millis(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let explain =
        || format!("{trimmed:?} is not a latency: write it like \"800ms\", \"1500ms\" or \"3s\"");
    let (number, scale) = if let Some(n) = trimmed.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = trimmed.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return Err(explain());
    };
    let value: f64 = number.trim().parse().map_err(|_| explain())?;
    let ms = value * scale;
    if !ms.is_finite() || ms <= 0.0 || ms > 600_000.0 {
        return Err(format!(
            "{trimmed:?} must be more than 0 and at most 10 minutes"
        ));
    }
    Ok(ms.round() as u64)
}

/// "980 ms", "2.4 s".
pub fn latency_words(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// What the turns of one session say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnSummary {
    pub turns: u64,
    pub error_turns: u64,
    /// Turns ended in error, by reason (`LLM_REQUEST_ERR`, `INTERNAL_ERR`, or "" when none).
    pub reasons: BTreeMap<String, u64>,
    pub p95_latency_ms: Option<u64>,
    /// More turns than the paging budget reads: the figures are of the first ones.
    pub truncated: bool,
}

impl TurnSummary {
    pub fn of(turns: &ListedTurns, truncated: bool) -> TurnSummary {
        let mut latencies: Vec<u64> = turns
            .turns
            .iter()
            .filter_map(|t| t.e2e_latency_ms)
            .collect();
        let mut reasons = BTreeMap::new();
        for turn in turns.turns.iter().filter(|t| t.ended_in_error) {
            *reasons
                .entry(turn.error_reason.clone().unwrap_or_default())
                .or_insert(0) += 1;
        }
        TurnSummary {
            turns: turns.turns.len() as u64,
            error_turns: reasons.values().sum(),
            reasons,
            p95_latency_ms: percentile_95(&mut latencies),
            truncated,
        }
    }

    /// "ended with 3 LLM errors in 12 turns; p95 2.4 s", "ended after 12 turns, none in error; p95 980 ms".
    pub fn words(&self) -> String {
        let turns = plural(self.turns, "turn");
        let turns = if self.truncated {
            format!("the first {turns}")
        } else {
            turns
        };
        let mut text = if self.turns == 0 {
            "ended with no turns".to_string()
        } else if self.error_turns == 0 {
            format!("ended after {turns}, none in error")
        } else {
            let errors: Vec<String> = self
                .reasons
                .iter()
                .map(|(reason, n)| plural(*n, reason_words(reason)))
                .collect();
            format!("ended with {} in {turns}", errors.join(", "))
        };
        if let Some(p95) = self.p95_latency_ms {
            text.push_str(&format!("; p95 {}", latency_words(p95)));
        }
        text
    }
}

fn reason_words(reason: &str) -> &'static str {
    match reason {
        "LLM_REQUEST_ERR" => "LLM error",
        "INTERNAL_ERR" => "internal error",
        _ => "error",
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The nearest-rank 95th percentile.
fn percentile_95(values: &mut [u64]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() * 95).div_ceil(100).max(1);
    Some(values[rank - 1])
}

/// What was learnt about an ended agent's session, kept while it stays ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub finding: String,
    pub level: Option<Severity>,
}

impl Verdict {
    pub fn of(summary: &TurnSummary, quality: Option<&SessionQuality>) -> Verdict {
        Verdict {
            finding: summary.words(),
            level: quality.and_then(|q| q.level(summary)),
        }
    }

    /// The turns could not be read: said, and no level raised.
    pub fn unknown(reason: &str) -> Verdict {
        Verdict {
            finding: format!("how the session went is unknown: {reason}"),
            level: None,
        }
    }

    pub fn apply(&self, observation: &mut Observation) {
        observation.finding = Some(self.finding.clone());
        if let Some(level) = self.level {
            observation.severity = Severity::worst([observation.severity, level]);
        }
    }
}

/// Which agents ended since watching began, and what their sessions said: the memory that makes
/// the turns of each ended agent read once, and never those of agents ended before the first
/// poll.
#[derive(Debug, Default)]
pub struct EndedSessions {
    /// When the first poll was made (Unix ms); `None` before it.
    first_poll_ms: Option<i64>,
    /// The agents of the last poll, and whether each was still live.
    last_seen: HashMap<String, bool>,
    /// The verdicts of agents ended since watching began, while they stay ended.
    verdicts: HashMap<String, Verdict>,
}

/// Whether an agent's native state ends its session.
pub fn is_ended(native: &str) -> bool {
    native.eq_ignore_ascii_case("STOPPED")
        || native.eq_ignore_ascii_case("FAILED")
        || native == super::EXITED_NATIVE
}

impl EndedSessions {
    /// The agents of this poll whose session ended since the last one (or that appeared
    /// already ended after the first poll): their turns are to be read.
    pub fn newly_ended(&self, observations: &[Observation]) -> Vec<String> {
        let Some(first_poll_ms) = self.first_poll_ms else {
            return Vec::new();
        };
        observations
            .iter()
            .filter(|o| is_ended(&o.native) && !self.verdicts.contains_key(&o.agent_id))
            .filter(|o| match self.last_seen.get(&o.agent_id) {
                Some(live) => *live,
                // New to us: only if it ended after watching began, as far as Agora says.
                None => o
                    .time_in_state
                    .as_ref()
                    .is_some_and(|t| t.entered_ms >= first_poll_ms),
            })
            .map(|o| o.agent_id.clone())
            .collect()
    }

    /// Records this poll: the verdicts learnt, then every ended agent's verdict applied. Agents
    /// no longer ended (or gone) are forgotten.
    pub fn record(
        &mut self,
        observations: &mut [Observation],
        learnt: impl IntoIterator<Item = (String, Verdict)>,
        now_ms: i64,
    ) {
        self.verdicts.extend(learnt);
        self.first_poll_ms.get_or_insert(now_ms);
        let mut verdicts = HashMap::new();
        self.last_seen = observations
            .iter_mut()
            .map(|o| {
                let ended = is_ended(&o.native);
                if ended {
                    if let Some(verdict) = self.verdicts.remove(&o.agent_id) {
                        verdict.apply(o);
                        verdicts.insert(o.agent_id.clone(), verdict);
                    }
                }
                (o.agent_id.clone(), !ended)
            })
            .collect();
        self.verdicts = verdicts;
    }
}

#[cfg(test)]
mod tests {
    use super::super::wire::Turn;
    use super::*;

    fn turns(list: &[(bool, Option<&str>, Option<u64>)]) -> ListedTurns {
        ListedTurns {
            turns: list
                .iter()
                .map(|&(error, reason, latency)| Turn {
                    ended_in_error: error,
                    error_reason: reason.map(str::to_string),
                    e2e_latency_ms: latency,
                })
                .collect(),
        }
    }

    fn quality() -> SessionQuality {
        let value: toml::Value = toml::from_str(
            "error_turns = { warning = 1 }\np95_latency = { warning = \"1500ms\", critical = \"3s\" }",
        )
        .unwrap();
        SessionQuality::read(&value).unwrap()
    }

    #[test]
    fn a_session_is_told_in_words_and_judged_by_its_thresholds() {
        let mut list = vec![(false, None, Some(900)); 9];
        list.extend([
            (true, Some("LLM_REQUEST_ERR"), Some(2400)),
            (true, Some("LLM_REQUEST_ERR"), Some(2400)),
            (true, Some("LLM_REQUEST_ERR"), None),
        ]);
        let summary = TurnSummary::of(&turns(&list), false);
        assert_eq!((summary.turns, summary.error_turns), (12, 3));
        assert_eq!(summary.p95_latency_ms, Some(2400));
        assert_eq!(
            summary.words(),
            "ended with 3 LLM errors in 12 turns; p95 2.4 s"
        );
        assert_eq!(quality().level(&summary), Some(Severity::Warning));

        let clean = TurnSummary::of(&turns(&[(false, None, Some(980)); 4]), false);
        assert_eq!(
            clean.words(),
            "ended after 4 turns, none in error; p95 980 ms"
        );
        assert_eq!(quality().level(&clean), None);
        let slow = TurnSummary::of(&turns(&[(false, None, Some(3000)); 2]), true);
        assert_eq!(quality().level(&slow), Some(Severity::Critical));
        assert_eq!(
            slow.words(),
            "ended after the first 2 turns, none in error; p95 3.0 s"
        );
        let mixed = TurnSummary::of(
            &turns(&[
                (true, Some("INTERNAL_ERR"), None),
                (true, Some("LLM_REQUEST_ERR"), None),
                (true, None, None),
            ]),
            false,
        );
        assert_eq!(
            mixed.words(),
            "ended with 1 error, 1 internal error, 1 LLM error in 3 turns"
        );
        assert_eq!(TurnSummary::default().words(), "ended with no turns");
    }

    #[test]
    fn the_section_names_bad_keys() {
        let read = |text: &str| SessionQuality::read(&toml::from_str::<toml::Value>(text).unwrap());
        assert_eq!(
            read("p95_latency = { warning = \"fast\" }").unwrap_err().0,
            "session_quality.p95_latency.warning"
        );
        assert_eq!(
            read("p95_latency = { warning = \"3s\", critical = \"1s\" }")
                .unwrap_err()
                .0,
            "session_quality.p95_latency.critical"
        );
        assert_eq!(
            read("error_turn = { warning = 1 }").unwrap_err().0,
            "session_quality.error_turn"
        );
        assert_eq!(parse_millis("1500ms"), Ok(1500));
        assert_eq!(parse_millis("2.5s"), Ok(2500));
        assert!(parse_millis("0ms").is_err());
    }

    #[test]
    fn turns_are_read_once_per_ended_agent_and_never_for_agents_ended_before_watching() {
        let agent = |id: &str, native: &str| {
            let mut o = Observation::seen_ok(id, native);
            o.native = native.into();
            o
        };
        let mut memory = EndedSessions::default();
        let mut first = vec![agent("old", "STOPPED"), agent("a", "RUNNING")];
        assert!(
            memory.newly_ended(&first).is_empty(),
            "nothing before the first poll"
        );
        memory.record(&mut first, [], 1_000);
        let mut second = vec![agent("old", "STOPPED"), agent("a", "FAILED")];
        assert_eq!(memory.newly_ended(&second), ["a"]);
        let verdict = Verdict {
            finding: "ended with 1 LLM error in 2 turns".into(),
            level: Some(Severity::Warning),
        };
        memory.record(&mut second, [("a".to_string(), verdict)], 2_000);
        assert_eq!(
            second[1].finding.as_deref(),
            Some("ended with 1 LLM error in 2 turns")
        );
        assert_eq!(second[1].severity, Severity::Warning);
        assert_eq!(second[0].finding, None);
        let mut third = vec![agent("old", "STOPPED"), agent("a", "FAILED")];
        assert!(memory.newly_ended(&third).is_empty(), "read once");
        memory.record(&mut third, [], 3_000);
        assert_eq!(
            third[1].severity,
            Severity::Warning,
            "kept while it stays ended"
        );
        // Started again and ended again: a new session, read again.
        let mut fourth = vec![agent("a", "RUNNING")];
        memory.record(&mut fourth, [], 4_000);
        assert_eq!(memory.newly_ended(&[agent("a", "STOPPED")]), ["a"]);
        // New to us and ended: only when Agora says it ended after watching began.
        let mut late = agent("b", "STOPPED");
        assert!(memory.newly_ended(std::slice::from_ref(&late)).is_empty());
        late.time_in_state = Some(crate::model::TimeInState::from_vendor(5_000));
        assert_eq!(memory.newly_ended(&[late]), ["b"]);
    }
}
