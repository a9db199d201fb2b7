//! Limits on a team's counts (`[accounts.team]`, every vendor): how many agents at least must be
//! in a state, how many at most may be, and the team as an item of its account (`team`).
//!
//! ```toml
//! [accounts.team]
//! min_in_state = { idle = { warning = 2, critical = 1 } }   # fewer than 2 idle: warning; fewer than 1: critical
//! max_in_state = { rest = { warning = 2, critical = 3 } }   # more than 2 on rest: warning; more than 3: critical
//! ```
//!
//! States are named by label or native value, as `time_limits` takes them; the counts cover the
//! account's watched agents (the whole team without a watch list). The item's state is the
//! counts in words ("1 idle (min 2) · 1 talking · 1 rest"), its severity the worst limit crossed.

use crate::count_limit::{CountLimit, Direction};
use crate::items::{self, Figures, StateCount, TeamFigures};
use crate::model::{Observation, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamLimits {
    /// Fewer agents than the level in the state is a problem.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub min_in_state: BTreeMap<String, CountLimit>,
    /// More agents than the level in the state is a problem.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max_in_state: BTreeMap<String, CountLimit>,
}

impl TeamLimits {
    /// Checks every limit; the error's key (`team.min_in_state.idle.critical`) names the offender.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.min_in_state.is_empty() && self.max_in_state.is_empty() {
            return Err((
                "team".into(),
                "give min_in_state or max_in_state, e.g. min_in_state = { idle = { warning = 2 } }"
                    .into(),
            ));
        }
        for (table, limits, direction) in self.tables() {
            for (state, limit) in limits {
                if state.trim().is_empty() {
                    return Err((
                        format!("team.{table}"),
                        "a state name must not be empty".into(),
                    ));
                }
                limit.validate(&format!("team.{table}.{state}"), direction)?;
            }
        }
        Ok(())
    }

    fn tables(&self) -> [(&'static str, &BTreeMap<String, CountLimit>, Direction); 2] {
        [
            ("min_in_state", &self.min_in_state, Direction::Below),
            ("max_in_state", &self.max_in_state, Direction::Above),
        ]
    }

    /// The team as an item: its agents (items among `observations` are not counted) by state,
    /// against these limits.
    pub fn observe(&self, observations: &[Observation]) -> Observation {
        let mut tally = Tally::default();
        for agent in observations.iter().filter(|o| !o.is_item()) {
            tally.add(agent);
        }
        let mut findings = Vec::new();
        for (_, limits, direction) in self.tables() {
            for (key, limit) in limits {
                let (index, count) = tally.matching(key);
                let crossed = limit.check(count, direction);
                let entry = &mut tally.states[index];
                let shown = limit.warning.or(limit.critical);
                match direction {
                    Direction::Below => entry.min = shown,
                    _ => entry.max = shown,
                }
                if let Some(level) = crossed {
                    entry.over = Some(Severity::worst(entry.over.into_iter().chain([level])));
                    let at = match level {
                        Severity::Critical => limit.critical,
                        _ => limit.warning,
                    }
                    .unwrap_or_default();
                    let how = match direction {
                        Direction::Below => "fewer than",
                        _ => "more than",
                    };
                    findings.push((level, format!("{count} {}, {how} {at}", entry.state)));
                }
            }
        }
        let severity = Severity::worst(findings.iter().map(|(level, _)| *level));
        // The worst first: a notification title shows the start of it.
        findings.sort_by_key(|(level, _)| std::cmp::Reverse(level.rank()));
        let finding = (!findings.is_empty()).then(|| {
            findings
                .into_iter()
                .map(|(_, text)| text)
                .collect::<Vec<_>>()
                .join("; ")
        });
        let figures = tally.into_figures();
        items::observation(
            items::TEAM_ID.to_string(),
            None,
            words(&figures),
            severity,
            finding,
            Figures::Team(figures),
        )
    }
}

/// Agents by state label, in the order the states were first seen.
#[derive(Default)]
struct Tally {
    states: Vec<StateCount>,
    /// Per state entry: the native values seen in it.
    natives: Vec<Vec<String>>,
    agents: u64,
}

impl Tally {
    fn add(&mut self, agent: &Observation) {
        self.agents += 1;
        let index = match self.states.iter().position(|s| s.state == agent.state) {
            Some(index) => index,
            None => {
                self.states.push(StateCount {
                    state: agent.state.clone(),
                    ..StateCount::default()
                });
                self.natives.push(Vec::new());
                self.states.len() - 1
            }
        };
        self.states[index].count += 1;
        if !self.natives[index].contains(&agent.native) {
            self.natives[index].push(agent.native.clone());
        }
    }

    /// The entry a limit's key names, and the agents it counts: by native value (exactly,
    /// then case-insensitively) or by label, as `time_limits` matches. A key no agent is in
    /// gets an entry of its own with no agents.
    fn matching(&mut self, key: &str) -> (usize, u64) {
        let matches = |label: &str, natives: &[String]| {
            natives.iter().any(|n| n.eq_ignore_ascii_case(key)) || label.eq_ignore_ascii_case(key)
        };
        let hits: Vec<usize> = (0..self.states.len())
            .filter(|&i| matches(&self.states[i].state, &self.natives[i]))
            .collect();
        match hits.first() {
            Some(&first) => (first, hits.iter().map(|&i| self.states[i].count).sum()),
            None => {
                self.states.push(StateCount {
                    state: key.to_string(),
                    ..StateCount::default()
                });
                self.natives.push(Vec::new());
                (self.states.len() - 1, 0)
            }
        }
    }

