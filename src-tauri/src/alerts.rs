//! The commands behind the alert policy and the history: snooze/acknowledge, the policy's view
//! (pending, flapping, why), the timeline, the history table and its CSV export. Thin: parse,
//! call the core, map the error. The history is blocking SQLite: every read runs in
//! `spawn_blocking` on a connection opened for that request.

use crate::error::{Error, Result};
use crate::state::AppState;
use agentwatch_core::alerts::{AlertCommand, AlertView};
use agentwatch_core::history::{Band, EntryKind, History, HistoryEntry, HistoryFilter};
use agentwatch_core::policy::{AgentKey, SnoozeTarget, SnoozeUntil};
use agentwatch_core::Status;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime, State};

/// Rows the history table shows at most.
pub const MAX_ROWS: u32 = 2000;
/// The longest timeline window the dashboard asks for (7 days), with some slack.
const MAX_WINDOW_MS: i64 = 8 * 24 * 3_600_000;

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

/// How far before now a window may end and still be taken as "up to now".
const LIVE_END_SLACK_MS: i64 = 60_000;

/// One account's lane group on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct AccountTimeline {
    pub account_id: String,
    pub account_name: String,
    pub bands: Vec<Band>,
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
    let end = until_ms.unwrap_or_else(agentwatch_core::clock::now_ms);
    if since_ms >= end || end - since_ms > MAX_WINDOW_MS {
        return Err(Error::invalid(
            "since_ms",
            "the window must be between a moment and 7 days",
        ));
    }
    let account = non_empty(&account);
    let agent = non_empty(&agent);
    let agent_filter = agent.clone();
    let accounts: Vec<(String, String)> = state
        .config()
        .await
        .accounts
        .into_iter()
        .filter(|a| account.as_ref().is_none_or(|id| *id == a.id))
        .map(|a| {
            let name = a.display_name().to_string();
            (a.id, name)
        })
        .collect();
    let lanes = with_history(state.history_path(), move |h| {
        accounts
            .into_iter()
            .map(|(id, name)| {
                Ok(AccountTimeline {
                    bands: h.timeline(&id, agent.as_deref(), since_ms, until_ms)?,
                    account_id: id,
                    account_name: name,
                })
            })
            .collect::<agentwatch_core::Result<Vec<_>>>()
    })
    .await?;
    let mut lanes = lanes.unwrap_or_default();
    // The page sends its own "now" as the end: a window ending about now shows live states.
    let reaches_now = end >= agentwatch_core::clock::now_ms() - LIVE_END_SLACK_MS;
    if reaches_now {
        add_unchanged_agents(
            &mut lanes,
            &state.shared.latest(),
            agent_filter.as_deref(),
            since_ms,
        );
    }
    Ok(lanes)
}

/// Agents that did not change in the window have no recorded band: draw their current state
/// from when it began (as the live view knows it) to now, so that every watched agent has a lane.
fn add_unchanged_agents(
    lanes: &mut [AccountTimeline],
    status: &Status,
    agent: Option<&str>,
    since_ms: i64,
) {
    for lane in lanes.iter_mut() {
        let unchanged: Vec<Band> = status
            .agents
            .iter()
            .filter(|a| a.account_id == lane.account_id)
            .filter(|a| agent.is_none_or(|id| id == a.observation.agent_id))
            .filter(|a| {
                !lane
                    .bands
                    .iter()
                    .any(|b| b.agent_id.as_deref() == Some(a.observation.agent_id.as_str()))
            })
            .map(|a| Band {
                agent_id: Some(a.observation.agent_id.clone()),
                agent_name: a.observation.name.clone(),
                state: a.observation.state.clone(),
                severity: a.observation.severity,
                from_ms: a.since_ms.max(since_ms),
                to_ms: None,
                detail: a.observation.detail.clone(),
            })
            .collect();
        lane.bands.extend(unchanged);
    }
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

fn export_name(now_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(crate::local_offset());
    format!(
        "agentwatch-history-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn write_csv(h: &History, filter: &HistoryFilter, file: &Path) -> agentwatch_core::Result<()> {
    let io = |e: std::io::Error| {
        agentwatch_core::Error::Io(format!("cannot write {}: {e}", file.display()))
    };
    let tmp = file.with_extension("csv.part");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    h.export_csv(filter, &mut out)?;
    std::io::Write::flush(&mut out).map_err(io)?;
    drop(out);
    std::fs::rename(&tmp, file).map_err(io)
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
    let dir = export_dir(&app, &state);
    let file = dir.join(export_name(agentwatch_core::clock::now_ms()));
    let target = file.clone();
    let path = state.history_path();
    tauri::async_runtime::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| {
            agentwatch_core::Error::Io(format!("cannot create {}: {e}", dir.display()))
        })?;
        match path
            .map(|p| History::open_existing(&p))
            .transpose()?
            .flatten()
        {
            Some(h) => write_csv(&h, &filter, &target),
            // Nothing recorded yet: an export with the header only.
            None => {
                let (_tmp, h) = empty_history()?;
                write_csv(&h, &filter, &target)
            }
        }
    })
    .await
    .map_err(|e| Error::Tauri(format!("export task failed: {e}")))??;
    Ok(Exported {
        path: file.display().to_string(),
    })
}

