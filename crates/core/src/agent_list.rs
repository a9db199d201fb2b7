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
    // Queues and team counts are items of the account, not agents to watch.
    let mut agents: Vec<ListedAgent> = answer
        .observations
        .into_iter()
        .filter(|o| !o.is_item())
        .map(|o| ListedAgent {
            agent_id: o.agent_id,
            name: o.name,
        })
        .collect();
    agents.sort_by(|a, b| natural_order(&a.agent_id, &b.agent_id));
    Ok(agents)
}

/// One skill queue an account can see, for the form's skill picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedQueue {
    pub skill_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Polls the account once watching every skill queue it can see (`queues.skills = "all"`) and
/// returns them, sorted by skill id. A vendor without skill queues, or a gateway that will not
/// list them, says so in words.
pub async fn list_queues(
    account: &AccountConfig,
    secrets: &dyn SecretSource,
) -> Result<Vec<ListedQueue>> {
    let section = crate::items::QUEUE_SECTION;
    if !account.vendor.module().form().sections.contains(&section) {
        return Err(Error::poll(
            ErrorKind::Config,
            format!("{} accounts have no skill queues", account.vendor.label()),
        ));
    }
    let mut every_skill = account.clone();
    let mut queues = match every_skill.options.remove(section) {
        Some(toml::Value::Table(table)) => table,
        _ => toml::Table::new(),
    };
    queues.insert("skills".into(), toml::Value::from("all"));
    every_skill.set_option(section, queues);
    every_skill.validate().map_err(|(key, message)| {
        Error::poll(
            ErrorKind::Config,
            format!("this account cannot list its skill queues ({key}: {message})"),
        )
    })?;
    let client = connect(&every_skill, secrets).await?;
    let answer = poll_with_overrides(&every_skill, client.as_ref()).await;
    let _ = tokio::time::timeout(SHUTDOWN_LIMIT, client.shutdown()).await;
    let mut listed = Vec::new();
    for observation in answer?.observations {
        let Some(crate::items::Figures::Queue(figures)) = observation.figures.as_deref() else {
            continue;
        };
        // The item standing for queues that could not be listed carries the gateway's reason.
        if crate::items::kind_of(&observation.agent_id)
            == crate::items::ItemKind::Queue(crate::items::ALL_SKILLS)
        {
            let reason = figures.unreadable.clone().unwrap_or_default();
            return Err(Error::poll(
                ErrorKind::Vendor,
                format!("the skill queues could not be listed: {reason}"),
            ));
        }
        listed.push(ListedQueue {
            skill_id: figures.skill_id.clone(),
            name: observation.name.clone(),
        });
    }
    listed.sort_by(|a, b| natural_order(&a.skill_id, &b.skill_id));
    Ok(listed)
}

/// Numbers by value (`9` before `10`), everything else as text.
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
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
