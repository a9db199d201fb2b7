//! What the policy remembers between polls: per agent, its confirmed state, the candidate
//! being confirmed, its recent changes and whether its problem was notified; per account, its
//! reachability the same way.

use super::decision::AccountRef;
use super::flapping::FlapWindow;
use super::threshold::Confirmer;
use crate::detector::DiffRules;
use crate::error::ErrorReport;
use crate::events::EventKind;
use crate::model::{Observation, Severity};

/// An agent as one poll saw it: present with its state, or absent from the snapshot.
#[derive(Debug, Clone)]
// Nearly every view is `Present`: boxing it would only add an allocation per agent and poll.
#[allow(clippy::large_enum_variant)]
pub(crate) enum AgentView {
    Present(Observation),
    Absent,
}

/// Two views are the same state when state, native value, identity and the time limit passed
/// agree; the display name,
/// the detail and a re-mapped severity are not changes (as in the change detector).
impl PartialEq for AgentView {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AgentView::Present(a), AgentView::Present(b)) => {
                // The level of a time limit passed counts (crossing it is a change); the time
                // in state itself grows every poll and does not.
                self.same_state(other) && a.limit_level() == b.limit_level()
            }
            (AgentView::Absent, AgentView::Absent) => true,
            _ => false,
        }
    }
}

impl AgentView {
    /// An absent agent is as bad as the vendor says a vanished one is.
    pub fn severity(&self, rules: DiffRules) -> Severity {
        match self {
            AgentView::Present(o) => o.severity,
            AgentView::Absent => rules.vanished,
        }
    }

    pub fn observation(&self) -> Option<&Observation> {
        match self {
            AgentView::Present(o) => Some(o),
            AgentView::Absent => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            AgentView::Present(o) => o.state.clone(),
            AgentView::Absent => "gone".to_string(),
        }
    }

    /// The same state, whatever time limit either has passed: a candidate state that grows
    /// past its limit while it is being confirmed is still the same candidate. A queue or a
    /// team is in the same state while its level is (`Observation::same_state`).
    pub fn same_state(&self, other: &AgentView) -> bool {
        match (self, other) {
            (AgentView::Present(a), AgentView::Present(b)) => {
                a.same_state(b) && a.identity == b.identity
            }
            (AgentView::Absent, AgentView::Absent) => true,
            _ => false,
        }
    }

    /// Present in a state that needs attention (warning, critical, unknown).
    pub fn is_problem(&self) -> bool {
        matches!(self, AgentView::Present(o) if is_problem(o.severity))
    }

    pub fn is_healthy(&self) -> bool {
        matches!(self, AgentView::Present(o) if !is_problem(o.severity))
    }
}

pub(crate) fn is_problem(severity: Severity) -> bool {
    matches!(
        severity,
        Severity::Warning | Severity::Critical | Severity::Unknown
    )
}

/// The change from `old` to `new` with the severity it carries, exactly as the change detector
/// reports it; `None` when they are the same state.
pub(crate) fn change(
    old: &AgentView,
    new: &AgentView,
    agent_id: &str,
    name: Option<&str>,
    rules: DiffRules,
) -> Option<(Severity, EventKind)> {
    crate::detector::agent_change(agent_id, old.observation(), new.observation(), name, rules)
}

#[derive(Debug, Clone)]
pub(crate) struct AgentTrack {
    /// The last display name seen, kept for notifications about a vanished agent.
    pub name: Option<String>,
    pub confirmed: AgentView,
    /// When the confirmed state was first seen.
    pub since_ms: i64,
    pub confirmer: Confirmer<AgentView>,
    pub flaps: FlapWindow,
    /// A notification about its current problem went out (so its recovery is worth telling).
    pub alerted: bool,
    pub last_reminder_ms: Option<i64>,
}

impl AgentTrack {
    pub fn new(confirmed: AgentView, since_ms: i64) -> Self {
        let name = match &confirmed {
            AgentView::Present(o) => o.name.clone(),
            AgentView::Absent => None,
        };
        AgentTrack {
            name,
            confirmed,
            since_ms,
            confirmer: Confirmer::default(),
            flaps: FlapWindow::default(),
            alerted: false,
            last_reminder_ms: None,
        }
    }

    /// Nothing left to remember: confirmed gone and nothing pending.
    pub fn is_gone(&self) -> bool {
        self.confirmed == AgentView::Absent && self.confirmer.candidate().is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Reachable,
    Unreachable,
}

impl Reach {
    pub fn label(self) -> &'static str {
        match self {
            Reach::Reachable => "reachable",
            Reach::Unreachable => "unreachable",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AccountTrack {
    /// The latest name and vendor, for notifications sent from `tick`.
    pub account: AccountRef,
    /// The first successful poll sets every agent's baseline without a notification.
    pub baselined: bool,
    pub confirmed: Reach,
    pub since_ms: i64,
    pub confirmer: Confirmer<Reach>,
    /// The latest poll error, shown in the outage notification.
    pub last_error: Option<ErrorReport>,
    /// The kind of error of the latest poll; `None` when it answered.
    pub latest_failure: Option<crate::error::ErrorKind>,
    pub outage_alerted: bool,
}

impl AccountTrack {
    pub fn new(account: AccountRef, since_ms: i64) -> Self {
        AccountTrack {
            account,
            baselined: false,
            confirmed: Reach::Reachable,
            since_ms,
            confirmer: Confirmer::default(),
            last_error: None,
            latest_failure: None,
            outage_alerted: false,
        }
    }
}
