//! The seat's skill queues: `GET queuedevice/{workno}/agentvdnskill` (the skills of the seat's
//! VDN) and `POST queuedevice/{workno}/queryacdstat` (their statistics, at most 100 skills a
//! call: more is refused with 000-002, as Huawei's limit presumably is). Answers follow the
//! documented example (cec_07_0411), "none" sentinels included: a figure a test sets to
//! `None` goes out as 65535. A skill the VDN does not have is refused (000-002) or left out of
//! the answer, as configured; with the `control` feature both calls can be refused with a
//! retcode, as a gateway does for a seat without the right.

use super::answers::{guid_of, phrase_for};
use super::variants::Phrase;
use super::HuaweiSim;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Huawei's limit of skills per `queryacdstat` call.
pub const MAX_SKILLS_PER_CALL: usize = 100;
const RETCODE_BAD_PARAMETER: &str = "000-002";
/// Huawei's "none" in a numeric field.
const NONE: u64 = 65_535;

/// One skill queue of the simulated VDN. A figure set to `None` is sent as Huawei's "none".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimQueue {
    pub name: String,
    /// 5 voice, 51 web chat... (`mediatype` of `agentvdnskill`).
    #[serde(default = "voice")]
    pub mediatype: i64,
    #[serde(default)]
    pub waiting: Option<u64>,
    #[serde(default)]
    pub longest_wait_secs: Option<u64>,
    #[serde(default)]
    pub available: Option<u64>,
    #[serde(default)]
    pub logged_on: Option<u64>,
}

fn voice() -> i64 {
    5
}

impl SimQueue {
    /// A voice queue with these figures.
    pub fn new(
        name: &str,
        waiting: u64,
        longest_wait_secs: u64,
        available: u64,
        logged_on: u64,
    ) -> SimQueue {
        SimQueue {
            name: name.to_string(),
            mediatype: voice(),
            waiting: Some(waiting),
            longest_wait_secs: Some(longest_wait_secs),
            available: Some(available),
            logged_on: Some(logged_on),
        }
    }
}

/// What `queryacdstat` does with a skill the VDN does not have (real gateways: not confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownSkill {
    /// Refuses the whole call with 000-002.
    #[default]
    Refuse,
    /// Answers for the known ones only.
    Omit,
}

/// The skills and how the calls about them answer.
#[derive(Default)]
pub(super) struct QueueBoard {
    pub skills: BTreeMap<u32, SimQueue>,
    pub unknown: UnknownSkill,
    /// Both calls refused with this retcode (a seat without the right).
    pub refusal: Option<String>,
    /// Only the skill listing refused with this retcode.
    pub listing_refusal: Option<String>,
}

pub(super) async fn vdn_skills(
    State(sim): State<HuaweiSim>,
    Path(seat): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.count(|c| &c.skill_listing_requests);
    if let Err(code) = sim.authorize(guid_of(&headers), Some(&seat)) {
        return sim.error(code, phrase_for(code));
    }
    let board = sim.queues();
    if let Some(retcode) = board.refusal.as_ref().or(board.listing_refusal.as_ref()) {
        return sim.error(retcode, Phrase::QueuesRefused);
    }
    let result: Vec<Value> = board
        .skills
        .iter()
        .map(|(id, q)| {
            json!({"name": q.name, "id": id, "mediatype": q.mediatype, "serviceType": 1, "realFlag": 1})
        })
        .collect();
    drop(board);
    sim.succeed(Value::Array(result))
}

pub(super) async fn acd_stats(
    State(sim): State<HuaweiSim>,
    Path(seat): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.count(|c| &c.queue_stat_requests);
    if let Err(code) = sim.authorize(guid_of(&headers), Some(&seat)) {
        return sim.error(code, phrase_for(code));
    }
    let Some(asked) = asked_skills(&body) else {
        return sim.error(RETCODE_BAD_PARAMETER, Phrase::BodyNotJson);
    };
    sim.inner
        .counters
        .max_skills_per_call
        .fetch_max(asked.len() as u64, std::sync::atomic::Ordering::Relaxed);
    if asked.len() > MAX_SKILLS_PER_CALL || asked.is_empty() {
        sim.count(|c| &c.refused_batches);
        return sim.error(RETCODE_BAD_PARAMETER, Phrase::SkillRefused);
    }
    let board = sim.queues();
    if let Some(retcode) = &board.refusal {
        return sim.error(retcode, Phrase::QueuesRefused);
    }
    let mut result = Vec::with_capacity(asked.len());
    for id in asked {
        match board.skills.get(&id) {
            Some(queue) => result.push(stats_entry(id, queue)),
            None if board.unknown == UnknownSkill::Omit => {}
            None => {
                drop(board);
                sim.count(|c| &c.refused_batches);
                return sim.error(RETCODE_BAD_PARAMETER, Phrase::SkillRefused);
            }
        }
    }
    drop(board);
    sim.succeed(Value::Array(result))
}

