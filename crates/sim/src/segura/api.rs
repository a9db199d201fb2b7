//! The vendor side: `POST /iso/oauth2/token` and `GET /api/system/nc/agent`.

use super::wire::{
    AgentBody, Envelope, Exception, ExceptionError, Flag, FlatError, ListBody, OAuthError,
    TextOrNumber, TokenBody, WrappedError,
};
use super::{AgentArrayName, ErrorShape, ListError, SeguraSim, SimAgent};
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use rand::RngCore;
use std::collections::HashMap;
use std::time::Instant;

const TOKEN_PATH: &str = "/iso/oauth2/token";
const LIST_PATH: &str = "/api/system/nc/agent";
const TENANT: &str = "Segura";

pub(super) fn routes() -> Router<SeguraSim> {
    Router::new()
        .route(TOKEN_PATH, post(issue_token))
        .route(LIST_PATH, get(list_agents))
}

async fn issue_token(
    State(sim): State<SeguraSim>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be a form",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let token = random_token();
    let mut state = sim.lock();
    if field("client_id") != state.config.client_id
        || field("client_secret") != state.config.client_secret
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let now = Instant::now();
    let lifetime = state.config.token_lifetime;
    // Dead tokens are dropped here so that a long demo does not grow the table.
    state.tokens.retain(|_, dies| *dies > now);
    state.tokens.insert(token.clone(), now + lifetime);
    state.tokens_issued += 1;
    let body = TokenBody {
        token_type: state.config.token_type.clone(),
        expires_in: lifetime.as_millis().div_ceil(1000) as u64,
        access_token: token,
    };
    Json(body).into_response()
}

async fn list_agents(State(sim): State<SeguraSim>, headers: HeaderMap) -> Response {
    let mut state = sim.lock();
    let presented = bearer_token(&headers);
    let now = Instant::now();
    let authorised = presented
        .and_then(|t| state.tokens.get(t))
        .is_some_and(|dies| *dies > now);
    let as_text = state.config.string_booleans;
    if !authorised {
        state.unauthorized_answers += 1;
        return wrapped_error(StatusCode::UNAUTHORIZED, "Unauthorized", 401, as_text);
    }
    if state.referer_blocked {
        return wrapped_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The http referer is not allowed",
            1105,
            as_text,
        );
    }
    if let Some(error) = &state.list_error {
        return list_error(error, as_text);
    }
    if state.agents.is_empty() {
        return not_found(as_text);
    }
    let body = list_body(
        &state.agents,
        state.config.spelling,
        state.config.numeric_ids,
        as_text,
    );
    match &state.extra_entries {
        None => Json(body).into_response(),
        Some(raw) => {
            let json = serde_json::to_vec(&body).expect("the list body serialises");
            (
                [(header::CONTENT_TYPE, "application/json")],
                with_raw_entries(json, raw),
            )
                .into_response()
        }
    }
}

/// The list body with `raw` spliced in after its last agent: the agent list is the body's last
/// field, so the body ends with `]}`.
fn with_raw_entries(mut json: Vec<u8>, raw: &[u8]) -> Vec<u8> {
    let tail = json.split_off(json.len() - 2);
    debug_assert_eq!(tail, b"]}");
    json.push(b',');
    json.extend_from_slice(raw);
    json.extend_from_slice(&tail);
    json
}

/// An error in the chosen shape.
fn list_error(error: &ListError, as_text: bool) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match error.shape {
        ErrorShape::Flat => (
            status,
            Json(FlatError {
                code: status.as_u16(),
                message: error.message.clone(),
                error: Flag::new(true, as_text),
                error_code: error.code,
            }),
        )
            .into_response(),
        ErrorShape::Wrapped => wrapped_error(status, &error.message, error.code, as_text),
        ErrorShape::Exception => (
            status,
            Json(ExceptionError {
                code: status.as_u16(),
                response: Envelope::new(status.as_u16(), &error.message, error.code, as_text),
                exception: Exception {
                    code: error.code,
                    message: error.message.clone(),
                    detail: error.detail.clone(),
                },
            }),
        )
            .into_response(),
    }
}

