//! The HTTP client every vendor module uses: rustls with the system's roots plus an optional
//! per-account CA file, a time limit on every request, keep-alive connections, no redirects
//! (a redirect could carry our credentials elsewhere). Plus helpers that turn answers into
//! typed values or classified errors.

use crate::error::{Error, ErrorKind, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const USER_AGENT: &str = concat!("AgentWatch/", env!("CARGO_PKG_VERSION"));
/// How much of an error body we quote: enough to recognise it, not enough to flood a log.
const BODY_QUOTE_LIMIT: usize = 160;
/// How much of a message read out of an error body (its `message`, `detail`, code) is quoted:
/// it is the vendor's own sentence, so more of it is worth showing than of a raw body.
const SAID_LIMIT: usize = 400;

/// What one account's client is built from (`AccountConfig::client_settings` gives it): the
/// client knows these settings, not the configuration they come from.
#[derive(Debug, Clone, Copy)]
pub struct ClientSettings<'a> {
    /// Named in errors about the proxy.
    pub account_id: &'a str,
    /// The limit on every request.
    pub timeout: Duration,
    /// The account's `proxy` as written (`None`: the environment's, or none).
    pub proxy: Option<&'a str>,
    /// A PEM file of extra certificate authorities to trust.
    pub ca_file: Option<&'a Path>,
}

/// Builds the client for one account whose proxy (if any) names no user.
pub fn client_for(settings: &ClientSettings) -> Result<reqwest::Client> {
    client_with_proxy_password(settings, None)
}

