//! Faults injected on demand into any simulator: the failures a real gateway shows on a bad day.
//! A fault applies to the next `count` vendor requests (or until cleared), optionally only to
//! paths containing a given text. The control API under `/_sim/` is never faulted.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// HTTP 500 with an HTML error page.
    Http500,
    /// HTTP 502 with an HTML error page, as a reverse proxy gives.
    Http502,
    /// The answer comes after `millis` (past the client's time limit when large enough).
    Slow { millis: u64 },
    /// The connection is dropped half way through the answer.
    Reset,
    /// The JSON answer is cut in the middle.
    Truncated,
    /// Every scalar in the JSON answer is replaced by a list: well-formed JSON, wrong types.
    WrongTypes,
    /// HTTP 401 with a JSON body.
    Unauthorized,
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// The answer's first list of objects (Segura's `agent`, Agora's `data.list`) repeated until
    /// the answer is `megabytes` (10^6 bytes) long, generated while it is sent (never held in
    /// memory), so every agent appears many times. `announce_length` sends its exact
    /// `Content-Length`; otherwise it is chunked, as a streaming server sends it.
    Oversized {
        megabytes: u64,
        #[serde(default)]
        announce_length: bool,
    },
    /// Agora's paging gone wrong: `meta.cursor` is replaced by a value never sent before, so
    /// the list never ends. It starts with `!`, which sorts before every agent id, so the
    /// Agora simulator serves its first page again.
    EndlessCursor,
    /// A top-level key of the JSON answer is removed (`meta`: an Agora answer without it).
    DropKey { key: String },
    /// HTTP `status` with an HTML error page titled `title`, taken as it is (markup, control
    /// characters): the vendor text a client quotes in its error message.
    HtmlPage { status: u16, title: String },
}

/// A fault and how far it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub fault: Fault,
    /// How many requests it applies to; `None` = until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Only requests whose path contains this text.
    #[serde(default)]
    pub path_contains: Option<String>,
}

impl FaultRule {
    pub fn always(fault: Fault) -> Self {
        FaultRule {
            fault,
            count: None,
            path_contains: None,
        }
    }

    pub fn times(fault: Fault, count: u32) -> Self {
        FaultRule {
            fault,
            count: Some(count),
            path_contains: None,
        }
    }

    pub fn on_path(mut self, needle: &str) -> Self {
        self.path_contains = Some(needle.to_string());
        self
    }
}

/// The switch a simulator's middleware consults on every request.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch {
    rule: Arc<Mutex<Option<FaultRule>>>,
    hits: Arc<Mutex<u64>>,
}

impl FaultSwitch {
    pub fn set(&self, rule: FaultRule) {
        *self.rule.lock().unwrap() = Some(rule);
    }

    pub fn clear(&self) {
        *self.rule.lock().unwrap() = None;
    }

    pub fn current(&self) -> Option<FaultRule> {
        self.rule.lock().unwrap().clone()
    }

    /// How many requests a fault was applied to since the start.
    pub fn hits(&self) -> u64 {
        *self.hits.lock().unwrap()
    }

    /// Takes the fault for a request to `path`, counting it down.
    fn take_for(&self, path: &str) -> Option<Fault> {
        let mut guard = self.rule.lock().unwrap();
        let rule = guard.as_mut()?;
        if let Some(needle) = &rule.path_contains {
            if !path.contains(needle.as_str()) {
                return None;
            }
        }
        let fault = rule.fault.clone();
        match &mut rule.count {
            Some(0) => {
                *guard = None;
                return None;
            }
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    *guard = None;
                }
            }
            None => {}
        }
        *self.hits.lock().unwrap() += 1;
        Some(fault)
    }
}

pub const CONTROL_PREFIX: &str = "/_sim";

