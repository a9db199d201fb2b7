//! Huawei CC-Gateway: the status of each watched contact-centre agent, read through a
//! supervisor seat's session (or a Guid obtained elsewhere): the seat's team listing where the
//! gateway grants it (one call per poll), one status call per watched agent otherwise.
//!
//! - `charset`: answer bytes to text (GBK / GB18030 when the charset says so, else UTF-8);
//! - `wire`: the envelope, status result, sign-in body and Set-GUID header;
//! - `states`: agentState -> label and default severity;
//! - `gateway`: one method per gateway call;
//! - `team` / `team_events`: the team listing (one call for every agent the seat may monitor)
//!   and the sign-in/out events of monitored agents, which ask for a poll at once;
//! - `skills` / `queues`: the seat's skill queues (`[accounts.queues]`), their listing and
//!   statistics, each queue an item of the account;
//! - `session` / `guid` / `heartbeat`: sign-in, the current Guid, the event long-poll;
//! - `backoff`: how failed sign-ins and event polls are spaced out.

mod backoff;
mod charset;
mod config;
mod gateway;
mod guid;
mod heartbeat;
mod queues;
mod session;
mod skills;
mod states;
mod team;
mod team_events;
mod wire;

use super::{
    ClientContext, Listed, Listing as PickerListing, PollAnswer, PollTrigger, VendorClient,
};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Observation;
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use gateway::{Call, Gateway, TeamAnswer};
use guid::Guid;
use queues::QueueWatch;
use reqwest::header::HeaderValue;
use session::{Credentials, SeatLogin, Session};
use team_events::TeamEvents;

pub use config::{validate_huawei_agent_id, HuaweiAuth, HuaweiSettings, Module};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// How many status calls are in flight at once: enough to poll 10,000 agents in well under a
/// second over keep-alive connections, few enough not to swamp a gateway.
const STATUS_CONCURRENCY: usize = 64;

pub struct HuaweiClient {
    gateway: Arc<Gateway>,
    session: Session,
    /// The watched agent ids, de-duplicated, in configuration order; empty = the whole team.
    watch: Vec<String>,
    /// The seat whose team is listed (the signed-in seat, or the configured `workno` with a
    /// Guid from elsewhere); none = no listing, one status call per watched agent.
    listing_seat: Option<String>,
    /// The session in which the gateway refused the listing: with a watch list, the status
    /// calls stand in for it until the next sign-in tries it again.
    listing_refused_in: Mutex<Option<u64>>,
    /// Which agents the account reports, and their sign-in events.
    team_events: Arc<TeamEvents>,
    /// The seat's skill queues, when the account watches them.
    queues: Option<QueueWatch>,
}

/// One agent's status call: an observation, or an answer that could not be read (shown as
/// that agent with severity unknown unless every answer of the batch was unreadable).
enum Outcome {
    Observed(Observation),
    Unreadable(Error),
}

/// Why a batch of calls stopped.
pub(crate) enum BatchError {
    /// The gateway no longer accepts the Guid (retcode 100-006 or 000-003).
    SessionLost(String),
    Failed(Error),
}

/// What the team listing gave.
enum Listing {
    Listed(team::Listed),
    /// Refused while the session is fine: why, as the gateway said it.
    Refused(String),
}

/// Whether a batch whose every answer is unreadable fails the poll (it does when the batch
/// is the whole poll; not when it only fills in agents the listing left out).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AllUnreadable {
    Fails,
    Shown,
}

impl HuaweiClient {
    /// The client of an account whose Huawei keys are checked (see [`HuaweiSettings::of`]).
    pub fn new(ctx: ClientContext) -> Result<Self> {
        let settings = HuaweiSettings::of(&ctx.account)
            .map_err(|e| crate::vendors::registry::config_error(&ctx.account, e))?;
        Self::with_settings(ctx, settings)
    }

