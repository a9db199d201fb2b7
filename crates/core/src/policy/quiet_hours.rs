//! Quiet hours: on the configured days, from `start` to `end` in local time (crossing midnight
//! when `end` is earlier than `start`), only critical notifications pass, or none.

pub use crate::clock::week::{Day, TimeOfDay};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What still gets through during quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum QuietAllow {
    /// Only notifications about critical states (a FAILED agent still wakes you).
    #[default]
    Critical,
    /// Nothing at all.
    None,
}

/// `[alerts.quiet_hours]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuietHours {
    /// The days on which a quiet period starts (a Friday 22:00-07:00 period ends on Saturday).
    pub days: Vec<Day>,
    pub start: TimeOfDay,
    /// Earlier than `start` = the next morning; equal to `start` = the whole day.
    pub end: TimeOfDay,
    pub allow: QuietAllow,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            days: Day::ALL.to_vec(),
            start: TimeOfDay { minutes: 22 * 60 },
            end: TimeOfDay { minutes: 7 * 60 },
            allow: QuietAllow::Critical,
        }
    }
}

impl QuietHours {
    /// Whether `now` (local time) is inside a quiet period.
    pub fn is_quiet(&self, now: OffsetDateTime) -> bool {
        let t = TimeOfDay::of(now);
        let today = self.days.contains(&Day::of(now.weekday()));
        let yesterday = self.days.contains(&Day::of(now.weekday().previous()));
        if self.start < self.end {
            today && self.start <= t && t < self.end
        } else if self.start > self.end {
            (today && t >= self.start) || (yesterday && t < self.end)
        } else {
            today
        }
    }

    pub fn lets_through(&self, severity: crate::model::Severity) -> bool {
        match self.allow {
            QuietAllow::Critical => severity == crate::model::Severity::Critical,
            QuietAllow::None => false,
        }
    }
}