/// Middleware applying the switch's fault to vendor requests.
pub async fn apply_faults(
    State(switch): State<FaultSwitch>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with(CONTROL_PREFIX) {
        return next.run(request).await;
    }
    let Some(fault) = switch.take_for(&path) else {
        return next.run(request).await;
    };
    match fault {
        Fault::Http500 => html_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        ),
        Fault::Http502 => html_error(StatusCode::BAD_GATEWAY, "502 Bad Gateway"),
        Fault::HtmlPage { status, title } => html_error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &title,
        ),
        Fault::Slow { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(request).await
        }
        Fault::Reset => reset_midway(),
        Fault::Truncated => {
            let (parts, bytes) = buffer(next.run(request).await).await;
            let cut = bytes.len() / 2;
            let mut response = Response::from_parts(parts, Body::from(bytes.slice(..cut)));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        }
        Fault::WrongTypes => rewrite_json(next.run(request).await, scalars_to_lists).await,
        Fault::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"detail":"Invalid authentication credentials","reason":"Unauthorized"}"#,
        )
            .into_response(),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"detail":"Too many requests","reason":"TooManyRequests"}"#,
            )
                .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&retry_after_secs.to_string()).unwrap(),
            );
            response
        }
        Fault::Oversized {
            megabytes,
            announce_length,
        } => {
            let (parts, bytes) = buffer(next.run(request).await).await;
            let answer = crate::oversized::Oversized::new(&bytes, megabytes * 1_000_000);
            let length = answer.len();
            let mut response = Response::from_parts(parts, Body::from_stream(answer.stream()));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            if announce_length {
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            }
            response
        }
        Fault::EndlessCursor => {
            let sequence = switch.hits();
            rewrite_json(next.run(request).await, |value| {
                if value.is_object() {
                    value["meta"]["cursor"] = format!("!endless-{sequence:08}").into();
                }
            })
            .await
        }
        Fault::DropKey { key } => {
            rewrite_json(next.run(request).await, |value| {
                if let Some(map) = value.as_object_mut() {
                    map.remove(&key);
                }
            })
            .await
        }
    }
}

/// Applies `change` to a JSON answer; an answer that is not JSON goes out unchanged.
async fn rewrite_json(response: Response, change: impl FnOnce(&mut serde_json::Value)) -> Response {
    let (parts, bytes) = buffer(response).await;
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut value) => {
            change(&mut value);
            Body::from(value.to_string())
        }
        Err(_) => Body::from(bytes),
    };
    let mut response = Response::from_parts(parts, body);
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

fn html_error(status: StatusCode, title: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

/// Headers go out, then the body stream fails: hyper aborts the connection mid-answer.
fn reset_midway() -> Response {
    let stream = futures::stream::iter(vec![
        Ok(bytes::Bytes::from_static(b"{\"partial\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ]);
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn buffer(response: Response) -> (axum::http::response::Parts, bytes::Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

fn scalars_to_lists(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => map.values_mut().for_each(scalars_to_lists),
        Value::Array(items) => items.iter_mut().for_each(scalars_to_lists),
        scalar => *scalar = Value::Array(vec![scalar.take()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out() {
        let s = FaultSwitch::default();
        s.set(FaultRule::times(Fault::Http500, 2));
        assert_eq!(s.take_for("/a"), Some(Fault::Http500));
        assert_eq!(s.take_for("/a"), Some(Fault::Http500));
        assert_eq!(s.take_for("/a"), None);
        assert_eq!(s.hits(), 2);
    }

    #[test]
    fn path_filters_apply() {
        let s = FaultSwitch::default();
        s.set(FaultRule::always(Fault::Reset).on_path("agentstatus"));
        assert_eq!(s.take_for("/token"), None);
        assert_eq!(s.take_for("/x/agentstatus"), Some(Fault::Reset));
    }

    #[test]
    fn wrong_types_keep_shape_but_not_types() {
        let mut v = serde_json::json!({"a": 1, "b": {"c": "x"}, "d": [true]});
        scalars_to_lists(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": [1], "b": {"c": ["x"]}, "d": [[true]]})
        );
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule =
            serde_json::from_str(r#"{"kind":"rate_limited","retry_after_secs":3,"count":1}"#)
                .unwrap();
        assert_eq!(
            rule.fault,
            Fault::RateLimited {
                retry_after_secs: 3
            }
        );
        assert_eq!(rule.count, Some(1));
        let rule: FaultRule =
            serde_json::from_str(r#"{"kind":"oversized","megabytes":300}"#).unwrap();
        assert_eq!(
            rule.fault,
            Fault::Oversized {
                megabytes: 300,
                announce_length: false
            }
        );
        let rule: FaultRule = serde_json::from_str(r#"{"kind":"drop_key","key":"meta"}"#).unwrap();
        assert_eq!(rule.fault, Fault::DropKey { key: "meta".into() });
        let rule: FaultRule = serde_json::from_str(r#"{"kind":"endless_cursor"}"#).unwrap();
        assert_eq!(rule.fault, Fault::EndlessCursor);
    }
}
