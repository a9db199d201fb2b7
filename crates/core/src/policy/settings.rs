//! `[alerts]` in the config file: how many polls confirm a change, flapping, reminders, quiet
//! hours and storm control. Every key has a default, so an empty section is a good policy.
//!
//! ```toml
//! [alerts]
//! confirm_worse_polls = 2      # polls in a worse state before it is confirmed
//! confirm_better_polls = 1     # polls in a better (or equal) state
//! flap_changes = 5             # more changes than this within the window = flapping (0 = off)
//! flap_window_mins = 10        # also the quiet time after which a flapping agent has settled
//! remind_every_mins = 30       # reminders while an agent stays critical (0 = off)
//! storm_threshold = 5          # more notifications than this in one poll = one summary (0 = off)
//! [alerts.confirm_polls]       # by the severity a change leads to; beats the two above
//! critical = 1
//! [alerts.quiet_hours]
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! start = "22:00"
//! end = "07:00"
//! allow = "critical"           # or "none"
//! [alerts.accounts.cc-main]    # per account: the same confirm keys, which beat the global ones
//! confirm_worse_polls = 3
//! ```

use super::quiet_hours::QuietHours;
use crate::model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DEFAULT_CONFIRM_WORSE_POLLS: u32 = 2;
pub const DEFAULT_CONFIRM_BETTER_POLLS: u32 = 1;
pub const DEFAULT_FLAP_CHANGES: u32 = 5;
pub const DEFAULT_FLAP_WINDOW_MINS: u32 = 10;
pub const DEFAULT_REMIND_EVERY_MINS: u32 = 30;
pub const DEFAULT_STORM_THRESHOLD: u32 = 5;
/// More polls than this would hide a real failure for too long to be useful.
pub const MAX_CONFIRM_POLLS: u32 = 20;
pub const MAX_FLAP_WINDOW_MINS: u32 = 24 * 60;
pub const MAX_REMIND_EVERY_MINS: u32 = 7 * 24 * 60;
/// A summary standing for more than this many notifications from one poll says nothing more.
pub const MAX_STORM_THRESHOLD: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    pub confirm_worse_polls: u32,
    pub confirm_better_polls: u32,
    pub flap_changes: u32,
    pub flap_window_mins: u32,
    pub remind_every_mins: u32,
    pub storm_threshold: u32,
    #[serde(skip_serializing_if = "ConfirmPolls::is_empty")]
    pub confirm_polls: ConfirmPolls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, AccountAlertSettings>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            confirm_worse_polls: DEFAULT_CONFIRM_WORSE_POLLS,
            confirm_better_polls: DEFAULT_CONFIRM_BETTER_POLLS,
            flap_changes: DEFAULT_FLAP_CHANGES,
            flap_window_mins: DEFAULT_FLAP_WINDOW_MINS,
            remind_every_mins: DEFAULT_REMIND_EVERY_MINS,
            storm_threshold: DEFAULT_STORM_THRESHOLD,
            confirm_polls: ConfirmPolls::default(),
            quiet_hours: None,
            accounts: BTreeMap::new(),
        }
    }
}

/// Polls needed to confirm a change, by the severity the change leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ConfirmPolls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<u32>,
}

impl ConfirmPolls {
    pub fn get(&self, severity: Severity) -> Option<u32> {
        match severity {
            Severity::Ok => self.ok,
            Severity::Info => self.info,
            Severity::Warning => self.warning,
            Severity::Critical => self.critical,
            Severity::Unknown => self.unknown,
        }
    }

    pub fn is_empty(&self) -> bool {
        Severity::ALL.iter().all(|s| self.get(*s).is_none())
    }
}

/// `[alerts.accounts.<id>]`: the confirm keys for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AccountAlertSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_worse_polls: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_better_polls: Option<u32>,
    #[serde(skip_serializing_if = "ConfirmPolls::is_empty")]
    pub confirm_polls: ConfirmPolls,
}

