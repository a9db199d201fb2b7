//! `GET /api/system/nc/agent`: the call, and what each documented answer means.

use super::token::{BearerToken, TOKEN_CALL};
use super::wire::{ListAnswer, VendorError};
use crate::error::{Error, ErrorKind, Result};
use crate::http;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::StatusCode;
use secrecy::ExposeSecret;

pub(super) const LIST_CALL: &str = "Segura agent list";
pub(super) const LIST_PATH: &str = "/api/system/nc/agent";
/// The documented flat 404 body's code: no agent is registered.
const AGENT_NOT_FOUND: &str = "1001";
/// The documented wrapped 500 body's code: the instance refuses our origin.
const HTTP_REFERER_NOT_ALLOWED: &str = "1105";

/// What one list request came back with.
pub(super) enum ListOutcome {
    /// The list's entries, each still to be read on its own.
    Agents(Vec<serde_json::Value>),
    /// HTTP 401: the token was refused (expired or revoked); worth one fresh token.
    TokenRefused,
}

pub(super) async fn request_agents(
    http: &reqwest::Client,
    url: &str,
    token: &BearerToken,
    max_answer_bytes: u64,
) -> Result<ListOutcome> {
    let request = http
        .get(url)
        .header(ACCEPT, "application/json")
        .header(AUTHORIZATION, bearer_header(token)?);
    let response = http::send(request)
        .await
        .map_err(|e| e.in_call(LIST_CALL))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = http::read_body(response, max_answer_bytes)
        .await
        .map_err(|e| e.in_call(LIST_CALL))?;
    read_list_answer(status, &headers, &body)
}

fn bearer_header(token: &BearerToken) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.value.expose_secret()))
        .map_err(|_| {
            Error::malformed(TOKEN_CALL, "the access token is not a valid header value")
        })?;
    // Keeps the token out of HTTP/2 header tables and of reqwest's Debug output.
    value.set_sensitive(true);
    Ok(value)
}

/// Classifies an answer of the list call.
pub(super) fn read_list_answer(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ListOutcome> {
    if status.is_success() {
        let answer: ListAnswer = http::parse_json(body, LIST_CALL)?;
        if let Some(reported) = answer.reported_error() {
            return Err(vendor_error(&reported));
        }
        return answer.agent.map(ListOutcome::Agents).ok_or_else(|| {
            Error::malformed(
                LIST_CALL,
                "the answer holds no `agent` list and reports no error",
            )
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        return Ok(ListOutcome::TokenRefused);
    }
    // Whatever the status, a body in one of the three error shapes says what went wrong in
    // its own words: those are quoted, never the raw body.
    match VendorError::in_body(body) {
        // The list call's 404 is how an instance without agents answers.
        Some(r)
            if status == StatusCode::NOT_FOUND && r.code.as_deref() == Some(AGENT_NOT_FOUND) =>
        {
            Ok(ListOutcome::Agents(Vec::new()))
        }
        // Forbidden and slow-down keep their kinds (auth, rate limited), in the body's words.
        Some(r)
            if matches!(
                status,
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
            ) =>
        {
            Err(http::status_error_saying(
                status,
                headers,
                &r.words(),
                LIST_CALL,
            ))
        }
        Some(r) if status != StatusCode::NOT_FOUND && r.code.is_some() => Err(vendor_error(&r)),
        Some(r) => Err(http::status_error_saying(
            status,
            headers,
            &r.words(),
            LIST_CALL,
        )),
        None => Err(http::status_error(status, headers, body, LIST_CALL)),
    }
}

fn vendor_error(reported: &VendorError) -> Error {
    let message = match reported.code.as_deref() {
        Some(HTTP_REFERER_NOT_ALLOWED) => format!(
            "{LIST_CALL}: the instance refused the request: http referer not allowed ({HTTP_REFERER_NOT_ALLOWED}); \
             allow AgentWatch's origin in the instance's security settings"
        ),
        _ => format!(
            "{LIST_CALL}: the instance reported an error: {}",
            reported.words()
        ),
    };
    Error::poll(ErrorKind::Vendor, message)
}
