//! Huawei's agentState table ("CCGateway status") mapped to labels and default severities.
//! Users override severities per state in the config; the engine applies that after a poll.

use super::wire::{AgentStatus, RETCODE_BAD_PARAMETER};
use crate::model::{Observation, Severity};

/// The label and default severity of a documented agentState, `None` for any other value.
pub fn documented(agent_state: i64) -> Option<(&'static str, Severity)> {
    Some(match agent_state {
        0 => ("unknown", Severity::Unknown),
        1 => ("signed in", Severity::Ok),
        2 => ("signed out", Severity::Warning),
        3 => ("busy", Severity::Info),
        4 => ("idle", Severity::Ok),
        5 => ("wrap-up", Severity::Info),
        // 6 is a reserved alias of 4.
        6 => ("idle", Severity::Ok),
        7 => ("talking", Severity::Ok),
        8 => ("rest", Severity::Info),
        9 => ("pre-rest", Severity::Info),
        _ => return None,
    })
}

/// One agent's observation from its status. Undocumented values are kept as "state N".
pub fn observation(agent_id: &str, status: AgentStatus) -> Observation {
    let (state, severity) = match documented(status.agent_state) {
        Some((label, severity)) => (label.to_string(), severity),
        None => (format!("state {}", status.agent_state), Severity::Unknown),
    };
    Observation {
        agent_id: agent_id.to_string(),
        name: None,
        state,
        native: status.agent_state.to_string(),
        severity,
        identity: None,
        detail: status.is_working.then(|| "talking".to_string()),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// The observation of an agent id the gateway does not know (retcode 000-002): shown, with
/// severity unknown, rather than failing the whole account.
pub fn not_found(agent_id: &str, gateway_message: &str) -> Observation {
    Observation {
        agent_id: agent_id.to_string(),
        name: None,
        state: format!("not found ({RETCODE_BAD_PARAMETER})"),
        native: RETCODE_BAD_PARAMETER.to_string(),
        severity: Severity::Unknown,
        identity: None,
        detail: (!gateway_message.is_empty()).then(|| gateway_message.to_string()),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// The observation of an agent whose status answer could not be read (garbage, wrong types):
/// shown with severity unknown and the reason, while the account's other agents stay visible.
pub fn unreadable(agent_id: &str, reason: &str) -> Observation {
    Observation {
        agent_id: agent_id.to_string(),
        name: None,
        state: UNREADABLE.to_string(),
        native: UNREADABLE.to_string(),
        severity: Severity::Unknown,
        identity: None,
        detail: Some(reason.to_string()),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// The state (and native value) of an agent whose answer could not be read.
pub const UNREADABLE: &str = "unreadable answer";

#[cfg(test)]
mod tests {
    use super::*;

    fn observe(agent_state: i64, is_working: bool) -> Observation {
        observation(
            "101",
            AgentStatus {
                agent_state,
                is_working,
            },
        )
    }

    #[test]
    fn every_documented_state_maps() {
        use Severity::*;
        let table = [
            (0, "unknown", Unknown),
            (1, "signed in", Ok),
            (2, "signed out", Warning),
            (3, "busy", Info),
            (4, "idle", Ok),
            (5, "wrap-up", Info),
            (6, "idle", Ok),
            (7, "talking", Ok),
            (8, "rest", Info),
            (9, "pre-rest", Info),
        ];
        for (value, label, severity) in table {
            let o = observe(value, false);
            assert_eq!(
                (o.state.as_str(), o.severity),
                (label, severity),
                "agentState {value}"
            );
            assert_eq!(o.native, value.to_string());
            assert_eq!(o.agent_id, "101");
            assert_eq!(o.name, None);
            assert_eq!(o.detail, None);
        }
    }

    #[test]
    fn undocumented_states_are_kept_as_unknown() {
        for value in [10, 42, -1, i64::MAX] {
            let o = observe(value, false);
            assert_eq!(o.state, format!("state {value}"));
            assert_eq!(o.native, value.to_string());
            assert_eq!(o.severity, Severity::Unknown);
        }
    }

    #[test]
    fn working_adds_the_talking_detail() {
        let o = observe(7, true);
        assert_eq!(
            (o.state.as_str(), o.detail.as_deref()),
            ("talking", Some("talking"))
        );
        let o = observe(3, true);
        assert_eq!(
            (o.state.as_str(), o.detail.as_deref()),
            ("busy", Some("talking"))
        );
    }

    #[test]
    fn unreadable_answers_are_unknown_observations_with_the_reason() {
        let o = unreadable(
            "102",
            "malformed answer to status of agent 102: expected value",
        );
        assert_eq!(
            (o.state.as_str(), o.severity),
            (UNREADABLE, Severity::Unknown)
        );
        assert_eq!(
            o.detail.as_deref(),
            Some("malformed answer to status of agent 102: expected value")
        );
    }

    #[test]
    fn unknown_agents_are_observations() {
        let o = not_found("555", "agent does not exist");
        assert_eq!(o.state, "not found (000-002)");
        assert_eq!(o.native, "000-002");
        assert_eq!(o.severity, Severity::Unknown);
        assert_eq!(o.detail.as_deref(), Some("agent does not exist"));
        assert_eq!(not_found("555", "").detail, None);
    }
}
