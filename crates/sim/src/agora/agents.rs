//! The simulated project's agents and the list query over them: filters, order and paging.
//! Pure data, no HTTP, so that the paging rules can be read and tested on their own.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The documented states, at the index of their numeric filter value (IDLE = 0 ... FAILED = 6).
pub const STATES: [&str; 7] = [
    "IDLE",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "STOPPED",
    "RECOVERING",
    "FAILED",
];

/// The filter value an undocumented status name is listed under: as if Agora had renamed the
/// label of a running state. This lets tests see unknown names in the list as well.
pub const UNKNOWN_STATUS_LISTED_AS: u8 = 2;

/// One agent of the simulated project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimAgent {
    pub agent_id: String,
    pub name: String,
    pub channel: String,
    /// Any text: the seven documented names or anything else.
    pub status: String,
    /// Unix seconds.
    pub start_ts: i64,
    /// Unix seconds; 0 while the agent has not stopped.
    pub stop_ts: i64,
}

impl SimAgent {
    /// An agent started a minute ago, named after its id.
    pub fn new(agent_id: &str, channel: &str, status: &str) -> SimAgent {
        let mut agent = SimAgent {
            agent_id: agent_id.to_string(),
            name: format!("agent-{}", agent_id.to_ascii_lowercase()),
            channel: channel.to_string(),
            status: String::new(),
            start_ts: unix_now() - 60,
            stop_ts: 0,
        };
        agent.set_status(status);
        agent
    }

    pub fn named(mut self, name: &str) -> SimAgent {
        self.name = name.to_string();
        self
    }

    /// Started `secs` seconds ago.
    pub fn started_ago(mut self, secs: i64) -> SimAgent {
        self.start_ts = unix_now() - secs;
        self
    }

    /// Changes the status; stopping or failing stamps `stop_ts`, anything else clears it.
    pub fn set_status(&mut self, status: &str) {
        self.status = status.to_string();
        self.stop_ts = if matches!(status, "STOPPED" | "FAILED") {
            unix_now()
        } else {
            0
        };
    }

    /// The numeric state the list filter matches this agent on.
    pub fn state_code(&self) -> u8 {
        STATES
            .iter()
            .position(|s| *s == self.status)
            .map(|i| i as u8)
            .unwrap_or(UNKNOWN_STATUS_LISTED_AS)
    }

    /// Whether the per-agent query treats this agent as gone.
    pub fn has_exited(&self) -> bool {
        self.status == "STOPPED"
    }
}

/// What a list request selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    pub states: Vec<u8>,
    pub channel: Option<String>,
    pub from_time: i64,
    pub to_time: i64,
}

impl ListFilter {
    fn matches(&self, agent: &SimAgent) -> bool {
        self.states.contains(&agent.state_code())
            && self.channel.as_ref().is_none_or(|c| *c == agent.channel)
            && (self.from_time..=self.to_time).contains(&agent.start_ts)
    }
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub agents: Vec<SimAgent>,
    /// Empty on the last page.
    pub cursor: String,
    /// Every agent matching the filter, over all pages.
    pub total: usize,
}

/// The page starting at `cursor` (the first matching agent whose id is not before it), in
/// agent id order. With `cursor_repeats` the next cursor is this page's last agent, which the
/// next page therefore repeats; otherwise it is the first agent of the next page. A page of
/// one agent with `cursor_repeats` never ends: the real server's degenerate case, kept on
/// purpose so that clients can be tested against it.
pub fn page(
    agents: &BTreeMap<String, SimAgent>,
    filter: &ListFilter,
    cursor: Option<&str>,
    limit: usize,
    cursor_repeats: bool,
) -> Page {
    let matching: Vec<&SimAgent> = agents.values().filter(|a| filter.matches(a)).collect();
    let start = cursor
        .map(|c| matching.partition_point(|a| a.agent_id.as_str() < c))
        .unwrap_or(0);
    let end = start.saturating_add(limit.max(1)).min(matching.len());
    let cursor = if end < matching.len() {
        let at = if cursor_repeats { end - 1 } else { end };
        matching[at].agent_id.clone()
    } else {
        String::new()
    };
    Page {
        agents: matching[start..end].iter().map(|a| (*a).clone()).collect(),
        cursor,
        total: matching.len(),
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(n: usize) -> BTreeMap<String, SimAgent> {
        (0..n)
            .map(|i| {
                let a = SimAgent::new(&format!("A{i:02}"), "c", "RUNNING");
                (a.agent_id.clone(), a)
            })
            .collect()
    }

    fn running() -> ListFilter {
        ListFilter {
            states: vec![2],
            channel: None,
            from_time: 0,
            to_time: i64::MAX,
        }
    }

    fn walk(agents: &BTreeMap<String, SimAgent>, limit: usize, repeats: bool) -> Vec<String> {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let p = page(agents, &running(), cursor.as_deref(), limit, repeats);
            seen.extend(p.agents.iter().map(|a| a.agent_id.clone()));
            if p.cursor.is_empty() {
                return seen;
            }
            cursor = Some(p.cursor);
        }
        panic!("paging did not end");
    }

    #[test]
    fn pages_without_repeat_cover_every_agent_once() {
        let agents = project(7);
        let seen = walk(&agents, 3, false);
        assert_eq!(seen, agents.keys().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn pages_with_repeat_start_with_the_previous_last_agent() {
        let agents = project(7);
        let seen = walk(&agents, 3, true);
        assert_eq!(
            seen,
            ["A00", "A01", "A02", "A02", "A03", "A04", "A04", "A05", "A06"]
        );
        let first = page(&agents, &running(), None, 3, true);
        assert_eq!((first.cursor.as_str(), first.total), ("A02", 7));
    }

    #[test]
    fn filters_apply_to_state_channel_and_start_time() {
        let mut agents = project(2);
        let failed = SimAgent::new("F", "other", "FAILED").started_ago(3 * 3600);
        agents.insert("F".into(), failed);
        let odd = SimAgent::new("U", "c", "HIBERNATING");
        agents.insert("U".into(), odd);
        let p = page(&agents, &running(), None, 20, false);
        assert_eq!(
            p.agents
                .iter()
                .map(|a| a.agent_id.as_str())
                .collect::<Vec<_>>(),
            ["A00", "A01", "U"]
        );
        let recent = ListFilter {
            states: vec![6],
            from_time: unix_now() - 7200,
            ..running()
        };
        assert_eq!(page(&agents, &recent, None, 20, false).total, 0);
        let other = ListFilter {
            states: vec![2, 6],
            channel: Some("other".into()),
            ..running()
        };
        assert_eq!(
            page(&agents, &other, None, 20, false).agents[0].agent_id,
            "F"
        );
    }
}
