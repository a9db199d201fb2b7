//! The envelope pieces every gateway route shares: the phrase and message key of an error
//! answer, the Guid a request presents, and a raw answer as the fault switches set it. Below
//! the routes (`routes`, `team`, `queues`), which all use them.

use super::variants::Phrase;
use super::{sessions, HuaweiSim, MessageKey, RawAnswer};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

pub(super) fn phrase_for(retcode: &str) -> Phrase {
    match retcode {
        sessions::RETCODE_NOT_SIGNED_IN => Phrase::NotSignedIn,
        sessions::RETCODE_NO_PERMISSION => Phrase::NoPermission,
        _ => Phrase::Error,
    }
}

pub(super) fn message_key(sim: &HuaweiSim) -> &'static str {
    match sim.config().message_key {
        MessageKey::Message => "message",
        MessageKey::Msg => "msg",
    }
}

pub(super) fn guid_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("guid")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

pub(super) fn raw_response(raw: RawAnswer) -> Response {
    let mut response = Response::new(Body::from(raw.body));
    if let Ok(content_type) = HeaderValue::from_str(&raw.content_type) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
}
