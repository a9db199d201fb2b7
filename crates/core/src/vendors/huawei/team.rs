//! The team listing, `GET qualitycontrol/{workno}/allagent`: every agent a quality-inspection
//! seat may monitor, in one call. Huawei's API pages do not document it; Huawei's own
//! AgentServer demo reads `retcode` and `result[]` with `workno`, `name` and `status` (a string
//! holding an agentState code). So every plausible variant is accepted: `workNo` for `workno`,
//! numbers as strings or integers, `agentState` for `status`, extra fields ignored. A `result`
//! that is not a list fails the poll with the reason; one bad entry never hides the others.

use super::states;
use super::wire::{self, AgentStatus};
use crate::model::Observation;
use crate::vendors::entry;
use serde_json::Value;

/// The key the agent id is read from (`workNo` is renamed to it first).
const ID_KEY: &str = "workno";
/// Huawei's other spelling of the work number (its events and some listings use it).
const ID_KEY_CAMEL: &str = "workNo";

/// What the listing showed: the agents to report, and how many entries named nobody.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listed {
    pub observations: Vec<Observation>,
    pub skipped_entries: usize,
}

/// Reads a successful listing's `result`. `keep` says which agents to report (the watch list,
/// minus the supervisor's own seat); entries of other agents are read no further. The error is
/// why `result` is not a list of agents.
pub fn read(result: Option<Value>, keep: impl Fn(&str) -> bool) -> Result<Listed, String> {
    let entries = wire::result_list(result, "agents")?;
    let mut listed = Listed::default();
    for mut raw in entries {
        canonical_id(&mut raw);
        let Some(id) = entry::usable_id(raw.get(ID_KEY)) else {
            listed.skipped_entries += 1;
            continue;
        };
        if !keep(&id) {
            continue;
        }
        listed.observations.push(match agent_status(&raw) {
            Ok(status) => observe(id, status, raw.get("name")),
            Err(reason) => entry::unreadable(&id, &reason),
        });
    }
    Ok(listed)
}

/// Renames `workNo` to `workno` when only the former is present.
fn canonical_id(raw: &mut Value) {
    if let Value::Object(fields) = raw {
        if !fields.contains_key(ID_KEY) {
            if let Some(id) = fields.remove(ID_KEY_CAMEL) {
                fields.insert(ID_KEY.to_string(), id);
            }
        }
    }
}

/// The entry's `status` (the demo's key; `agentState` is read too): an agentState code as a
/// string or an integer. The error names the field.
fn agent_status(raw: &Value) -> Result<AgentStatus, String> {
    let (key, value) = STATUS_KEYS
        .iter()
        .find_map(|key| raw.get(*key).map(|value| (*key, value)))
        .ok_or("the entry has no status")?;
    let agent_state = wire::integer(value).map_err(|e| format!("{key}: {e}"))?;
    // The listing says nothing about talking beyond the state itself (7).
    Ok(AgentStatus {
        agent_state,
        is_working: false,
    })
}

const STATUS_KEYS: [&str; 2] = ["status", "agentState"];

/// The observation of a listed agent; a name that is not text is ignored (a name is never
/// worth the agent).
fn observe(id: String, status: AgentStatus, name: Option<&Value>) -> Observation {
    let mut observation = states::observation(&id, status);
    observation.name = match name {
        Some(Value::String(name)) if !name.trim().is_empty() => Some(name.clone()),
        _ => None,
    };
    observation
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use serde_json::json;

    fn everyone(_: &str) -> bool {
        true
    }

    #[test]
    fn the_demo_shape_reads_with_names_and_states() {
        let result = json!([
            {"workno":"101","name":"Alice Zhang","status":"4"},
            {"workno":"102","name":"Li Wei","status":"8","groupName":"sales","ctiStatus":"3"},
            {"workNo":103,"name":"","status":7},
            {"workno":"104","status":"42"}
        ]);
        let listed = read(Some(result), everyone).unwrap();
        assert_eq!(listed.skipped_entries, 0);
        let seen: Vec<(&str, Option<&str>, &str, Severity)> = listed
            .observations
            .iter()
            .map(|o| {
                (
                    o.agent_id.as_str(),
                    o.name.as_deref(),
                    o.state.as_str(),
                    o.severity,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("101", Some("Alice Zhang"), "idle", Severity::Ok),
                ("102", Some("Li Wei"), "rest", Severity::Info),
                ("103", None, "talking", Severity::Ok),
                ("104", None, "state 42", Severity::Unknown),
            ]
        );
    }

    #[test]
    fn bad_entries_never_hide_the_good_ones() {
        let result = json!([
            {"workno":"101","name":"A","status":"4"},
            {"workno":"102","name":"B","status":["4"]},
            {"workno":"103","name":{"first":"C"},"status":"2"},
            {"name":"nobody","status":"4"},
            {"workno":"  ","status":"4"},
            "text",
            {"workno":"105","name":"E"}
        ]);
        let listed = read(Some(result), everyone).unwrap();
        assert_eq!(listed.skipped_entries, 3);
        let ids: Vec<&str> = listed
            .observations
            .iter()
            .map(|o| o.agent_id.as_str())
            .collect();
        assert_eq!(ids, ["101", "102", "103", "105"]);
        let unreadable = &listed.observations[1];
        assert_eq!(unreadable.severity, Severity::Unknown);
        assert!(
            unreadable.detail.as_deref().unwrap().contains("status"),
            "{unreadable:?}"
        );
        // A name of the wrong type costs the name only.
        assert_eq!(listed.observations[2].state, "signed out");
        assert_eq!(listed.observations[2].name, None);
        assert_eq!(listed.observations[3].severity, Severity::Unknown);
    }

    #[test]
    fn only_kept_agents_are_reported() {
        let result = json!([
            {"workno":"101","status":"4"},
            {"workno":"5001","status":"3"},
            {"workno":"102","status":"bad"}
        ]);
        let listed = read(Some(result), |id| id != "5001" && id != "102").unwrap();
        assert_eq!(listed.observations.len(), 1);
        assert_eq!(listed.observations[0].agent_id, "101");
    }

    #[test]
    fn a_result_that_is_not_a_list_is_refused_with_a_reason() {
        for (result, reason) in [
            (None, "no result"),
            (Some(json!(null)), "no result"),
            (Some(json!("")), "empty string"),
            (Some(json!(3)), "the number 3"),
            (Some(json!("ok")), "the string \"ok\""),
            (Some(json!({"workno":"101","status":"4"})), "an object"),
        ] {
            let err = read(result.clone(), everyone).unwrap_err();
            assert!(err.contains(reason), "{result:?}: {err}");
        }
        assert_eq!(read(Some(json!([])), everyone).unwrap(), Listed::default());
    }
}
