//! One item of the list read through the account's pointers: an agent, an agent whose state
//! cannot be read (shown as unknown with the reason), or no agent at all (skipped, counted).

use super::config::HttpJsonSettings;
use crate::model::Observation;
use crate::vendors::entry::{self, Entry};
use serde_json::Value;

/// What an item holds, once its pointers are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub name: Option<String>,
    pub native: String,
}

/// Reads one item: the id is a non-blank string or a whole number; the state a string, number
/// or boolean; the name, when a pointer is given and the item has it, a string.
pub fn read_item(item: &Value, settings: &HttpJsonSettings) -> Entry<Item> {
    let fields = &settings.fields;
    let id = match item.pointer(&fields.id) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return Entry::NoId,
    };
    let unreadable = |reason: String| Entry::Unreadable {
        id: id.clone(),
        reason,
    };
    let native = match item.pointer(&fields.state) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(_) => return unreadable(format!("the state at {} is not a text", fields.state)),
        None => return unreadable(format!("no state at {}", fields.state)),
    };
    let name = match fields.name.as_deref().map(|p| item.pointer(p)) {
        None | Some(None) | Some(Some(Value::Null)) => None,
        Some(Some(Value::String(s))) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
        Some(Some(_)) => {
            let pointer = fields.name.as_deref().unwrap_or_default();
            return unreadable(format!("the name at {pointer} is not a text"));
        }
    };
    Entry::Read(Item { id, name, native })
}

/// The observation of a read item: the native state verbatim, its severity from `[states]`.
pub fn observe(item: Item, settings: &HttpJsonSettings) -> Observation {
    Observation {
        severity: settings.severity_of(&item.native),
        agent_id: item.id,
        name: item.name,
        state: item.native.clone(),
        native: item.native,
        identity: None,
        detail: None,
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// An item that names its agent but not a readable state.
pub fn unreadable(id: &str, reason: &str) -> Observation {
    entry::unreadable(id, reason)
}
