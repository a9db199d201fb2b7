//! The OAuth2 client-credentials token, fetched from `POST /iso/oauth2/token` and cached until
//! shortly before it expires. The cache sits behind a tokio Mutex held while fetching, so polls
//! that start together fetch one token between them.

use super::wire::{OAuthError, TokenAnswer, VendorError};
use crate::error::{Error, ErrorKind, Result};
use crate::http;
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub(super) const TOKEN_CALL: &str = "Segura token request";
const TOKEN_PATH: &str = "/iso/oauth2/token";
/// The refresh margin is a tenth of the token's lifetime...
const EXPIRY_MARGIN_DIVISOR: u32 = 10;
/// ...but never more than this, so that hour-long tokens are used for almost an hour.
const EXPIRY_MARGIN_CAP: Duration = Duration::from_secs(30);
/// When the answer does not say how long the token lives: short, so that a token that dies
/// sooner than we guessed costs at most one refused request (which triggers a refresh anyway).
const LIFETIME_WHEN_UNSTATED: Duration = Duration::from_secs(60);

/// A token and the fetch it came from, so that a refusal drops only that token.
#[derive(Clone)]
pub(super) struct BearerToken {
    pub value: SecretString,
    generation: u64,
}

struct CachedToken {
    token: BearerToken,
    refresh_at: Instant,
}

#[derive(Default)]
struct Cache {
    current: Option<CachedToken>,
    fetched: u64,
}

pub(super) struct TokenSource {
    url: String,
    client_id: String,
    client_secret: SecretString,
    max_answer_bytes: u64,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(
        base_url: &str,
        client_id: String,
        client_secret: SecretString,
        max_answer_bytes: u64,
    ) -> Self {
        TokenSource {
            url: format!("{base_url}{TOKEN_PATH}"),
            client_id,
            client_secret,
            max_answer_bytes,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The cached token, or a new one when there is none or it is about to expire.
    pub async fn current(&self, http: &reqwest::Client) -> Result<BearerToken> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = &cache.current {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let (value, lifetime) = self.fetch(http).await?;
        cache.fetched += 1;
        let token = BearerToken {
            value,
            generation: cache.fetched,
        };
        cache.current = Some(CachedToken {
            token: token.clone(),
            refresh_at: Instant::now() + refresh_after(lifetime),
        });
        tracing::debug!(
            lifetime_secs = lifetime.as_secs(),
            "segura: new access token"
        );
        Ok(token)
    }

    /// Forgets `token` after the server refused it, unless a newer one already replaced it.
    pub async fn invalidate(&self, token: &BearerToken) {
        let mut cache = self.cache.lock().await;
        if cache
            .current
            .as_ref()
            .is_some_and(|c| c.token.generation == token.generation)
        {
            cache.current = None;
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<(SecretString, Duration)> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let request = http
            .post(&self.url)
            .header(ACCEPT, "application/json")
            .form(&form);
        let response = http::send(request)
            .await
            .map_err(|e| e.in_call(TOKEN_CALL))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = http::read_body(response, self.max_answer_bytes)
            .await
            .map_err(|e| e.in_call(TOKEN_CALL))?;
        match status {
            s if s.is_success() => read_token_answer(&body),
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED => {
                Err(credentials_refused(status, &body))
            }
            // The token call's other refusals may come in the list's error shapes too.
            _ => Err(match VendorError::in_body(&body) {
                Some(reported) => {
                    http::status_error_saying(status, &headers, &reported.words(), TOKEN_CALL)
                }
                None => http::status_error(status, &headers, &body, TOKEN_CALL),
            }),
        }
    }
}

fn read_token_answer(body: &[u8]) -> Result<(SecretString, Duration)> {
    let answer: TokenAnswer = http::parse_json(body, TOKEN_CALL)?;
    if let Some(kind) = answer.token_type.as_deref() {
        if !kind.trim().eq_ignore_ascii_case("bearer") {
            return Err(Error::malformed(
                TOKEN_CALL,
                format!("token_type {kind:?} is not supported (expected Bearer)"),
            ));
        }
    }
    let lifetime = match answer.expires_in.as_deref() {
        None => LIFETIME_WHEN_UNSTATED,
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| {
                Error::malformed(
                    TOKEN_CALL,
                    format!("expires_in {text:?} is not a number of seconds"),
                )
            })?,
    };
    Ok((answer.access_token, lifetime))
}

/// The supervisor learns the credentials were refused and, when the server says it in OAuth2
/// terms, why ("invalid_client"). Nothing else of the body is quoted.
fn credentials_refused(status: StatusCode, body: &[u8]) -> Error {
    let reason = serde_json::from_slice::<OAuthError>(body)
        .ok()
        .and_then(|e| e.error)
        .filter(|code| {
            code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|code| format!(", {code}"))
        .unwrap_or_default();
    Error::poll(
        ErrorKind::Auth,
        format!(
            "{TOKEN_CALL}: client credentials refused (HTTP {}{reason}); check the client_id and the client secret of the A2A application",
            status.as_u16()
        ),
    )
}

/// How long a token is used: its lifetime less a margin for clock skew and request time.
fn refresh_after(lifetime: Duration) -> Duration {
    let margin = (lifetime / EXPIRY_MARGIN_DIVISOR).min(EXPIRY_MARGIN_CAP);
    lifetime.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_refreshed_a_little_before_they_expire() {
        assert_eq!(
            refresh_after(Duration::from_secs(3600)),
            Duration::from_secs(3570)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(100)),
            Duration::from_secs(90)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn token_type_is_read_case_insensitively() {
        let body = br#"{"token_type":"bearer","expires_in":3600,"access_token":"abc"}"#;
        let (token, lifetime) = read_token_answer(body).unwrap();
        assert_eq!(token.expose_secret(), "abc");
        assert_eq!(lifetime, Duration::from_secs(3600));
    }

    #[test]
    fn a_missing_lifetime_is_a_short_one() {
        let (_, lifetime) =
            read_token_answer(br#"{"token_type":"Bearer","access_token":"abc"}"#).unwrap();
        assert_eq!(lifetime, LIFETIME_WHEN_UNSTATED);
    }

    #[test]
    fn other_token_types_and_missing_tokens_are_malformed() {
        let mac = read_token_answer(br#"{"token_type":"MAC","access_token":"abc"}"#).unwrap_err();
        assert_eq!(mac.kind(), ErrorKind::Malformed);
        assert!(mac.to_string().contains("MAC"), "{mac}");
        let empty = read_token_answer(br#"{"token_type":"Bearer","access_token":""}"#).unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::Malformed);
    }

    #[test]
    fn refusals_name_the_oauth_reason_only() {
        let err = credentials_refused(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_client","error_description":"secret s3cr3t is wrong"}"#,
        );
        assert_eq!(err.kind(), ErrorKind::Auth);
        let text = err.to_string();
        assert!(
            text.contains("client credentials refused (HTTP 401, invalid_client)"),
            "{text}"
        );
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
