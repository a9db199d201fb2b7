//! The dashboard's routing commands: the configured programs and webhooks, and a webhook's URL
//! kept in the keyring (`webhook:<id>`). The URL is write-only: the UI learns where it is kept,
//! never the URL.

use super::secret_state;
use crate::error::{Error, Result};
use crate::secrets::SecretInput;
use crate::state::AppState;
use agentwatch_core::routing::{secret_name, validate_webhook_url, ActionConfig, WebhookFormat};
use agentwatch_core::secrets::SecretSlot;
use agentwatch_core::{ErrorReport, Severity};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tauri::State;

#[derive(Serialize)]
pub struct RoutesView {
    actions: Vec<ActionConfig>,
    webhooks: Vec<WebhookView>,
}

#[derive(Serialize)]
pub struct WebhookView {
    id: String,
    format: WebhookFormat,
    min_severity: Option<Severity>,
    accounts: Vec<String>,
    /// Where the URL is: "config", "keyring", "environment", "memory" (demo), "missing" or
    /// "unavailable".
    url: &'static str,
    url_error: Option<ErrorReport>,
}

#[tauri::command]
pub async fn routes(state: State<'_, AppState>) -> Result<RoutesView> {
    let config = state.config().await;
    let mut webhooks = Vec::with_capacity(config.webhooks.len());
    for w in config.webhooks {
        let (url, url_error) = match w.url {
            Some(_) => ("config", None),
            None => secret_state(&state, SecretSlot::Vendor, &secret_name(&w.id)).await,
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
    Ok(RoutesView {
        actions: config.actions,
        webhooks,
    })
}

/// Stores a webhook's URL in the keyring once it passes the checks (https unless loopback).
#[tauri::command]
pub async fn set_webhook_url(
    state: State<'_, AppState>,
    id: String,
    url: SecretInput,
) -> Result<()> {
    let url = SecretString::from(url.0.expose_secret().trim().to_string());
    validate_webhook_url(url.expose_secret())
        .map_err(|why| Error::invalid("url", format!("The URL {why}.")))?;
    Ok(state.secrets.set(&secret_name(&id), &url).await?)
}

#[tauri::command]
pub async fn delete_webhook_url(state: State<'_, AppState>, id: String) -> Result<bool> {
    Ok(state.secrets.delete(&secret_name(&id)).await?)
}
