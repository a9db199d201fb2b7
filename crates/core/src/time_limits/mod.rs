//! Time-in-state limits (`[accounts.time_limits]`): how long an agent may stay in a state before
//! it needs a supervisor's eye ("rest for 16 min, limit 15 min").
//!
//! ```toml
//! [accounts.time_limits]
//! rest = { warning = "15m", critical = "30m" }   # by the state's label or its native value
//! "5"  = { warning = "2m" }                      # Huawei wrap-up
//! ```
//!
//! The limits are kept as written and checked when the file loads (`validate`), so an invalid
//! duration is an error naming its key. At each poll, [`StateClock`] stamps every observation
//! with when the agent entered its state and raises its severity past a limit; the change
//! detector and the alert policy then treat crossing a limit like any other change.

mod duration;
mod tracker;

pub use duration::{format_duration, parse_duration, MAX_LIMIT_SECS};
pub use tracker::{HistoryEntries, StateClock};

use crate::model::{state_key_match, LimitCheck, Observation, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The limits of one account, keyed by a state's label or native value.
pub type TimeLimits = BTreeMap<String, TimeLimit>;

/// A duration as written in the file (`"15m"`); parsed by [`LimitText::secs`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LimitText(pub String);

impl LimitText {
    pub fn secs(&self) -> Result<u64, String> {
        parse_duration(&self.0)
    }

    /// A limit of `secs`, written the way the file would say it.
    pub fn from_secs(secs: u64) -> LimitText {
        LimitText(format_duration(secs))
    }
}

/// How long an agent may stay in one state: past `warning` it needs a look, past `critical`
/// it needs action. Either or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<LimitText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<LimitText>,
}

impl TimeLimit {
    /// A limit from seconds, for builders and tests.
    pub fn secs(warning: Option<u64>, critical: Option<u64>) -> TimeLimit {
        TimeLimit {
            warning: warning.map(LimitText::from_secs),
            critical: critical.map(LimitText::from_secs),
        }
    }

    /// The limits in seconds; one that does not parse (refused on load) counts as absent.
    fn seconds(&self) -> (Option<u64>, Option<u64>) {
        let secs = |t: &Option<LimitText>| t.as_ref().and_then(|t| t.secs().ok());
        (secs(&self.warning), secs(&self.critical))
    }

    /// Where an agent `for_secs` into the state stands against this limit.
    pub fn check(&self, for_secs: u64) -> LimitCheck {
        let (warning_secs, critical_secs) = self.seconds();
        let past = |limit: Option<u64>| limit.is_some_and(|l| for_secs >= l);
        let over = if past(critical_secs) {
            Some(Severity::Critical)
        } else if past(warning_secs) {
            Some(Severity::Warning)
        } else {
            None
        };
        LimitCheck {
            warning_secs,
            critical_secs,
            over,
            for_secs,
        }
    }
}

/// The limit for the observation's state, matched like the severity overrides: the native
/// value first, then the label, case-insensitively.
pub fn limit_for<'a>(limits: &'a TimeLimits, observation: &Observation) -> Option<&'a TimeLimit> {
    state_key_match(limits, observation)
}

/// Checks every limit; the error's key (`time_limits.rest.warning`) names the offender.
pub fn validate(limits: &TimeLimits) -> Result<(), (String, String)> {
    for (state, limit) in limits {
        let key = |level: &str| format!("time_limits.{state}.{level}");
        if state.trim().is_empty() {
            return Err((
                "time_limits".into(),
                "a state name must not be empty".into(),
            ));
        }
        let parse = |level: &str, text: &Option<LimitText>| match text {
            Some(t) => t.secs().map(Some).map_err(|msg| (key(level), msg)),
            None => Ok(None),
        };
        let warning = parse("warning", &limit.warning)?;
        let critical = parse("critical", &limit.critical)?;
        match (warning, critical) {
            (None, None) => {
                return Err((
                    format!("time_limits.{state}"),
                    "give a warning or a critical limit (or both), e.g. { warning = \"15m\" }"
                        .into(),
                ))
            }
            (Some(w), Some(c)) if c <= w => {
                return Err((
                    key("critical"),
                    format!(
                        "the critical limit ({}) must be longer than the warning limit ({})",
                        format_duration(c),
                        format_duration(w)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_warning_then_critical_as_time_passes() {
        let limit = TimeLimit::secs(Some(900), Some(1800));
        assert_eq!(limit.check(899).over, None);
        assert_eq!(limit.check(900).over, Some(Severity::Warning));
        assert_eq!(limit.check(1799).over, Some(Severity::Warning));
        assert_eq!(limit.check(1800).over, Some(Severity::Critical));
        let critical_only = TimeLimit::secs(None, Some(60));
        assert_eq!(critical_only.check(59).over, None);
        assert_eq!(critical_only.check(61).over, Some(Severity::Critical));
    }

    #[test]
    fn every_vendor_preset_is_a_valid_limit() {
        let presets: Vec<_> = crate::vendors::registry::forms()
            .into_iter()
            .flat_map(|f| f.time_limit_presets)
            .collect();
        assert!(presets.len() >= 5, "{presets:?}");
        for p in presets {
            let limit = TimeLimit {
                warning: Some(LimitText(p.warning.into())),
                critical: Some(LimitText(p.critical.into())),
            };
            let limits = TimeLimits::from([(p.state.to_string(), limit)]);
            assert_eq!(validate(&limits), Ok(()), "{p:?}");
        }
    }

    #[test]
    fn validation_names_the_key_and_refuses_bad_pairs() {
        let one = |state: &str, limit: TimeLimit| TimeLimits::from([(state.to_string(), limit)]);
        assert!(validate(&one("rest", TimeLimit::secs(Some(900), Some(1800)))).is_ok());
        let bad = TimeLimit {
            warning: Some(LimitText("15x".into())),
            critical: None,
        };
        let (key, msg) = validate(&one("rest", bad)).unwrap_err();
        assert_eq!(key, "time_limits.rest.warning");
        assert!(msg.contains("unknown unit"), "{msg}");
        let (key, msg) = validate(&one("5", TimeLimit::secs(Some(300), Some(120)))).unwrap_err();
        assert_eq!(key, "time_limits.5.critical");
        assert!(msg.contains("longer than the warning"), "{msg}");
        let (key, _) = validate(&one("rest", TimeLimit::secs(None, None))).unwrap_err();
        assert_eq!(key, "time_limits.rest");
    }
}