/// The skill ids of a `{"skills": [...]}` body, numbers or digit strings (Huawei's aPortal
/// sends strings); `None` for anything else.
fn asked_skills(body: &[u8]) -> Option<Vec<u32>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .get("skills")?
        .as_array()?
        .iter()
        .map(|id| match id {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .collect()
}

/// One skill's statistics, shaped as the documented example.
fn stats_entry(id: u32, q: &SimQueue) -> Value {
    let or_none = |v: Option<u64>| v.unwrap_or(NONE);
    json!({
        "pilotNbr": "",
        "deviceNo": id,
        "queueSize": or_none(q.waiting),
        "queueTime": or_none(q.longest_wait_secs),
        "loadFactor": NONE,
        "estWaitTime": 0,
        "loggedOnAgents": or_none(q.logged_on),
        "availAgents": or_none(q.available),
        "transferFlg": 0,
        "transferDeviceType": 255,
        "transferDeviceNo": NONE,
        "skillDescrip": q.name,
        "resourceIdleRate": 100,
        "serviceLevel": 100,
        "oldCallIdEx": {"dateTime": 4_294_967_295_000u64, "dsn": NONE, "server": 255, "handle": 255},
        "maxQueueSize": 100,
    })
}

impl HuaweiSim {
    /// Creates or changes a skill queue of the seat's VDN.
    pub fn set_queue(&self, id: u32, queue: SimQueue) {
        self.queues_write().skills.insert(id, queue);
    }

    /// Removes a skill queue: asking for it is then an unknown skill.
    pub fn remove_queue(&self, id: u32) -> bool {
        self.queues_write().skills.remove(&id).is_some()
    }

    pub fn queue(&self, id: u32) -> Option<SimQueue> {
        self.queues().skills.get(&id).cloned()
    }

    /// Adds many queues at once (benchmarks).
    pub fn add_queues(&self, queues: impl IntoIterator<Item = (u32, SimQueue)>) {
        self.queues_write().skills.extend(queues);
    }

    pub fn set_unknown_skill(&self, unknown: UnknownSkill) {
        self.queues_write().unknown = unknown;
    }

    /// From now on both queue calls are refused with `retcode` (None: granted again).
    #[cfg(feature = "control")]
    pub fn refuse_queues(&self, retcode: Option<String>) {
        self.queues_write().refusal = retcode;
    }

    /// From now on only the skill listing is refused with `retcode` (None: granted again).
    #[cfg(feature = "control")]
    pub fn refuse_skill_listing(&self, retcode: Option<String>) {
        self.queues_write().listing_refusal = retcode;
    }

    fn queues(&self) -> std::sync::RwLockReadGuard<'_, QueueBoard> {
        self.inner.queues.read().unwrap_or_else(|e| e.into_inner())
    }

    fn queues_write(&self) -> std::sync::RwLockWriteGuard<'_, QueueBoard> {
        self.inner.queues.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_follow_the_documented_example_with_sentinels_for_what_is_not_set() {
        let mut queue = SimQueue::new("vip", 4, 200, 0, 2);
        queue.available = None;
        let entry = stats_entry(3, &queue);
        assert_eq!(entry["deviceNo"], 3);
        assert_eq!(entry["queueSize"], 4);
        assert_eq!(entry["queueTime"], 200);
        assert_eq!(entry["availAgents"], 65_535);
        assert_eq!(entry["loadFactor"], 65_535);
        assert_eq!(entry["skillDescrip"], "vip");
    }

    #[test]
    fn skill_ids_are_read_as_numbers_or_strings() {
        assert_eq!(asked_skills(br#"{"skills":[1,"10"]}"#), Some(vec![1, 10]));
        assert_eq!(asked_skills(br#"{"skills":[true]}"#), None);
        assert_eq!(asked_skills(b"nope"), None);
    }
}
