//! The engine's running accounts, as the dashboard's *Test connection* and pickers reach them:
//! a poll now through the account's own poller (its client, its session), or a listing through
//! that client, answered by the poller between its polls.
//!
//! Why through the poller and not a client of their own: where the vendor keeps one session
//! per seat (a Huawei supervisor seat), a second sign-in takes the seat over and the gateway
//! then refuses the engine's Guid (100-006): the user's own click would break the live view.
//! The poller answers between its own polls, so the session is never used from two places.

use crate::config::AccountConfig;
use crate::error::{Error, ErrorKind, ErrorReport, Result};
use crate::model::Observation;
use crate::status::{AccountHealth, Status};
use crate::vendors::{Listed, Listing};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// A question to one account's poller.
pub(crate) enum Ask {
    /// Poll now and answer with what the poll saw.
    Poll(oneshot::Sender<RunningPoll>),
    /// List through the running client (`None`: the client does not list).
    List(Listing, oneshot::Sender<Option<Result<Vec<Listed>>>>),
}

/// What one poll of a running account saw, as the engine shows it (names, severity overrides
/// and time limits applied; watched agents that left shown as gone).
#[derive(Debug, Clone)]
pub struct RunningPoll {
    pub outcome: std::result::Result<Vec<Observation>, ErrorReport>,
    /// Entries of the answer left out for having no usable agent id.
    pub skipped_entries: usize,
}

#[derive(Clone)]
struct RunningAccount {
    config: AccountConfig,
    asks: mpsc::UnboundedSender<Ask>,
}

/// A handle on the accounts an engine polls; cheap to clone, and it holds no lock, so a test
/// that waits for a poll never holds up a restart. Once the engine stops, every question is
/// answered `None`.
#[derive(Clone)]
pub struct RunningAccounts {
    accounts: Arc<Vec<RunningAccount>>,
    status: watch::Receiver<Arc<Status>>,
}

impl RunningAccounts {
    pub(crate) fn new(
        accounts: Vec<(AccountConfig, mpsc::UnboundedSender<Ask>)>,
        status: watch::Receiver<Arc<Status>>,
    ) -> RunningAccounts {
        let accounts = accounts
            .into_iter()
            .map(|(config, asks)| RunningAccount { config, asks })
            .collect();
        RunningAccounts {
            accounts: Arc::new(accounts),
            status,
        }
    }

    /// The running account with this id, as the engine was started with it.
    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().map(|a| &a.config).find(|a| a.id == id)
    }

    /// The running account whose session holds the seat a sign-in with `form` would take,
    /// where the vendor allows one session per seat. An account whose last poll failed for
    /// want of credentials holds no session, so it does not count.
    pub fn seat_holder(&self, form: &AccountConfig) -> Option<&AccountConfig> {
        let seat = form.vendor.module().exclusive_session(form)?;
        let status = self.status.borrow().clone();
        self.accounts
            .iter()
            .map(|a| &a.config)
            .filter(|a| a.vendor == form.vendor)
            .filter(|a| a.vendor.module().exclusive_session(a).as_ref() == Some(&seat))
            .find(|a| holds_a_session(&status, &a.id))
    }

    /// Asks the account's poller for a poll now and waits for what it saw; `None` when the
    /// account does not run (any more) or no poll ended within `limit`.
    pub async fn poll(&self, id: &str, limit: Duration) -> Option<RunningPoll> {
        let (tx, rx) = oneshot::channel();
        self.ask(id, Ask::Poll(tx))?;
        tokio::time::timeout(limit, rx).await.ok()?.ok()
    }

    /// Lists the account's agents or skill queues through its running client. `None` when the
    /// account does not run or its client does not list; a timeout is an error.
    pub async fn list(
        &self,
        id: &str,
        what: Listing,
        limit: Duration,
    ) -> Option<Result<Vec<Listed>>> {
        let (tx, rx) = oneshot::channel();
        self.ask(id, Ask::List(what, tx))?;
        match tokio::time::timeout(limit, rx).await {
            Ok(answer) => answer.ok()?,
            Err(_) => Some(Err(Error::poll(
                ErrorKind::Timeout,
                format!("no answer within {} s", limit.as_secs()),
            ))),
        }
    }

    fn ask(&self, id: &str, ask: Ask) -> Option<()> {
        let account = self.accounts.iter().find(|a| a.config.id == id)?;
        account.asks.send(ask).ok()
    }
}

/// Whether the account's poller may hold a live session: it was not turned away for its
/// credentials (then it signed nothing in).
fn holds_a_session(status: &Status, account_id: &str) -> bool {
    let Some(account) = status.accounts.iter().find(|a| a.id == account_id) else {
        return false;
    };
    let failed_for_credentials = account.health == AccountHealth::Unreachable
        && account.error.as_ref().is_some_and(|e| {
            matches!(
                e.kind,
                ErrorKind::Auth
                    | ErrorKind::Config
                    | ErrorKind::Keyring
                    | ErrorKind::KeyringLocked
                    | ErrorKind::MissingSecret
            )
        });
    !failed_for_credentials
}
