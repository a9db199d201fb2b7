//! What the tray and the dashboard show, computed from the core's `Status`: pure functions, so
//! the rules (which icon, which words) are tested without a display.

use agentwatch_core::condition::Condition;
use agentwatch_core::maintenance::ActiveMaintenance;
use agentwatch_core::status::{AccountHealth, AgentStatus, Status};
use agentwatch_core::{Event, Severity};
use serde::Serialize;

/// The five faces of the tray icon. Each has its own shape as well as its own colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayKind {
    /// Green circle with a check mark.
    Ok,
    /// Amber triangle with an exclamation mark.
    Warning,
    /// Red octagon with a cross.
    Critical,
    /// Grey diamond with a question mark: unreachable accounts, stale or unknown states, or
    /// nothing watched yet.
    Unknown,
    /// Blue pause bars: notifications are paused and nothing is worse than unknown.
    Paused,
}

impl TrayKind {
    pub fn png(self) -> &'static [u8] {
        match self {
            TrayKind::Ok => include_bytes!("../icons/tray-ok.png"),
            TrayKind::Warning => include_bytes!("../icons/tray-warning.png"),
            TrayKind::Critical => include_bytes!("../icons/tray-critical.png"),
            TrayKind::Unknown => include_bytes!("../icons/tray-unknown.png"),
            TrayKind::Paused => include_bytes!("../icons/tray-paused.png"),
        }
    }
}

/// `paused_until_ms` of a pause that lasts until resumed (`agentwatch pause` without `--for`).
pub use agentwatch_core::host::PAUSED_UNTIL_RESUMED;

/// Everything the tray shows, recomputed on each status update and applied only when changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrayView {
    pub kind: TrayKind,
    /// The one-line summary ("14 agents: 12 ok, 1 warning, 1 failed · 2 accounts").
    pub tooltip: String,
    /// One menu line per account: "Contact centre — ok (10 agents)", each followed by lines
    /// naming its agents in warning or failed.
    pub accounts: Vec<String>,
    /// "Notifications paused until 18:30", when paused.
    pub paused: Option<String>,
    /// The keyring is locked: the menu offers its unlock prompt.
    pub keyring_locked: bool,
}

impl TrayView {
    /// `maintenance`: the windows in force (the alert view's), said in the summary and on the
    /// accounts' lines.
    pub fn new(
        status: &Status,
        paused_until_ms: Option<i64>,
        maintenance: &[ActiveMaintenance],
    ) -> TrayView {
        let worst = status.worst();
        let kind = if status.accounts.is_empty() {
            TrayKind::Unknown
        } else {
            match worst {
                Severity::Critical => TrayKind::Critical,
                Severity::Warning => TrayKind::Warning,
                // Paused never hides a warning or a failure: it only replaces calm faces.
                _ if paused_until_ms.is_some() => TrayKind::Paused,
                Severity::Unknown => TrayKind::Unknown,
                Severity::Ok | Severity::Info => TrayKind::Ok,
            }
        };
        let mut tooltip = if status.accounts.is_empty() {
            "AgentWatch: no accounts yet — open the dashboard to add one".to_string()
        } else {
            status.summary()
        };
        let paused = paused_until_ms.map(|until| match until {
            PAUSED_UNTIL_RESUMED => "Notifications paused until resumed".to_string(),
            until => format!(
                "Notifications paused until {}",
                &agentwatch_core::clock::local_hms(until)[..5]
            ),
        });
        if paused.is_some() {
            tooltip.push_str(" · notifications paused");
        }
        let in_maintenance = |id: &str| {
            maintenance
                .iter()
                .find(|m| m.account_id == id && m.agent_id.is_none())
        };
        let windows: Vec<_> = status
            .accounts
            .iter()
            .filter_map(|a| in_maintenance(&a.id).map(|m| (a, m)))
            .collect();
        match windows.as_slice() {
            [] => {}
            [(account, m)] => tooltip.push_str(&format!(
                " · {} in maintenance until {}",
                account.name, m.until
            )),
            many => tooltip.push_str(&format!(" · {} accounts in maintenance", many.len())),
        }
        let accounts = status
            .accounts
            .iter()
            .flat_map(|a| {
                let agents = status
                    .agents
                    .iter()
                    .filter(|g| g.account_id == a.id)
                    .collect::<Vec<_>>();
                let state = match a.health {
                    AccountHealth::Pending => "connecting…".to_string(),
                    AccountHealth::Unreachable => "unreachable".to_string(),
                    AccountHealth::Ok => {
                        let sev = Severity::worst(agents.iter().map(|g| g.effective_severity()));
                        match sev {
                            Severity::Critical => "failed".to_string(),
                            other => other.as_str().to_string(),
                        }
                    }
                };
                // Queues and team counts are the account's items, counted apart from agents.
                let n = agents.iter().filter(|g| !g.observation.is_item()).count();
                let plural = if n == 1 { "agent" } else { "agents" };
                let queues = agents
                    .iter()
                    .filter(|g| {
                        matches!(
                            g.observation.figures.as_deref(),
                            Some(agentwatch_core::items::Figures::Queue(_))
                        )
                    })
                    .count();
                let queues = match queues {
                    0 => String::new(),
                    1 => ", 1 queue".to_string(),
                    n => format!(", {n} queues"),
                };
                let window = in_maintenance(&a.id)
                    .map(|m| format!(" · in maintenance until {}", m.until))
                    .unwrap_or_default();
                let head = format!(
                    "{} ({}) — {state}, {n} {plural}{queues}{window}",
                    a.name, a.vendor
                );
                std::iter::once(head).chain(troubled_agent_lines(&agents))
            })
            .collect();
        TrayView {
            kind,
            tooltip,
            accounts,
            paused,
            keyring_locked: status.condition == Some(Condition::KeyringLocked),
        }
    }
}

