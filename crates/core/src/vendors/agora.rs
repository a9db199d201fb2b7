//! Agora Conversational AI Engine (REST v2): the agents of one project.
//!
//! With an empty watch list every agent of the project (optionally of one channel) is listed,
//! one state per request; otherwise each watched agent is queried on its own, and a 404 means
//! the agent has exited.

mod api;
mod config;
mod mapping;
mod session;
mod wire;

use super::entry::{self, Entry};
use super::{ClientContext, PollAnswer, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Observation, Severity};
use api::{Api, ListQuery};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use session::{EndedSessions, TurnSummary, Verdict};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wire::{AgentAnswer, ListedAgent, ListedTurns};

pub use config::{AgoraSettings, Module, DEFAULT_BASE_URL};
pub use mapping::{severity_of, EXITED_NATIVE, EXITED_STATE, STATES};
pub use session::SessionQuality;

/// How far back the list looks for the start times of agents in a live state (IDLE, STARTING,
/// RUNNING, STOPPING, RECOVERING). Agora's default is 2 hours, which would hide every agent
/// started earlier; live agents are few, so a year costs nothing and finds long-running ones.
pub const LIVE_LOOK_BACK: Duration = Duration::from_secs(365 * 24 * 3600);
/// The same for the states that end a life (STOPPED, FAILED): a week of history, not all of it.
/// An agent the app already watches is followed past it (see `follow_known`).
pub const ENDED_LOOK_BACK: Duration = Duration::from_secs(7 * 24 * 3600);
/// Agents per page asked for (Agora's default is 20).
pub const PAGE_LIMIT: u32 = 100;
/// The most pages followed for one state whatever the server announces: 50 x 100 agents in
/// one state is far beyond a real project, so reaching it means the cursor never ends.
pub const MAX_PAGES_PER_STATE: usize = 50;
/// Pages allowed beyond those `meta.total` calls for: agents started while we page, and a
/// server that repeats the cursor agent at the top of each page (a page then brings one agent
/// fewer), must not make an honest project fail.
const EXTRA_PAGES: usize = 2;
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
    /// `[accounts.session_quality]`: what makes an ended session a warning or critical.
    quality: Option<SessionQuality>,
    /// The agents whose session ended since watching began, and how it went.
    ended: std::sync::Mutex<EndedSessions>,
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
    /// The client of an account whose Agora keys are checked (see [`AgoraSettings::of`]).
    pub fn new(ctx: ClientContext) -> Result<Self> {
        let settings = AgoraSettings::of(&ctx.account)
            .map_err(|e| super::registry::config_error(&ctx.account, e))?;
        Self::with_settings(ctx, settings)
    }

    fn with_settings(ctx: ClientContext, settings: AgoraSettings) -> Result<Self> {
        let account = &ctx.account;
        let AgoraSettings {
            app_id,
            customer_id,
            channel,
            session_quality,
        } = settings;
        let api = Api::new(
            ctx.http.clone(),
            &account.effective_base_url(),
            &app_id,
            &customer_id,
            &ctx.secret,
            account.max_answer_bytes(),
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
            channel,
            watch,
            known: Default::default(),
            quality: session_quality,
            ended: Default::default(),
        })
    }

    /// The poll's agents with how the sessions that ended since the last poll went (read now,
    /// one agent's turns at a time per request slot) and those learnt before.
    async fn with_sessions(&self, mut observations: Vec<Observation>) -> Vec<Observation> {
        let newly_ended = self.ended.lock().unwrap().newly_ended(&observations);
        let learnt: Vec<(String, Verdict)> = futures::stream::iter(newly_ended)
            .map(|id| async move {
                let verdict = self.read_session(&id).await;
                (id, verdict)
            })
            .buffered(CONCURRENT_REQUESTS)
            .collect()
            .await;
        self.ended
            .lock()
            .unwrap()
            .record(&mut observations, learnt, crate::clock::now_ms());
        observations
    }

    /// How one ended agent's session went: its turns, page after page within the budget.
    /// A failure to read them is said in the verdict; it never fails the poll.
    async fn read_session(&self, agent_id: &str) -> Verdict {
        let mut read = ListedTurns::default();
        // Stays true only when the budget runs out before the last page.
        let mut truncated = true;
        for page_index in 1..=session::MAX_TURN_PAGES {
            match self
                .api
                .turns_page(agent_id, page_index, session::TURN_PAGE_SIZE)
                .await
            {
                Ok(Some(page)) => {
                    read.turns.extend(page.turns);
                    if page.last {
                        let summary = TurnSummary::of(&read, false);
                        return Verdict::of(&summary, self.quality.as_ref());
                    }
                }
                Ok(None) if page_index == 1 => {
                    return Verdict::unknown("Agora has no turns for it (HTTP 404)")
                }
                Ok(None) => {
                    truncated = false;
                    break;
                }
                Err(e) => {
                    tracing::warn!(agent = agent_id, "agora: turns not read: {e}");
                    return Verdict::unknown(&e.to_string());
                }
            }
        }
        // Past the paging budget (or a page that vanished): the turns read so far tell.
        Verdict::of(&TurnSummary::of(&read, truncated), self.quality.as_ref())
    }

    /// Every agent of the project (or channel) in any documented state.
    async fn list_all(&self) -> Result<PollAnswer> {
        let now = unix_now();
        // `buffered` keeps the states in order, so that the merge below is deterministic.
        let per_state: Vec<StateList> = futures::stream::iter(0..STATES.len() as u8)
            .map(|state| self.list_state(state, now - look_back(state).as_secs() as i64))
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        // An agent changing state between two requests shows up in both lists; the later
        // state in the lifecycle is the likelier current one, and the next poll settles it.
        let mut merged = BTreeMap::new();
        let mut skipped = 0;
        for list in per_state {
            skipped += list.skipped;
            for agent in list.agents {
                let observation = match agent {
                    Entry::Read(agent) => mapping::from_listed(&agent),
                    Entry::Unreadable { id, reason } => entry::unreadable(&id, &reason),
                    Entry::NoId => continue,
                };
                merged.insert(observation.agent_id.clone(), observation);
            }
        }
        Ok(PollAnswer {
            observations: self.follow_known(merged).await?,
            skipped_entries: skipped,
        })
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
        let answers: Vec<(String, AgentAnswer)> = futures::stream::iter(missing)
            .map(|id| async move {
                let answer = self.api.agent(&id).await?;
                Ok::<_, Error>((id, answer))
            })
            .buffered(CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        let mut keep: BTreeSet<String> = merged.keys().cloned().collect();
        for (id, answer) in answers {
            let observation = match answer {
                AgentAnswer::Found(agent) => mapping::from_detail(&agent),
                AgentAnswer::Unreadable(reason) => entry::unreadable(&id, &reason),
                AgentAnswer::Exited => continue,
            };
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
    ///
    /// Paging ends on a missing or empty cursor, and on an empty page whatever its cursor
    /// says (nothing more is coming). It stops with an error when the pages outrun the budget
    /// the server's own total allows (see [`page_budget`]) or when a cursor comes back: a
    /// server going round in circles may never have shown some agents, and ending quietly
    /// would report those as vanished.
    async fn list_state(&self, state: u8, from_time: i64) -> Result<StateList> {
        let mut list = StateList::default();
        let mut ids = HashSet::new();
        let mut cursors = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut page_size: Option<usize> = None;
        let mut announced: Option<u64> = None;
        let mut pages = 0;
        loop {
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
            pages += 1;
            let size = *page_size.get_or_insert(page.len());
            announced = announced.max(page.total);
            let page_was_empty = page.is_empty();
            list.skipped += page.skipped;
            list.agents.extend(
                page.agents
                    .into_iter()
                    .filter(|a| wire::listed_id(a).is_some_and(|id| ids.insert(id.to_string()))),
            );
            let next = match page.next_cursor {
                Some(next) if !page_was_empty => next,
                _ => {
                    tracing::debug!(
                        app_id = %self.app_id,
                        state = STATES[usize::from(state)],
                        pages,
                        agents = list.agents.len(),
                        "agora list complete"
                    );
                    return Ok(list);
                }
            };
            if !cursors.insert(next.clone()) {
                return Err(paging_did_not_end(
                    state,
                    format!("the cursor {next:?} came back after {pages} pages"),
                ));
            }
            if pages >= page_budget(announced, size) {
                let total = announced
                    .map_or_else(|| "an unstated number of".to_string(), |t| t.to_string());
                return Err(paging_did_not_end(
                    state,
                    format!("Agora kept returning new cursors: {pages} pages for {total} agents"),
                ));
            }
            cursor = Some(next);
        }
    }

    /// Each watched agent on its own; a 404 is an agent that has exited.
    async fn query_watched(&self) -> Result<Vec<Observation>> {
        // Owned ids: a stream of borrowed ones trips the compiler's lifetime inference inside
        // the boxed future `async_trait` builds.
        futures::stream::iter(self.watch.clone())
            .map(|id| async move {
                Ok(match self.api.agent(&id).await? {
                    AgentAnswer::Found(agent) => mapping::from_detail(&agent),
                    AgentAnswer::Exited => mapping::exited(&id),
                    AgentAnswer::Unreadable(reason) => entry::unreadable(&id, &reason),
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
        self.poll_answer().await.map(|answer| answer.observations)
    }

    async fn poll_answer(&self) -> Result<PollAnswer> {
        let mut answer = if self.watch.is_empty() {
            self.list_all().await?
        } else {
            PollAnswer::from(self.query_watched().await?)
        };
        answer.observations = self.with_sessions(answer.observations).await;
        Ok(answer)
    }

    /// Agents leave the list when they are done: that is their normal end.
    fn vanished_severity(&self) -> Severity {
        Severity::Info
    }
}

/// The agents of one state, every page together.
#[derive(Default)]
struct StateList {
    agents: Vec<Entry<ListedAgent>>,
    /// Entries without a usable agent id.
    skipped: usize,
}

/// How many pages one state may take: the pages the server's announced total needs at the size
/// of its first page, half as many again and [`EXTRA_PAGES`], never more than
/// [`MAX_PAGES_PER_STATE`]. With no total announced, the hard cap alone.
fn page_budget(announced_total: Option<u64>, page_size: usize) -> usize {
    let Some(total) = announced_total else {
        return MAX_PAGES_PER_STATE;
    };
    let needed = usize::try_from(total.div_ceil(page_size.max(1) as u64)).unwrap_or(usize::MAX);
    needed
        .saturating_add(needed / 2)
        .saturating_add(EXTRA_PAGES)
        .min(MAX_PAGES_PER_STATE)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_budget_follows_the_announced_total_with_a_margin_and_a_cap() {
        // 23 agents at 4 a page: 6 pages needed, 3 more for repeats and newcomers, 2 spare.
        assert_eq!(page_budget(Some(23), 4), 11);
        assert_eq!(page_budget(Some(1), 100), 3);
        assert_eq!(page_budget(Some(0), 0), 2);
        assert_eq!(page_budget(Some(1_000_000), 100), MAX_PAGES_PER_STATE);
        assert_eq!(page_budget(None, 100), MAX_PAGES_PER_STATE);
    }
}
