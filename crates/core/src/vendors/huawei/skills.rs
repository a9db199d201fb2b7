//! The answers of the skill-queue calls: `GET queuedevice/{workno}/agentvdnskill` (the skills of
//! the seat's VDN: `id`, `name`, `mediatype`...) and `POST queuedevice/{workno}/queryacdstat`
//! (per skill `deviceNo`, `skillDescrip`, `queueSize`, `queueTime` in seconds,
//! `loggedOnAgents`, `availAgents`). Numbers may come as digits in strings (Huawei's aPortal
//! sends skill ids so); 65535 and 4294967295(000) are Huawei's "none" and never become figures.
//! One bad entry costs that skill only; a `result` that is not a list says so.

use super::wire::{self, json_type};
use crate::queues::SkillStats;
use serde_json::Value;
use std::collections::HashMap;

/// Huawei's "none" values in numeric fields (cec_07_0411's example: `loadFactor` 65535,
/// `oldCallIdEx.dateTime` 4294967295000). 255 is "none" only in byte-wide fields
/// (`transferDeviceType`, `server`, `handle`), none of which is read here: 255 agents or calls
/// are real figures.
const SENTINELS: [i64; 3] = [65_535, 4_294_967_295, 4_294_967_295_000];

/// One skill of the seat's VDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    pub id: u32,
    pub name: Option<String>,
}

/// What the skill listing showed: the skills, and how many entries named no usable id.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListedSkills {
    pub skills: Vec<Skill>,
    pub skipped_entries: usize,
}

/// Reads `agentvdnskill`'s `result`, each skill once in the answer's order.
pub fn read_skills(result: Option<Value>) -> Result<ListedSkills, String> {
    let mut listed = ListedSkills::default();
    for entry in wire::result_list(result, "skills")? {
        match skill_id(entry.get("id")) {
            Some(id) if !listed.skills.iter().any(|s| s.id == id) => listed.skills.push(Skill {
                id,
                name: text(entry.get("name")),
            }),
            Some(_) => {}
            None => listed.skipped_entries += 1,
        }
    }
    Ok(listed)
}

/// Reads `queryacdstat`'s `result`: per skill id, its figures or why its entry is unreadable.
/// Entries without a usable `deviceNo` are left out (the skills asked for and not answered are
/// the caller's to report).
pub fn read_stats(
    result: Option<Value>,
) -> Result<HashMap<u32, Result<SkillStats, String>>, String> {
    let mut stats = HashMap::new();
    for entry in wire::result_list(result, "skill statistics")? {
        let Some(id) = skill_id(entry.get("deviceNo")) else {
            continue;
        };
        stats.entry(id).or_insert_with(|| stats_of(id, &entry));
    }
    Ok(stats)
}

fn stats_of(id: u32, entry: &Value) -> Result<SkillStats, String> {
    Ok(SkillStats {
        skill_id: id.to_string(),
        name: text(entry.get("skillDescrip")),
        waiting: figure(entry, "queueSize")?,
        longest_wait_secs: figure(entry, "queueTime")?,
        available: figure(entry, "availAgents")?,
        logged_on: figure(entry, "loggedOnAgents")?,
    })
}

/// A count or a time: an integer (or its digits in a string). Absent, null, negative or a
/// "none" sentinel is not reported; another type makes the entry unreadable, naming the field.
fn figure(entry: &Value, key: &str) -> Result<Option<u64>, String> {
    let value = match entry.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(value) => value,
    };
    let number = wire::integer(value).map_err(|e| format!("{key}: {e}"))?;
    if number < 0 || SENTINELS.contains(&number) {
        return Ok(None);
    }
    Ok(u64::try_from(number).ok())
}

