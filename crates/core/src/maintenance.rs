//! Maintenance windows: while an account (or some of its agents) is being worked on, its changes
//! and outages are recorded but never notified. Windows come from the config file (one-off
//! `from`/`to`, or weekly `days` + `start`/`end`), or are started at run time for a while
//! (dashboard, `agentwatch maintenance start`).
//!
//! ```toml
//! [[accounts.maintenance]]       # every Sunday night, crossing midnight
//! days = ["sun"]
//! start = "23:00"
//! end = "02:00"
//! [[accounts.maintenance]]       # once, for two agents only
//! from = "2026-12-24 18:00"
//! to = "2026-12-27 08:00"
//! agents = ["1001", "1002"]
//! ```
//!
//! Configured windows are read in local wall-clock time, as quiet hours are: "23:00 to 02:00"
//! stays 23:00 to 02:00 on the night the clocks change, however long that night is.

use crate::clock::week::{Day, TimeOfDay};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// The longest a window started at run time may last.
pub const MAX_ADHOC_SECS: u64 = 7 * 24 * 3600;

/// A local date and time, written "YYYY-MM-DD HH:MM".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDateTime(pub PrimitiveDateTime);

impl FromStr for LocalDateTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a local date and time (expected YYYY-MM-DD HH:MM)");
        let (date, time) = s.trim().split_once([' ', 'T']).ok_or_else(bad)?;
        let mut parts = date.split('-');
        let mut next = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<i32>().ok())
        };
        let (y, m, d) = (next(4), next(2), next(2));
        let (Some(y), Some(m), Some(d), None) = (y, m, d, parts.next()) else {
            return Err(bad());
        };
        let month = time::Month::try_from(m as u8).map_err(|_| bad())?;
        let date = Date::from_calendar_date(y, month, d as u8).map_err(|_| bad())?;
        let t: TimeOfDay = time.parse().map_err(|_| bad())?;
        let time = Time::from_hms(t.hour(), t.minute(), 0).map_err(|_| bad())?;
        Ok(LocalDateTime(PrimitiveDateTime::new(date, time)))
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute()
        )
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One `[[accounts.maintenance]]` table: either `from`/`to` (once) or `start`/`end` on `days`
/// (weekly; no `days` = every day). `agents` limits it to those agents of the account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<LocalDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<LocalDateTime>,
    /// The days a weekly window starts on (one that crosses midnight ends the next day).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<Day>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<TimeOfDay>,
    /// Earlier than `start` = the next morning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<TimeOfDay>,
    /// Only these agents of the account; empty = the whole account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<String>,
}

impl MaintenanceWindow {
    /// A weekly window.
    pub fn weekly(days: &[Day], start: TimeOfDay, end: TimeOfDay) -> Self {
        MaintenanceWindow {
            days: days.to_vec(),
            start: Some(start),
            end: Some(end),
            ..Default::default()
        }
    }

    /// A one-off window.
    pub fn once(from: LocalDateTime, to: LocalDateTime) -> Self {
        MaintenanceWindow {
            from: Some(from),
            to: Some(to),
            ..Default::default()
        }
    }

    /// Why the table does not describe a window, if it does not.
    pub fn validate(&self) -> Result<(), String> {
        let once = self.from.is_some() || self.to.is_some();
        let weekly = self.start.is_some() || self.end.is_some() || !self.days.is_empty();
        match (once, weekly) {
            (true, true) => Err(
                "a window is either from/to (once) or start/end with days (weekly), not both"
                    .into(),
            ),
            (false, false) => Err("a window needs from and to, or start and end".into()),
            (true, false) => match (self.from, self.to) {
                (Some(from), Some(to)) if from < to => Ok(()),
                (Some(from), Some(to)) => Err(format!("ends ({to}) before it starts ({from})")),
                _ => Err("a one-off window needs both from and to".into()),
            },
            (false, true) => match (self.start, self.end) {
                (Some(start), Some(end)) if start == end => Err(format!(
                    "start and end are both {start}: a window must not be empty"
                )),
                (Some(_), Some(_)) => Ok(()),
                _ => Err("a weekly window needs both start and end".into()),
            },
        }
        .and_then(|()| match self.agents.iter().any(|a| a.trim().is_empty()) {
            true => Err("agent ids must not be empty".into()),
            false => Ok(()),
        })
    }

