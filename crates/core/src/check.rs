//! One poll of every account, for `agentwatch check` and the UI's "Test connection".

use crate::config::{AccountConfig, Config};
use crate::error::{ErrorKind, ErrorReport};
use crate::model::{Observation, Severity};
use crate::poller::{connect, poll_with_overrides};
use crate::secrets::SecretSource;
use serde::Serialize;
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
    /// The worst severity: an account that could not be polled is unknown.
    pub fn worst(&self) -> Severity {
        match &self.outcome {
            CheckOutcome::Agents(list) => Severity::worst(list.iter().map(|o| o.severity)),
            CheckOutcome::Error(_) => Severity::Unknown,
        }
    }
}

/// Polls one account once, then releases its session.
pub async fn check_account(account: &AccountConfig, secrets: &dyn SecretSource) -> AccountCheck {
    let (outcome, skipped_entries) = match connect(account, secrets).await {
        Err(e) => (CheckOutcome::Error(ErrorReport::from(&e)), 0),
        Ok(client) => {
            let result = poll_with_overrides(account, client.as_ref()).await;
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, client.shutdown()).await;
            match result {
                Ok(answer) => (
                    CheckOutcome::Agents(answer.observations),
                    answer.skipped_entries,
                ),
                Err(e) => (CheckOutcome::Error(ErrorReport::from(&e)), 0),
            }
        }
    };
    AccountCheck {
        account_id: account.id.clone(),
        account_name: account.display_name().to_string(),
        vendor: account.vendor,
        route: route_of(account),
        outcome,
        skipped_entries,
    }
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
        Err(_) => AccountCheck {
            account_id: account.id.clone(),
            account_name: account.display_name().to_string(),
            vendor: account.vendor,
            route: route_of(account),
            outcome: CheckOutcome::Error(ErrorReport {
                kind: ErrorKind::Timeout,
                message: format!("no answer within {} s", limit.as_secs()),
            }),
            skipped_entries: 0,
        },
    }
}

/// The account's route in words; a `proxy` key that does not parse was refused when loading, so
/// saying so here is only for an account built in code.
fn route_of(account: &AccountConfig) -> String {
    match account.proxy_setting() {
        Ok(setting) => setting.route(&account.effective_base_url()),
        Err(_) => "invalid proxy setting".to_string(),
    }
}

/// Polls every enabled account once, all at the same time; results in config order.
pub async fn check_all(config: &Config, secrets: &dyn SecretSource) -> Vec<AccountCheck> {
    let checks = config
        .accounts
        .iter()
        .filter(|a| a.enabled)
        .map(|a| check_account(a, secrets));
    futures::future::join_all(checks).await
}
