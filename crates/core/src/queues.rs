//! Skill queues (`[accounts.queues]`): which queues to watch and the thresholds that make one a
//! warning or critical, and each queue as an item of its account (`queue:<skill id>`).
//!
//! ```toml
//! [accounts.queues]
//! skills = "all"                          # every skill of the seat's VDN, or a list: [1, 10]
//! waiting = { warning = 1, critical = 5 } # calls waiting at or above
//! longest_wait = { warning = "60s", critical = "3m" }
//! no_free_agent = "critical"              # calls waiting while no agent of the skill is free
//! ```
//!
//! The vendor reads the figures (Huawei: `vendors::huawei::queues`); this module turns them into
//! the queue's words ("4 waiting · longest 3 min 20 s · 0 of 2 free"), its severity (the worst
//! threshold crossed) and what to tell ("4 waiting for 3 min 20 s, no agent free").

use crate::clock::minutes_seconds;
use crate::count_limit::{CountLimit, Direction};
use crate::items::{self, Figures, QueueFigures};
use crate::model::{Observation, Severity};
use crate::time_limits::TimeLimit;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The keys of `[accounts.queues]`, for messages.
pub const KEYS: &str = "skills, waiting, longest_wait, no_free_agent";

/// Which skill queues to watch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SkillChoice {
    /// Every skill the seat's VDN has (listed once per sign-in).
    #[default]
    All,
    /// These skill ids, in this order, each once.
    Listed(Vec<u32>),
}

impl SkillChoice {
    const EXPECTED: &'static str = "\"all\" or a list of skill ids, e.g. [1, 10]";
}

impl Serialize for SkillChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SkillChoice::All => s.serialize_str("all"),
            SkillChoice::Listed(ids) => ids.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for SkillChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Choice;
        impl<'de> Visitor<'de> for Choice {
            type Value = SkillChoice;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(SkillChoice::EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SkillChoice, E> {
                if v.trim().eq_ignore_ascii_case("all") {
                    Ok(SkillChoice::All)
                } else {
                    Err(E::custom(format!(
                        "{v:?} is not a choice of skills: write {}",
                        SkillChoice::EXPECTED
                    )))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SkillChoice, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<SkillId>()? {
                    if !ids.contains(&id.0) {
                        ids.push(id.0);
                    }
                }
                if ids.is_empty() {
                    return Err(de::Error::custom(format!(
                        "the list of skills is empty: write {}",
                        SkillChoice::EXPECTED
                    )));
                }
                Ok(SkillChoice::Listed(ids))
            }
        }
        d.deserialize_any(Choice)
    }
}

/// One skill id of the list: a whole number, or its digits quoted.
struct SkillId(u32);