    fn covers_agent(&self, agent: Option<&str>) -> bool {
        self.agents.is_empty() || agent.is_some_and(|a| self.agents.iter().any(|w| w == a))
    }

    /// When the window ends (local wall-clock time), if `now` is inside it.
    pub fn ends(&self, now: OffsetDateTime) -> Option<PrimitiveDateTime> {
        let wall = PrimitiveDateTime::new(now.date(), now.time());
        if let (Some(from), Some(to)) = (self.from, self.to) {
            return (from.0 <= wall && wall < to.0).then_some(to.0);
        }
        let (start, end) = (self.start?, self.end?);
        let t = TimeOfDay::of(now);
        let on = |day: Date| self.days.is_empty() || self.days.contains(&Day::of(day.weekday()));
        let end_on = |day: Date| {
            let time = Time::from_hms(end.hour(), end.minute(), 0).ok()?;
            Some(PrimitiveDateTime::new(day, time))
        };
        let today = now.date();
        if start < end {
            (on(today) && start <= t && t < end).then(|| end_on(today))?
        } else if on(today) && t >= start {
            end_on(today.next_day()?)
        } else if on(today.previous_day()?) && t < end {
            end_on(today)
        } else {
            None
        }
    }
}

/// Who a run-time window covers: an account, or one agent of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MaintenanceTarget {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

impl MaintenanceTarget {
    pub fn account(account_id: impl Into<String>) -> Self {
        MaintenanceTarget {
            account_id: account_id.into(),
            agent_id: None,
        }
    }
}

/// A window started at run time, as kept across engine (and app) restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdhocMaintenance {
    #[serde(flatten)]
    pub target: MaintenanceTarget,
    pub until_ms: i64,
}

/// A window in force, for the UI ("in maintenance until 02:00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveMaintenance {
    pub account_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// When it ends, Unix ms (for a configured window, its local end in today's offset).
    pub until_ms: i64,
    /// The end as a person reads it: "02:00", "Tue 02:00", "2026-12-27 08:00".
    pub until: String,
    /// From the config file (true) or started at run time.
    pub scheduled: bool,
}

/// Every window the policy knows: the configured ones per account, those started at run time,
/// and configured windows ended early by hand.
#[derive(Debug, Clone, Default)]
pub struct MaintenanceBook {
    schedules: BTreeMap<String, Vec<MaintenanceWindow>>,
    adhoc: BTreeMap<MaintenanceTarget, OffsetDateTime>,
    /// A configured window ended by hand stays ended until its own end (local wall time).
    ended_early: BTreeMap<String, PrimitiveDateTime>,
}

