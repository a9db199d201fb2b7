//! Segura (senhasegura) Network Connector agents: an OAuth2 client-credentials token, then the
//! list of registered agents. An agent is watched for appearing, vanishing and being
//! re-registered (its port or fingerprint changing).

mod list;
mod observe;
mod token;
mod wire;

use super::{ClientContext, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Observation, Severity};
use async_trait::async_trait;
use list::{ListOutcome, LIST_CALL, LIST_PATH};
use std::collections::BTreeSet;
use token::TokenSource;
use wire::WireAgent;

pub struct SeguraClient {
    http: reqwest::Client,
    list_url: String,
    /// Agent ids to report; empty = every agent.
    watch: BTreeSet<String>,
    tokens: TokenSource,
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
    pub fn new(ctx: ClientContext) -> Result<Self> {
        let account = &ctx.account;
        let base_url = account.effective_base_url();
        if base_url.is_empty() {
            return Err(Error::poll(
                ErrorKind::Config,
                format!("segura account {:?} has no base_url", account.id),
            ));
        }
        let client_id = account
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::poll(
                    ErrorKind::Config,
                    format!("segura account {:?} has no client_id", account.id),
                )
            })?
            .to_string();
        Ok(SeguraClient {
            list_url: format!("{base_url}{LIST_PATH}"),
            watch: account.watch.iter().map(|w| w.trim().to_string()).collect(),
            tokens: TokenSource::new(&base_url, client_id, ctx.secret),
            http: ctx.http,
        })
    }

    /// Every registered agent, fetching a fresh token once if the cached one is refused.
    async fn list_agents(&self) -> Result<Vec<WireAgent>> {
        let token = self.tokens.current(&self.http).await?;
        if let ListOutcome::Agents(agents) =
            list::request_agents(&self.http, &self.list_url, &token).await?
        {
            return Ok(agents);
        }
        tracing::debug!("segura: access token refused, fetching a new one");
        self.tokens.invalidate(&token).await;
        let token = self.tokens.current(&self.http).await?;
        match list::request_agents(&self.http, &self.list_url, &token).await? {
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
}

#[async_trait]
impl VendorClient for SeguraClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        let agents = self.list_agents().await?;
        Ok(agents
            .into_iter()
            .filter(|a| self.watch.is_empty() || self.watch.contains(&a.id))
            .map(observe::observe)
            .collect())
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
