//! The two Agora calls AgentWatch makes, with Basic authentication and errors that name the call.

use super::wire::{self, AgentAnswer, ErrorBody, ListPage, TurnsPage};
use crate::error::{Error, ErrorKind, Result};
use crate::http;
use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

/// The documented path under the base URL; the app id follows it.
const PROJECTS_PATH: [&str; 4] = ["api", "conversational-ai-agent", "v2", "projects"];

/// What one list request asks for.
pub struct ListQuery<'a> {
    /// The numeric state filter (0 = IDLE ... 6 = FAILED).
    pub state: u8,
    pub from_time: i64,
    pub limit: u32,
    pub channel: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

/// An authenticated handle on one Agora project. Not `Debug`: it holds the credentials.
pub struct Api {
    http: reqwest::Client,
    /// `{base}/api/conversational-ai-agent/v2/projects/{app_id}`, the app id percent-encoded.
    project_url: url::Url,
    /// `Basic base64(customer_id:customer_secret)`, marked sensitive so that reqwest and http
    /// never print it.
    authorization: HeaderValue,
    /// The account's answer size limit.
    max_answer_bytes: u64,
}

/// What a path segment must not hold as it is: controls (tab, CR, LF included), space, the
/// characters that end or delimit a path, and `%` itself.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

impl Api {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        app_id: &str,
        customer_id: &str,
        customer_secret: &SecretString,
        max_answer_bytes: u64,
    ) -> Result<Api> {
        let mut project_url = url::Url::parse(base_url).map_err(|e| {
            Error::poll(
                ErrorKind::Config,
                format!("agora base_url {base_url:?} is not a URL: {e}"),
            )
        })?;
        project_url
            .path_segments_mut()
            .map_err(|_| {
                Error::poll(
                    ErrorKind::Config,
                    format!("agora base_url {base_url:?} cannot take a path"),
                )
            })?
            .pop_if_empty()
            .extend(PROJECTS_PATH)
            .push(app_id);
        if customer_id.contains(':') {
            // Basic authentication cannot carry a user name with a colon.
            return Err(Error::poll(
                ErrorKind::Config,
                "agora customer_id must not contain ':' (it is the Basic authentication user name)",
            ));
        }
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{customer_id}:{}", customer_secret.expose_secret()));
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {credentials}")).map_err(|_| {
                Error::poll(ErrorKind::Config, "agora credentials cannot form a header")
            })?;
        authorization.set_sensitive(true);
        Ok(Api {
            http,
            project_url,
            authorization,
            max_answer_bytes,
        })
    }

    /// One page of `GET .../agents`.
    pub async fn list_page(&self, query: &ListQuery<'_>) -> Result<ListPage> {
        let what = format!(
            "Agora list of agents (state {})",
            super::mapping::STATES
                .get(usize::from(query.state))
                .copied()
                .unwrap_or("?")
        );
        let mut url = self.url(&["agents"]);
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("state", &query.state.to_string())
                .append_pair("from_time", &query.from_time.to_string())
                .append_pair("limit", &query.limit.to_string());
            if let Some(channel) = query.channel {
                pairs.append_pair("channel", channel);
            }
            if let Some(cursor) = query.cursor {
                pairs.append_pair("cursor", cursor);
            }
        }
        let (status, headers, body) = self.get(url, &what).await?;
        if !status.is_success() {
            return Err(self::status_error(status, &headers, &body, &what));
        }
        wire::parse_list_page(&body, &what)
    }

    /// `GET .../agents/{agentId}`; a 404 means the agent has exited.
    pub async fn agent(&self, agent_id: &str) -> Result<AgentAnswer> {
        let what = format!("Agora query of agent {agent_id}");
        let url = self.url(&["agents", agent_id]);
        let (status, headers, body) = self.get(url, &what).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(AgentAnswer::Exited);
        }
        if !status.is_success() {
            return Err(self::status_error(status, &headers, &body, &what));
        }
        wire::parse_agent(&body, agent_id, &what)
    }

    /// One page of `GET .../agents/{agentId}/turns` (`page_index` from 1); `None` when Agora
    /// has no turns for the agent (HTTP 404: not found, or its session is older than 7 days).
    pub async fn turns_page(
        &self,
        agent_id: &str,
        page_index: u32,
        page_size: u32,
    ) -> Result<Option<TurnsPage>> {
        let what = format!("Agora turns of agent {agent_id}");
        let mut url = self.url(&["agents", agent_id, "turns"]);
        url.query_pairs_mut()
            .append_pair("page_index", &page_index.to_string())
            .append_pair("page_size", &page_size.to_string());
        let (status, headers, body) = self.get(url, &what).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self::status_error(status, &headers, &body, &what));
        }
        wire::parse_turns_page(&body, page_index, &what).map(Some)
    }

    /// The project URL with `segments` added, each percent-encoded here: the url crate's own
    /// segment push drops tabs, CRs and LFs (as URL parsing does), which would query an agent
    /// whose id holds them under another id, and report it gone.
    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.project_url.clone();
        let mut path = url.path().trim_end_matches('/').to_string();
        for segment in segments {
            path.push('/');
            path.extend(percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT));
        }
        url.set_path(&path);
        url
    }

    async fn get(
        &self,
        url: url::Url,
        what: &str,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, bytes::Bytes)> {
        let request = self
            .http
            .get(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        let response = http::send(request).await.map_err(|e| e.in_call(what))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = http::read_body(response, self.max_answer_bytes)
            .await
            .map_err(|e| e.in_call(what))?;
        Ok((status, headers, body))
    }
}

