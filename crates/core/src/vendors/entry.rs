//! One entry of a vendor's list, read on its own: one bad entry must not hide the others.
//!
//! An entry is read from its JSON value. If it reads, it is used; if it names its agent but
//! something else in it has a wrong type, the agent is shown with severity `unknown` and the
//! reason; if it names no usable agent, it is counted as skipped. An answer that is not JSON at
//! all, or whose envelope is wrong, still fails the whole poll: that is the caller's business.

use crate::model::{Observation, Severity};
use serde::de::DeserializeOwned;

/// The state of an agent whose entry in the vendor's answer could not be read.
pub const UNREADABLE_STATE: &str = "unreadable";

/// What one entry turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<T> {
    Read(T),
    /// The entry names its agent but something else in it could not be read.
    Unreadable {
        id: String,
        reason: String,
    },
    /// The entry has no usable agent id: it cannot be shown as anyone.
    NoId,
}

impl<T> Entry<T> {
    /// The agent id of a readable or unreadable entry, given how to find it in a read one.
    pub fn agent_id<'a>(&'a self, of: impl Fn(&'a T) -> &'a str) -> Option<&'a str> {
        match self {
            Entry::Read(value) => Some(of(value)),
            Entry::Unreadable { id, .. } => Some(id),
            Entry::NoId => None,
        }
    }
}

/// Reads one entry whose agent id is under `id_key` (a non-blank string or an integer).
/// serde's reason can quote a wrong value: types holding secrets must refuse them by kind only
/// (as Segura's fingerprint reader does).
pub fn read_entry<T: DeserializeOwned>(entry: serde_json::Value, id_key: &str) -> Entry<T> {
    let Some(id) = usable_id(entry.get(id_key)) else {
        return Entry::NoId;
    };
    match serde_json::from_value::<T>(entry) {
        Ok(value) => Entry::Read(value),
        Err(e) => Entry::Unreadable {
            id,
            reason: e.to_string(),
        },
    }
}

/// The agent id an entry's `id_key` value gives (a non-blank string or an integer), if any.
pub fn usable_id(value: Option<&serde_json::Value>) -> Option<String> {
    let id = match value? {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    (!id.is_empty()).then_some(id)
}

/// An agent the answer names but whose entry could not be read: shown with severity `unknown`
/// and the reason.
pub fn unreadable(agent_id: &str, reason: &str) -> Observation {
    Observation {
        agent_id: agent_id.to_string(),
        name: None,
        state: UNREADABLE_STATE.to_string(),
        native: UNREADABLE_STATE.to_string(),
        severity: Severity::Unknown,
        identity: None,
        detail: Some(format!(
            "the vendor's entry for this agent is unreadable: {reason}"
        )),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Eq, Deserialize)]
    struct Item {
        id: String,
        state: String,
    }

    fn read(value: serde_json::Value) -> Entry<Item> {
        read_entry(value, "id")
    }

    #[test]
    fn a_sound_entry_is_read() {
        assert_eq!(
            read(json!({"id": "a", "state": "up"})),
            Entry::Read(Item {
                id: "a".into(),
                state: "up".into()
            })
        );
    }

    #[test]
    fn a_wrong_type_keeps_the_agent_with_the_reason() {
        let Entry::Unreadable { id, reason } = read(json!({"id": "a", "state": 7})) else {
            panic!("expected an unreadable entry");
        };
        assert_eq!(id, "a");
        assert!(reason.contains("invalid type"), "{reason}");
        // An integer id names the agent too, even where the type wants text.
        assert!(matches!(
            read(json!({"id": 12, "state": "up"})),
            Entry::Unreadable { id, .. } if id == "12"
        ));
    }

    #[test]
    fn an_entry_without_a_usable_id_is_skipped() {
        for value in [
            json!({"state": "up"}),
            json!({"id": "  ", "state": "up"}),
            json!({"id": ["a"], "state": "up"}),
            json!({"id": null}),
            json!("just text"),
            json!(42),
        ] {
            assert_eq!(read(value.clone()), Entry::NoId, "{value}");
        }
    }

    #[test]
    fn an_unreadable_agent_is_unknown_and_says_why() {
        let obs = unreadable("a", "invalid type: integer `7`, expected a string");
        assert_eq!(obs.severity, Severity::Unknown);
        assert_eq!(obs.state, UNREADABLE_STATE);
        assert!(obs.detail.unwrap().contains("invalid type"));
    }
}
