//! Huawei CC-Gateway: the status of each watched contact-centre agent, read through a
//! supervisor seat's session (or a Guid obtained elsewhere).
//!
//! - `charset`: answer bytes to text (GBK / GB18030 when the charset says so, else UTF-8);
//! - `wire`: the envelope, status result, sign-in body and Set-GUID header;
//! - `states`: agentState -> label and default severity;
//! - `gateway`: one method per gateway call;
//! - `session` / `guid` / `heartbeat`: sign-in, the current Guid, the event long-poll;
//! - `backoff`: how failed sign-ins and event polls are spaced out.

mod backoff;
mod charset;
mod config;
mod gateway;
mod guid;
mod heartbeat;
mod session;
mod states;
mod wire;

use super::{ClientContext, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Observation;
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use gateway::Gateway;
use guid::Guid;
use reqwest::header::HeaderValue;
use session::{Credentials, SeatLogin, Session};

pub use config::{validate_huawei_agent_id, HuaweiAuth, HuaweiSettings, Module};
use std::collections::HashSet;
use std::sync::Arc;

/// How many status calls are in flight at once: enough to poll 10,000 agents in well under a
/// second over keep-alive connections, few enough not to swamp a gateway.
const STATUS_CONCURRENCY: usize = 64;

pub struct HuaweiClient {
    gateway: Arc<Gateway>,
    session: Session,
    /// The watched agent ids, de-duplicated, in configuration order.
    watch: Vec<String>,
}

/// One agent's status call: an observation, or an answer that could not be read (shown as
/// that agent with severity unknown unless every answer of the batch was unreadable).
enum Outcome {
    Observed(Observation),
    Unreadable(Error),
}

/// Why a batch of status calls stopped.
enum BatchError {
    /// The gateway no longer accepts the Guid (retcode 100-006 or 000-003).
    SessionLost(String),
    Failed(Error),
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
        Ok(HuaweiClient {
            session: Session::new(gateway.clone(), credentials),
            gateway,
            watch,
        })
    }

    /// One status call per watched agent, `STATUS_CONCURRENCY` at a time; the first failure
    /// stops the batch (dropping the calls still in flight). An unreadable answer only marks
    /// its agent, unless no answer at all could be read: then the account's poll fails.
    async fn poll_with(&self, guid: &Guid) -> Result<Vec<Observation>, BatchError> {
        let gateway = &*self.gateway;
        let header = &guid.header;
        let watch = &self.watch;
        // Indices, not `&String` items: a closure over borrowed items trips the compiler's
        // higher-ranked lifetime check inside an async_trait future.
        let mut outcomes: Vec<(usize, Outcome)> = futures::stream::iter(0..watch.len())
            .map(|index| async move {
                let id = watch[index].as_str();
                observe(gateway, id, header).await.map(|o| (index, o))
            })
            .buffer_unordered(STATUS_CONCURRENCY)
            .try_collect()
            .await?;
        outcomes.sort_unstable_by_key(|(index, _)| *index);
        if !outcomes.is_empty()
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
                    states::unreadable(&watch[index], &error.to_string())
                }
            })
            .collect())
    }
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
        let guid = self.session.guid().await?;
        let retcode = match self.poll_with(&guid).await {
            Ok(observations) => return Ok(observations),
            Err(BatchError::Failed(e)) => return Err(e),
            Err(BatchError::SessionLost(retcode)) => retcode,
        };
        tracing::info!("huawei: the gateway no longer accepts the Guid (retcode {retcode}); renewing the session");
        let guid = self.session.renew(&guid, &retcode).await?;
        match self.poll_with(&guid).await {
            Ok(observations) => Ok(observations),
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

    async fn shutdown(&self) {
        self.session.sign_out().await;
    }
}

impl Drop for HuaweiClient {
    fn drop(&mut self) {
        self.session.abandon();
    }
}
