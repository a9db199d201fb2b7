//! The Agora Conversational AI REST v2 answers, as documented, and their parsing.
//!
//! Fields the documentation lists but AgentWatch does not need are optional so that their
//! absence does not fail a poll, and so is `meta` (the official SDKs accept answers without
//! it). A wrong type in the envelope fails the page; a wrong type in one agent's entry shows
//! that agent as unreadable (see [`crate::vendors::entry`]).

use crate::error::{Error, ErrorKind, Result};
use crate::vendors::entry::{read_entry, Entry};
use serde::Deserialize;

/// `GET .../agents`: `{"data":{"count","list":[...]},"meta":{"cursor","total"},"status":"ok"}`.
/// `data` and `meta` are optional here only so that a non-"ok" status can be reported as the
/// vendor's error rather than as a missing field.
#[derive(Debug, Deserialize)]
struct ListResponse {
    status: String,
    #[serde(default)]
    data: Option<ListData>,
    #[serde(default)]
    meta: Option<ListMeta>,
    #[serde(flatten)]
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ListData {
    /// The number of agents matching the query; stands in for `meta.total` when there is no
    /// `meta`.
    #[serde(default)]
    count: Option<u64>,
    list: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ListMeta {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    total: Option<u64>,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedAgent {
    pub agent_id: String,
    #[serde(deserialize_with = "status_text")]
    pub status: String,
    #[serde(default)]
    pub start_ts: Option<i64>,
}

/// One page of the list: its entries, where the next page starts (`None` on the last page) and
/// how many agents the server says match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Every entry with a usable agent id, readable or not.
    pub agents: Vec<Entry<ListedAgent>>,
    /// Entries without a usable agent id.
    pub skipped: usize,
    pub next_cursor: Option<String>,
    /// `meta.total`, else `data.count`.
    pub total: Option<u64>,
}

impl ListPage {
    /// How many entries the page held, usable or not.
    pub fn len(&self) -> usize {
        self.agents.len() + self.skipped
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The agent id of a list entry, readable or not.
pub fn listed_id(entry: &Entry<ListedAgent>) -> Option<&str> {
    entry.agent_id(|a| a.agent_id.as_str())
}

/// What the per-agent query said about one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAnswer {
    Found(AgentDetail),
    /// HTTP 404: the agent has exited.
    Exited,
    /// A JSON object that could not be read as the agent's state: the reason.
    Unreadable(String),
}

/// `GET .../agents/{agentId}`: `{message, start_ts, stop_ts, name, status, agent_id}`.
/// Here `status` is the agent's state, not the request's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgentDetail {
    pub agent_id: String,
    #[serde(deserialize_with = "status_text")]
    pub status: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub start_ts: Option<i64>,
    #[serde(default)]
    pub stop_ts: Option<i64>,
    #[serde(default)]
    #[allow(dead_code)] // documented; parsed so that a wrong type is caught
    pub message: Option<String>,
}

/// An agent's status as a name, or as its number (digits or a JSON integer, read through the
/// state table by `mapping::status_name`); kept as text.
fn status_text<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status {
        Name(String),
        Number(u64),
    }
    match Status::deserialize(d) {
        Ok(Status::Name(name)) => Ok(name),
        Ok(Status::Number(n)) => Ok(n.to_string()),
        Err(_) => Err(serde::de::Error::custom(
            "invalid type for status: expected a state name or its number",
        )),
    }
}

/// The turns of one session, read so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedTurns {
    pub turns: Vec<Turn>,
}

/// What one turn says about how the session went; its other fields are not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// `end.type` is `error`.
    pub ended_in_error: bool,
    /// `end.metadata.reason` of a turn ended in error (`LLM_REQUEST_ERR`, `INTERNAL_ERR`).
    pub error_reason: Option<String>,
    /// `metrics.e2e_latency_ms`.
    pub e2e_latency_ms: Option<u64>,
}

/// One page of `GET .../agents/{agentId}/turns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnsPage {
    pub turns: Vec<Turn>,
    /// No page follows: `pagination.is_last_page`, the last of `total_pages`, an empty page, or
    /// an answer without `pagination` (the older shape, every turn at once).
    pub last: bool,
}