    /// Busiest first; states alike in number keep the order they were seen in.
    fn into_figures(mut self) -> TeamFigures {
        self.states.sort_by_key(|s| std::cmp::Reverse(s.count));
        TeamFigures {
            states: self.states,
            agents: self.agents,
        }
    }
}

/// "1 idle (min 2) · 1 talking · 1 rest": each state's count, with the limit it crossed.
pub fn words(figures: &TeamFigures) -> String {
    if figures.agents == 0
        && figures
            .states
            .iter()
            .all(|s| s.count == 0 && s.over.is_none())
    {
        return "no agents".to_string();
    }
    figures
        .states
        .iter()
        .filter(|s| s.count > 0 || s.over.is_some())
        .map(|s| {
            let crossed = match (s.over, s.min, s.max) {
                (Some(_), Some(min), _) if s.count < min => format!(" (min {min})"),
                (Some(_), _, Some(max)) if s.count > max => format!(" (max {max})"),
                _ => String::new(),
            };
            format!("{} {}{crossed}", s.count, s.state)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, state: &str, native: &str) -> Observation {
        let mut o = Observation::seen_ok(id, state);
        o.native = native.into();
        o
    }

    fn the_issue_example() -> TeamLimits {
        let text = r#"
            min_in_state = { idle = { warning = 2, critical = 1 } }
            max_in_state = { rest = { warning = 2, critical = 3 } }
        "#;
        let limits: TeamLimits = toml::from_str(text).unwrap();
        limits.validate().unwrap();
        limits
    }

    fn team(states: &[(&str, &str)]) -> Vec<Observation> {
        states
            .iter()
            .enumerate()
            .map(|(i, (state, native))| agent(&format!("{}", 101 + i), state, native))
            .collect()
    }

    /// The team's (state, native) pairs -> severity, words and what to tell.
    type Row = (
        &'static [(&'static str, &'static str)],
        Severity,
        &'static str,
        Option<&'static str>,
    );

    /// Each row: the team's states -> severity, words and what to tell.
    #[test]
    fn limits_give_the_worst_level_crossed() {
        use Severity::*;
        let limits = the_issue_example();
        let cases: &[Row] = &[
            (
                &[("idle", "4"), ("talking", "7"), ("rest", "8")],
                Warning,
                "1 idle (min 2) · 1 talking · 1 rest",
                Some("1 idle, fewer than 2"),
            ),
            (
                &[("idle", "4"), ("idle", "6"), ("rest", "8")],
                Ok,
                "2 idle · 1 rest",
                None,
            ),
            (
                &[
                    ("talking", "7"),
                    ("rest", "8"),
                    ("rest", "8"),
                    ("rest", "8"),
                    ("rest", "8"),
                ],
                Critical,
                "4 rest (max 2) · 1 talking · 0 idle (min 2)",
                Some("0 idle, fewer than 1; 4 rest, more than 3"),
            ),
            (
                &[
                    ("idle", "4"),
                    ("idle", "4"),
                    ("rest", "8"),
                    ("rest", "8"),
                    ("rest", "8"),
                ],
                Warning,
                "3 rest (max 2) · 2 idle",
                Some("3 rest, more than 2"),
            ),
            (
                &[],
                Critical,
                "0 idle (min 2)",
                Some("0 idle, fewer than 1"),
            ),
        ];
        for (states, severity, words, finding) in cases {
            let item = limits.observe(&team(states));
            assert_eq!(
                (item.severity, item.state.as_str(), item.finding.as_deref()),
                (*severity, *words, *finding),
                "{states:?}"
            );
            assert_eq!(item.agent_id, "team");
            assert_eq!(item.native, severity.as_str());
        }
    }

    #[test]
    fn states_are_named_by_native_value_too_and_items_are_not_counted() {
        let limits: TeamLimits =
            toml::from_str(r#"max_in_state = { "8" = { warning = 1 } }"#).unwrap();
        let mut seen = team(&[("rest", "8"), ("rest", "8"), ("idle", "4")]);
        seen.push(limits.observe(&[]));
        let item = limits.observe(&seen);
        assert_eq!(item.severity, Severity::Warning);
        assert_eq!(item.state, "2 rest (max 1) · 1 idle");
        let Some(Figures::Team(figures)) = item.figures.as_deref() else {
            panic!("team figures");
        };
        assert_eq!(figures.agents, 3);
    }

    #[test]
    fn validation_names_the_key() {
        let bad: TeamLimits =
            toml::from_str(r#"min_in_state = { idle = { warning = 1, critical = 2 } }"#).unwrap();
        assert_eq!(
            bad.validate().unwrap_err().0,
            "team.min_in_state.idle.critical"
        );
        let bad: TeamLimits =
            toml::from_str(r#"max_in_state = { rest = { warning = 3, critical = 3 } }"#).unwrap();
        assert_eq!(
            bad.validate().unwrap_err().0,
            "team.max_in_state.rest.critical"
        );
        assert_eq!(TeamLimits::default().validate().unwrap_err().0, "team");
    }
}