    fn with_settings(ctx: ClientContext, settings: HuaweiSettings) -> Result<Self> {
        let ClientContext {
            account,
            secret,
            http,
        } = ctx;
        let gateway = Arc::new(Gateway::new(
            http,
            &account.effective_base_url(),
            account.max_answer_bytes(),
        ));
        let credentials = match settings.auth {
            HuaweiAuth::Guid => Credentials::StaticGuid(secret),
            HuaweiAuth::Signin => Credentials::SignIn(SeatLogin {
                workno: settings.workno.clone().ok_or_else(|| {
                    Error::poll(
                        ErrorKind::Config,
                        format!(
                            "account {}: workno is required when auth = \"signin\"",
                            account.id
                        ),
                    )
                })?,
                phonenum: settings.phonenum.clone().unwrap_or_default(),
                password: secret,
            }),
        };
        let mut seen = HashSet::with_capacity(account.watch.len());
        let watch: Vec<String> = account
            .watch
            .iter()
            .map(|id| id.trim())
            .filter(|id| seen.insert(*id))
            .map(str::to_string)
            .collect();
        let listing_seat = settings.workno.as_deref().map(|w| w.trim().to_string());
        let team_events = Arc::new(TeamEvents::new(listing_seat.clone(), &watch));
        Ok(HuaweiClient {
            session: Session::new(gateway.clone(), credentials, team_events.clone()),
            gateway,
            watch,
            listing_seat,
            listing_refused_in: Mutex::new(None),
            team_events,
            queues: settings.queues.map(QueueWatch::new),
        })
    }

    /// One poll with `guid`: the agents, then the skill queues the account watches.
    async fn poll_with(&self, guid: &Guid) -> Result<PollAnswer, BatchError> {
        let mut answer = self.poll_agents(guid).await?;
        // `HuaweiSettings::of` refuses queues without a seat to ask through.
        if let (Some(queues), Some(seat)) = (&self.queues, self.listing_seat.as_deref()) {
            let items = queues.poll(&self.gateway, seat, guid).await?;
            answer.observations.extend(items);
        }
        Ok(answer)
    }

    /// The agents with `guid`: the team listing where the seat may use it, else (or for
    /// watched agents it leaves out) one status call per agent.
    async fn poll_agents(&self, guid: &Guid) -> Result<PollAnswer, BatchError> {
        let per_agent = || async {
            self.status_of(&self.watch, &guid.header, AllUnreadable::Fails)
                .await
                .map(PollAnswer::from)
        };
        let Some(seat) = self.listing_seat.as_deref() else {
            return per_agent().await;
        };
        if !self.watch.is_empty() && self.listing_refused_in(guid.session) {
            return per_agent().await;
        }
        match self.list_team(seat, &guid.header).await? {
            Listing::Listed(listed) => self.with_left_out(listed, &guid.header).await,
            Listing::Refused(reason) if self.watch.is_empty() => {
                Err(BatchError::Failed(listing_refused(seat, &reason)))
            }
            Listing::Refused(reason) => {
                tracing::warn!(
                    seat = %seat,
                    "huawei: the gateway refused the team listing ({reason}); reading each \
                     watched agent's status instead until the next sign-in"
                );
                *self.lock_refusal() = Some(guid.session);
                per_agent().await
            }
        }
    }

    /// The team listing's agents, limited to the watch list and without the seat itself.
    async fn list_team(&self, seat: &str, guid: &HeaderValue) -> Result<Listing, BatchError> {
        self.list_team_keeping(seat, guid, |id| self.team_events.concerns(id))
            .await
    }

    /// The team listing's agents that `keep` names.
    async fn list_team_keeping(
        &self,
        seat: &str,
        guid: &HeaderValue,
        keep: impl Fn(&str) -> bool + Send,
    ) -> Result<Listing, BatchError> {
        let envelope = match self.gateway.team(seat, guid).await {
            Ok(TeamAnswer::Answered(envelope)) => envelope,
            Ok(TeamAnswer::NotFound) => return Ok(Listing::Refused("HTTP 404".into())),
            Err(e) => return Err(BatchError::Failed(e)),
        };
        if envelope.is_ok() {
            return team::read(envelope.result, keep)
                .map(Listing::Listed)
                .map_err(|reason| {
                    BatchError::Failed(Error::malformed(&Call::Team(seat).to_string(), reason))
                });
        }
        // "No permission" is also what a stale Guid gets: the seat's own status tells which.
        if wire::is_session_lost(&envelope.retcode)
            && !session_alive(&self.gateway, seat, guid).await?
        {
            return Err(BatchError::SessionLost(envelope.retcode));
        }
        Ok(Listing::Refused(envelope.describe()))
    }

