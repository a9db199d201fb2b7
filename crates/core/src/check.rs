//! One poll of every account, for `agentwatch check` and the UI's "Test connection".

use crate::config::{AccountConfig, Config};
use crate::error::{ErrorKind, ErrorReport};
use crate::history::History;
use crate::model::{Observation, Severity};
use crate::poller::{connect, poll_with_overrides};
use crate::secrets::SecretSource;
use crate::time_limits::{HistoryEntries, StateClock};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize)]
pub struct AccountCheck {
    pub account_id: String,
    pub account_name: String,
    pub vendor: crate::Vendor,
    /// Which way the requests went: "via proxy http://host:port", "direct …" or "system proxy …";
    /// never a password.
    pub route: String,
    #[serde(flatten)]
    pub outcome: CheckOutcome,
    /// Entries of the answer left out for having no usable agent id (0 when the poll failed).
    pub skipped_entries: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Agents(Vec<Observation>),
    Error(ErrorReport),
}

impl AccountCheck {
    /// The check of `account` that came to `outcome`.
    pub fn of(account: &AccountConfig, outcome: CheckOutcome, skipped_entries: usize) -> Self {
        AccountCheck {
            account_id: account.id.clone(),
            account_name: account.display_name().to_string(),
            vendor: account.vendor,
            route: route_of(account),
            outcome,
            skipped_entries,
        }
    }

    /// The worst severity: an account that could not be polled is unknown.
    pub fn worst(&self) -> Severity {
        match &self.outcome {
            CheckOutcome::Agents(list) => Severity::worst(list.iter().map(|o| o.severity)),
            CheckOutcome::Error(_) => Severity::Unknown,
        }
    }
}

/// Polls one account once, then releases its session. Time in state counts from now, unless
/// the vendor says when a state began.
pub async fn check_account(account: &AccountConfig, secrets: &dyn SecretSource) -> AccountCheck {
    check_account_since(account, secrets, HistoryEntries::new()).await
}

/// Polls one account once, taking when agents entered their states from `entered` (the
/// history's, see `History::entered_states`) where the vendor does not say, so that the
/// account's time limits raise the severities as the running app would.
pub async fn check_account_since(
    account: &AccountConfig,
    secrets: &dyn SecretSource,
    entered: HistoryEntries,
) -> AccountCheck {
    let (outcome, skipped_entries) = match connect(account, secrets).await {
        Err(e) => (CheckOutcome::Error(ErrorReport::from(&e)), 0),
        Ok(client) => {
            let result = poll_with_overrides(account, client.as_ref()).await;
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, client.shutdown()).await;
            match result {
                Ok(mut answer) => {
                    StateClock::with_history(entered).stamp(
                        &mut answer.observations,
                        &account.time_limits,
                        crate::clock::now_ms(),
                    );
                    (
                        CheckOutcome::Agents(answer.observations),
                        answer.skipped_entries,
                    )
                }
                Err(e) => (CheckOutcome::Error(ErrorReport::from(&e)), 0),
            }
        }
    };
    AccountCheck::of(account, outcome, skipped_entries)
}

/// `check_account` with a time limit on the whole check (sign-in, poll, sign-out), for a caller
/// that waits for it (the dashboard's "Test connection"): past the limit the check failed with
/// a timeout, named like any other failure, route included.
pub async fn check_account_within(
    account: &AccountConfig,
    secrets: &dyn SecretSource,
    limit: Duration,
) -> AccountCheck {
    match tokio::time::timeout(limit, check_account(account, secrets)).await {
        Ok(check) => check,
        Err(_) => AccountCheck::of(account, CheckOutcome::Error(no_answer_within(limit)), 0),
    }
}

/// Why a check that was given `limit` has no answer.
pub fn no_answer_within(limit: Duration) -> ErrorReport {
    ErrorReport {
        kind: ErrorKind::Timeout,
        message: format!("no answer within {} s", limit.as_secs()),
    }
}

/// The account's route in words; a `proxy` key that does not parse was refused when loading, so
/// saying so here is only for an account built in code.
pub fn route_of(account: &AccountConfig) -> String {
    match account.proxy_setting() {
        Ok(setting) => setting.route(&account.effective_base_url()),
        Err(_) => "invalid proxy setting".to_string(),
    }
}

/// Polls every enabled account once, all at the same time; results in config order.
pub async fn check_all(config: &Config, secrets: &dyn SecretSource) -> Vec<AccountCheck> {
    check_all_with_history(config, secrets, None).await
}

/// `check_all`, with when agents entered their states read from the history file (for the
/// accounts with time limits); an unreadable history only costs that knowledge.
pub async fn check_all_with_history(
    config: &Config,
    secrets: &dyn SecretSource,
    history: Option<&Path>,
) -> Vec<AccountCheck> {
    let entered = match history {
        Some(path) => entered_states(config, path.to_path_buf()).await,
        None => HashMap::new(),
    };
    let checks = config.accounts.iter().filter(|a| a.enabled).map(|a| {
        let known = entered.get(&a.id).cloned().unwrap_or_default();
        check_account_since(a, secrets, known)
    });
    futures::future::join_all(checks).await
}

/// The history's entered states of each account with time limits.
async fn entered_states(config: &Config, path: PathBuf) -> HashMap<String, HistoryEntries> {
    let ids: Vec<String> = config
        .accounts
        .iter()
        .filter(|a| a.enabled && !a.time_limits.is_empty())
        .map(|a| a.id.clone())
        .collect();
    if ids.is_empty() {
        return HashMap::new();
    }
    let read = tokio::task::spawn_blocking(move || -> crate::Result<_> {
        let Some(history) = History::open_existing(&path)? else {
            return Ok(HashMap::new());
        };
        ids.into_iter()
            .map(|id| history.entered_states(&id).map(|e| (id, e)))
            .collect()
    });
    match read.await {
        Ok(Ok(map)) => map,
        Ok(Err(e)) => {
            tracing::warn!("time in state counts from now: {e}");
            HashMap::new()
        }
        Err(_) => HashMap::new(),
    }
}
