//! The account form's watch list: pasted lists and ranges read by the core's one rule, and the
//! picker's list of the agents an account can see.

use super::{typed, TEST_CONNECTION_LIMIT};
use crate::error::{Error, Result};
use crate::secrets::{SecretInput, TypedOrStored};
use crate::state::AppState;
use agentwatch_core::agent_list::{list_agents as list_account_agents, ListedAgent};
use agentwatch_core::config::AccountConfig;
use tauri::State;

/// Expands pasted text (`101-150, 201`) into agent ids, or says which piece is wrong; the
/// message belongs beside the watch field.
#[tauri::command]
pub fn parse_watch_list(text: String) -> Result<Vec<String>> {
    agentwatch_core::watch_list::parse(&text).map_err(|message| Error::invalid("watch", message))
}

/// The agents the form's account can list, with their names, using the typed secrets when
/// there are some and else the stored ones.
#[tauri::command]
pub async fn list_agents(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<Vec<ListedAgent>> {
    let secrets = TypedOrStored {
        secret: typed(secret),
        proxy_secret: typed(proxy_secret),
        stored: state.secrets.as_ref(),
    };
    tokio::time::timeout(
        TEST_CONNECTION_LIMIT,
        list_account_agents(&account, &secrets),
    )
    .await
    .map_err(|_| {
        agentwatch_core::Error::poll(
            agentwatch_core::ErrorKind::Timeout,
            format!("no answer within {} s", TEST_CONNECTION_LIMIT.as_secs()),
        )
    })?
    .map_err(Error::from)
}
