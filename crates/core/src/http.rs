//! The HTTP client every vendor module uses: rustls with the system's roots plus an optional
//! per-account CA file, a time limit on every request, keep-alive connections, no redirects
//! (a redirect could carry our credentials elsewhere). Plus helpers that turn answers into
//! typed values or classified errors.

use crate::config::AccountConfig;
use crate::error::{Error, ErrorKind, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const USER_AGENT: &str = concat!("AgentWatch/", env!("CARGO_PKG_VERSION"));
/// How much of an error body we quote: enough to recognise it, not enough to flood a log.
const BODY_QUOTE_LIMIT: usize = 160;

/// Builds the client for one account whose proxy (if any) names no user.
pub fn client_for(account: &AccountConfig) -> Result<reqwest::Client> {
    client_with_proxy_password(account, None)
}

/// Builds the client for one account; `proxy_password` is its proxy user's, needed when the
/// proxy URL names a user.
pub fn client_with_proxy_password(
    account: &AccountConfig,
    proxy_password: Option<&secrecy::SecretString>,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT.min(account.timeout()))
        .timeout(account.timeout())
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        // Huawei Cloud load balancers pin a session with a cookie that must be sent back.
        .cookie_store(true);
    let proxy = account
        .proxy_setting()
        .map_err(|msg| Error::poll(ErrorKind::Config, format!("proxy: {msg}")))?;
    builder = proxy.apply(builder, &account.id, proxy_password)?;
    if let Some(path) = &account.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Error::poll(
                ErrorKind::Tls,
                format!("cannot read ca_file {}: {e}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::poll(
                ErrorKind::Tls,
                format!("ca_file {} is not PEM: {e}", path.display()),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::poll(
                ErrorKind::Tls,
                format!("ca_file {} holds no certificate", path.display()),
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::poll(ErrorKind::Tls, format!("cannot set up HTTPS: {e}")))
}

/// Sends a request, turning transport failures into classified errors.
pub async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response> {
    request.send().await.map_err(Error::from_transport)
}

/// Reads a whole body, classifying a connection lost half way as such.
pub async fn body_bytes(response: reqwest::Response) -> Result<bytes::Bytes> {
    response.bytes().await.map_err(|e| {
        let e = e.without_url();
        if e.is_timeout() {
            Error::poll(
                ErrorKind::Timeout,
                "the answer did not finish within the time limit",
            )
        } else {
            Error::poll(
                ErrorKind::Connect,
                format!(
                    "connection lost while reading the answer: {}",
                    crate::error::error_chain(&e)
                ),
            )
        }
    })
}

/// Parses JSON, naming the call in the error (serde's message gives line and column).
pub fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::malformed(what, e))
}

/// The server's `Retry-After`, in seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs(wait.whole_seconds().max(0) as u64))
}

/// The error for a non-success status, with a short, single-line quote of the body when it is
/// text (an HTML error page becomes its title).
pub fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8], what: &str) -> Error {
    let quote = quote_body(body);
    // An error page titled "502 Bad Gateway" says nothing the status line did not.
    let says_only_the_status = quote.eq_ignore_ascii_case(&status.to_string());
    let suffix = if quote.is_empty() || says_only_the_status {
        String::new()
    } else {
        format!(": {quote}")
    };
    let (kind, message) = match status.as_u16() {
        401 => (
            ErrorKind::Auth,
            format!("{what}: credentials refused (HTTP 401){suffix}"),
        ),
        403 => (
            ErrorKind::Auth,
            format!("{what}: access forbidden (HTTP 403){suffix}"),
        ),
        // A proxy forwarding plain http answers for itself when it refuses our credentials.
        407 => (
            ErrorKind::Auth,
            format!("{what}: the proxy refused its credentials (HTTP 407){suffix}"),
        ),
        429 => (
            ErrorKind::RateLimited,
            format!("{what}: rate limited (HTTP 429){suffix}"),
        ),
        _ => (
            ErrorKind::HttpStatus,
            format!("{what}: HTTP {status}{suffix}"),
        ),
    };
    Error::Poll {
        kind,
        message,
        retry_after: retry_after(headers),
    }
}

fn quote_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let picked = match (lower.find("<title>"), lower.find("</title>")) {
        (Some(a), Some(b)) if b > a => text[a + 7..b].to_string(),
        _ if lower.trim_start().starts_with('<') => String::new(),
        _ => text.to_string(),
    };
    let one_line: String = picked.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > BODY_QUOTE_LIMIT {
        let cut: String = one_line.chars().take(BODY_QUOTE_LIMIT).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_error_pages_are_quoted_by_title() {
        let body = b"<html><head><title>502 Bad Gateway</title></head><body>...</body></html>";
        assert_eq!(quote_body(body), "502 Bad Gateway");
        assert_eq!(quote_body(b"<html><body>x</body></html>"), "");
    }

    #[test]
    fn an_error_page_repeating_the_status_is_not_quoted() {
        let page = b"<html><head><title>502 Bad Gateway</title></head></html>";
        let err = status_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), page, "list");
        assert_eq!(err.to_string(), "list: HTTP 502 Bad Gateway");
        let err = status_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"upstream down",
            "list",
        );
        assert_eq!(err.to_string(), "list: HTTP 502 Bad Gateway: upstream down");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
    }

    #[test]
    fn statuses_are_classified() {
        let h = HeaderMap::new();
        assert_eq!(
            status_error(StatusCode::UNAUTHORIZED, &h, b"", "x").kind(),
            ErrorKind::Auth
        );
        assert_eq!(
            status_error(StatusCode::TOO_MANY_REQUESTS, &h, b"", "x").kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(
            status_error(StatusCode::BAD_GATEWAY, &h, b"", "x").kind(),
            ErrorKind::HttpStatus
        );
    }
}