    /// The listed agents, plus a status call for each watched agent the listing left out
    /// (signed out, not in the seat's team, unknown: the call says which), in watch order.
    async fn with_left_out(
        &self,
        listed: team::Listed,
        guid: &HeaderValue,
    ) -> Result<PollAnswer, BatchError> {
        let skipped_entries = listed.skipped_entries;
        if self.watch.is_empty() {
            return Ok(PollAnswer {
                observations: listed.observations,
                skipped_entries,
            });
        }
        let mut by_id: HashMap<String, Observation> = listed
            .observations
            .into_iter()
            .map(|o| (o.agent_id.clone(), o))
            .collect();
        let left_out: Vec<String> = self
            .watch
            .iter()
            .filter(|id| !by_id.contains_key(id.as_str()))
            .cloned()
            .collect();
        if !left_out.is_empty() {
            let queried = self
                .status_of(&left_out, guid, AllUnreadable::Shown)
                .await?;
            by_id.extend(queried.into_iter().map(|o| (o.agent_id.clone(), o)));
        }
        Ok(PollAnswer {
            observations: self
                .watch
                .iter()
                .filter_map(|id| by_id.remove(id))
                .collect(),
            skipped_entries,
        })
    }

    /// Every agent of the seat's team, or every skill of its VDN, through `guid`.
    async fn list_with(
        &self,
        what: PickerListing,
        seat: &str,
        guid: &Guid,
    ) -> Result<Vec<Listed>, BatchError> {
        match what {
            PickerListing::Agents => {
                match self
                    .list_team_keeping(seat, &guid.header, |id| id != seat)
                    .await?
                {
                    Listing::Listed(listed) => Ok(listed
                        .observations
                        .into_iter()
                        .map(|o| Listed {
                            id: o.agent_id,
                            name: o.name,
                        })
                        .collect()),
                    Listing::Refused(reason) => {
                        Err(BatchError::Failed(listing_refused(seat, &reason)))
                    }
                }
            }
            PickerListing::SkillQueues => {
                match queues::list_skills(&self.gateway, seat, guid).await? {
                    Ok(skills) => Ok(skills
                        .into_iter()
                        .map(|s| Listed {
                            id: s.id.to_string(),
                            name: s.name,
                        })
                        .collect()),
                    Err(reason) => Err(BatchError::Failed(Error::poll(
                        ErrorKind::Vendor,
                        format!("the skill queues could not be listed: {reason}"),
                    ))),
                }
            }
        }
    }

    fn listing_refused_in(&self, session: u64) -> bool {
        *self.lock_refusal() == Some(session)
    }

