//! The account form's watch list: pasted lists and ranges read by the core's one rule, and the
//! picker's list of the agents an account can see.

use super::typed_secrets;
use crate::error::{Error, Result};
use crate::secrets::SecretInput;
use crate::state::AppState;
use agentwatch_core::agent_list::{ListedAgent, ListedQueue};
use agentwatch_core::config::AccountConfig;
use agentwatch_core::connection_test;
use tauri::State;

/// Expands pasted text (`101-150, 201`) into agent ids, or says which piece is wrong; the
/// message belongs beside the watch field.
#[tauri::command]
pub fn parse_watch_list(text: String) -> Result<Vec<String>> {
    agentwatch_core::watch_list::parse(&text).map_err(|message| Error::invalid("watch", message))
}

/// The agents the form's account can list, with their names (through the engine's session when
/// it holds the account's seat), using the typed secrets when there are some and else the
/// stored ones.
#[tauri::command]
pub async fn list_agents(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<Vec<ListedAgent>> {
    let typed = typed_secrets(secret, proxy_secret);
    let running = state.running_accounts().await;
    let stored = state.secrets.as_ref();
    Ok(connection_test::list_agents(&account, &typed, stored, running.as_ref()).await?)
}

/// The skill queues the form's account can see, for its skill picker.
#[tauri::command]
pub async fn list_skills(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<Vec<ListedQueue>> {
    let typed = typed_secrets(secret, proxy_secret);
    let running = state.running_accounts().await;
    let stored = state.secrets.as_ref();
    Ok(connection_test::list_queues(&account, &typed, stored, running.as_ref()).await?)
}