/// A skill id: a whole number from 0, or its digits in a string.
fn skill_id(value: Option<&Value>) -> Option<u32> {
    match value? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A display name: non-blank text; anything else is no name (a name is never worth the queue).
fn text(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(other) if !other.is_null() => {
            tracing::debug!("huawei: a skill name is {}, not text", json_type(other));
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The documented example answer of `queryacdstat` (cec_07_0411), sentinels and all.
    const DOCUMENTED: &str = r#"{"message":"","retcode":"0","result":[{"pilotNbr":"","deviceNo":1,"queueSize":0,"queueTime":0,
 "loadFactor":65535,"estWaitTime":0,"loggedOnAgents":1,"availAgents":1,"transferFlg":0,
 "transferDeviceType":255,"transferDeviceNo":65535,"skillDescrip":"chat_a","resourceIdleRate":100,
 "serviceLevel":100,"oldCallIdEx":{"dateTime":4294967295000,"dsn":65535,"server":255,"handle":255},
 "maxQueueSize":100}]}"#;

    #[test]
    fn the_documented_answers_read_exactly() {
        let envelope = wire::parse_envelope(DOCUMENTED).unwrap();
        assert!(envelope.is_ok());
        let stats = read_stats(envelope.result).unwrap();
        assert_eq!(
            stats[&1],
            Ok(SkillStats {
                skill_id: "1".into(),
                name: Some("chat_a".into()),
                waiting: Some(0),
                longest_wait_secs: Some(0),
                available: Some(1),
                logged_on: Some(1),
            })
        );
        let listing = wire::parse_envelope(
            r#"{"message":"","retcode":"0","result":[{"name":"voice","id":1,"mediatype":5,"serviceType":1,"realFlag":1}]}"#,
        )
        .unwrap();
        assert_eq!(
            read_skills(listing.result).unwrap(),
            ListedSkills {
                skills: vec![Skill {
                    id: 1,
                    name: Some("voice".into())
                }],
                skipped_entries: 0
            }
        );
    }

    #[test]
    fn sentinels_are_never_figures_and_strings_are_numbers() {
        let stats = read_stats(Some(json!([
            {"deviceNo":"7","queueSize":"3","queueTime":65535,"availAgents":4294967295u64,
             "loggedOnAgents":-1,"skillDescrip":"vip"},
            {"deviceNo":8,"queueSize":255,"availAgents":255}
        ])))
        .unwrap();
        let seven = stats[&7].as_ref().unwrap();
        assert_eq!(
            (
                seven.waiting,
                seven.longest_wait_secs,
                seven.available,
                seven.logged_on
            ),
            (Some(3), None, None, None)
        );
        let eight = stats[&8].as_ref().unwrap();
        assert_eq!((eight.waiting, eight.available), (Some(255), Some(255)));
    }

    #[test]
    fn one_bad_entry_costs_its_skill_only() {
        let stats = read_stats(Some(json!([
            {"deviceNo":1,"queueSize":2},
            {"deviceNo":2,"queueSize":[2]},
            {"queueSize":5},
            {"deviceNo":{"x":1},"queueSize":5},
            "text",
            {"deviceNo":3,"queueSize":1,"skillDescrip":{"zh":"x"}}
        ])))
        .unwrap();
        assert_eq!(stats.len(), 3);
        assert_eq!(stats[&1].as_ref().unwrap().waiting, Some(2));
        let reason = stats[&2].as_ref().unwrap_err();
        assert!(reason.starts_with("queueSize: "), "{reason}");
        assert_eq!(stats[&3].as_ref().unwrap().name, None);
    }

    #[test]
    fn a_result_that_is_not_a_list_says_what_it_is() {
        assert!(read_stats(Some(json!({"deviceNo":1})))
            .unwrap_err()
            .contains("an object, not a list of skill statistics"));
        assert!(read_skills(None).unwrap_err().contains("no result"));
        let listed = read_skills(Some(
            json!([{"id":"4","name":" sales "},{"name":"x"},{"id":4}]),
        ))
        .unwrap();
        assert_eq!(
            listed.skills,
            vec![Skill {
                id: 4,
                name: Some("sales".into())
            }]
        );
        assert_eq!(listed.skipped_entries, 1);
    }
}
