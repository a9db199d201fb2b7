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
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wire::ListedAgent;

pub use mapping::{severity_of, EXITED_NATIVE, EXITED_STATE, STATES};

/// How far back the list looks for the start times of agents in a live state (IDLE, STARTING,
/// RUNNING, STOPPING, RECOVERING). Agora's default is 2 hours, which would hide every agent
/// started earlier; live agents are few, so a year costs nothing and finds long-running ones.
pub const LIVE_LOOK_BACK: Duration = Duration::from_secs(365 * 24 * 3600);
/// The same for the states that end a life (STOPPED, FAILED): a week of history, not all of it.
/// An agent the app already watches is followed past it (see `follow_known`).
pub const ENDED_LOOK_BACK: Duration = Duration::from_secs(7 * 24 * 3600);
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
    /// List mode: the agents the last poll reported. One that an old start time keeps out of
    /// the list's window (a long-running agent that fails) is asked for on its own rather than
    /// silently dropped.
    known: std::sync::Mutex<BTreeSet<String>>,
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
            known: Default::default(),
        })
    }

    /// Every agent of the project (or channel) in any documented state.
    async fn list_all(&self) -> Result<Vec<Observation>> {
        let now = unix_now();
        // `buffered` keeps the states in order, so that the merge below is deterministic.
        let per_state: Vec<Vec<ListedAgent>> = futures::stream::iter(0..STATES.len() as u8)
            .map(|state| self.list_state(state, now - look_back(state).as_secs() as i64))
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        // An agent changing state between two requests shows up in both lists; the later
        // state in the lifecycle is the likelier current one, and the next poll settles it.
        let mut merged = BTreeMap::new();
        for agent in per_state.iter().flatten() {
            merged.insert(agent.agent_id.clone(), mapping::from_listed(agent));
        }
        self.follow_known(merged).await
    }

    /// Agents the last poll reported that the lists no longer show are asked for one by one:
    /// an agent started long ago that has just failed is outside the FAILED list's window, and
    /// dropping it would hide the failure. One that has stopped or that Agora no longer knows is
    /// reported (or left out) once and then forgotten, so the questions do not pile up.
    async fn follow_known(
        &self,
        mut merged: BTreeMap<String, Observation>,
    ) -> Result<Vec<Observation>> {
        let missing: Vec<String> = {
            let known = self.known.lock().unwrap();
            known
                .iter()
                .filter(|id| !merged.contains_key(*id))
                .cloned()
                .collect()
        };
        let answers: Vec<(String, Option<wire::AgentDetail>)> = futures::stream::iter(missing)
            .map(|id| async move {
                let detail = self.api.agent(&id).await?;
                Ok::<_, Error>((id, detail))
            })
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        let mut keep: BTreeSet<String> = merged.keys().cloned().collect();
        for (id, detail) in answers {
            let Some(agent) = detail else { continue };
            let observation = mapping::from_detail(&agent);
            if !observation.native.eq_ignore_ascii_case("STOPPED") {
                keep.insert(id.clone());
            }
            merged.insert(id, observation);
        }
        *self.known.lock().unwrap() = keep;
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

/// How far back the list of one state looks.
fn look_back(state: u8) -> Duration {
    match STATES[usize::from(state)] {
        "STOPPED" | "FAILED" => ENDED_LOOK_BACK,
        _ => LIVE_LOOK_BACK,
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
