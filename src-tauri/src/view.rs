//! What the tray and the dashboard show, computed from the core's `Status`: pure functions, so
//! the rules (which icon, which words) are tested without a display.

use agentwatch_core::condition::Condition;
use agentwatch_core::maintenance::ActiveMaintenance;
use agentwatch_core::status::{AccountHealth, Status};
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
pub const PAUSED_UNTIL_RESUMED: i64 = i64::MAX;

/// Everything the tray shows, recomputed on each status update and applied only when changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrayView {
    pub kind: TrayKind,
    /// The one-line summary ("14 agents: 12 ok, 1 warning, 1 failed · 2 accounts").
    pub tooltip: String,
    /// One menu line per account: "Contact centre — ok (10 agents)".
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
            .map(|a| {
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
                let n = agents.len();
                let plural = if n == 1 { "agent" } else { "agents" };
                let window = in_maintenance(&a.id)
                    .map(|m| format!(" · in maintenance until {}", m.until))
                    .unwrap_or_default();
                format!("{} ({}) — {state}, {n} {plural}{window}", a.name, a.vendor)
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
            id: id.into(),
            name: format!("Account {id}"),
            vendor: Vendor::Agora,
            health,
            error: None,
            last_poll_ms: None,
            last_success_ms: None,
            down_since_ms: None,
            skipped_entries: 0,
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
        assert_eq!(v.accounts, vec!["Account a (agora) — failed, 2 agents"]);
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
            v.accounts,
            vec!["Account a (agora) — failed, 1 agent · in maintenance until 02:00"]
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
