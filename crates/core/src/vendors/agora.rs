//! Agora Conversational AI Engine (REST v2): the agents of one project.
//!
//! With an empty watch list every agent of the project (optionally of one channel) is listed,
//! one state per request; otherwise each watched agent is queried on its own, and a 404 means
//! the agent has exited.

mod api;
mod mapping;
mod wire;

use super::{ClientContext, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Observation, Severity};
use api::{Api, ListQuery};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wire::ListedAgent;

pub use mapping::{severity_of, EXITED_NATIVE, EXITED_STATE, STATES};

/// How far back the list looks for agents' start times. Agora's default is 2 hours, which would
/// hide every agent started earlier; a week covers long-running agents without asking the
/// server for its whole history.
pub const LIST_LOOK_BACK: Duration = Duration::from_secs(7 * 24 * 3600);
/// Agents per page asked for (Agora's default is 20).
pub const PAGE_LIMIT: u32 = 100;
/// The most pages followed for one state: 500 x 100 agents is far beyond any real project, so
/// reaching it means the server's cursor never ends.
pub const MAX_PAGES_PER_STATE: usize = 500;
/// Requests in flight at once for one account.
const CONCURRENT_REQUESTS: usize = 4;

pub struct AgoraClient {
    api: Api,
    app_id: String,
    channel: Option<String>,
    /// Watched agent ids, without duplicates, in the configured order.
    watch: Vec<String>,
}

impl std::fmt::Debug for AgoraClient {
    // By hand: the API handle holds the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgoraClient")
            .field("app_id", &self.app_id)
            .field("channel", &self.channel)
            .field("watch", &self.watch)
            .finish_non_exhaustive()
    }
}

impl AgoraClient {
    pub fn new(ctx: ClientContext) -> Result<Self> {
        let account = &ctx.account;
        let required = |value: &Option<String>, key: &str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::poll(
                        ErrorKind::Config,
                        format!("agora account {:?} has no {key}", account.id),
                    )
                })
        };
        let app_id = required(&account.app_id, "app_id")?;
        let customer_id = required(&account.customer_id, "customer_id")?;
        let api = Api::new(
            ctx.http.clone(),
            &account.effective_base_url(),
            &app_id,
            &customer_id,
            &ctx.secret,
        )?;
        let mut seen = HashSet::new();
        let watch = account
            .watch
            .iter()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty() && seen.insert(w.clone()))
            .collect();
        Ok(AgoraClient {
            api,
            app_id,
            channel: account
                .channel
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            watch,
        })
    }

    /// Every agent of the project (or channel) in any documented state.
    async fn list_all(&self) -> Result<Vec<Observation>> {
        let from_time = unix_now() - LIST_LOOK_BACK.as_secs() as i64;
        // `buffered` keeps the states in order, so that the merge below is deterministic.
        let per_state: Vec<Vec<ListedAgent>> = futures::stream::iter(0..STATES.len() as u8)
            .map(|state| self.list_state(state, from_time))
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        // An agent changing state between two requests shows up in both lists; the later
        // state in the lifecycle is the likelier current one, and the next poll settles it.
        let mut merged = BTreeMap::new();
        for agent in per_state.iter().flatten() {
            merged.insert(agent.agent_id.clone(), mapping::from_listed(agent));
        }
        Ok(merged.into_values().collect())
    }

    /// Every page of one state, de-duplicated by agent id: whether the cursor agent repeats at
    /// the top of the next page is undocumented.
    async fn list_state(&self, state: u8, from_time: i64) -> Result<Vec<ListedAgent>> {
        let mut agents: Vec<ListedAgent> = Vec::new();
        let mut ids = HashSet::new();
        let mut cursors = HashSet::new();
        let mut cursor: Option<String> = None;
        for page_number in 1..=MAX_PAGES_PER_STATE {
            let page = self
                .api
                .list_page(&ListQuery {
                    state,
                    from_time,
                    limit: PAGE_LIMIT,
                    channel: self.channel.as_deref(),
                    cursor: cursor.as_deref(),
                })
                .await?;
            agents.extend(
                page.agents
                    .into_iter()
                    .filter(|a| ids.insert(a.agent_id.clone())),
            );
            match page.next_cursor {
                None => {
                    tracing::debug!(
                        app_id = %self.app_id,
                        state = STATES[usize::from(state)],
                        pages = page_number,
                        agents = agents.len(),
                        "agora list complete"
                    );
                    return Ok(agents);
                }
                Some(next) if !cursors.insert(next.clone()) => {
                    return Err(paging_did_not_end(
                        state,
                        format!("the cursor {next:?} came back after {page_number} pages"),
                    ));
                }
                Some(next) => cursor = Some(next),
            }
        }
        Err(paging_did_not_end(
            state,
            format!("still more after {MAX_PAGES_PER_STATE} pages"),
        ))
    }

    /// Each watched agent on its own; a 404 is an agent that has exited.
    async fn query_watched(&self) -> Result<Vec<Observation>> {
        // Owned ids: a stream of borrowed ones trips the compiler's lifetime inference inside
        // the boxed future `async_trait` builds.
        futures::stream::iter(self.watch.clone())
            .map(|id| async move {
                Ok(match self.api.agent(&id).await? {
                    Some(agent) => mapping::from_detail(&agent),
                    None => mapping::exited(&id),
                })
            })
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await
    }
}

#[async_trait]
impl VendorClient for AgoraClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        if self.watch.is_empty() {
            self.list_all().await
        } else {
            self.query_watched().await
        }
    }

    /// Agents leave the list when they are done: that is their normal end.
    fn vanished_severity(&self) -> Severity {
        Severity::Info
    }
}

fn paging_did_not_end(state: u8, why: String) -> Error {
    Error::poll(
        ErrorKind::Malformed,
        format!(
            "Agora list of agents (state {}): paging did not end: {why}",
            STATES[usize::from(state)]
        ),
    )
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
