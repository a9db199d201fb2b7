//! The latest status of everything watched: what the tray icon, the tooltip, the dashboard and
//! `agentwatch check` show.

use crate::condition::Condition;
use crate::error::ErrorReport;
use crate::model::{Observation, Severity, Vendor};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountHealth {
    /// Not polled yet.
    Pending,
    Ok,
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStatus {
    pub id: String,
    pub name: String,
    pub vendor: Vendor,
    pub health: AccountHealth,
    /// Why the last poll failed, while unreachable.
    pub error: Option<ErrorReport>,
    pub last_poll_ms: Option<i64>,
    pub last_success_ms: Option<i64>,
    /// Since when it has been unreachable.
    pub down_since_ms: Option<i64>,
    /// Entries of the last successful poll's answer left out for having no usable agent id.
    pub skipped_entries: usize,
}

impl AccountStatus {
    /// An account not polled yet: what the board starts from.
    pub fn pending(id: impl Into<String>, name: impl Into<String>, vendor: Vendor) -> Self {
        AccountStatus {
            id: id.into(),
            name: name.into(),
            vendor,
            health: AccountHealth::Pending,
            error: None,
            last_poll_ms: None,
            last_success_ms: None,
            down_since_ms: None,
            skipped_entries: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentStatus {
    pub account_id: String,
    pub account_name: String,
    pub vendor: Vendor,
    #[serde(flatten)]
    pub observation: Observation,
    /// When the current state was first seen (the start of watching if it never changed).
    pub since_ms: i64,
    /// True while the account is unreachable: this is the last known state, not the current.
    pub stale: bool,
}

impl AgentStatus {
    /// The severity that counts for the overall picture: a stale state is not known.
    pub fn effective_severity(&self) -> Severity {
        if self.stale {
            Severity::Unknown
        } else {
            self.observation.severity
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    pub accounts: Vec<AccountStatus>,
    pub agents: Vec<AgentStatus>,
    /// Unix ms of the last change to this status.
    pub updated_ms: i64,
    /// What stops every account at once (network down, keyring locked), when something does.
    pub condition: Option<Condition>,
}

impl Status {
    /// The condition the accounts' latest polls show (kept in `condition` by the board).
    pub fn current_condition(&self) -> Option<Condition> {
        Condition::of(self.accounts.iter().map(|a| match a.health {
            AccountHealth::Unreachable => a.error.as_ref().map(|e| e.kind),
            AccountHealth::Ok | AccountHealth::Pending => None,
        }))
    }

    /// The worst severity of watched agents, an unreachable account counting as unknown.
    pub fn worst(&self) -> Severity {
        let agents = self.agents.iter().map(AgentStatus::effective_severity);
        let accounts = self
            .accounts
            .iter()
            .filter(|a| a.health == AccountHealth::Unreachable)
            .map(|_| Severity::Unknown);
        Severity::worst(agents.chain(accounts))
    }

    pub fn unreachable_accounts(&self) -> usize {
        self.accounts
            .iter()
            .filter(|a| a.health == AccountHealth::Unreachable)
            .count()
    }

    /// One line: "14 agents: 12 ok, 1 warning, 1 failed · 2 accounts"; skill queues and team
    /// counts, where watched, are counted apart ("· 3 queues: 2 ok, 1 failed · 1 team: 1 ok").
    pub fn summary(&self) -> String {
        use crate::items::{kind_of, ItemKind};
        let of_kind = |wanted: ItemKind<'static>| {
            self.agents
                .iter()
                .filter(|a| {
                    let kind = match kind_of(&a.observation.agent_id) {
                        _ if !a.observation.is_item() => ItemKind::Agent,
                        ItemKind::Queue(_) => ItemKind::Queue(""),
                        other => other,
                    };
                    kind == wanted
                })
                .collect::<Vec<_>>()
        };
        let mut parts = vec![counted(&of_kind(ItemKind::Agent), "agent")];
        for (kind, word) in [(ItemKind::Queue(""), "queue"), (ItemKind::Team, "team")] {
            let list = of_kind(kind);
            if !list.is_empty() {
                parts.push(counted(&list, word));
            }
        }
        let mut tail = plural(self.accounts.len(), "account");
        let down = self.unreachable_accounts();
        if down > 0 {
            tail.push_str(&format!(" ({down} unreachable)"));
        }
        parts.push(tail);
        let line = parts.join(" · ");
        match self.condition {
            Some(condition) => format!("{} · {line}", condition.headline()),
            None => line,
        }
    }
}

/// "14 agents: 12 ok, 1 warning, 1 failed"; "0 agents".
fn counted(list: &[&AgentStatus], word: &str) -> String {
    let count = |sev: Severity| {
        list.iter()
            .filter(|a| a.effective_severity() == sev)
            .count()
    };
    let ok = count(Severity::Ok) + count(Severity::Info);
    let parts: Vec<String> = [
        (ok, "ok"),
        (count(Severity::Warning), "warning"),
        (count(Severity::Critical), "failed"),
        (count(Severity::Unknown), "unknown"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, label)| format!("{n} {label}"))
    .collect();
    let head = plural(list.len(), word);
    if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join(", "))
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn agent(sev: Severity, stale: bool) -> AgentStatus {
        AgentStatus {
            account_id: "a".into(),
            account_name: "A".into(),
            vendor: Vendor::Agora,
            observation: Observation {
                agent_id: "x".into(),
                name: None,
                state: "s".into(),
                native: "s".into(),
                severity: sev,
                identity: None,
                detail: None,
                time_in_state: None,
                finding: None,
                figures: None,
            },
            since_ms: 0,
            stale,
        }
    }

    fn account(health: AccountHealth) -> AccountStatus {
        AccountStatus {
            health,
            ..AccountStatus::pending("a", "A", Vendor::Agora)
        }
    }

    #[test]
    fn summary_counts_by_severity() {
        let mut agents: Vec<_> = (0..12).map(|_| agent(Severity::Ok, false)).collect();
        agents.push(agent(Severity::Warning, false));
        agents.push(agent(Severity::Critical, false));
        let s = Status {
            accounts: vec![account(AccountHealth::Ok), account(AccountHealth::Ok)],
            agents,
            updated_ms: 0,
            condition: None,
        };
        assert_eq!(
            s.summary(),
            "14 agents: 12 ok, 1 warning, 1 failed · 2 accounts"
        );
        assert_eq!(s.worst(), Severity::Critical);
    }

    #[test]
    fn stale_agents_and_unreachable_accounts_count_as_unknown() {
        let s = Status {
            accounts: vec![account(AccountHealth::Unreachable)],
            agents: vec![agent(Severity::Ok, true)],
            updated_ms: 0,
            condition: None,
        };
        assert_eq!(s.worst(), Severity::Unknown);
        assert_eq!(
            s.summary(),
            "1 agent: 1 unknown · 1 account (1 unreachable)"
        );
    }

    #[test]
    fn the_network_down_leads_the_summary() {
        let down = |kind| AccountStatus {
            health: AccountHealth::Unreachable,
            error: Some(ErrorReport {
                kind,
                message: "connection failed".into(),
            }),
            ..account(AccountHealth::Unreachable)
        };
        let mut s = Status {
            accounts: vec![down(ErrorKind::Connect), down(ErrorKind::Timeout)],
            agents: vec![agent(Severity::Ok, true)],
            updated_ms: 0,
            condition: None,
        };
        s.condition = s.current_condition();
        assert_eq!(s.condition, Some(Condition::NetworkUnavailable));
        assert_eq!(
            s.summary(),
            "Network unavailable · 1 agent: 1 unknown · 2 accounts (2 unreachable)"
        );
        s.accounts[1] = down(ErrorKind::Auth);
        assert_eq!(
            s.current_condition(),
            None,
            "one account refuses our credentials"
        );
    }

    #[test]
    fn queues_and_teams_are_counted_apart_from_agents() {
        let mut queue = agent(Severity::Critical, false);
        queue.observation = crate::items::unreadable_queue("3", None, "refused");
        queue.observation.severity = Severity::Critical;
        let mut team = agent(Severity::Ok, false);
        team.observation = crate::team::TeamLimits {
            min_in_state: [(
                "idle".to_string(),
                crate::count_limit::CountLimit::new(Some(1), None),
            )]
            .into(),
            ..Default::default()
        }
        .observe(&[]);
        let s = Status {
            accounts: vec![account(AccountHealth::Ok)],
            agents: vec![agent(Severity::Ok, false), queue, team],
            updated_ms: 0,
            condition: None,
        };
        assert_eq!(
            s.summary(),
            "1 agent: 1 ok · 1 queue: 1 failed · 1 team: 1 warning · 1 account"
        );
        assert_eq!(s.worst(), Severity::Critical);
    }

    #[test]
    fn empty_status_is_ok() {
        assert_eq!(Status::default().worst(), Severity::Ok);
        assert_eq!(Status::default().summary(), "0 agents · 0 accounts");
    }
}