/// The documented success body.
pub(super) fn list_body(
    agents: &[SimAgent],
    spelling: AgentArrayName,
    numeric: bool,
    flags_as_text: bool,
) -> ListBody {
    let listed: Vec<AgentBody> = agents
        .iter()
        .map(|a| AgentBody {
            id: TextOrNumber::new(&a.id, numeric),
            name: a.name.clone(),
            port: TextOrNumber::new(&a.port.to_string(), numeric),
            fingerprint: a.fingerprint.clone(),
        })
        .collect();
    let message = match listed.len() {
        1 => "1 agent found".to_string(),
        n => format!("{n} agents found"),
    };
    let (agent, agents) = match spelling {
        AgentArrayName::Agent => (Some(listed), None),
        AgentArrayName::Agents => (None, Some(listed)),
    };
    ListBody {
        code: 200,
        response: Envelope::new(200, &message, 0, flags_as_text),
        agent,
        agents,
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn not_found(as_text: bool) -> Response {
    let body = FlatError {
        code: 404,
        message: "Agent not found".to_string(),
        error: Flag::new(true, as_text),
        error_code: 1001,
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// The documented 500 shape. The 401's body is not documented; it borrows the same shape.
fn wrapped_error(status: StatusCode, message: &str, code: u32, as_text: bool) -> Response {
    let body = WrappedError {
        code: status.as_u16(),
        response: Envelope::new(status.as_u16(), message, code, as_text),
        tenant: TENANT.to_string(),
    };
    (status, Json(body)).into_response()
}

fn oauth_error(status: StatusCode, error: &'static str, description: &'static str) -> Response {
    let body = OAuthError {
        error,
        error_description: description,
    };
    (status, Json(body)).into_response()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed page's response example: the core's fixture of the vendor page, shared rather
    /// than copied.
    const SEED_PAGE: &str =
        include_str!("../../../core/src/vendors/fixtures/segura_list_seed.json");

    /// The fixture with the whitespace between tokens removed, fields kept in their order.
    fn seed() -> String {
        let mut compact = String::new();
        let (mut in_string, mut escaped) = (false, false);
        for c in SEED_PAGE.chars() {
            if in_string {
                compact.push(c);
                (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
            } else if !c.is_whitespace() {
                compact.push(c);
                in_string = c == '"';
            }
        }
        compact
    }

    /// The fixture's one agent, read from the fixture.
    fn seed_agent() -> SimAgent {
        let page: serde_json::Value = serde_json::from_str(SEED_PAGE).unwrap();
        let agent = &page["agent"][0];
        let text = |key: &str| agent[key].as_str().unwrap().to_string();
        SimAgent {
            id: text("id"),
            name: text("name"),
            port: text("port").parse().unwrap(),
            fingerprint: text("fingerprint"),
        }
    }

    #[test]
    fn the_list_body_is_the_documented_one() {
        let body = list_body(&[seed_agent()], AgentArrayName::Agent, false, false);
        assert_eq!(serde_json::to_string(&body).unwrap(), seed());
    }

    #[test]
    fn the_portuguese_spelling_and_integers_change_only_those() {
        let body = list_body(&[seed_agent()], AgentArrayName::Agents, true, false);
        let expected = seed()
            .replace(r#""agent":"#, r#""agents":"#)
            .replace(r#""id":"1""#, r#""id":1"#)
            .replace(r#""port":"30000""#, r#""port":30000"#);
        assert_eq!(serde_json::to_string(&body).unwrap(), expected);
    }

    #[test]
    fn the_error_bodies_are_the_documented_ones() {
        let flat = FlatError {
            code: 404,
            message: "Agent not found".into(),
            error: Flag::new(true, false),
            error_code: 1001,
        };
        assert_eq!(
            serde_json::to_string(&flat).unwrap(),
            r#"{"code":404,"message":"Agent not found","error":true,"error_code":1001}"#
        );
        let wrapped = WrappedError {
            code: 500,
            response: Envelope::new(500, "The http referer is not allowed", 1105, false),
            tenant: TENANT.into(),
        };
        assert_eq!(
            serde_json::to_string(&wrapped).unwrap(),
            r#"{"code":500,"response":{"status":500,"message":"The http referer is not allowed","error":true,"error_code":1105,"detail":"","mensagem":"The http referer is not allowed","erro":true,"cod_erro":1105},"tenant":"Segura"}"#
        );
    }

    #[test]
    fn raw_entries_go_after_the_last_agent() {
        let body = serde_json::to_vec(&list_body(
            &[seed_agent()],
            AgentArrayName::Agent,
            false,
            false,
        ))
        .unwrap();
        let spliced = with_raw_entries(body, br#"{"id":"9"}"#);
        let value: serde_json::Value = serde_json::from_slice(&spliced).unwrap();
        assert_eq!(value["agent"][1]["id"], "9");
    }

    #[test]
    fn flags_can_be_sent_as_text() {
        let body = list_body(&[seed_agent()], AgentArrayName::Agent, false, true);
        let text = serde_json::to_string(&body).unwrap();
        assert!(text.contains(r#""error":"false""#), "{text}");
        assert!(text.contains(r#""erro":"false""#), "{text}");
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
