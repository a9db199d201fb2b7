//! The account form's watch list: pasted lists and ranges read by the core's one rule, and the
//! picker's list of the agents an account can see.

use super::{typed, TEST_CONNECTION_LIMIT};
use crate::error::{Error, Result};
use crate::secrets::{SecretInput, TypedOrStored};
use crate::state::AppState;
use agentwatch_core::agent_list::{
    list_agents as list_account_agents, list_queues as list_account_queues, ListedAgent,
    ListedQueue,
};
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
    let secrets = typed_or_stored(&state, secret, proxy_secret);
    within_limit(list_account_agents(&account, &secrets)).await
}

/// The skill queues the form's account can see, for its skill picker.
#[tauri::command]
pub async fn list_skills(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<Vec<ListedQueue>> {
    let secrets = typed_or_stored(&state, secret, proxy_secret);
    within_limit(list_account_queues(&account, &secrets)).await
}

fn typed_or_stored<'a>(
    state: &'a AppState,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> TypedOrStored<'a> {
    TypedOrStored {
        secret: typed(secret),
        proxy_secret: typed(proxy_secret),
        stored: state.secrets.as_ref(),
    }
}

/// A question to the account, under the form's time limit.
async fn within_limit<T>(
    asked: impl std::future::Future<Output = agentwatch_core::Result<T>>,
) -> Result<T> {
    tokio::time::timeout(TEST_CONNECTION_LIMIT, asked)
        .await
        .map_err(|_| {
            agentwatch_core::Error::poll(
                agentwatch_core::ErrorKind::Timeout,
                format!("no answer within {} s", TEST_CONNECTION_LIMIT.as_secs()),
            )
        })?
        .map_err(Error::from)
}
