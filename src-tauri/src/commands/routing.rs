//! The dashboard's routing commands: the configured programs and webhooks, and a webhook's URL
//! kept in the keyring (`webhook:<id>`). The URL is write-only: the UI learns where it is kept,
//! never the URL.

use crate::error::{Error, Result};
use crate::secrets::SecretInput;
use crate::state::AppState;
use agentwatch_core::account_book::{self, RoutesView};
use agentwatch_core::routing::{secret_name, validate_webhook_url};
use secrecy::{ExposeSecret, SecretString};
use tauri::State;

/// The configured programs and webhooks, each webhook with where its URL is kept.
#[tauri::command]
pub async fn routes(state: State<'_, AppState>) -> Result<RoutesView> {
    Ok(account_book::routes_view(state.config().await, &state.secrets).await)
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