impl AlertSettings {
    /// Polls needed to confirm a change of an account's agent to `severity`. The most specific
    /// setting wins: the account's per-severity key, the account's direction key, the global
    /// per-severity key, the global direction key.
    pub fn confirm_polls_for(&self, account_id: &str, severity: Severity, worse: bool) -> u32 {
        let account = self.accounts.get(account_id);
        let direction = |worse_polls: Option<u32>, better_polls: Option<u32>| {
            if worse {
                worse_polls
            } else {
                better_polls
            }
        };
        account
            .and_then(|a| a.confirm_polls.get(severity))
            .or_else(|| {
                account.and_then(|a| direction(a.confirm_worse_polls, a.confirm_better_polls))
            })
            .or_else(|| self.confirm_polls.get(severity))
            .unwrap_or(if worse {
                self.confirm_worse_polls
            } else {
                self.confirm_better_polls
            })
            .max(1)
    }

    pub fn flap_window_ms(&self) -> i64 {
        i64::from(self.flap_window_mins) * 60_000
    }

    pub fn remind_every_ms(&self) -> Option<i64> {
        (self.remind_every_mins > 0).then(|| i64::from(self.remind_every_mins) * 60_000)
    }

    /// Checks ranges. The error is (key under `alerts.`, message), like `AccountConfig::validate`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let fail = |key: String, message: String| Err((key, message));
        let polls = |key: &str, value: u32| -> Result<(), (String, String)> {
            if (1..=MAX_CONFIRM_POLLS).contains(&value) {
                Ok(())
            } else {
                fail(
                    key.to_string(),
                    format!("must be between 1 and {MAX_CONFIRM_POLLS} polls, not {value}"),
                )
            }
        };
        let confirm_table = |prefix: &str, table: &ConfirmPolls| {
            Severity::ALL.iter().try_for_each(|s| match table.get(*s) {
                Some(v) => polls(&format!("{prefix}confirm_polls.{s}"), v),
                None => Ok(()),
            })
        };
        polls("confirm_worse_polls", self.confirm_worse_polls)?;
        polls("confirm_better_polls", self.confirm_better_polls)?;
        confirm_table("", &self.confirm_polls)?;
        for (id, account) in &self.accounts {
            if id.trim().is_empty() {
                return fail("accounts".into(), "account ids must not be empty".into());
            }
            let prefix = format!("accounts.{id}.");
            if let Some(v) = account.confirm_worse_polls {
                polls(&format!("{prefix}confirm_worse_polls"), v)?;
            }
            if let Some(v) = account.confirm_better_polls {
                polls(&format!("{prefix}confirm_better_polls"), v)?;
            }
            confirm_table(&prefix, &account.confirm_polls)?;
        }
        if self.flap_changes > 0 && !(1..=MAX_FLAP_WINDOW_MINS).contains(&self.flap_window_mins) {
            return fail(
                "flap_window_mins".into(),
                format!(
                    "must be between 1 and {MAX_FLAP_WINDOW_MINS} minutes while flap_changes is on"
                ),
            );
        }
        if self.remind_every_mins > MAX_REMIND_EVERY_MINS {
            return fail(
                "remind_every_mins".into(),
                format!("must be at most {MAX_REMIND_EVERY_MINS} minutes (a week); 0 turns reminders off"),
            );
        }
        if self.storm_threshold > MAX_STORM_THRESHOLD {
            return fail(
                "storm_threshold".into(),
                format!("must be at most {MAX_STORM_THRESHOLD}; 0 turns summaries off"),
            );
        }
        if let Some(quiet) = &self.quiet_hours {
            if quiet.days.is_empty() {
                return fail(
                    "quiet_hours.days".into(),
                    "lists no day: name at least one (\"mon\" .. \"sun\") or remove [alerts.quiet_hours]"
                        .into(),
                );
            }
        }
        Ok(())
    }
}