/// Parses a page of turns. A turn whose fields have other types than documented counts as a
/// turn with nothing known about it: one odd turn does not hide the others.
pub fn parse_turns_page(body: &[u8], page_index: u32, what: &str) -> Result<TurnsPage> {
    let value: serde_json::Value = crate::http::parse_json(body, what)?;
    let turns: &[serde_json::Value] = match value.get("turns") {
        Some(serde_json::Value::Array(turns)) => turns,
        None | Some(serde_json::Value::Null) => &[],
        Some(_) => return Err(Error::malformed(what, "\"turns\" is not a list")),
    };
    let turns: Vec<Turn> = turns.iter().map(read_turn).collect();
    let pagination = value.get("pagination");
    let flag = |key: &str| pagination.and_then(|p| p.get(key));
    let last = turns.is_empty()
        || pagination.is_none()
        || flag("is_last_page").and_then(serde_json::Value::as_bool) == Some(true)
        || flag("total_pages")
            .and_then(serde_json::Value::as_u64)
            .is_some_and(|total| u64::from(page_index) >= total);
    Ok(TurnsPage { turns, last })
}

fn read_turn(turn: &serde_json::Value) -> Turn {
    let end = turn.get("end");
    let ended_in_error = end
        .and_then(|e| e.get("type"))
        .and_then(serde_json::Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("error"));
    let error_reason = end
        .and_then(|e| e.get("metadata"))
        .and_then(|m| m.get("reason"))
        .and_then(serde_json::Value::as_str)
        .filter(|_| ended_in_error)
        .map(|r| r.chars().take(64).collect());
    let e2e_latency_ms = turn
        .get("metrics")
        .and_then(|m| m.get("e2e_latency_ms"))
        .and_then(serde_json::Value::as_u64);
    Turn {
        ended_in_error,
        error_reason,
        e2e_latency_ms,
    }
}

/// An error body in either documented shape: `{"detail","reason"}` (current) or
/// `{"message","requestResponse","statusCode"}` (older).
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
    #[serde(default)]
    pub reason: Option<serde_json::Value>,
    #[serde(default)]
    pub message: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Reads an error body; anything that is not a JSON object gives an empty one.
    pub fn parse(body: &[u8]) -> ErrorBody {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// "detail (reason)", "message", or "" when the body says nothing readable.
    pub fn summary(&self) -> String {
        let text = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                Some(s.trim().to_string())
            }
            _ => None,
        };
        match (text(&self.detail), text(&self.reason), text(&self.message)) {
            (Some(d), Some(r), _) => format!("{d} ({r})"),
            (Some(d), None, _) => d,
            (None, Some(r), Some(m)) => format!("{m} ({r})"),
            (None, Some(r), None) => r,
            (None, None, Some(m)) => m,
            (None, None, None) => String::new(),
        }
    }
}

/// Parses one page of the list. `what` names the call in errors.
pub fn parse_list_page(body: &[u8], what: &str) -> Result<ListPage> {
    let response: ListResponse = crate::http::parse_json(body, what)?;
    if response.status != "ok" {
        let said = response.error.summary();
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        return Err(Error::poll(
            ErrorKind::Vendor,
            format!("{what}: Agora answered status {:?}{said}", response.status),
        ));
    }
    let data = response
        .data
        .ok_or_else(|| Error::malformed(what, "no \"data\" object"))?;
    let (cursor, total) = match response.meta {
        Some(meta) => (meta.cursor, meta.total.or(data.count)),
        None => (None, data.count),
    };
    let mut agents = Vec::with_capacity(data.list.len());
    let mut skipped = 0;
    for item in data.list {
        match read_entry::<ListedAgent>(item, "agent_id") {
            Entry::NoId => skipped += 1,
            entry => agents.push(entry),
        }
    }
    Ok(ListPage {
        agents,
        skipped,
        // Paging ends on a missing, null or empty cursor.
        next_cursor: cursor.filter(|c| !c.is_empty()),
        total,
    })
}

