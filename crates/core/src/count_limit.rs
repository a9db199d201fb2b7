//! A warning and a critical level on a count (calls waiting, agents in a state), as written in
//! the file: `{ warning = 2, critical = 1 }`. Which way a count crosses them is the caller's
//! rule (at or above for calls waiting, fewer than or more than for a team's states).

use crate::model::Severity;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<u64>,
}

/// Which way a count crosses its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// At or above the level (calls waiting).
    AtLeast,
    /// Above the level (`max_in_state`: more than 2 on rest).
    Above,
    /// Below the level (`min_in_state`: fewer than 2 idle).
    Below,
}

impl Direction {
    fn crosses(self, count: u64, level: u64) -> bool {
        match self {
            Direction::AtLeast => count >= level,
            Direction::Above => count > level,
            Direction::Below => count < level,
        }
    }
}

impl CountLimit {
    pub fn new(warning: Option<u64>, critical: Option<u64>) -> CountLimit {
        CountLimit { warning, critical }
    }

    /// The level `count` crosses, if any: critical before warning.
    pub fn check(&self, count: u64, direction: Direction) -> Option<Severity> {
        let crosses = |level: Option<u64>| level.is_some_and(|l| direction.crosses(count, l));
        if crosses(self.critical) {
            Some(Severity::Critical)
        } else if crosses(self.warning) {
            Some(Severity::Warning)
        } else {
            None
        }
    }

    /// Checks the pair for `direction`; the error is (the key under `key`, message).
    pub fn validate(&self, key: &str, direction: Direction) -> Result<(), (String, String)> {
        let (warning, critical) = match (self.warning, self.critical) {
            (None, None) => return Err((
                key.to_string(),
                "give a warning or a critical level (or both), e.g. { warning = 2, critical = 5 }"
                    .into(),
            )),
            (Some(w), Some(c)) => (w, c),
            (_, Some(c)) if direction == Direction::Below && c == 0 => {
                return Err((
                    format!("{key}.critical"),
                    "fewer than 0 cannot happen: the critical level must be at least 1".into(),
                ))
            }
            (Some(0), _) if direction == Direction::Below => {
                return Err((
                    format!("{key}.warning"),
                    "fewer than 0 cannot happen: the warning level must be at least 1".into(),
                ))
            }
            _ => return Ok(()),
        };
        let fault = match direction {
            Direction::Below if critical >= warning => Some(format!(
                "the critical level ({critical}) must be lower than the warning level ({warning}): fewer than {critical} is the worse case"
            )),
            Direction::Below if critical == 0 => {
                Some("fewer than 0 cannot happen: the critical level must be at least 1".into())
            }
            Direction::AtLeast | Direction::Above if critical <= warning => Some(format!(
                "the critical level ({critical}) must be higher than the warning level ({warning})"
            )),
            _ => None,
        };
        match fault {
            Some(message) => Err((format!("{key}.critical"), message)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cross_their_levels_each_way() {
        use Direction::*;
        use Severity::*;
        let rising = CountLimit::new(Some(1), Some(5));
        let low = CountLimit::new(Some(2), Some(1));
        let cases: &[(CountLimit, Direction, u64, Option<Severity>)] = &[
            (rising, AtLeast, 0, None),
            (rising, AtLeast, 1, Some(Warning)),
            (rising, AtLeast, 4, Some(Warning)),
            (rising, AtLeast, 5, Some(Critical)),
            (CountLimit::new(Some(2), Some(3)), Above, 2, None),
            (CountLimit::new(Some(2), Some(3)), Above, 3, Some(Warning)),
            (CountLimit::new(Some(2), Some(3)), Above, 4, Some(Critical)),
            (low, Below, 2, None),
            (low, Below, 1, Some(Warning)),
            (low, Below, 0, Some(Critical)),
            (CountLimit::new(None, Some(3)), AtLeast, 2, None),
            (CountLimit::new(None, Some(3)), AtLeast, 3, Some(Critical)),
        ];
        for (limit, direction, count, expected) in cases {
            assert_eq!(
                limit.check(*count, *direction),
                *expected,
                "{limit:?} {direction:?} {count}"
            );
        }
    }

    #[test]
    fn bad_pairs_name_their_key() {
        use Direction::*;
        let check = |w, c, d| CountLimit::new(w, c).validate("team.min_in_state.idle", d);
        assert!(check(Some(2), Some(1), Below).is_ok());
        assert!(check(Some(1), Some(5), AtLeast).is_ok());
        let (key, message) = check(Some(1), Some(2), Below).unwrap_err();
        assert_eq!(key, "team.min_in_state.idle.critical");
        assert!(message.contains("lower than the warning"), "{message}");
        let (key, _) = check(Some(5), Some(5), AtLeast).unwrap_err();
        assert_eq!(key, "team.min_in_state.idle.critical");
        let (key, _) = check(None, None, Above).unwrap_err();
        assert_eq!(key, "team.min_in_state.idle");
        let (key, message) = check(None, Some(0), Below).unwrap_err();
        assert_eq!(key, "team.min_in_state.idle.critical");
        assert!(message.contains("cannot happen"), "{message}");
        assert_eq!(
            check(Some(0), None, Below).unwrap_err().0,
            "team.min_in_state.idle.warning"
        );
    }
}
