//! `http-json`: any HTTP API that lists agents and their states as JSON, described by
//! configuration: the list's path, the authentication, JSON Pointers to the list, each
//! agent's id, name and state, and the next page, and a table of native states to severities.
//!
//! - `config`: the account's keys, their checks and the account form;
//! - `page`: following cursors and next URLs (same host only) within a page budget;
//! - `items`: one item of the list read through the pointers.

mod config;
mod items;
mod page;

use super::entry::Entry;
use super::{ClientContext, PollAnswer, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::http;
use crate::model::Observation;
use async_trait::async_trait;
use base64::Engine as _;
use page::Next;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeSet, HashSet};
use url::Url;

pub use config::{Auth, Fields, HttpJsonSettings, Module};
pub use page::MAX_PAGES;

/// How the calls are named in errors.
const LIST_CALL: &str = "agent list";

pub struct HttpJsonClient {
    http: reqwest::Client,
    first_page: Url,
    settings: HttpJsonSettings,
    /// The header carrying the secret, marked sensitive; `None` for `auth = "none"`.
    credentials: Option<(reqwest::header::HeaderName, HeaderValue)>,
    /// Agent ids to report; empty = every agent.
    watch: BTreeSet<String>,
    max_answer_bytes: u64,
}

impl std::fmt::Debug for HttpJsonClient {
    // By hand: the credentials header holds the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpJsonClient")
            .field("first_page", &self.first_page.as_str())
            .field("watch", &self.watch)
            .finish_non_exhaustive()
    }
}

impl HttpJsonClient {
    pub fn new(ctx: ClientContext, settings: HttpJsonSettings) -> Result<Self> {
        let account = &ctx.account;
        let config = |message: String| {
            Error::poll(
                ErrorKind::Config,
                format!("account {}: {message}", account.id),
            )
        };
        let first_page = Url::parse(&format!(
            "{}{}",
            account.effective_base_url(),
            settings.path
        ))
        .map_err(|e| config_error_url(&config, e))?;
        let credentials = credentials(&settings.auth, &ctx.secret).map_err(config)?;
        Ok(HttpJsonClient {
            http: ctx.http,
            first_page,
            credentials,
            watch: account.watch.iter().map(|w| w.trim().to_string()).collect(),
            max_answer_bytes: account.max_answer_bytes(),
            settings,
        })
    }

    /// Every page, item by item, until the answer names no next page.
    async fn list(&self) -> Result<PollAnswer> {
        let mut answer = PollAnswer::default();
        let mut url = self.first_page.clone();
        let mut seen_pages = HashSet::new();
        for _ in 0..MAX_PAGES {
            if !seen_pages.insert(url.to_string()) {
                return Err(Error::malformed(
                    LIST_CALL,
                    "the server sent the same next page twice: paging stopped, as it would \
                     never end",
                ));
            }
            let body = self.get(&url).await?;
            let (items, next) = self.read_page(&body, &url)?;
            for item in items {
                self.add(&mut answer, item);
            }
            match next {
                Next::Done => return Ok(answer),
                Next::Url(next) => url = next,
            }
        }
        Err(Error::malformed(
            LIST_CALL,
            format!("still more pages after {MAX_PAGES}: paging stopped"),
        ))
    }

    async fn get(&self, url: &Url) -> Result<bytes::Bytes> {
        let mut request = self
            .http
            .get(url.clone())
            .header(ACCEPT, "application/json");
        if let Some((name, value)) = &self.credentials {
            request = request.header(name, value.clone());
        }
        let response = http::send(request)
            .await
            .map_err(|e| e.in_call(LIST_CALL))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = http::read_body(response, self.max_answer_bytes)
            .await
            .map_err(|e| e.in_call(LIST_CALL))?;
        if !status.is_success() {
            return Err(http::status_error(status, &headers, &body, LIST_CALL));
        }
        Ok(body)
    }

    /// The page's items and where the next page is.
    fn read_page(&self, body: &[u8], url: &Url) -> Result<(Vec<serde_json::Value>, Next)> {
        let fields = &self.settings.fields;
        let mut page: serde_json::Value = http::parse_json(body, LIST_CALL)?;
        let next = match fields.next.as_deref() {
            Some(pointer) => page::next_page(page.pointer(pointer), url, LIST_CALL)?,
            None => Next::Done,
        };
        let items = match page.pointer_mut(&fields.list).map(serde_json::Value::take) {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => {
                return Err(Error::malformed(
                    LIST_CALL,
                    format!("the answer's {:?} is not an array", fields.list),
                ))
            }
            None => {
                return Err(Error::malformed(
                    LIST_CALL,
                    format!("the answer has nothing at {:?} (fields.list)", fields.list),
                ))
            }
        };
        Ok((items, next))
    }

    fn add(&self, answer: &mut PollAnswer, item: serde_json::Value) {
        let watches = |id: &str| self.watch.is_empty() || self.watch.contains(id);
        match items::read_item(&item, &self.settings) {
            Entry::Read(read) if watches(&read.id) => answer
                .observations
                .push(items::observe(read, &self.settings)),
            Entry::Unreadable { id, reason } if watches(&id) => {
                answer.observations.push(items::unreadable(&id, &reason))
            }
            Entry::NoId => answer.skipped_entries += 1,
            Entry::Read(_) | Entry::Unreadable { .. } => {}
        }
    }
}

fn config_error_url(config: &impl Fn(String) -> Error, e: url::ParseError) -> Error {
    config(format!("base_url and path do not make a URL: {e}"))
}

/// The header that carries the secret, marked sensitive (kept out of HTTP/2 header tables and
/// Debug output).
fn credentials(
    auth: &Auth,
    secret: &SecretString,
) -> std::result::Result<Option<(reqwest::header::HeaderName, HeaderValue)>, String> {
    let (name, text) = match auth {
        Auth::None => return Ok(None),
        Auth::Bearer => (AUTHORIZATION, format!("Bearer {}", secret.expose_secret())),
        Auth::Basic { user } => (
            AUTHORIZATION,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", secret.expose_secret()))
            ),
        ),
        Auth::Header(name) => (name.clone(), secret.expose_secret().to_string()),
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| {
        "the secret cannot be sent in an HTTP header (a line break or control character?)"
            .to_string()
    })?;
    value.set_sensitive(true);
    Ok(Some((name, value)))
}

#[async_trait]
impl VendorClient for HttpJsonClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        self.poll_answer().await.map(|answer| answer.observations)
    }

    async fn poll_answer(&self) -> Result<PollAnswer> {
        self.list().await
    }
}

#[cfg(test)]
mod tests;