impl<'de> Deserialize<'de> for SkillId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Id;
        impl<'de> Visitor<'de> for Id {
            type Value = SkillId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a skill id (a whole number)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SkillId, E> {
                u32::try_from(v).map(SkillId).map_err(|_| {
                    E::custom(format!("{v} is not a skill id (a whole number from 0)"))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SkillId, E> {
                u32::try_from(v)
                    .map(SkillId)
                    .map_err(|_| E::custom(format!("{v} is not a skill id (too large)")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SkillId, E> {
                v.trim()
                    .parse()
                    .map(SkillId)
                    .map_err(|_| E::custom(format!("{v:?} is not a skill id (a whole number)")))
            }
        }
        d.deserialize_any(Id)
    }
}

/// What makes "calls waiting while no agent of the skill is free" a problem: its severity, or
/// off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoFreeAgent {
    Off,
    Warning,
    Critical,
}

impl Default for NoFreeAgent {
    /// A call waiting with nobody to take it is the queue's worst moment.
    fn default() -> Self {
        NoFreeAgent::Critical
    }
}

impl NoFreeAgent {
    fn severity(self) -> Option<Severity> {
        match self {
            NoFreeAgent::Off => None,
            NoFreeAgent::Warning => Some(Severity::Warning),
            NoFreeAgent::Critical => Some(Severity::Critical),
        }
    }
}

/// `[accounts.queues]` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    #[serde(default)]
    pub skills: SkillChoice,
    /// Calls waiting at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<CountLimit>,
    /// The longest wait at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_wait: Option<TimeLimit>,
    #[serde(default)]
    pub no_free_agent: NoFreeAgent,
}

/// A problem with one key under `[accounts.queues]`: (dotted key, message).
pub type QueueKeyError = (String, String);

impl QueueSettings {
    /// Reads the section from its table as written (`queues` under a vendor's keys); the error's
    /// key is dotted from `queues`.
    pub fn read(value: &toml::Value) -> Result<QueueSettings, QueueKeyError> {
        if !value.is_table() {
            return Err((
                "queues".into(),
                format!("must be a table ([accounts.queues] with {KEYS})"),
            ));
        }
        let settings: QueueSettings = value.clone().try_into().map_err(|e: toml::de::Error| {
            let message = e.message().trim().to_string();
            let key = named_key(&message)
                .map_or_else(|| "queues".to_string(), |key| format!("queues.{key}"));
            (key, message)
        })?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), QueueKeyError> {
        if let Some(waiting) = &self.waiting {
            waiting.validate("queues.waiting", Direction::AtLeast)?;
        }
        if let Some(longest) = &self.longest_wait {
            let limits =
                crate::time_limits::TimeLimits::from([("longest_wait".into(), longest.clone())]);
            crate::time_limits::validate(&limits).map_err(|(key, message)| {
                let key = key.replacen("time_limits.", "queues.", 1);
                (key, message.replace("limit", "level"))
            })?;
        }
        Ok(())
    }

    /// The queue as an item of its account: words, the worst threshold crossed, the finding.
    pub fn observe(&self, stats: SkillStats) -> Observation {
        let figures = QueueFigures {
            skill_id: stats.skill_id.clone(),
            waiting: stats.waiting,
            longest_wait_secs: stats.longest_wait_secs,
            available: stats.available,
            logged_on: stats.logged_on,
            unreadable: None,
        };
        let severity = self.severity(&figures);
        let finding = (severity != Severity::Ok).then(|| finding(&figures));
        items::observation(
            items::queue_id(&stats.skill_id),
            stats.name,
            words(&figures),
            severity,
            finding,
            Figures::Queue(figures),
        )
    }

    /// The worst threshold the figures cross; unknown when the calls waiting were not reported.
    pub fn severity(&self, figures: &QueueFigures) -> Severity {
        let Some(waiting) = figures.waiting else {
            return Severity::Unknown;
        };
        let by_count = self
            .waiting
            .and_then(|limit| limit.check(waiting, Direction::AtLeast));
        let by_wait = match (&self.longest_wait, figures.longest_wait_secs) {
            (Some(limit), Some(secs)) if waiting > 0 => limit.check(secs).over,
            _ => None,
        };
        let by_no_free = match figures.available {
            Some(0) if waiting > 0 => self.no_free_agent.severity(),
            _ => None,
        };
        Severity::worst([by_count, by_wait, by_no_free].into_iter().flatten())
    }
}

/// The key toml names in its message ("unknown field `waitng`", "for key `waiting.warning`").
pub(crate) fn named_key(message: &str) -> Option<String> {
    ["unknown field `", "for key `", "missing field `"]
        .iter()
        .find_map(|prefix| {
            let at = message.find(prefix)? + prefix.len();
            message[at..].split('`').next().map(str::to_string)
        })
        .filter(|key| !key.is_empty())
}

/// One skill queue's figures as the vendor reported them (`None`: not reported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillStats {
    pub skill_id: String,
    pub name: Option<String>,
    pub waiting: Option<u64>,
    pub longest_wait_secs: Option<u64>,
    pub available: Option<u64>,
    pub logged_on: Option<u64>,
}

/// "4 waiting · longest 3 min 20 s · 0 of 2 free"; a figure not reported is said so, never a
/// number.
pub fn words(figures: &QueueFigures) -> String {
    let mut parts = Vec::with_capacity(3);
    match figures.waiting {
        Some(n) => parts.push(format!("{n} waiting")),
        None => parts.push("calls waiting not reported".to_string()),
    }
    if let (Some(n), Some(secs)) = (figures.waiting, figures.longest_wait_secs) {
        if n > 0 && secs > 0 {
            parts.push(format!("longest {}", minutes_seconds(secs)));
        }
    }
    match (figures.available, figures.logged_on) {
        (_, Some(0)) => parts.push("no agent signed in".to_string()),
        (Some(free), Some(on)) => parts.push(format!("{free} of {on} free")),
        (Some(free), None) => parts.push(format!("{free} free")),
        (None, Some(on)) => parts.push(format!("{on} signed in")),
        (None, None) => {}
    }
    parts.join(" · ")
}

/// What to tell about a queue in trouble: "4 waiting for 3 min 20 s, no agent free".
pub fn finding(figures: &QueueFigures) -> String {
    let Some(waiting) = figures.waiting else {
        return "the gateway did not report how many calls are waiting".to_string();
    };
    let mut text = format!("{waiting} waiting");
    if let Some(secs) = figures.longest_wait_secs.filter(|s| *s > 0 && waiting > 0) {
        text.push_str(&format!(" for {}", minutes_seconds(secs)));
    }
    match (figures.available, figures.logged_on) {
        (_, Some(0)) if waiting > 0 => text.push_str(", no agent signed in"),
        (Some(0), _) if waiting > 0 => text.push_str(", no agent free"),
        (Some(free), Some(on)) => text.push_str(&format!(", {free} of {on} free")),
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml_text: &str) -> Result<QueueSettings, QueueKeyError> {
        let value: toml::Value = toml::from_str(toml_text).unwrap();
        QueueSettings::read(&value)
    }

    fn the_issue_example() -> QueueSettings {
        settings(
            r#"
            skills = "all"
            waiting = { warning = 1, critical = 5 }
            longest_wait = { warning = "60s", critical = "3m" }
            no_free_agent = "critical"
            "#,
        )
        .unwrap()
    }

    fn stats(
        waiting: Option<u64>,
        longest: Option<u64>,
        available: Option<u64>,
        logged_on: Option<u64>,
    ) -> SkillStats {
        SkillStats {
            skill_id: "3".into(),
            name: Some("vip".into()),
            waiting,
            longest_wait_secs: longest,
            available,
            logged_on,
        }
    }

    /// Figures (waiting, longest wait, free, signed in) -> severity and words.
    type Row = (
        Option<u64>,
        Option<u64>,
        Option<u64>,
        Option<u64>,
        Severity,
        &'static str,
    );

    /// Each row: figures (waiting, longest wait, free, signed in) -> severity and words.
    #[test]
    fn thresholds_give_the_worst_level_crossed() {
        use Severity::*;
        let s = the_issue_example();
        let cases: &[Row] = &[
            (
                Some(0),
                Some(0),
                Some(2),
                Some(2),
                Ok,
                "0 waiting · 2 of 2 free",
            ),
            (
                Some(1),
                Some(10),
                Some(1),
                Some(2),
                Warning,
                "1 waiting · longest 10 s · 1 of 2 free",
            ),
            (
                Some(4),
                Some(59),
                Some(1),
                Some(2),
                Warning,
                "4 waiting · longest 59 s · 1 of 2 free",
            ),
            (
                Some(1),
                Some(60),
                Some(1),
                Some(2),
                Warning,
                "1 waiting · longest 1 min · 1 of 2 free",
            ),
            (
                Some(1),
                Some(180),
                Some(1),
                Some(2),
                Critical,
                "1 waiting · longest 3 min · 1 of 2 free",
            ),
            (
                Some(5),
                Some(5),
                Some(1),
                Some(2),
                Critical,
                "5 waiting · longest 5 s · 1 of 2 free",
            ),
            (
                Some(4),
                Some(200),
                Some(0),
                Some(2),
                Critical,
                "4 waiting · longest 3 min 20 s · 0 of 2 free",
            ),
            (
                Some(0),
                Some(0),
                Some(0),
                Some(2),
                Ok,
                "0 waiting · 0 of 2 free",
            ),
            (Some(2), None, None, None, Warning, "2 waiting"),
            (
                Some(1),
                Some(5),
                Some(0),
                Some(0),
                Critical,
                "1 waiting · longest 5 s · no agent signed in",
            ),
            (
                None,
                Some(5),
                Some(0),
                Some(2),
                Unknown,
                "calls waiting not reported · 0 of 2 free",
            ),
        ];
        for &(waiting, longest, free, on, severity, text) in cases {
            let queue = s.observe(stats(waiting, longest, free, on));
            assert_eq!(
                (queue.severity, queue.state.as_str()),
                (severity, text),
                "{waiting:?} {longest:?} {free:?} {on:?}"
            );
            assert_eq!(queue.native, severity.as_str());
            assert_eq!(queue.agent_id, "queue:3");
            assert_eq!(queue.finding.is_some(), severity != Ok, "{queue:?}");
        }
    }

    #[test]
    fn no_free_agent_alone_and_switched_off() {
        let mut s = QueueSettings::default();
        let stuck = stats(Some(1), Some(5), Some(0), Some(3));
        assert_eq!(
            s.observe(stuck.clone()).severity,
            Severity::Critical,
            "the default"
        );
        s.no_free_agent = NoFreeAgent::Warning;
        assert_eq!(s.observe(stuck.clone()).severity, Severity::Warning);
        s.no_free_agent = NoFreeAgent::Off;
        assert_eq!(s.observe(stuck).severity, Severity::Ok);
    }

    #[test]
    fn the_finding_says_what_a_supervisor_needs() {
        let s = the_issue_example();
        let queue = s.observe(stats(Some(4), Some(200), Some(0), Some(2)));
        assert_eq!(
            queue.finding.as_deref(),
            Some("4 waiting for 3 min 20 s, no agent free")
        );
        let queue = s.observe(stats(Some(6), Some(30), Some(1), Some(4)));
        assert_eq!(
            queue.finding.as_deref(),
            Some("6 waiting for 30 s, 1 of 4 free")
        );
    }

    #[test]
    fn the_section_reads_both_skill_forms_and_names_bad_keys() {
        assert_eq!(the_issue_example().skills, SkillChoice::All);
        let listed = settings("skills = [1, \"10\", 1]").unwrap();
        assert_eq!(listed.skills, SkillChoice::Listed(vec![1, 10]));
        assert_eq!(listed.no_free_agent, NoFreeAgent::Critical);
        for (text, key, words) in [
            ("skills = \"some\"", "queues", "not a choice of skills"),
            ("skills = []", "queues", "empty"),
            ("skills = [-1]", "queues", "not a skill id"),
            ("waitng = { warning = 1 }", "queues.waitng", "unknown field"),
            (
                "waiting = { warning = 5, critical = 2 }",
                "queues.waiting.critical",
                "higher than",
            ),
            ("waiting = {}", "queues.waiting", "give a warning"),
            (
                "longest_wait = { warning = \"3x\" }",
                "queues.longest_wait.warning",
                "unknown unit",
            ),
            (
                "longest_wait = { warning = \"3m\", critical = \"1m\" }",
                "queues.longest_wait.critical",
                "longer than",
            ),
            ("no_free_agent = \"loud\"", "queues", "unknown variant"),
        ] {
            let (k, message) = settings(text).unwrap_err();
            assert!(k.starts_with(key), "{text}: {k} {message}");
            assert!(message.contains(words), "{text}: {message}");
        }
        let (key, _) = QueueSettings::read(&toml::Value::from(3)).unwrap_err();
        assert_eq!(key, "queues");
    }

    #[test]
    fn an_unreadable_queue_is_unknown_and_says_why() {
        let queue =
            items::unreadable_queue("7", Some("sales".into()), "retcode 000-003 (no permission)");
        assert_eq!(queue.severity, Severity::Unknown);
        assert_eq!(queue.native, items::UNREADABLE);
        assert!(queue.state.contains("no permission"), "{}", queue.state);
    }
}