/// Builds the client for one account; `proxy_password` is its proxy user's, needed when the
/// proxy URL names a user.
pub fn client_with_proxy_password(
    settings: &ClientSettings,
    proxy_password: Option<&secrecy::SecretString>,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        // Huawei Cloud load balancers pin a session with a cookie that must be sent back.
        .cookie_store(true);
    let proxy = crate::proxy::ProxySetting::parse(settings.proxy)
        .map_err(|msg| Error::poll(ErrorKind::Config, format!("proxy: {msg}")))?;
    builder = proxy.apply(builder, settings.account_id, proxy_password)?;
    if let Some(path) = settings.ca_file {
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

/// How much of an error answer (a status other than success) is read: enough for the few
/// hundred characters [`status_error`] and the vendors' error parsers quote, no more.
pub const ERROR_BODY_LIMIT: usize = 8 * 1024;

/// Reads an answer's body as a stream, so that memory stays bounded whatever the server sends.
///
/// A success answer may be up to `max_bytes` long (the account's `max_answer_mib`); a longer
/// one (announced by `Content-Length` or found while reading) is refused as
/// [`ErrorKind::TooLarge`] without reading the rest. An error answer is read only as far as
/// [`ERROR_BODY_LIMIT`] and cut there: only its beginning is ever quoted.
pub async fn read_body(response: reqwest::Response, max_bytes: u64) -> Result<bytes::Bytes> {
    if response.status().is_success() {
        read_limited(response, max_bytes, Overflow::Refuse).await
    } else {
        read_limited(response, ERROR_BODY_LIMIT as u64, Overflow::Cut).await
    }
}

/// What to do with a body longer than its limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Refuse,
    Cut,
}

async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    overflow: Overflow,
) -> Result<bytes::Bytes> {
    let announced = response.content_length();
    if overflow == Overflow::Refuse && announced.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    // Never reserve more than the limit, whatever the server announces.
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let expected = announced.map_or(0, |len| usize::try_from(len).unwrap_or(limit));
    let mut body = Vec::with_capacity(expected.min(limit));
    while let Some(chunk) = response.chunk().await.map_err(read_error)? {
        let room = limit - body.len();
        if chunk.len() > room {
            if overflow == Overflow::Refuse {
                return Err(too_large(limit as u64));
            }
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        // Grow by doubling but never past the limit: the buffer is the memory bound.
        if body.capacity() - body.len() < chunk.len() {
            let wanted = (body.capacity() * 2)
                .max(body.len() + chunk.len())
                .min(limit);
            body.reserve_exact(wanted - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(bytes::Bytes::from(body))
}

fn too_large(limit: u64) -> Error {
    let mib = limit.div_ceil(1024 * 1024);
    Error::poll(
        ErrorKind::TooLarge,
        format!("answer too large (over {mib} MiB); raise max_answer_mib if it is expected"),
    )
}

/// A body that stopped arriving: a timeout or a connection lost half way.
fn read_error(e: reqwest::Error) -> Error {
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
}

/// Parses JSON, naming the call in the error (serde's message gives line and column). Bytes
/// that are not UTF-8 become U+FFFD first: one agent name in another encoding must not make
/// the whole answer unreadable.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let text = String::from_utf8_lossy(body);
    serde_json::from_str(&text).or_else(|first| {
        // An escaped UTF-16 half without its other half (`"\ud800"`) is text no decoder can
        // read: it becomes U+FFFD too, like a bad byte, rather than failing every agent.
        let repaired = replace_lone_surrogates(&text);
        if repaired == text {
            return Err(Error::malformed(what, first));
        }
        serde_json::from_str(&repaired).map_err(|_| Error::malformed(what, first))
    })
}

/// Replaces every `\uXXXX` escape of a UTF-16 surrogate that is not part of a high-low pair
/// with `\ufffd`. Other escapes (`\\u` is a backslash and a "u") are left alone.
fn replace_lone_surrogates(text: &str) -> String {
    fn escaped_unit(rest: &str) -> Option<u16> {
        let hex = rest.strip_prefix("\\u")?.get(..4)?;
        u16::from_str_radix(hex, 16).ok()
    }
    let is_high = |u: u16| (0xD800..0xDC00).contains(&u);
    let is_low = |u: u16| (0xDC00..0xE000).contains(&u);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match escaped_unit(rest) {
            Some(high) if is_high(high) && escaped_unit(&rest[6..]).is_some_and(is_low) => {
                out.push_str(&rest[..12]);
                rest = &rest[12..];
            }
            Some(unit) if is_high(unit) || is_low(unit) => {
                out.push_str("\\ufffd");
                rest = &rest[6..];
            }
            Some(_) => {
                out.push_str(&rest[..6]);
                rest = &rest[6..];
            }
            // Any other escape is two characters; a lone backslash at the end stays as it is.
            None => {
                let len = rest[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
                out.push_str(&rest[..len]);
                rest = &rest[len..];
            }
        }
    }
    out.push_str(rest);
    out
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
    status_error_saying(status, headers, &quote_body(body), what)
}

/// The error for a non-success status whose body a vendor module has read: `said` is what
/// the body says in the vendor's words (its message and code), never the raw body. Kept on
/// one line and cut at a few hundred characters.
pub fn status_error_saying(
    status: StatusCode,
    headers: &HeaderMap,
    said: &str,
    what: &str,
) -> Error {
    let quote = one_line_cut(said, SAID_LIMIT);
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
    one_line_cut(&picked, BODY_QUOTE_LIMIT)
}

/// Text on one line (runs of white space as one space), at most `limit` characters.
fn one_line_cut(text: &str, limit: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > limit {
        let cut: String = one_line.chars().take(limit).collect();
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

    /// Serves one raw HTTP answer on loopback: `head` (status line and headers) then `chunks`
    /// of `chunk_len` bytes in chunked encoding, as a streaming server sends them.
    async fn serve_once(head: &'static str, chunks: usize, chunk_len: usize) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let _ = socket.write_all(head.as_bytes()).await;
            let chunk = format!("{chunk_len:x}\r\n{}\r\n", "x".repeat(chunk_len));
            for _ in 0..chunks {
                if socket.write_all(chunk.as_bytes()).await.is_err() {
                    return; // the client stopped reading: what a bounded read does
                }
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        });
        url
    }

    async fn fetch(url: &str, max_bytes: u64) -> Result<bytes::Bytes> {
        let response = reqwest::get(url).await.unwrap();
        read_body(response, max_bytes).await
    }

    const CHUNKED_200: &str = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    #[tokio::test]
    async fn an_answer_within_the_limit_is_read_whole() {
        let url = serve_once(CHUNKED_200, 4, 1000).await;
        assert_eq!(fetch(&url, 4000).await.unwrap().len(), 4000);
    }

    #[tokio::test]
    async fn a_streamed_answer_over_the_limit_is_refused_as_too_large() {
        // 64 MiB offered, 1 MiB allowed: refused after reading about 1 MiB.
        let url = serve_once(CHUNKED_200, 1024, 64 * 1024).await;
        let err = fetch(&url, 1024 * 1024).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert!(
            err.to_string().starts_with("answer too large (over 1 MiB)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_announced_length_over_the_limit_is_refused_before_reading() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n";
        // Nothing follows the headers: reading would wait for the time limit.
        let url = serve_once(head, 0, 0).await;
        let response = reqwest::get(&url).await.unwrap();
        let started = std::time::Instant::now();
        let err = read_body(response, 32 * 1024 * 1024).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert!(err.to_string().contains("over 32 MiB"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn an_error_body_is_cut_at_the_quote_limit() {
        let head = "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n";
        let url = serve_once(head, 1024, 64 * 1024).await;
        let body = fetch(&url, 32 * 1024 * 1024).await.unwrap();
        assert_eq!(body.len(), ERROR_BODY_LIMIT);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_read_lossily() {
        let parsed: serde_json::Value = parse_json(b"{\"name\":\"caf\xe9\"}", "x").unwrap();
        assert_eq!(parsed["name"], "caf\u{fffd}");
    }

    #[test]
    fn escaped_surrogates_without_their_pair_are_read_as_replacement_characters() {
        let body =
            br#"{"a":"x\ud800y","b":"\udc00","c":"\ud83d\ude00","d":"\\ud800","e":"\u00e9\n"}"#;
        let parsed: serde_json::Value = parse_json(body, "x").unwrap();
        assert_eq!(parsed["a"], "x\u{fffd}y");
        assert_eq!(parsed["b"], "\u{fffd}");
        assert_eq!(parsed["c"], "\u{1f600}");
        assert_eq!(parsed["d"], "\\ud800");
        assert_eq!(parsed["e"], "\u{e9}\n");
        assert!(parse_json::<serde_json::Value>(br#"{"a":"\ud800"#, "x").is_err());
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