/// Parses the answer about `agent_id`. An answer that is not a JSON object fails the call; an
/// object with a wrong type is that agent, unreadable.
pub fn parse_agent(body: &[u8], agent_id: &str, what: &str) -> Result<AgentAnswer> {
    let value: serde_json::Value = crate::http::parse_json(body, what)?;
    if !value.is_object() {
        return Err(Error::malformed(what, "the answer is not a JSON object"));
    }
    match read_entry::<AgentDetail>(value, "agent_id") {
        Entry::Read(agent) if agent.agent_id.trim() == agent_id => Ok(AgentAnswer::Found(agent)),
        Entry::Read(agent) => Err(Error::malformed(
            what,
            format!("the answer is about agent {:?}", agent.agent_id),
        )),
        Entry::Unreadable { reason, .. } => Ok(AgentAnswer::Unreadable(reason)),
        Entry::NoId => Ok(AgentAnswer::Unreadable(
            "the answer has no usable agent_id".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../fixtures/agora_list_seed.json");
    const AGENT: &str = include_str!("../fixtures/agora_agent.json");
    const ERROR: &str = include_str!("../fixtures/agora_error.json");
    const ERROR_LEGACY: &str = include_str!("../fixtures/agora_error_legacy.json");

    #[test]
    fn turns_pages_read_the_documented_shape_and_the_older_one() {
        let page = br#"{"agent_id":"A1","total_turn_count":3,"pagination":{"page_index":1,"total_pages":2,"is_last_page":false},
            "turns":[{"turn_id":1,"start":{"start_at":1735035900123,"type":"voice_input"},
              "end":{"end_at":1735035902456,"type":"ok"},"metrics":{"e2e_latency_ms":980,
              "segmented_latency_ms":[{"name":"asr_ttlw","latency":210}]}},
             {"turn_id":2,"end":{"type":"error","metadata":{"reason":"LLM_REQUEST_ERR","details":"429"}},
              "metrics":{"e2e_latency_ms":"slow"}}]}"#;
        let read = parse_turns_page(page, 1, "turns").unwrap();
        assert!(!read.last);
        assert_eq!(
            read.turns,
            vec![
                Turn {
                    ended_in_error: false,
                    error_reason: None,
                    e2e_latency_ms: Some(980)
                },
                Turn {
                    ended_in_error: true,
                    error_reason: Some("LLM_REQUEST_ERR".into()),
                    e2e_latency_ms: None
                },
            ]
        );
        let older = br#"{"turns":[{"turn_id":1,"end":{"type":"ok"}}]}"#;
        assert!(parse_turns_page(older, 1, "turns").unwrap().last);
        let last_of_two =
            br#"{"pagination":{"page_index":2,"total_pages":2},"turns":[{"end":{"type":"ok"}}]}"#;
        assert!(parse_turns_page(last_of_two, 2, "turns").unwrap().last);
        assert!(parse_turns_page(br#"{"turns":7}"#, 1, "turns").is_err());
        assert!(parse_turns_page(b"<html>", 1, "turns").is_err());
    }

    #[test]
    fn the_seed_answer_is_one_running_agent_on_the_last_page() {
        let page = parse_list_page(SEED.as_bytes(), "list").unwrap();
        assert_eq!(
            page,
            ListPage {
                agents: vec![Entry::Read(ListedAgent {
                    agent_id: "1234567890ABCDE1CVGZNU80BEIN56XF".into(),
                    status: "RUNNING".into(),
                    start_ts: Some(1735035893),
                })],
                skipped: 0,
                next_cursor: None,
                total: Some(1),
            }
        );
    }

    #[test]
    fn a_cursor_announces_the_next_page() {
        let body = SEED.replace("\"cursor\": \"\"", "\"cursor\": \"NEXT\"");
        let page = parse_list_page(body.as_bytes(), "list").unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some("NEXT"));
    }

    #[test]
    fn the_per_agent_answer_parses() {
        let AgentAnswer::Found(agent) = parse_agent(
            AGENT.as_bytes(),
            "1234567890ABCDE1CVGZNU80BEIN56XF",
            "query",
        )
        .unwrap() else {
            panic!("the seed agent is readable");
        };
        assert_eq!(agent.agent_id, "1234567890ABCDE1CVGZNU80BEIN56XF");
        assert_eq!(agent.status, "RECOVERING");
        assert_eq!(agent.name.as_deref(), Some("support-bot"));
        assert_eq!(agent.start_ts, Some(1735035893));
        assert_eq!(agent.stop_ts, Some(0));
    }

    #[test]
    fn both_error_shapes_are_summarised() {
        assert_eq!(
            ErrorBody::parse(ERROR.as_bytes()).summary(),
            "Invalid authentication credentials (Unauthorized)"
        );
        assert_eq!(
            ErrorBody::parse(ERROR_LEGACY.as_bytes()).summary(),
            "Invalid authentication credentials"
        );
        assert_eq!(ErrorBody::parse(b"<html>oops</html>").summary(), "");
    }

    #[test]
    fn a_status_other_than_ok_is_a_vendor_error() {
        let body = r#"{"status":"failed","detail":"project suspended","reason":"Billing"}"#;
        let err = parse_list_page(body.as_bytes(), "list").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Vendor);
        assert!(
            err.to_string().contains("project suspended (Billing)"),
            "{err}"
        );
    }

    #[test]
    fn an_answer_without_meta_is_one_last_page_counted_by_data() {
        let page = parse_list_page(
            br#"{"status":"ok","data":{"count":1,"list":[{"agent_id":"A","status":"RUNNING"}]}}"#,
            "list",
        )
        .unwrap();
        assert_eq!(
            (page.len(), page.total, page.next_cursor),
            (1, Some(1), None)
        );
        for meta in [r#"{}"#, r#"{"cursor":null}"#, r#"{"cursor":""}"#] {
            let body = format!(r#"{{"status":"ok","data":{{"list":[]}},"meta":{meta}}}"#);
            let page = parse_list_page(body.as_bytes(), "list").unwrap();
            assert_eq!(page.next_cursor, None, "{meta}");
        }
    }

    #[test]
    fn one_bad_entry_is_shown_or_skipped_and_the_others_are_kept() {
        let body = br#"{"status":"ok","data":{"list":[
            {"agent_id":"A","status":"RUNNING"},
            {"agent_id":"B","status":["RUNNING"]},
            {"agent_id":"","status":"RUNNING"},
            {"status":"FAILED"},
            {"agent_id":"C","status":"FAILED"}]},"meta":{"cursor":"","total":5}}"#;
        let page = parse_list_page(body, "list").unwrap();
        let ids: Vec<_> = page.agents.iter().filter_map(listed_id).collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert!(
            matches!(&page.agents[1], Entry::Unreadable { reason, .. } if reason.contains("invalid type"))
        );
        assert_eq!((page.skipped, page.len()), (2, 5));
    }

    #[test]
    fn a_per_agent_answer_with_a_wrong_type_is_that_agent_unreadable() {
        let answer = parse_agent(br#"{"agent_id":"A","status":["RUNNING"]}"#, "A", "query");
        assert!(matches!(answer, Ok(AgentAnswer::Unreadable(r)) if r.contains("invalid type")));
        let answer = parse_agent(br#"{"agent_id":["A"],"status":"RUNNING"}"#, "A", "query");
        assert!(matches!(answer, Ok(AgentAnswer::Unreadable(_))));
        for whole in [&b"[1]"[..], b"{\"agent_id\":", b"\"A\""] {
            let err = parse_agent(whole, "A", "query").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed);
        }
        let other = parse_agent(br#"{"agent_id":"B","status":"RUNNING"}"#, "A", "query");
        assert_eq!(other.unwrap_err().kind(), ErrorKind::Malformed);
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        for body in [
            r#"{"status":"ok"}"#,
            r#"{"status":"ok","data":{"list":{}},"meta":{}}"#,
            r#"{"status":["ok"],"data":{"list":[]},"meta":{}}"#,
            r#"{"status":"ok","data":{"count":[1],"list":[]},"meta":{}}"#,
            r#"{"status":"ok","data":{"list":[]},"meta":{"cursor":5}}"#,
            r#"{"data":{"#,
        ] {
            let err = parse_list_page(body.as_bytes(), "list").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{body}: {err}");
            assert!(
                err.to_string().starts_with("malformed answer to list"),
                "{err}"
            );
        }
    }
}
