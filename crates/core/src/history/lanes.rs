//! The History view's timeline: one lane group per account (its outages, and each agent's
//! states as bands), read from the history for a window of at most 7 days. A window that
//! reaches now also gets a band for every agent that did not change in it, drawn from the live
//! status, so that every watched agent has a lane.

use super::{Band, History};
use crate::config::AccountConfig;
use crate::error::Result;
use crate::status::Status;
use serde::Serialize;
use std::path::Path;

/// The longest window the dashboard asks for (7 days), with some slack.
pub const MAX_WINDOW_MS: i64 = 8 * 24 * 3_600_000;
/// How far before now a window may end and still be taken as "up to now".
const LIVE_END_SLACK_MS: i64 = 60_000;

/// One account's lane group on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct AccountTimeline {
    pub account_id: String,
    pub account_name: String,
    pub bands: Vec<Band>,
}

/// What the timeline is asked for: `[since_ms, until_ms)` (until now when open), one account
/// or all, one agent or all.
#[derive(Debug, Clone)]
pub struct TimelineQuery {
    since_ms: i64,
    until_ms: Option<i64>,
    /// The window's end, now when open.
    end_ms: i64,
    account: Option<String>,
    agent: Option<String>,
}

impl TimelineQuery {
    /// The window checked (a moment to 7 days); blank names are no filter. The error is the
    /// reason, about `since_ms`.
    pub fn new(
        since_ms: i64,
        until_ms: Option<i64>,
        account: Option<&str>,
        agent: Option<&str>,
        now_ms: i64,
    ) -> std::result::Result<TimelineQuery, String> {
        let end_ms = until_ms.unwrap_or(now_ms);
        if since_ms >= end_ms || end_ms - since_ms > MAX_WINDOW_MS {
            return Err("the window must be between a moment and 7 days".into());
        }
        let named = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        Ok(TimelineQuery {
            since_ms,
            until_ms,
            end_ms,
            account: named(account),
            agent: named(agent),
        })
    }
}

/// The lanes of `accounts` (the configured ones, in their order) for `query`, from the history
/// at `history` (none, or no file yet: nothing recorded) and the live `status`. Blocking
/// (SQLite): run it off the async workers.
pub fn timeline(
    history: Option<&Path>,
    accounts: &[AccountConfig],
    query: &TimelineQuery,
    status: &Status,
    now_ms: i64,
) -> Result<Vec<AccountTimeline>> {
    let history = match history {
        Some(path) => History::open_existing(path)?,
        None => None,
    };
    let mut lanes = Vec::new();
    for account in accounts
        .iter()
        .filter(|a| query.account.as_ref().is_none_or(|id| *id == a.id))
    {
        let bands = match &history {
            Some(h) => h.timeline(
                &account.id,
                query.agent.as_deref(),
                query.since_ms,
                query.until_ms,
            )?,
            None => Vec::new(),
        };
        lanes.push(AccountTimeline {
            account_id: account.id.clone(),
            account_name: account.display_name().to_string(),
            bands,
        });
    }
    // The page sends its own "now" as the end: a window ending about now shows live states.
    if query.end_ms >= now_ms - LIVE_END_SLACK_MS {
        add_unchanged_agents(&mut lanes, status, query.agent.as_deref(), query.since_ms);
    }
    Ok(lanes)
}

/// Agents that did not change in the window have no recorded band: draw their current state
/// from when it began (as the live view knows it) to now.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Observation, Severity, Vendor};
    use crate::status::AgentStatus;

    fn live_agent(account: &str, id: &str, state: &str, since_ms: i64) -> AgentStatus {
        AgentStatus {
            account_id: account.into(),
            account_name: account.into(),
            vendor: Vendor::Huawei,
            observation: Observation {
                agent_id: id.into(),
                name: None,
                state: state.into(),
                native: state.into(),
                severity: Severity::Ok,
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
            severity: Severity::Ok,
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

    #[test]
    fn a_window_is_a_moment_to_seven_days() {
        let now = 10 * MAX_WINDOW_MS;
        assert!(TimelineQuery::new(now - 1000, None, None, None, now).is_ok());
        assert!(TimelineQuery::new(now, None, None, None, now).is_err());
        assert!(TimelineQuery::new(now - MAX_WINDOW_MS - 1, None, None, None, now).is_err());
        let q = TimelineQuery::new(0, Some(5), Some(" "), Some(" 101 "), now).unwrap();
        assert_eq!((q.account, q.agent.as_deref()), (None, Some("101")));
    }
}
