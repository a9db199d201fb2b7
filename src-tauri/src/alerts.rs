//! The commands behind the alert policy and the history: snooze/acknowledge, the policy's view
//! (pending, flapping, why), the timeline, the history table and its CSV export. Thin: parse,
//! call the core, map the error. The history is blocking SQLite: every read runs in
//! `spawn_blocking` on a connection opened for that request.

use crate::error::{Error, Result};
use crate::state::AppState;
use agentwatch_core::alerts::{AlertCommand, AlertView};
use agentwatch_core::history::export::export_csv_file;
use agentwatch_core::history::lanes::{self, AccountTimeline, TimelineQuery};
use agentwatch_core::history::{EntryKind, History, HistoryEntry, HistoryFilter};
use agentwatch_core::policy::{AgentKey, SnoozeTarget, SnoozeUntil};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime, State};

/// Rows the history table shows at most.
pub const MAX_ROWS: u32 = 2000;

/// The policy's view now: pending, flapping, snoozes, pause, recent decisions (newest last).
#[tauri::command]
pub async fn alerts(state: State<'_, AppState>) -> Result<AlertView> {
    Ok(state.shared.alerts().as_ref().clone())
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SnoozeScope {
    Agent,
    Account,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SnoozeMode {
    /// Acknowledge: quiet until the agent (account) is healthy again.
    Recovery,
    /// Quiet for `minutes` (default 60).
    For,
    /// End the snooze now.
    Clear,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SnoozeRequest {
    pub scope: SnoozeScope,
    pub account_id: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    pub mode: SnoozeMode,
    #[serde(default)]
    pub minutes: Option<u32>,
}

/// The policy command a request stands for, or why it is refused.
pub fn snooze_command(r: &SnoozeRequest, now_ms: i64) -> Result<AlertCommand> {
    if r.account_id.trim().is_empty() {
        return Err(Error::invalid("account_id", "an account is needed"));
    }
    let target = match (r.scope, &r.agent_id) {
        (SnoozeScope::Agent, Some(agent)) if !agent.is_empty() => {
            SnoozeTarget::Agent(AgentKey::new(&r.account_id, agent))
        }
        (SnoozeScope::Agent, _) => {
            return Err(Error::invalid("agent_id", "an agent is needed"));
        }
        (SnoozeScope::Account, _) => SnoozeTarget::Account {
            account_id: r.account_id.clone(),
        },
    };
    Ok(match r.mode {
        SnoozeMode::Clear => AlertCommand::ClearSnooze(target),
        SnoozeMode::Recovery => AlertCommand::Snooze(target, SnoozeUntil::Recovery),
        SnoozeMode::For => {
            let minutes = r.minutes.unwrap_or(60);
            if !(1..=7 * 24 * 60).contains(&minutes) {
                return Err(Error::invalid(
                    "minutes",
                    "a snooze lasts from 1 minute to 7 days",
                ));
            }
            let until_ms = now_ms + i64::from(minutes) * 60_000;
            let until =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(until_ms) * 1_000_000)
                    .map_err(|e| Error::invalid("minutes", e.to_string()))?;
            AlertCommand::Snooze(target, SnoozeUntil::At(until))
        }
    })
}

/// Snoozes, acknowledges or clears an agent or an account.
#[tauri::command]
pub async fn snooze<R: Runtime>(app: AppHandle<R>, request: SnoozeRequest) -> Result<()> {
    let command = snooze_command(&request, agentwatch_core::clock::now_ms())?;
    crate::control::apply(&app, command).await
}

/// What the history table asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    pub since_ms: Option<i64>,
    #[serde(default)]
    pub until_ms: Option<i64>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    /// Entry kinds ("changed", "notification"...); empty = all.
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl HistoryQuery {
    pub fn to_filter(&self, limit: Option<u32>) -> Result<HistoryFilter> {
        let kinds = self
            .kinds
            .iter()
            .map(|k| {
                EntryKind::parse(k)
                    .ok_or_else(|| Error::invalid("kinds", format!("unknown kind {k:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(HistoryFilter {
            since_ms: self.since_ms,
            until_ms: self.until_ms,
            account: non_empty(&self.account),
            agent: non_empty(&self.agent),
            vendor: None,
            kinds,
            limit,
        })
    }
}

/// Runs `read` on the history file in a blocking thread; `None` when nothing was recorded yet.
async fn with_history<T, F>(path: Option<PathBuf>, read: F) -> Result<Option<T>>
where
    T: Send + 'static,
    F: FnOnce(&History) -> agentwatch_core::Result<T> + Send + 'static,
{
    let Some(path) = path else {
        return Ok(None);
    };
    tauri::async_runtime::spawn_blocking(move || match History::open_existing(&path)? {
        Some(h) => read(&h).map(Some),
        None => Ok(None),
    })
    .await
    .map_err(|e| Error::Tauri(format!("history task failed: {e}")))?
    .map_err(Error::from)
}

/// History rows, newest first, through the table's filters.
#[tauri::command]
pub async fn history(state: State<'_, AppState>, query: HistoryQuery) -> Result<Vec<HistoryEntry>> {
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_ROWS);
    let filter = query.to_filter(Some(limit))?;
    Ok(
        with_history(state.history_path(), move |h| h.query(&filter))
            .await?
            .unwrap_or_default(),
    )
}

/// The timeline of every configured account (or one, or one agent) over `[since_ms, until_ms)`.
#[tauri::command]
pub async fn timeline(
    state: State<'_, AppState>,
    since_ms: i64,
    until_ms: Option<i64>,
    account: Option<String>,
    agent: Option<String>,
) -> Result<Vec<AccountTimeline>> {
    let now = agentwatch_core::clock::now_ms();
    let query = TimelineQuery::new(
        since_ms,
        until_ms,
        account.as_deref(),
        agent.as_deref(),
        now,
    )
    .map_err(|why| Error::invalid("since_ms", why))?;
    let (accounts, status) = (state.config().await.accounts, state.shared.latest());
    let history = state.history_path();
    blocking(move || lanes::timeline(history.as_deref(), &accounts, &query, &status, now)).await
}

/// Runs a blocking history read or write (SQLite, files) off the async workers.
async fn blocking<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> agentwatch_core::Result<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| Error::Tauri(format!("history task failed: {e}")))?
        .map_err(Error::from)
}

/// Where exports go: the user's Downloads folder (created when missing), else the home folder.
pub fn export_dir<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> PathBuf {
    if let Some(dir) = state.export_dir() {
        return dir;
    }
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|h| h.join("Downloads")))
        .unwrap_or_else(|_| std::env::temp_dir())
}