impl MaintenanceBook {
    /// The configured windows of these accounts (replacing the ones known so far).
    pub fn set_schedules<'a>(
        &mut self,
        accounts: impl IntoIterator<Item = (&'a str, &'a [MaintenanceWindow])>,
    ) {
        self.schedules = accounts
            .into_iter()
            .filter(|(_, windows)| !windows.is_empty())
            .map(|(id, windows)| (id.to_string(), windows.to_vec()))
            .collect();
    }

    /// Starts (or extends, or shortens) a window until `until`.
    pub fn start(&mut self, target: MaintenanceTarget, until: OffsetDateTime) {
        self.adhoc.insert(target, until);
    }

    /// Ends the target's window now: the one started at run time, and for an account also the
    /// configured window it is in (until that window's own end). True when one was in force.
    pub fn end(&mut self, target: &MaintenanceTarget, now: OffsetDateTime) -> bool {
        let mut ended = self.adhoc.remove(target).is_some_and(|until| until > now);
        if target.agent_id.is_none() {
            self.adhoc.retain(|t, _| t.account_id != target.account_id);
            if let Some(end) = self.scheduled_end(&target.account_id, None, now) {
                self.ended_early.insert(target.account_id.clone(), end);
                ended = true;
            }
        }
        ended
    }

    fn scheduled_end(
        &self,
        account_id: &str,
        agent: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<PrimitiveDateTime> {
        let skip_until = self.ended_early.get(account_id);
        self.schedules
            .get(account_id)?
            .iter()
            .filter(|w| w.covers_agent(agent))
            .filter_map(|w| w.ends(now))
            .filter(|end| skip_until.is_none_or(|skip| end > skip))
            .max()
    }

    fn adhoc_end(
        &self,
        account_id: &str,
        agent: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let account = MaintenanceTarget::account(account_id);
        let agent = agent.map(|a| MaintenanceTarget {
            account_id: account_id.to_string(),
            agent_id: Some(a.to_string()),
        });
        [Some(account), agent]
            .into_iter()
            .flatten()
            .filter_map(|t| self.adhoc.get(&t).copied())
            .filter(|until| *until > now)
            .max()
    }

    /// The window covering this account (`agent: None`: the account itself) at `now`, if any:
    /// the latest end of those in force.
    pub fn active(
        &self,
        account_id: &str,
        agent: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<ActiveMaintenance> {
        let scheduled = self
            .scheduled_end(account_id, agent, now)
            .map(|end| (end.assume_offset(now.offset()), true));
        let adhoc = self
            .adhoc_end(account_id, agent, now)
            .map(|end| (end, false));
        let (until, scheduled) = match (scheduled, adhoc) {
            (Some(s), Some(a)) => {
                if s.0 >= a.0 {
                    s
                } else {
                    a
                }
            }
            (s, a) => s.or(a)?,
        };
        Some(ActiveMaintenance {
            account_id: account_id.to_string(),
            agent_id: agent.map(str::to_string),
            until_ms: crate::clock::times::to_ms(until),
            until: crate::clock::times::time_label(until, now),
            scheduled,
        })
    }

    /// Every window in force at `now`: per account, and per agent where only agents are in one.
    pub fn list(&self, now: OffsetDateTime) -> Vec<ActiveMaintenance> {
        let mut accounts: Vec<&str> = self.schedules.keys().map(String::as_str).collect();
        accounts.extend(self.adhoc.keys().map(|t| t.account_id.as_str()));
        accounts.sort_unstable();
        accounts.dedup();
        let mut out = Vec::new();
        for account in accounts {
            if let Some(active) = self.active(account, None, now) {
                out.push(active);
                continue;
            }
            let mut agents: Vec<&str> = self
                .schedules
                .get(account)
                .into_iter()
                .flatten()
                .filter(|w| w.ends(now).is_some())
                .flat_map(|w| w.agents.iter().map(String::as_str))
                .chain(
                    self.adhoc
                        .keys()
                        .filter(|t| t.account_id == account)
                        .filter_map(|t| t.agent_id.as_deref()),
                )
                .collect();
            agents.sort_unstable();
            agents.dedup();
            out.extend(
                agents
                    .into_iter()
                    .filter_map(|agent| self.active(account, Some(agent), now)),
            );
        }
        out
    }

    /// The run-time windows still in force, to hand to the next engine.
    pub fn adhoc(&self, now: OffsetDateTime) -> Vec<AdhocMaintenance> {
        self.adhoc
            .iter()
            .filter(|(_, until)| **until > now)
            .map(|(target, until)| AdhocMaintenance {
                target: target.clone(),
                until_ms: crate::clock::times::to_ms(*until),
            })
            .collect()
    }

    /// Drops what has ended, so that the book stays as small as what is in force.
    pub fn prune(&mut self, now: OffsetDateTime) {
        self.adhoc.retain(|_, until| *until > now);
        let wall = PrimitiveDateTime::new(now.date(), now.time());
        self.ended_early.retain(|_, end| *end > wall);
    }

    /// Forgets an account removed from the configuration.
    pub fn forget_account(&mut self, account_id: &str) {
        self.schedules.remove(account_id);
        self.adhoc.retain(|t, _| t.account_id != account_id);
        self.ended_early.remove(account_id);
    }
}

#[cfg(test)]
mod tests;
