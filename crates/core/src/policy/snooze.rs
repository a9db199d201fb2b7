//! Acknowledge, snooze and pause: one mechanism. A snooze silences one agent, one account or
//! everything (pause), until a time, until recovery, or until cleared by hand. Snoozes end by
//! time or on recovery; ended ones are pruned so the store stays as small as the live snoozes.

use super::decision::AgentKey;
use crate::clock::times::{deserialize_ms, serialize_ms};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What a snooze silences.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum SnoozeTarget {
    /// Everything: "pause all" in the tray menu.
    All,
    Account {
        account_id: String,
    },
    Agent(AgentKey),
}

/// When a snooze ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "until", content = "at_ms", rename_all = "snake_case")]
pub enum SnoozeUntil {
    /// Acknowledged: until the agent is healthy again (for an account: reachable again after its
    /// outage). The recovery itself is told, so the supervisor learns the problem is over.
    Recovery,
    /// Until this instant.
    #[serde(serialize_with = "serialize_ms", deserialize_with = "deserialize_ms")]
    At(OffsetDateTime),
    /// Until cleared by hand (resume all, clear snooze).
    Cleared,
}

/// A live snooze, for the UI (and kept by the desktop app across restarts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snooze {
    pub target: SnoozeTarget,
    pub until: SnoozeUntil,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Snoozes {
    by_target: BTreeMap<SnoozeTarget, SnoozeUntil>,
}

impl Snoozes {
    /// Sets (or replaces) the snooze of a target.
    pub fn set(&mut self, target: SnoozeTarget, until: SnoozeUntil) {
        self.by_target.insert(target, until);
    }

    /// True when there was a snooze to clear.
    pub fn clear(&mut self, target: &SnoozeTarget) -> bool {
        self.by_target.remove(target).is_some()
    }

    /// The target's snooze if it is still in force at `now`.
    pub fn active(&self, target: &SnoozeTarget, now: OffsetDateTime) -> Option<SnoozeUntil> {
        self.by_target
            .get(target)
            .copied()
            .filter(|until| !matches!(until, SnoozeUntil::At(t) if *t <= now))
    }

    /// A recovery ends an acknowledgement; timed snoozes run their course.
    pub fn end_on_recovery(&mut self, target: &SnoozeTarget) {
        if self.by_target.get(target) == Some(&SnoozeUntil::Recovery) {
            self.by_target.remove(target);
        }
    }

    pub fn prune(&mut self, now: OffsetDateTime) {
        self.by_target
            .retain(|_, until| !matches!(until, SnoozeUntil::At(t) if *t <= now));
    }

    /// Drops snoozes whose target no longer exists (an agent confirmed gone).
    pub fn forget(&mut self, keep: impl Fn(&SnoozeTarget) -> bool) {
        self.by_target.retain(|target, _| keep(target));
    }

    pub fn list(&self, now: OffsetDateTime) -> Vec<Snooze> {
        self.by_target
            .iter()
            .filter(|(target, _)| self.active(target, now).is_some())
            .map(|(target, until)| Snooze {
                target: target.clone(),
                until: *until,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snoozes_read_back_what_they_write() {
        let at = OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap();
        let snoozes = vec![
            Snooze {
                target: SnoozeTarget::Agent(AgentKey::new("cc", "1001")),
                until: SnoozeUntil::At(at),
            },
            Snooze {
                target: SnoozeTarget::Account {
                    account_id: "ai".into(),
                },
                until: SnoozeUntil::Recovery,
            },
            Snooze {
                target: SnoozeTarget::All,
                until: SnoozeUntil::Cleared,
            },
        ];
        let text = serde_json::to_string(&snoozes).unwrap();
        assert!(text.contains("\"at_ms\":1750000000000"), "{text}");
        let back: Vec<Snooze> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, snoozes);
    }
}
