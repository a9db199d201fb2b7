//! The account form's book: the accounts as the form lists them (settings and where each
//! secret is, never a secret), the checks before one is added or replaced, the typed secrets
//! stored first (so that a keyring failure leaves the config as it was), and the secrets
//! removed with their account. Front ends write the config and restart the engine themselves.

use crate::config::{AccountConfig, Config};
use crate::error::{Error, ErrorReport};
use crate::routing::{secret_name, ActionConfig, WebhookFormat};
use crate::secrets::{SecretBook, SecretSlot, TypedSecrets};
use crate::Severity;
use serde::Serialize;

/// An account as the form sees it: its settings and where its secrets are, never a secret.
#[derive(Debug, Serialize)]
pub struct AccountView {
    #[serde(flatten)]
    pub config: AccountConfig,
    /// "keyring", "environment", "memory" (demo mode), "missing", "unavailable" or, for an
    /// account that signs in with nothing, "not_needed".
    pub secret: &'static str,
    pub secret_error: Option<ErrorReport>,
    /// The same for the proxy user's password, or "not_needed" when the proxy names no user.
    pub proxy_secret: &'static str,
}

/// Why the book refused a change, for the form to show beside the right field.
#[derive(Debug)]
pub enum BookError {
    /// A field is wrong: its name and why.
    Invalid {
        field: String,
        message: String,
    },
    NotFound(String),
    Failed(Error),
}

impl From<Error> for BookError {
    fn from(e: Error) -> Self {
        BookError::Failed(e)
    }
}

/// Every account of `config`, in its order, with where its secrets are.
pub async fn account_views(config: Config, book: &SecretBook) -> Vec<AccountView> {
    let mut views = Vec::with_capacity(config.accounts.len());
    for account in config.accounts {
        // An account that signs in with nothing (http-json with `auth = "none"`) has no secret
        // to miss.
        let (secret, secret_error) = match account.vendor.module().needs_secret(&account) {
            true => book.place(SecretSlot::Vendor, &account.id).await,
            false => ("not_needed", None),
        };
        let names_a_proxy_user = account.proxy_setting().is_ok_and(|p| p.user().is_some());
        let proxy_secret = match names_a_proxy_user {
            true => book.place(SecretSlot::Proxy, &account.id).await.0,
            false => "not_needed",
        };
        views.push(AccountView {
            config: account,
            secret,
            secret_error,
            proxy_secret,
        });
    }
    views
}

/// Checks a form before it is saved: its fields, and that a new account's id is free (or an
/// edited one exists).
pub fn check_save(config: &Config, account: &AccountConfig, is_new: bool) -> Result<(), BookError> {
    account
        .validate()
        .map_err(|(field, message)| BookError::Invalid { field, message })?;
    match (is_new, config.account(&account.id).is_some()) {
        (true, true) => Err(BookError::Invalid {
            field: "id".into(),
            message: format!("an account {:?} already exists", account.id),
        }),
        (false, false) => Err(BookError::NotFound(format!("no account {:?}", account.id))),
        _ => Ok(()),
    }
}

/// Stores the form's typed secrets (the vendor's, the proxy user's) under the account's id.
pub async fn store_typed(book: &SecretBook, id: &str, typed: &TypedSecrets) -> Result<(), Error> {
    if let Some(secret) = &typed.secret {
        book.set_in(SecretSlot::Vendor, id, secret).await?;
    }
    if let Some(password) = &typed.proxy_secret {
        book.set_in(SecretSlot::Proxy, id, password).await?;
    }
    Ok(())
}

/// `config` with `account` added, or in place of the one with its id.
pub fn with_account(config: &mut Config, account: AccountConfig) {
    match config.accounts.iter_mut().find(|a| a.id == account.id) {
        Some(slot) => *slot = account,
        None => config.accounts.push(account),
    }
}

/// Removes a removed account's secrets; one that cannot be removed is logged (the account is
/// gone already).
pub async fn forget_secrets(book: &SecretBook, id: &str) {
    for slot in [SecretSlot::Vendor, SecretSlot::Proxy] {
        if let Err(e) = book.delete_in(slot, id).await {
            let noun = slot.noun();
            tracing::warn!("the account is removed but its {noun} could not be deleted: {e}");
        }
    }
}

/// The configured programs and webhooks as the Settings view lists them: a webhook's URL is
/// write-only, the view learns where it is kept.
#[derive(Debug, Serialize)]
pub struct RoutesView {
    pub actions: Vec<ActionConfig>,
    pub webhooks: Vec<WebhookView>,
}

#[derive(Debug, Serialize)]
pub struct WebhookView {
    pub id: String,
    pub format: WebhookFormat,
    pub min_severity: Option<Severity>,
    pub accounts: Vec<String>,
    /// Where the URL is: "config", "keyring", "environment", "memory" (demo), "missing" or
    /// "unavailable".
    pub url: &'static str,
    pub url_error: Option<ErrorReport>,
}

/// The routes of `config`, with where each webhook's URL is.
pub async fn routes_view(config: Config, book: &SecretBook) -> RoutesView {
    let mut webhooks = Vec::with_capacity(config.webhooks.len());
    for w in config.webhooks {
        let (url, url_error) = match w.url {
            Some(_) => ("config", None),
            None => book.place(SecretSlot::Vendor, &secret_name(&w.id)).await,
        };
        webhooks.push(WebhookView {
            id: w.id,
            format: w.format,
            min_severity: w.min_severity,
            accounts: w.accounts,
            url,
            url_error,
        });
    }
    RoutesView {
        actions: config.actions,
        webhooks,
    }
}
