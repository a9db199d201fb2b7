//! Agora's agent states: their numbers (the list filter), their default severities and the
//! observation a supervisor sees.

use super::wire::{AgentDetail, ListedAgent};
use crate::model::{Observation, Severity, TimeInState};

/// The documented states, in the order of their numeric filter value (IDLE = 0 ... FAILED = 6).
pub const STATES: [&str; 7] = [
    "IDLE",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "STOPPED",
    "RECOVERING",
    "FAILED",
];

/// The label and severity of a watched agent the per-agent query answers 404 for: Agora
/// forgets agents some time after they exit, so this is the normal end of a life, not an error.
pub const EXITED_STATE: &str = "EXITED";
pub const EXITED_NATIVE: &str = "404";

/// The default severity of a status name; names Agora may add later are `Unknown`.
pub fn severity_of(status: &str) -> Severity {
    match status.trim().to_ascii_uppercase().as_str() {
        "RUNNING" => Severity::Ok,
        "IDLE" | "STARTING" | "STOPPING" | "STOPPED" => Severity::Info,
        "RECOVERING" => Severity::Warning,
        "FAILED" => Severity::Critical,
        _ => Severity::Unknown,
    }
}

/// The state a status names: a documented state's number written as digits (`"6"`, as the
/// state filter is sent) is that state's name (FAILED); anything else is taken as written.
pub fn status_name(status: &str) -> &str {
    let digits = status.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return status;
    }
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| STATES.get(n))
        .copied()
        .unwrap_or(status)
}

/// An agent seen in the list.
pub fn from_listed(agent: &ListedAgent) -> Observation {
    let status = status_name(&agent.status);
    Observation {
        agent_id: agent.agent_id.clone(),
        name: None,
        state: state_label(status),
        native: agent.status.clone(),
        severity: severity_of(status),
        identity: None,
        detail: agent.start_ts.and_then(|ts| describe_time("started", ts)),
        time_in_state: entered_from_vendor(status, agent.start_ts, None),
        finding: None,
        figures: None,
    }
}

/// An agent answered by the per-agent query.
pub fn from_detail(agent: &AgentDetail) -> Observation {
    let started = agent.start_ts.and_then(|ts| describe_time("started", ts));
    let stopped = agent.stop_ts.and_then(|ts| describe_time("stopped", ts));
    let detail = match (started, stopped) {
        (Some(a), Some(b)) => Some(format!("{a}, {b}")),
        (a, b) => a.or(b),
    };
    let status = status_name(&agent.status);
    Observation {
        agent_id: agent.agent_id.clone(),
        name: agent.name.clone().filter(|n| !n.trim().is_empty()),
        state: state_label(status),
        native: agent.status.clone(),
        severity: severity_of(status),
        identity: None,
        detail,
        time_in_state: entered_from_vendor(status, agent.start_ts, agent.stop_ts),
        finding: None,
        figures: None,
    }
}