/// The most agents named under an account in the tray menu; the rest are counted.
pub const TRAY_AGENTS_PER_ACCOUNT: usize = 5;

/// Menu lines for an account's agents in warning or failed, by name where they have one
/// ("   Li Wei (103): rest — warning"), worst first, at most [`TRAY_AGENTS_PER_ACCOUNT`].
fn troubled_agent_lines(agents: &[&AgentStatus]) -> Vec<String> {
    let mut troubled: Vec<&&AgentStatus> = agents
        .iter()
        .filter(|g| {
            matches!(
                g.effective_severity(),
                Severity::Warning | Severity::Critical
            )
        })
        .collect();
    troubled.sort_by_key(|g| std::cmp::Reverse(g.effective_severity().rank()));
    let mut lines: Vec<String> = troubled
        .iter()
        .take(TRAY_AGENTS_PER_ACCOUNT)
        .map(|g| {
            let o = &g.observation;
            let subject = agentwatch_core::events::agent_subject(&o.agent_id, o.name.as_deref());
            let severity = match g.effective_severity() {
                Severity::Critical => "failed",
                other => other.as_str(),
            };
            one_line(&format!("   {subject}: {} — {severity}", o.state))
        })
        .collect();
    if troubled.len() > TRAY_AGENTS_PER_ACCOUNT {
        lines.push(format!(
            "   … and {} more",
            troubled.len() - TRAY_AGENTS_PER_ACCOUNT
        ));
    }
    lines
}

/// Vendor text on one menu line: a line break or other control character in a name or state
/// must not add a line of its own to the menu or the tooltip that lists these lines.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The dashboard's header while no account is watched.
pub const DASHBOARD_NO_ACCOUNTS: &str = "No accounts yet: nothing is watched";

/// The status as the dashboard receives it: the core's status plus the words and face the
/// tray shows, so that both always agree.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView<'a> {
    #[serde(flatten)]
    pub status: &'a Status,
    pub worst: Severity,
    pub summary: String,
    pub tray: TrayKind,
    pub paused_until_ms: Option<i64>,
}

impl<'a> StatusView<'a> {
    pub fn new(status: &'a Status, tray: &TrayView, paused_until_ms: Option<i64>) -> Self {
        // The tray's "open the dashboard to add one" makes no sense inside the dashboard, whose
        // first-run view offers the way on.
        let summary = match status.accounts.is_empty() {
            true => DASHBOARD_NO_ACCOUNTS.to_string(),
            false => tray.tooltip.clone(),
        };
        StatusView {
            status,
            worst: status.worst(),
            summary,
            tray: tray.kind,
            paused_until_ms,
        }
    }
}

