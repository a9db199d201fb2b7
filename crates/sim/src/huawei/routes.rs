//! The gateway's HTTP calls. Answers use Huawei's envelope (`retcode` as a string, `message`
//! or `msg`), `Content-Type: application/json; charset=UTF-8` (or the configured charset, see
//! `variants`), and the configured HTTP status for error retcodes (Huawei does not document it).

use super::answers::{guid_of, message_key, phrase_for, raw_response};
use super::variants::{Phrase, SignInGuid};
use super::{sessions, HuaweiSim, ResultShape, StatusInFlight, RESOURCE_PREFIX};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, put};
use axum::Router;
use serde_json::{json, Value};
use std::time::Instant;

const RETCODE_OK: &str = "0";
const RETCODE_BAD_PARAMETER: &str = "000-002";
const RETCODE_ALREADY_SIGNED_IN: &str = "100-002";
const RETCODE_WRONG_CREDENTIALS: &str = "100-004";
/// Listed among sign-out's error codes; this simulator uses it for "refused while talking".
const RETCODE_SIGN_OUT_REFUSED: &str = "100-005";
/// The session cookie a successful sign-in sets (`session_cookie`).
const SESSION_COOKIE: &str = "JSESSIONID";

pub fn gateway_routes() -> Router<HuaweiSim> {
    let at = |path: &str| format!("{RESOURCE_PREFIX}{path}");
    Router::new()
        .route(&at("/onlineagent/{id}"), put(sign_in))
        .route(&at("/onlineagent/{id}/forcelogin"), put(force_login))
        .route(&at("/onlineagent/{id}/agentstatus"), get(agent_status))
        .route(&at("/onlineagent/{id}/updateGuid"), put(update_guid))
        .route(&at("/onlineagent/{id}/logout"), delete(logout))
        .route(&at("/onlineagent/{id}/forcelogout"), delete(force_logout))
        .route(&at("/agentevent/{id}"), get(events))
        .route(
            &at("/qualitycontrol/{id}/allagent"),
            get(super::team::all_agents),
        )
        .route(
            &at("/queuedevice/{id}/agentvdnskill"),
            get(super::queues::vdn_skills),
        )
        .route(
            &at("/queuedevice/{id}/queryacdstat"),
            axum::routing::post(super::queues::acd_stats),
        )
}

async fn sign_in(State(sim): State<HuaweiSim>, Path(id): Path<String>, body: Bytes) -> Response {
    sim.count(|c| &c.sign_in_attempts);
    let status = match check_credentials(&sim, &id, &body) {
        Ok(status) => status,
        Err((retcode, phrase)) => return sim.error(retcode, phrase),
    };
    sim.upkeep(Instant::now());
    if sim.sessions_read().is_open(&id) {
        return sim.error(RETCODE_ALREADY_SIGNED_IN, Phrase::AlreadySignedIn);
    }
    open_seat(&sim, &id, &status)
}

async fn force_login(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    sim.count(|c| &c.sign_in_attempts);
    let status = match check_credentials(&sim, &id, &body) {
        Ok(status) => status,
        Err((retcode, phrase)) => return sim.error(retcode, phrase),
    };
    sim.count(|c| &c.force_logins);
    open_seat(&sim, &id, &status)
}