/// A watched agent the per-agent query no longer knows.
pub fn exited(agent_id: &str) -> Observation {
    Observation {
        agent_id: agent_id.to_string(),
        name: None,
        state: EXITED_STATE.to_string(),
        native: EXITED_NATIVE.to_string(),
        severity: Severity::Info,
        identity: None,
        detail: Some("Agora no longer knows this agent (HTTP 404): it has exited".to_string()),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// The status as Agora wrote it; only an empty one gets words, so that the UI shows something.
fn state_label(status: &str) -> String {
    if status.trim().is_empty() {
        "(empty status)".to_string()
    } else {
        status.to_string()
    }
}

/// When the agent entered its state, where Agora's times say so: a STARTING agent since its
/// start, a STOPPED one since its stop. Other states began at some moment Agora does not give.
fn entered_from_vendor(
    status: &str,
    start_ts: Option<i64>,
    stop_ts: Option<i64>,
) -> Option<TimeInState> {
    let secs = match status.trim().to_ascii_uppercase().as_str() {
        "STARTING" => start_ts,
        "STOPPED" => stop_ts,
        _ => None,
    }?;
    // 0 is Agora's "not yet"; a time before 2001 or past 2100 is not a real one.
    (1_000_000_000..4_102_444_800)
        .contains(&secs)
        .then(|| TimeInState::from_vendor(secs * 1000))
}

/// "started 2025-12-24 10:24 UTC"; nothing for 0 (Agora's "not yet") or an impossible time.
fn describe_time(verb: &str, unix_secs: i64) -> Option<String> {
    if unix_secs <= 0 {
        return None;
    }
    let when = time::OffsetDateTime::from_unix_timestamp(unix_secs).ok()?;
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    Some(format!("{verb} {}", when.format(&format).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_starting_agent_entered_its_state_at_its_start_and_a_stopped_one_at_its_stop() {
        let start = Some(1_735_035_893);
        let stop = Some(1_735_036_000);
        let at = |status| entered_from_vendor(status, start, stop).map(|t| t.entered_ms);
        assert_eq!(at("STARTING"), Some(1_735_035_893_000));
        assert_eq!(at("STOPPED"), Some(1_735_036_000_000));
        assert_eq!(
            at("RUNNING"),
            None,
            "Agora does not say when it began running"
        );
        assert_eq!(entered_from_vendor("STARTING", Some(0), None), None);
    }

    #[test]
    fn every_documented_status_has_its_default_severity() {
        let expected = [
            ("IDLE", Severity::Info),
            ("STARTING", Severity::Info),
            ("RUNNING", Severity::Ok),
            ("STOPPING", Severity::Info),
            ("STOPPED", Severity::Info),
            ("RECOVERING", Severity::Warning),
            ("FAILED", Severity::Critical),
        ];
        assert_eq!(expected.map(|(name, _)| name), STATES);
        for (name, severity) in expected {
            let obs = from_listed(&ListedAgent {
                agent_id: "A".into(),
                status: name.into(),
                start_ts: None,
            });
            assert_eq!((obs.state.as_str(), obs.native.as_str()), (name, name));
            assert_eq!(obs.severity, severity, "{name}");
        }
    }

    #[test]
    fn a_status_given_as_digits_is_the_state_of_that_number() {
        for (digits, name, severity) in [
            ("0", "IDLE", Severity::Info),
            ("2", "RUNNING", Severity::Ok),
            ("5", "RECOVERING", Severity::Warning),
            ("6", "FAILED", Severity::Critical),
        ] {
            let listed = from_listed(&ListedAgent {
                agent_id: "A".into(),
                status: digits.into(),
                start_ts: None,
            });
            assert_eq!(
                (listed.state.as_str(), listed.native.as_str()),
                (name, digits)
            );
            assert_eq!(listed.severity, severity, "{digits}");
            let queried = from_detail(&AgentDetail {
                agent_id: "A".into(),
                status: digits.into(),
                name: None,
                start_ts: None,
                stop_ts: None,
                message: None,
            });
            assert_eq!((queried.state.as_str(), queried.severity), (name, severity));
        }
        // A number past the table is a status Agora may add: kept verbatim, unknown.
        let later = from_listed(&ListedAgent {
            agent_id: "A".into(),
            status: "7".into(),
            start_ts: None,
        });
        assert_eq!(
            (later.state.as_str(), later.severity),
            ("7", Severity::Unknown)
        );
    }

    #[test]
    fn an_unknown_status_is_kept_verbatim_as_unknown() {
        let obs = from_listed(&ListedAgent {
            agent_id: "A".into(),
            status: "Hibernating".into(),
            start_ts: Some(1735035893),
        });
        assert_eq!(obs.state, "Hibernating");
        assert_eq!(obs.native, "Hibernating");
        assert_eq!(obs.severity, Severity::Unknown);
        let empty = from_listed(&ListedAgent {
            agent_id: "A".into(),
            status: String::new(),
            start_ts: None,
        });
        assert_eq!(
            (empty.native.as_str(), empty.severity),
            ("", Severity::Unknown)
        );
    }

    #[test]
    fn detail_tells_when_the_agent_started_and_stopped() {
        let listed = from_listed(&ListedAgent {
            agent_id: "A".into(),
            status: "RUNNING".into(),
            start_ts: Some(1735035893),
        });
        assert_eq!(
            listed.detail.as_deref(),
            Some("started 2024-12-24 10:24 UTC")
        );
        let queried = from_detail(&AgentDetail {
            agent_id: "A".into(),
            status: "STOPPED".into(),
            name: Some("support-bot".into()),
            start_ts: Some(1735035893),
            stop_ts: Some(1735039493),
            message: None,
        });
        assert_eq!(queried.name.as_deref(), Some("support-bot"));
        assert_eq!(
            queried.detail.as_deref(),
            Some("started 2024-12-24 10:24 UTC, stopped 2024-12-24 11:24 UTC")
        );
    }

    #[test]
    fn a_404_is_an_exited_agent_of_severity_info() {
        let obs = exited("A");
        assert_eq!((obs.state.as_str(), obs.native.as_str()), ("EXITED", "404"));
        assert_eq!(obs.severity, Severity::Info);
    }
}