/// An event as the dashboard receives it: the core's event plus its one-line wording.
#[derive(Debug, Clone, Serialize)]
pub struct EventView<'a> {
    #[serde(flatten)]
    pub event: &'a Event,
    pub subject: String,
    pub title: String,
    pub body: String,
}

impl<'a> EventView<'a> {
    pub fn new(event: &'a Event) -> Self {
        let n = agentwatch_core::notifier::Notification::for_event(event);
        EventView {
            event,
            subject: event.subject(),
            title: n.summary,
            body: n.body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentwatch_core::status::{AccountStatus, AgentStatus};
    use agentwatch_core::{Observation, Vendor};

    fn account(id: &str, health: AccountHealth) -> AccountStatus {
        AccountStatus {
            health,
            ..AccountStatus::pending(id, format!("Account {id}"), Vendor::Agora)
        }
    }

    fn agent(account: &str, id: &str, severity: Severity) -> AgentStatus {
        AgentStatus {
            account_id: account.into(),
            account_name: format!("Account {account}"),
            vendor: Vendor::Agora,
            observation: Observation {
                agent_id: id.into(),
                name: None,
                state: "RUNNING".into(),
                native: "RUNNING".into(),
                severity,
                identity: None,
                detail: None,
                time_in_state: None,
                finding: None,
                figures: None,
            },
            since_ms: 0,
            stale: false,
        }
    }

    #[test]
    fn the_worst_severity_picks_the_face() {
        let mut s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents: vec![agent("a", "1", Severity::Ok), agent("a", "2", Severity::Ok)],
            updated_ms: 0,
            ..Default::default()
        };
        assert_eq!(TrayView::new(&s, None, &[]).kind, TrayKind::Ok);
        s.agents[1].observation.severity = Severity::Critical;
        let v = TrayView::new(&s, None, &[]);
        assert_eq!(v.kind, TrayKind::Critical);
        assert_eq!(v.tooltip, "2 agents: 1 ok, 1 failed · 1 account");
        assert_eq!(
            v.accounts,
            vec![
                "Account a (agora) — failed, 2 agents",
                "   2: RUNNING — failed"
            ]
        );
    }

    #[test]
    fn the_menu_names_the_agents_in_trouble_worst_first_and_counts_the_rest() {
        let mut agents = vec![agent("a", "100", Severity::Ok)];
        let mut named = agent("a", "103", Severity::Warning);
        named.observation.name = Some("Li Wei".into());
        named.observation.state = "rest".into();
        agents.push(named);
        agents.push(agent("a", "104", Severity::Critical));
        for i in 0..TRAY_AGENTS_PER_ACCOUNT {
            agents.push(agent("a", &format!("2{i}"), Severity::Warning));
        }
        let s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents,
            updated_ms: 0,
            ..Default::default()
        };
        let lines = TrayView::new(&s, None, &[]).accounts;
        assert_eq!(lines[1], "   104: RUNNING — failed");
        assert_eq!(lines[2], "   Li Wei (103): rest — warning");
        assert_eq!(lines.len(), 1 + TRAY_AGENTS_PER_ACCOUNT + 1, "{lines:?}");
        assert_eq!(lines.last().unwrap(), "   … and 2 more");
        assert!(!lines.iter().any(|l| l.contains("100")), "{lines:?}");

        // A vendor's line break stays on the agent's line.
        let mut hostile = agent("a", "9", Severity::Critical);
        hostile.observation.name = Some("Eve\nAll agents ok".into());
        let s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents: vec![hostile],
            updated_ms: 0,
            ..Default::default()
        };
        let lines = TrayView::new(&s, None, &[]).accounts;
        assert_eq!(lines[1], "   Eve All agents ok (9): RUNNING — failed");
    }

    #[test]
    fn a_queue_in_trouble_is_named_as_a_queue_and_counted_apart() {
        let mut queue = agent("a", "queue:3", Severity::Critical);
        queue.observation = agentwatch_core::queues::QueueSettings::default().observe(
            agentwatch_core::queues::SkillStats {
                skill_id: "3".into(),
                name: Some("vip".into()),
                waiting: Some(4),
                longest_wait_secs: Some(200),
                available: Some(0),
                logged_on: Some(2),
            },
        );
        let s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents: vec![agent("a", "1", Severity::Ok), queue],
            updated_ms: 0,
            ..Default::default()
        };
        let v = TrayView::new(&s, None, &[]);
        assert_eq!(v.kind, TrayKind::Critical);
        assert_eq!(
            v.accounts,
            vec![
                "Account a (agora) — failed, 1 agent, 1 queue",
                "   Queue vip: 4 waiting · longest 3 min 20 s · 0 of 2 free — failed",
            ]
        );
        assert_eq!(v.tooltip, "1 agent: 1 ok · 1 queue: 1 failed · 1 account");
    }

    #[test]
    fn paused_replaces_calm_faces_only() {
        let mut s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents: vec![agent("a", "1", Severity::Ok)],
            updated_ms: 0,
            ..Default::default()
        };
        let v = TrayView::new(&s, Some(0), &[]);
        assert_eq!(v.kind, TrayKind::Paused);
        assert!(v.tooltip.ends_with("notifications paused"));
        s.agents[0].observation.severity = Severity::Warning;
        assert_eq!(TrayView::new(&s, Some(0), &[]).kind, TrayKind::Warning);
    }

    #[test]
    fn a_maintenance_window_is_said_in_the_summary_and_on_the_accounts_line() {
        let s = Status {
            accounts: vec![account("a", AccountHealth::Ok)],
            agents: vec![agent("a", "1", Severity::Critical)],
            updated_ms: 0,
            ..Default::default()
        };
        let window = agentwatch_core::maintenance::ActiveMaintenance {
            account_id: "a".into(),
            agent_id: None,
            until_ms: 0,
            until: "02:00".into(),
            scheduled: false,
        };
        let v = TrayView::new(&s, None, std::slice::from_ref(&window));
        assert!(
            v.tooltip
                .ends_with(" · Account a in maintenance until 02:00"),
            "{}",
            v.tooltip
        );
        assert_eq!(
            v.accounts[0],
            "Account a (agora) — failed, 1 agent · in maintenance until 02:00"
        );
        assert_eq!(
            v.accounts[1..],
            ["   1: RUNNING — failed"],
            "its agent in trouble"
        );
        assert_eq!(v.kind, TrayKind::Critical, "a failure still shows");
        let until_resumed = TrayView::new(&s, Some(PAUSED_UNTIL_RESUMED), &[]);
        assert_eq!(
            until_resumed.paused.as_deref(),
            Some("Notifications paused until resumed")
        );
    }

    #[test]
    fn unreachable_and_empty_are_unknown() {
        let s = Status {
            accounts: vec![account("a", AccountHealth::Unreachable)],
            agents: vec![],
            updated_ms: 0,
            ..Default::default()
        };
        let v = TrayView::new(&s, None, &[]);
        assert_eq!(v.kind, TrayKind::Unknown);
        assert!(v.accounts[0].contains("unreachable"));
        assert_eq!(
            TrayView::new(&Status::default(), None, &[]).kind,
            TrayKind::Unknown
        );
    }

    #[test]
    fn with_no_accounts_the_dashboard_does_not_send_itself_to_the_dashboard() {
        let empty = Status::default();
        let tray = TrayView::new(&empty, None, &[]);
        assert!(
            tray.tooltip.contains("open the dashboard"),
            "{}",
            tray.tooltip
        );
        let view = StatusView::new(&empty, &tray, None);
        assert!(!view.summary.contains("dashboard"), "{}", view.summary);
        assert!(
            view.summary.starts_with("No accounts yet"),
            "{}",
            view.summary
        );
    }

    #[test]
    fn the_five_icons_are_distinct_pngs() {
        let all = [
            TrayKind::Ok,
            TrayKind::Warning,
            TrayKind::Critical,
            TrayKind::Unknown,
            TrayKind::Paused,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(a.png().starts_with(b"\x89PNG"));
            for b in &all[i + 1..] {
                assert_ne!(a.png(), b.png());
            }
        }
    }
}
