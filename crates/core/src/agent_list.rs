//! The agents an account can list, for the dashboard's picker: one poll without a watch list.
//!
//! Agora, Segura and http-json accounts list every agent they can see; a Huawei account lists
//! its team where the seat has the quality-inspection right. An account that cannot list says
//! so in words (the vendor's own reason), never with a silent empty list.

use crate::config::AccountConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::poller::{connect, poll_with_overrides};
use crate::secrets::SecretSource;
use serde::Serialize;
use std::time::Duration;

const SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);

/// One listed agent: its id and the name shown for it (label, else the vendor's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedAgent {
    pub agent_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Polls the account once with an empty watch list and returns its agents, sorted by id.
pub async fn list_agents(
    account: &AccountConfig,
    secrets: &dyn SecretSource,
) -> Result<Vec<ListedAgent>> {
    let mut unfiltered = account.clone();
    unfiltered.watch.clear();
    unfiltered.validate().map_err(|(key, message)| {
        Error::poll(
            ErrorKind::Config,
            format!("this account cannot list its agents ({key}: {message}); name them in the watch list instead"),
        )
    })?;
    let client = connect(&unfiltered, secrets).await?;
    let answer = poll_with_overrides(&unfiltered, client.as_ref()).await;
    let _ = tokio::time::timeout(SHUTDOWN_LIMIT, client.shutdown()).await;
    let answer = answer?;
    if answer.observations.is_empty() && answer.skipped_entries > 0 {
        return Err(Error::poll(
            ErrorKind::Malformed,
            format!(
                "the account's answer held {} entries, none with a usable agent id",
                answer.skipped_entries
            ),
        ));
    }
    let mut agents: Vec<ListedAgent> = answer
        .observations
        .into_iter()
        .map(|o| ListedAgent {
            agent_id: o.agent_id,
            name: o.name,
        })
        .collect();
    agents.sort_by(|a, b| natural_order(&a.agent_id, &b.agent_id));
    Ok(agents)
}

/// Numbers by value (`9` before `10`), everything else as text.
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::natural_order;

    #[test]
    fn numeric_ids_sort_by_value() {
        let mut ids = vec!["10", "9", "b", "a", "0101"];
        ids.sort_by(|a, b| natural_order(a, b));
        assert_eq!(ids, ["9", "10", "0101", "a", "b"]);
    }
}