async fn agent_status(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let _in_flight = StatusInFlight::enter(&sim.inner.counters);
    if let Err(code) = sim.authorize(guid_of(&headers), None) {
        return sim.error(code, phrase_for(code));
    }
    if let Some(raw) = sim.raw_status(&id) {
        return raw_response(raw);
    }
    let Some(agent) = sim.agent(&id) else {
        return sim.error(RETCODE_BAD_PARAMETER, Phrase::AgentMissing);
    };
    // Written by hand: this is the hot path of the 10,000-agent benchmark.
    let key = message_key(&sim);
    let status = format!(
        r#"{{"agentState":{},"isWorking":{}}}"#,
        agent.state, agent.working
    );
    let result = match sim.config().result_shape {
        ResultShape::Object => status,
        ResultShape::Array => format!("[{status}]"),
        ResultShape::EmptyString => r#""""#.to_string(),
        ResultShape::Number => agent.state.to_string(),
        ResultShape::Text => format!(r#""{}""#, agent.state),
    };
    sim.respond(
        StatusCode::OK,
        format!(r#"{{"{key}":"","retcode":"0","result":{result}}}"#),
    )
}

/// The long-poll: answers at once with a queued event or a new Guid, otherwise holds until one
/// comes or the hold ends. While held it counts as the seat's heartbeat.
async fn events(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.count(|c| &c.event_polls);
    if let Err(code) = sim.authorize(guid_of(&headers), Some(&id)) {
        return sim.error(code, phrase_for(code));
    }
    let hold_until = tokio::time::Instant::now() + sim.config().event_hold;
    let batch = sim.config().event_shape.batches();
    let Some(wake) = sim.sessions_write().poll_started(&id, Instant::now()) else {
        let code = sessions::RETCODE_NOT_SIGNED_IN;
        return sim.error(code, phrase_for(code));
    };
    let _held = HeldPoll {
        sim: &sim,
        seat: &id,
    };
    let timing = sim.timing();
    loop {
        // Registered before looking, so that a wake-up between the look and the wait is kept.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let delivery = sim
            .sessions_write()
            .take_delivery(&id, Instant::now(), &timing, batch);
        let until = match delivery {
            sessions::Delivery::Gone => {
                let code = sessions::RETCODE_NOT_SIGNED_IN;
                return sim.error(code, phrase_for(code));
            }
            sessions::Delivery::Ready { events, new_guid } => {
                return event_answer(&sim, events, new_guid);
            }
            sessions::Delivery::Wait { until } => until,
        };
        let now = tokio::time::Instant::now();
        if now >= hold_until {
            return event_answer(&sim, Vec::new(), None);
        }
        let wake_at = until
            .map(|u| tokio::time::Instant::from_std(u).min(hold_until))
            .unwrap_or(hold_until);
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(wake_at) => {}
        }
    }
}

/// Ends a held poll's heartbeat credit however the poll ends (answer or dropped connection).
struct HeldPoll<'a> {
    sim: &'a HuaweiSim,
    seat: &'a str,
}

impl Drop for HeldPoll<'_> {
    fn drop(&mut self) {
        self.sim
            .sessions_write()
            .poll_finished(self.seat, Instant::now());
    }
}

async fn update_guid(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = sim.authorize(guid_of(&headers), Some(&id)) {
        return sim.error(code, phrase_for(code));
    }
    let new_guid = {
        let mut table = sim.sessions_write();
        let guid = table.rotate(&id, Instant::now());
        table.mark_delivered(&id);
        guid
    };
    let mut answer = sim.ok(None);
    if let Some(guid) = new_guid {
        set_guid(&mut answer, &guid);
    }
    answer
}

/// Counted whether accepted or not, so that tests can tell "signed out" from "never tried".
async fn logout(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.count(|c| &c.sign_out_attempts);
    if let Err(code) = sim.authorize(sign_out_credential(&headers).as_deref(), Some(&id)) {
        return sim.error(code, phrase_for(code));
    }
    if sim.agent(&id).is_some_and(|a| a.working) {
        return sim.error(RETCODE_SIGN_OUT_REFUSED, Phrase::TalkingCannotSignOut);
    }
    sim.sessions_write().close(&id);
    sim.mark_signed_out(std::slice::from_ref(&id));
    sim.count(|c| &c.sign_outs);
    sim.ok(None)
}

/// An inspector's call: any signed-in Guid may force any seat out.
async fn force_logout(
    State(sim): State<HuaweiSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.count(|c| &c.forced_sign_out_attempts);
    if let Err(code) = sim.authorize(sign_out_credential(&headers).as_deref(), None) {
        return sim.error(code, phrase_for(code));
    }
    if !sim.sessions_write().close(&id) {
        let code = sessions::RETCODE_NOT_SIGNED_IN;
        return sim.error(code, phrase_for(code));
    }
    sim.mark_signed_out(std::slice::from_ref(&id));
    sim.count(|c| &c.forced_sign_outs);
    sim.ok(None)
}

