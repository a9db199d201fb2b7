//! The vendor side: `POST /iso/oauth2/token` and `GET /api/system/nc/agent`.

use super::wire::{
    AgentBody, Envelope, FlatError, ListBody, OAuthError, TextOrNumber, TokenBody, WrappedError,
};
use super::{AgentArrayName, SeguraSim, SimAgent};
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
    if !authorised {
        state.unauthorized_answers += 1;
        return wrapped_error(StatusCode::UNAUTHORIZED, "Unauthorized", 401);
    }
    if state.referer_blocked {
        return wrapped_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The http referer is not allowed",
            1105,
        );
    }
    if state.agents.is_empty() {
        return not_found();
    }
    let body = list_body(
        &state.agents,
        state.config.spelling,
        state.config.numeric_ids,
    );
    Json(body).into_response()
}

/// The documented success body.
pub(super) fn list_body(agents: &[SimAgent], spelling: AgentArrayName, numeric: bool) -> ListBody {
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
        response: Envelope::new(200, &message, 0),
        agent,
        agents,
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn not_found() -> Response {
    let body = FlatError {
        code: 404,
        message: "Agent not found".to_string(),
        error: true,
        error_code: 1001,
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// The documented 500 shape. The 401's body is not documented; it borrows the same shape.
fn wrapped_error(status: StatusCode, message: &str, code: u32) -> Response {
    let body = WrappedError {
        code: status.as_u16(),
        response: Envelope::new(status.as_u16(), message, code),
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

    /// The seed page's response example, compacted: same fields, same order, same types.
    const SEED: &str = r#"{"code":200,"response":{"status":200,"message":"1 agent found","error":false,"error_code":0,"detail":"","mensagem":"1 agent found","erro":false,"cod_erro":0},"agent":[{"id":"1","name":"Default","port":"30000","fingerprint":"Zk9YalVUVDRaeWh2b0FKb29uWmhESk44VVdqcEZkSE1qSUZKMkREUjlOdz06Um1kSlUyWlRSbkYwVEZCb2ExUjNRenAzUkhkellXMVJhMWQyWldad1NXSnI="}]}"#;

    fn seed_agent() -> SimAgent {
        SimAgent {
            id: "1".into(),
            name: "Default".into(),
            port: 30000,
            fingerprint: "Zk9YalVUVDRaeWh2b0FKb29uWmhESk44VVdqcEZkSE1qSUZKMkREUjlOdz06Um1kSlUyWlRSbkYwVEZCb2ExUjNRenAzUkhkellXMVJhMWQyWldad1NXSnI=".into(),
        }
    }

    #[test]
    fn the_list_body_is_the_documented_one() {
        let body = list_body(&[seed_agent()], AgentArrayName::Agent, false);
        assert_eq!(serde_json::to_string(&body).unwrap(), SEED);
    }

    #[test]
    fn the_portuguese_spelling_and_integers_change_only_those() {
        let body = list_body(&[seed_agent()], AgentArrayName::Agents, true);
        let expected = SEED
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
            error: true,
            error_code: 1001,
        };
        assert_eq!(
            serde_json::to_string(&flat).unwrap(),
            r#"{"code":404,"message":"Agent not found","error":true,"error_code":1001}"#
        );
        let wrapped = WrappedError {
            code: 500,
            response: Envelope::new(500, "The http referer is not allowed", 1105),
            tenant: TENANT.into(),
        };
        assert_eq!(
            serde_json::to_string(&wrapped).unwrap(),
            r#"{"code":500,"response":{"status":500,"message":"The http referer is not allowed","error":true,"error_code":1105,"detail":"","mensagem":"The http referer is not allowed","erro":true,"cod_erro":1105},"tenant":"Segura"}"#
        );
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
