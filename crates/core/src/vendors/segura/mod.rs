//! Segura (senhasegura) Network Connector agents: an OAuth2 client-credentials token, then the
//! list of registered agents. An agent is watched for appearing, vanishing and being
//! re-registered (its port or fingerprint changing).

mod config;
mod list;
mod observe;
mod token;
mod wire;

use super::entry::{self, Entry};
use super::{ClientContext, PollAnswer, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Observation, Severity};
use async_trait::async_trait;
use list::{ListOutcome, LIST_CALL, LIST_PATH};
use std::collections::BTreeSet;
use token::TokenSource;
use wire::WireAgent;

pub use config::{Module, SeguraSettings};

pub struct SeguraClient {
    http: reqwest::Client,
    list_url: String,
    /// Agent ids to report; empty = every agent.
    watch: BTreeSet<String>,
    tokens: TokenSource,
    max_answer_bytes: u64,
}

impl std::fmt::Debug for SeguraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeguraClient")
            .field("list_url", &self.list_url)
            .field("watch", &self.watch)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl SeguraClient {
    /// The client of an account whose Segura keys are checked (see [`SeguraSettings::of`]).
    pub fn new(ctx: ClientContext) -> Result<Self> {
        let settings = SeguraSettings::of(&ctx.account)
            .map_err(|e| super::registry::config_error(&ctx.account, e))?;
        Self::with_settings(ctx, settings)
    }

    fn with_settings(ctx: ClientContext, settings: SeguraSettings) -> Result<Self> {
        let account = &ctx.account;
        let base_url = account.effective_base_url();
        if base_url.is_empty() {
            return Err(Error::poll(
                ErrorKind::Config,
                format!("segura account {:?} has no base_url", account.id),
            ));
        }
        let client_id = settings.client_id;
        let max_answer_bytes = account.max_answer_bytes();
        Ok(SeguraClient {
            // The base URL may carry a path prefix (`https://host/senhasegura`): the documented
            // paths go after it.
            list_url: format!("{base_url}{LIST_PATH}"),
            watch: account.watch.iter().map(|w| w.trim().to_string()).collect(),
            tokens: TokenSource::new(&base_url, client_id, ctx.secret, max_answer_bytes),
            http: ctx.http,
            max_answer_bytes,
        })
    }

    /// Every registered agent, fetching a fresh token once if the cached one is refused.
    async fn list_agents(&self) -> Result<Vec<serde_json::Value>> {
        let token = self.tokens.current(&self.http).await?;
        if let ListOutcome::Agents(agents) = self.request_agents(&token).await? {
            return Ok(agents);
        }
        tracing::debug!("segura: access token refused, fetching a new one");
        self.tokens.invalidate(&token).await;
        let token = self.tokens.current(&self.http).await?;
        match self.request_agents(&token).await? {
            ListOutcome::Agents(agents) => Ok(agents),
            ListOutcome::TokenRefused => Err(Error::poll(
                ErrorKind::Auth,
                format!(
                    "{LIST_CALL}: a freshly issued token was refused too (HTTP 401); check that the \
                     A2A authorization grants access to the System resource"
                ),
            )),
        }
    }

    async fn request_agents(&self, token: &token::BearerToken) -> Result<ListOutcome> {
        list::request_agents(&self.http, &self.list_url, token, self.max_answer_bytes).await
    }

    fn watches(&self, id: &str) -> bool {
        self.watch.is_empty() || self.watch.contains(id)
    }
}

/// Reads the entries one by one: an unreadable one is shown as its agent with severity
/// unknown, one without a usable id is counted, and neither hides the others.
fn read_entries(entries: Vec<serde_json::Value>, watches: impl Fn(&str) -> bool) -> PollAnswer {
    let mut answer = PollAnswer::default();
    for entry in entries {
        match entry::read_entry::<WireAgent>(entry, "id") {
            Entry::Read(agent) if watches(&agent.id) => {
                answer.observations.push(observe::observe(agent))
            }
            Entry::Unreadable { id, reason } if watches(&id) => {
                answer.observations.push(entry::unreadable(&id, &reason))
            }
            Entry::NoId => answer.skipped_entries += 1,
            Entry::Read(_) | Entry::Unreadable { .. } => {}
        }
    }
    answer
}

#[async_trait]
impl VendorClient for SeguraClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        self.poll_answer().await.map(|answer| answer.observations)
    }

    async fn poll_answer(&self) -> Result<PollAnswer> {
        let entries = self.list_agents().await?;
        Ok(read_entries(entries, |id| self.watches(id)))
    }

    /// The connector is gone: nothing reaches the network behind it.
    fn vanished_severity(&self) -> Severity {
        Severity::Critical
    }

    /// Re-registered with another port or fingerprint: possibly tampering.
    fn identity_change_severity(&self) -> Severity {
        Severity::Critical
    }
}

#[cfg(test)]
mod tests;