    fn lock_refusal(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.listing_refused_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// One status call per agent of `ids`, `STATUS_CONCURRENCY` at a time; the first failure
    /// stops the batch (dropping the calls still in flight). An unreadable answer only marks
    /// its agent, unless no answer at all could be read and `all_unreadable` says that fails.
    async fn status_of(
        &self,
        ids: &[String],
        guid: &HeaderValue,
        all_unreadable: AllUnreadable,
    ) -> Result<Vec<Observation>, BatchError> {
        let gateway = &*self.gateway;
        // Indices, not `&String` items: a closure over borrowed items trips the compiler's
        // higher-ranked lifetime check inside an async_trait future.
        let mut outcomes: Vec<(usize, Outcome)> = futures::stream::iter(0..ids.len())
            .map(|index| async move {
                let id = ids[index].as_str();
                observe(gateway, id, guid).await.map(|o| (index, o))
            })
            .buffer_unordered(STATUS_CONCURRENCY)
            .try_collect()
            .await?;
        outcomes.sort_unstable_by_key(|(index, _)| *index);
        if all_unreadable == AllUnreadable::Fails
            && !outcomes.is_empty()
            && outcomes
                .iter()
                .all(|(_, o)| matches!(o, Outcome::Unreadable(_)))
        {
            let Some((_, Outcome::Unreadable(first))) = outcomes.into_iter().next() else {
                unreachable!("checked above: non-empty and all unreadable");
            };
            return Err(BatchError::Failed(first));
        }
        Ok(outcomes
            .into_iter()
            .map(|(index, outcome)| match outcome {
                Outcome::Observed(observation) => observation,
                Outcome::Unreadable(error) => {
                    tracing::warn!("huawei: {error}");
                    states::unreadable(&ids[index], &error.to_string())
                }
            })
            .collect())
    }
}

/// Whether the gateway still accepts `guid`, asked with the seat's own status.
async fn session_alive(
    gateway: &Gateway,
    seat: &str,
    guid: &HeaderValue,
) -> Result<bool, BatchError> {
    match gateway.status(seat, guid).await {
        Ok(envelope) => Ok(!wire::is_session_lost(&envelope.retcode)),
        Err(e) => Err(BatchError::Failed(e)),
    }
}

/// The account's failure when it has no watch list and the gateway will not list the team.
fn listing_refused(seat: &str, reason: &str) -> Error {
    Error::poll(
        ErrorKind::Vendor,
        format!(
            "the gateway refused to list the agents of seat {seat} ({reason}): this seat lacks \
             the quality-inspection right that listing the team needs. Give the seat that right \
             on the gateway, or name the agents to watch in this account's watch list"
        ),
    )
}
/// One agent's status call turned into an observation.
async fn observe(gateway: &Gateway, id: &str, guid: &HeaderValue) -> Result<Outcome, BatchError> {
    let envelope = match gateway.status(id, guid).await {
        Ok(envelope) => envelope,
        Err(e) if e.kind() == ErrorKind::Malformed => return Ok(Outcome::Unreadable(e)),
        Err(e) => return Err(BatchError::Failed(e)),
    };
    match envelope.retcode.as_str() {
        wire::RETCODE_OK => Ok(match wire::agent_status(envelope.result.as_ref()) {
            Ok(status) => Outcome::Observed(states::observation(id, status)),
            Err(reason) => Outcome::Unreadable(Error::malformed(
                &gateway::Call::Status(id).to_string(),
                reason,
            )),
        }),
        wire::RETCODE_BAD_PARAMETER => Ok(Outcome::Observed(states::not_found(
            id,
            &envelope.message(),
        ))),
        code if wire::is_session_lost(code) => Err(BatchError::SessionLost(code.to_string())),
        _ => Err(BatchError::Failed(Error::poll(
            ErrorKind::Vendor,
            format!(
                "{}: the gateway answered {}",
                gateway::Call::Status(id),
                envelope.describe()
            ),
        ))),
    }
}

#[async_trait]
impl VendorClient for HuaweiClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        self.poll_answer().await.map(|answer| answer.observations)
    }

    async fn poll_answer(&self) -> Result<PollAnswer> {
        let guid = self.session.guid().await?;
        let retcode = match self.poll_with(&guid).await {
            Ok(answer) => return Ok(answer),
            Err(BatchError::Failed(e)) => return Err(e),
            Err(BatchError::SessionLost(retcode)) => retcode,
        };
        tracing::info!("huawei: the gateway no longer accepts the Guid (retcode {retcode}); renewing the session");
        let guid = self.session.renew(&guid, &retcode).await?;
        match self.poll_with(&guid).await {
            Ok(answer) => Ok(answer),
            Err(BatchError::Failed(e)) => Err(e),
            Err(BatchError::SessionLost(retcode)) => Err(Error::poll(
                ErrorKind::Auth,
                format!(
                    "the gateway refused the status calls again with a renewed session \
                     (retcode {retcode}): the seat may lack permission to query these agents"
                ),
            )),
        }
    }

    /// Lists through this session (a second sign-in of the seat would end it); a client with
    /// no seat to list through does not list.
    async fn list(&self, what: PickerListing) -> Option<Result<Vec<Listed>>> {
        let seat = self.listing_seat.as_deref()?;
        Some(self.list_renewing(what, seat).await)
    }

    fn set_poll_trigger(&self, trigger: PollTrigger) {
        self.team_events.set_trigger(trigger);
    }

    async fn shutdown(&self) {
        self.session.sign_out().await;
    }
}

impl HuaweiClient {
    /// `list_with`, signing in again once when the gateway no longer takes the Guid (as a
    /// poll does).
    async fn list_renewing(&self, what: PickerListing, seat: &str) -> Result<Vec<Listed>> {
        let guid = self.session.guid().await?;
        let retcode = match self.list_with(what, seat, &guid).await {
            Ok(listed) => return Ok(listed),
            Err(BatchError::Failed(e)) => return Err(e),
            Err(BatchError::SessionLost(retcode)) => retcode,
        };
        let guid = self.session.renew(&guid, &retcode).await?;
        match self.list_with(what, seat, &guid).await {
            Ok(listed) => Ok(listed),
            Err(BatchError::Failed(e)) => Err(e),
            Err(BatchError::SessionLost(retcode)) => Err(Error::poll(
                ErrorKind::Auth,
                format!("the gateway refused the listing again with a renewed session (retcode {retcode})"),
            )),
        }
    }
}

impl Drop for HuaweiClient {
    fn drop(&mut self) {
        self.session.abandon();
    }
}
