//! The Agora Conversational AI REST v2 answers, as documented, and their parsing.
//!
//! Fields the documentation lists but AgentWatch does not need (`count`, `total`, `message`) are
//! optional so that their absence does not fail a poll; a field of the wrong type always does.

use crate::error::{Error, ErrorKind, Result};
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
    #[serde(default)]
    #[allow(dead_code)] // documented; parsed so that a wrong type is caught
    count: Option<u64>,
    list: Vec<ListedAgent>,
}

#[derive(Debug, Deserialize)]
struct ListMeta {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // documented; parsed so that a wrong type is caught
    total: Option<u64>,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedAgent {
    pub agent_id: String,
    pub status: String,
    #[serde(default)]
    pub start_ts: Option<i64>,
}

/// One page of the list: its agents and where the next page starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub agents: Vec<ListedAgent>,
    pub next_cursor: Option<String>,
}

/// `GET .../agents/{agentId}`: `{message, start_ts, stop_ts, name, status, agent_id}`.
/// Here `status` is the agent's state, not the request's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgentDetail {
    pub agent_id: String,
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
    let meta = response
        .meta
        .ok_or_else(|| Error::malformed(what, "no \"meta\" object"))?;
    if let Some(blank) = data.list.iter().find(|a| a.agent_id.trim().is_empty()) {
        return Err(Error::malformed(
            what,
            format!("an agent has an empty agent_id (status {:?})", blank.status),
        ));
    }
    Ok(ListPage {
        agents: data.list,
        next_cursor: meta.cursor.filter(|c| !c.is_empty()),
    })
}

/// Parses the answer about one agent.
pub fn parse_agent(body: &[u8], what: &str) -> Result<AgentDetail> {
    let agent: AgentDetail = crate::http::parse_json(body, what)?;
    if agent.agent_id.trim().is_empty() {
        return Err(Error::malformed(what, "empty agent_id"));
    }
    Ok(agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../fixtures/agora_list_seed.json");
    const AGENT: &str = include_str!("../fixtures/agora_agent.json");
    const ERROR: &str = include_str!("../fixtures/agora_error.json");
    const ERROR_LEGACY: &str = include_str!("../fixtures/agora_error_legacy.json");

    #[test]
    fn the_seed_answer_is_one_running_agent_on_the_last_page() {
        let page = parse_list_page(SEED.as_bytes(), "list").unwrap();
        assert_eq!(
            page,
            ListPage {
                agents: vec![ListedAgent {
                    agent_id: "1234567890ABCDE1CVGZNU80BEIN56XF".into(),
                    status: "RUNNING".into(),
                    start_ts: Some(1735035893),
                }],
                next_cursor: None,
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
        let agent = parse_agent(AGENT.as_bytes(), "query").unwrap();
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
    fn wrong_shapes_are_malformed() {
        for body in [
            r#"{"status":"ok"}"#,
            r#"{"status":"ok","data":{"list":[]}}"#,
            r#"{"status":"ok","data":{"list":{}},"meta":{}}"#,
            r#"{"status":["ok"],"data":{"list":[]},"meta":{}}"#,
            r#"{"status":"ok","data":{"count":[1],"list":[]},"meta":{}}"#,
            r#"{"status":"ok","data":{"list":[{"agent_id":"","status":"RUNNING"}]},"meta":{}}"#,
            r#"{"status":"ok","data":{"list":[{"agent_id":"A","status":2}]},"meta":{}}"#,
            r#"{"data":{"#,
        ] {
            let err = parse_list_page(body.as_bytes(), "list").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{body}: {err}");
            assert!(
                err.to_string().starts_with("malformed answer to list"),
                "{err}"
            );
        }
        let err = parse_agent(br#"{"agent_id":"A","status":["RUNNING"]}"#, "query").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }
}
