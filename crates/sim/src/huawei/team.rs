//! The team listing, `GET qualitycontrol/{workno}/allagent` (undocumented by Huawei; shaped as
//! Huawei's AgentServer demo reads it): every agent the gateway knows, the asking seat included
//! (whether a real gateway lists it is not known, so the client must leave it out), each with
//! `workno`, `name` and `status` (an agentState code, a string by default), plus a field the
//! client must ignore. The `QC_AgentState_Notify` events a seat gets when a monitored agent signs in or
//! out are shaped here too. With the `control` feature the listing can be refused, with a
//! failure retcode or HTTP 404, as a gateway does for a seat without the quality-inspection
//! right.

use super::answers::{guid_of, message_key, phrase_for, raw_response};
use super::variants::ListingStatus;
#[cfg(feature = "control")]
use super::variants::Phrase;
use super::{HuaweiSim, RawAnswer};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::fmt::Write;

/// How the listing answers, besides listing the team.
#[derive(Default)]
pub(super) struct ListingMode {
    /// A fixed answer to every listing request (odd shapes, bad entries).
    pub raw: Option<RawAnswer>,
    #[cfg(feature = "control")]
    pub refusal: Option<ListingRefusal>,
}

/// How the gateway refuses the listing to a seat without the quality-inspection right (which
/// one a real gateway uses is not known).
#[cfg(feature = "control")]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListingRefusal {
    /// The usual envelope with this failure retcode (`000-003`: no permission).
    Retcode { retcode: String },
    /// HTTP 404 with an HTML page, as a gateway without the call answers.
    NotFound,
}

/// A sign-in (`true`) or sign-out event about agent `id`, as cec_07_1393 documents it.
pub(super) fn sign_in_event(id: &str, name: Option<&str>, signed_in: bool) -> Value {
    let subtype = if signed_in {
        "QC_AgentState_Login"
    } else {
        "QC_AgentState_Logout"
    };
    json!({
        "eventType": "QC_AgentState_Notify",
        "content": {
            "subtype": subtype,
            "monitoredagent": id,
            "agentname": name.unwrap_or_default(),
            "mediaserver": "",
        },
    })
}

pub(super) async fn all_agents(
    State(sim): State<HuaweiSim>,
    Path(seat): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.count(|c| &c.listing_requests);
    if let Err(code) = sim.authorize(guid_of(&headers), Some(&seat)) {
        return sim.error(code, phrase_for(code));
    }
    #[cfg(feature = "control")]
    if let Some(refusal) = sim.listing_refusal() {
        return match refusal {
            ListingRefusal::Retcode { retcode } => sim.error(&retcode, Phrase::ListingRefused),
            ListingRefusal::NotFound => not_found(),
        };
    }
    if let Some(raw) = sim.listing_mode().raw.clone() {
        return raw_response(raw);
    }
    let body = render(&sim);
    sim.respond(StatusCode::OK, body)
}

/// The listing's body, written by hand: 10,000 agents are the benchmark's case.
fn render(sim: &HuaweiSim) -> String {
    let mut agents: Vec<(String, i64)> = sim
        .inner
        .agents
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(id, agent)| (id.clone(), agent.state))
        .collect();
    agents.sort_unstable_by(|(a, _), (b, _)| (a.len(), a).cmp(&(b.len(), b)));
    let names = sim.inner.names.read().unwrap_or_else(|e| e.into_inner());
    let config = sim.config();
    let mut body = String::with_capacity(64 + agents.len() * 80);
    let _ = write!(
        body,
        r#"{{"{}":"","retcode":"0","result":["#,
        message_key(sim)
    );
    for (index, (id, state)) in agents.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        let name = names.get(id).map(String::as_str).unwrap_or_default();
        let status = match config.listing_status {
            ListingStatus::String => format!(r#""{state}""#),
            ListingStatus::Integer => state.to_string(),
        };
        let _ = write!(
            body,
            r#"{{"workno":{},"name":{},"status":{status},"groupName":"team 1"}}"#,
            config.workno_type.value(id),
            Value::from(name),
        );
    }
    body.push_str("]}");
    body
}

#[cfg(feature = "control")]
fn not_found() -> Response {
    let mut response = Response::new(axum::body::Body::from(
        "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>",
    ));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html"),
    );
    response
}

impl HuaweiSim {
    /// From now on every listing request gets `answer` as is (None: the team again).
    pub fn set_raw_listing(&self, answer: Option<RawAnswer>) {
        self.listing_mode_write().raw = answer;
    }

    /// From now on the listing is refused this way (None: granted again).
    #[cfg(feature = "control")]
    pub fn refuse_listing(&self, refusal: Option<ListingRefusal>) {
        self.listing_mode_write().refusal = refusal;
    }

    #[cfg(feature = "control")]
    pub fn listing_refusal(&self) -> Option<ListingRefusal> {
        self.listing_mode().refusal.clone()
    }

    fn listing_mode(&self) -> std::sync::RwLockReadGuard<'_, ListingMode> {
        self.inner.listing.read().unwrap_or_else(|e| e.into_inner())
    }

    fn listing_mode_write(&self) -> std::sync::RwLockWriteGuard<'_, ListingMode> {
        self.inner
            .listing
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_carries_names_in_work_number_order() {
        let sim = HuaweiSim::demo();
        sim.set_agent("5001", 3, false);
        let body: Value = serde_json::from_str(&render(&sim)).unwrap();
        assert_eq!(body["retcode"], "0");
        let result = body["result"].as_array().unwrap();
        assert_eq!(result.len(), 11);
        assert_eq!(
            result[0],
            json!({"workno":"101","name":"Alice Zhang","status":"4","groupName":"team 1"})
        );
        assert_eq!(result[10]["workno"], "5001");
    }

    #[test]
    fn sign_in_events_are_shaped_as_documented() {
        let event = sign_in_event("101", Some("Alice Zhang"), false);
        assert_eq!(event["eventType"], "QC_AgentState_Notify");
        assert_eq!(event["content"]["subtype"], "QC_AgentState_Logout");
        assert_eq!(event["content"]["monitoredagent"], "101");
        assert_eq!(event["content"]["agentname"], "Alice Zhang");
    }
}