/// Reads a sign-in body (Huawei's string-typed one; real JSON types are accepted too) and
/// checks the password. Ok: the `status` to sign in with.
/// The error is the retcode and message to answer.
fn check_credentials(
    sim: &HuaweiSim,
    id: &str,
    body: &[u8],
) -> Result<String, (&'static str, Phrase)> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err((RETCODE_BAD_PARAMETER, Phrase::BodyNotJson));
    };
    let password = fields.get("password").and_then(Value::as_str).unwrap_or("");
    if sim.config().accounts.get(id).map(String::as_str) != Some(password) {
        return Err((RETCODE_WRONG_CREDENTIALS, Phrase::WrongCredentials));
    }
    Ok(match fields.get("status") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "4".to_string(),
    })
}

fn open_seat(sim: &HuaweiSim, id: &str, status: &str) -> Response {
    let guid = sim.sessions_write().open(id, status, Instant::now());
    sim.count(|c| &c.sign_ins);
    sim.set_agent(id, status.parse().unwrap_or(4), false);
    let login_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut answer = sim.ok(Some(json!({
        "vdnid": 1,
        "workno": sim.config().workno_type.value(id),
        "loginTime": login_time.to_string(),
    })));
    match sim.config().sign_in_guid {
        SignInGuid::Sent => set_guid(&mut answer, &guid),
        SignInGuid::Missing => {}
        SignInGuid::Empty => {
            answer
                .headers_mut()
                .insert("set-guid", HeaderValue::from_static("JSESSIONID="));
        }
    }
    if sim.config().session_cookie {
        if let Ok(cookie) =
            HeaderValue::from_str(&format!("{SESSION_COOKIE}={guid}; Path=/; HttpOnly"))
        {
            answer.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    answer
}

fn event_answer(sim: &HuaweiSim, mut events: Vec<Value>, new_guid: Option<String>) -> Response {
    let config = sim.config();
    // The table addresses events by seat as a string; the configured type applies here.
    for event in &mut events {
        if let Some(workno) = event
            .get("workNo")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            event["workNo"] = config.workno_type.value(&workno);
        }
    }
    let mut fields = serde_json::Map::new();
    fields.insert(message_key(sim).to_string(), Value::from(""));
    fields.insert("retcode".to_string(), Value::from(RETCODE_OK));
    if let Some(result) = config.result_variant.apply(None) {
        fields.insert("result".to_string(), result);
    }
    config.event_shape.insert(&mut fields, events);
    let mut answer = sim.respond(StatusCode::OK, Value::Object(fields).to_string());
    if let Some(guid) = new_guid {
        sim.count(|c| &c.guids_delivered);
        set_guid(&mut answer, &guid);
    }
    answer
}

impl HuaweiSim {
    /// A success; `result` is the documented one (None = no `result` key), replaced by the
    /// configured `result_variant`.
    fn ok(&self, result: Option<Value>) -> Response {
        let key = message_key(self);
        let body = match self.config().result_variant.apply(result) {
            None => json!({ key: "", "retcode": RETCODE_OK }),
            Some(result) => json!({ key: "", "retcode": RETCODE_OK, "result": result }),
        };
        self.respond(StatusCode::OK, body.to_string())
    }

    /// A success carrying `result` as it is (the calls whose result is the news: the
    /// configured `result_variant` is about answers that carry none).
    pub(super) fn succeed(&self, result: Value) -> Response {
        let key = message_key(self);
        let body = json!({ key: "", "retcode": RETCODE_OK, "result": result });
        self.respond(StatusCode::OK, body.to_string())
    }

    pub(super) fn error(&self, retcode: &str, phrase: Phrase) -> Response {
        let key = message_key(self);
        let status =
            StatusCode::from_u16(self.config().error_http_status).unwrap_or(StatusCode::OK);
        let message = phrase.text(self.config().language);
        self.respond(
            status,
            json!({ key: message, "retcode": retcode }).to_string(),
        )
    }

    /// A JSON answer in the configured charset.
    pub(super) fn respond(&self, status: StatusCode, body: String) -> Response {
        let charset = self.config().charset;
        let mut response = Response::new(Body::from(charset.encode(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(charset.content_type()),
        );
        response
    }
}

/// A sign-out's credential: the Guid header, or else the session cookie (what a client that
/// got no Guid from its sign-in still holds).
fn sign_out_credential(headers: &HeaderMap) -> Option<String> {
    if let Some(guid) = guid_of(headers) {
        return Some(guid.to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

fn set_guid(answer: &mut Response, guid: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("JSESSIONID={guid}")) {
        answer.headers_mut().insert("set-guid", value);
    }
}