/// A throw-away empty history, so that an export before anything was recorded still has the
/// CSV header.
fn empty_history() -> agentwatch_core::Result<(TempDir, History)> {
    let dir = TempDir::new()?;
    let h = History::open(&dir.0.join("empty.sqlite3"))?;
    Ok((dir, h))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> agentwatch_core::Result<TempDir> {
        let dir = std::env::temp_dir().join(format!(
            "agentwatch-export-{}-{}",
            std::process::id(),
            agentwatch_core::clock::now_ms()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| agentwatch_core::Error::Io(format!("cannot create a temp folder: {e}")))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_agent(
        account: &str,
        id: &str,
        state: &str,
        since_ms: i64,
    ) -> agentwatch_core::status::AgentStatus {
        agentwatch_core::status::AgentStatus {
            account_id: account.into(),
            account_name: account.into(),
            vendor: agentwatch_core::Vendor::Huawei,
            observation: agentwatch_core::Observation {
                agent_id: id.into(),
                name: None,
                state: state.into(),
                native: state.into(),
                severity: agentwatch_core::Severity::Ok,
                identity: None,
                detail: None,
                time_in_state: None,
                finding: None,
                figures: None,
            },
            since_ms,
            stale: false,
        }
    }

    #[test]
    fn agents_without_a_recorded_change_get_a_band_of_their_current_state() {
        let recorded = Band {
            agent_id: Some("101".into()),
            agent_name: None,
            state: "talking".into(),
            severity: agentwatch_core::Severity::Ok,
            from_ms: 5_000,
            to_ms: None,
            detail: None,
        };
        let mut lanes = vec![AccountTimeline {
            account_id: "cc".into(),
            account_name: "Contact centre".into(),
            bands: vec![recorded.clone()],
        }];
        let status = Status {
            agents: vec![
                live_agent("cc", "101", "talking", 5_000),
                live_agent("cc", "102", "idle", 1_000),
                live_agent("other", "201", "idle", 1_000),
            ],
            ..Status::default()
        };
        add_unchanged_agents(&mut lanes, &status, None, 2_000);
        let bands = &lanes[0].bands;
        assert_eq!(bands.len(), 2, "{bands:?}");
        assert_eq!(bands[0], recorded, "a recorded band is kept as it is");
        assert_eq!(bands[1].agent_id.as_deref(), Some("102"));
        assert_eq!(bands[1].state, "idle");
        assert_eq!(bands[1].from_ms, 2_000, "clipped to the window's start");
        assert_eq!(bands[1].to_ms, None);

        let mut one = vec![AccountTimeline {
            bands: vec![],
            ..lanes[0].clone()
        }];
        add_unchanged_agents(&mut one, &status, Some("101"), 0);
        assert_eq!(one[0].bands.len(), 1, "the agent filter applies");
    }

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

    #[test]
    fn export_names_sort_by_time() {
        let a = export_name(1_700_000_000_000);
        assert!(
            a.starts_with("agentwatch-history-") && a.ends_with(".csv"),
            "{a}"
        );
        assert!(a < export_name(1_700_000_100_000));
    }
}