#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// The file written (in the Downloads folder).
    pub path: String,
}

/// Writes the rows the filters select (all of them, oldest rows included) as CSV to a new file
/// in the Downloads folder, and says which.
#[tauri::command]
pub async fn export_history_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> Result<Exported> {
    let filter = query.to_filter(None)?;
    let (dir, history) = (export_dir(&app, &state), state.history_path());
    let now = agentwatch_core::clock::now_ms();
    let file = blocking(move || export_csv_file(history.as_deref(), &filter, &dir, now)).await?;
    Ok(Exported {
        path: file.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(scope: SnoozeScope, agent: Option<&str>, mode: SnoozeMode) -> SnoozeRequest {
        SnoozeRequest {
            scope,
            account_id: "cc".into(),
            agent_id: agent.map(String::from),
            mode,
            minutes: None,
        }
    }

    #[test]
    fn snooze_requests_become_policy_commands() {
        let c =
            snooze_command(&req(SnoozeScope::Agent, Some("7"), SnoozeMode::Recovery), 0).unwrap();
        assert!(matches!(
            c,
            AlertCommand::Snooze(SnoozeTarget::Agent(ref k), SnoozeUntil::Recovery)
                if k == &AgentKey::new("cc", "7")
        ));
        let c = snooze_command(&req(SnoozeScope::Account, None, SnoozeMode::For), 1000).unwrap();
        match c {
            AlertCommand::Snooze(SnoozeTarget::Account { account_id }, SnoozeUntil::At(t)) => {
                assert_eq!(account_id, "cc");
                assert_eq!(t.unix_timestamp(), 3601);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            snooze_command(&req(SnoozeScope::Agent, Some("7"), SnoozeMode::Clear), 0).unwrap(),
            AlertCommand::ClearSnooze(SnoozeTarget::Agent(_))
        ));
        assert!(snooze_command(&req(SnoozeScope::Agent, None, SnoozeMode::Clear), 0).is_err());
    }
}