/// The shared classification (401/403 auth, 429 rate limited with Retry-After, others HTTP
/// status), quoting Agora's own words from either error shape when it gave some.
fn status_error(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    what: &str,
) -> Error {
    let summary = ErrorBody::parse(body).summary();
    if summary.is_empty() {
        http::status_error(status, headers, body, what)
    } else {
        http::status_error(status, headers, summary.as_bytes(), what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, RETRY_AFTER};

    const ERROR: &str = include_str!("../fixtures/agora_error.json");

    #[test]
    fn an_agent_id_with_control_characters_is_queried_as_it_is() {
        let api = Api::new(
            reqwest::Client::new(),
            "https://api.agora.io",
            "app",
            "cust",
            &SecretString::from("s3cret"),
            1024,
        )
        .unwrap();
        let url = api.url(&["agents", "a\tb\r\nc%d"]);
        assert!(url.as_str().ends_with("/agents/a%09b%0D%0Ac%25d"), "{url}");
    }
    const ERROR_LEGACY: &str = include_str!("../fixtures/agora_error_legacy.json");

    #[test]
    fn the_project_url_follows_the_documented_path_and_encodes_the_app_id() {
        let api = Api::new(
            reqwest::Client::new(),
            "https://api.agora.io",
            "my app",
            "cust",
            &SecretString::from("s3cret"),
            1024,
        )
        .unwrap();
        assert_eq!(
            api.url(&["agents", "A/B"]).as_str(),
            "https://api.agora.io/api/conversational-ai-agent/v2/projects/my%20app/agents/A%2FB"
        );
        // An installation behind a path prefix keeps it in front of the documented path.
        for base in ["https://gw.example/agora", "https://gw.example/agora/"] {
            let api = Api::new(
                reqwest::Client::new(),
                base,
                "app",
                "cust",
                &SecretString::from("s3cret"),
                1024,
            )
            .unwrap();
            assert_eq!(
                api.url(&["agents"]).as_str(),
                "https://gw.example/agora/api/conversational-ai-agent/v2/projects/app/agents"
            );
        }
    }

    #[test]
    fn the_authorization_header_is_basic_and_sensitive() {
        let api = Api::new(
            reqwest::Client::new(),
            "http://127.0.0.1:1",
            "app",
            "cust",
            &SecretString::from("s3cret"),
            1024,
        )
        .unwrap();
        // base64("cust:s3cret")
        assert_eq!(api.authorization, "Basic Y3VzdDpzM2NyZXQ=");
        assert!(api.authorization.is_sensitive());
        assert!(!format!("{:?}", api.authorization).contains("Y3VzdDpzM2NyZXQ"));
    }

    #[test]
    fn error_bodies_of_both_shapes_are_quoted_with_the_right_kind() {
        let none = HeaderMap::new();
        let err = status_error(
            StatusCode::UNAUTHORIZED,
            &none,
            ERROR.as_bytes(),
            "Agora list",
        );
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert_eq!(
            err.to_string(),
            "Agora list: credentials refused (HTTP 401): Invalid authentication credentials (Unauthorized)"
        );
        let err = status_error(
            StatusCode::FORBIDDEN,
            &none,
            ERROR_LEGACY.as_bytes(),
            "Agora list",
        );
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert!(
            err.to_string()
                .ends_with(": Invalid authentication credentials"),
            "{err}"
        );

        let mut later = HeaderMap::new();
        later.insert(RETRY_AFTER, "12".parse().unwrap());
        let err = status_error(StatusCode::TOO_MANY_REQUESTS, &later, b"{}", "Agora list");
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(12)));

        let html = b"<html><head><title>503 Service Unavailable</title></head></html>";
        let err = status_error(StatusCode::SERVICE_UNAVAILABLE, &none, html, "Agora list");
        assert_eq!(err.kind(), ErrorKind::HttpStatus);
        assert!(err.to_string().contains("503 Service Unavailable"), "{err}");
    }
}
