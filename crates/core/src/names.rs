//! The name shown for an agent, decided in one place for every output.
//!
//! A user's label (`[accounts.labels]`) wins; else the vendor's own name (Agora's and Segura's
//! `name`, the Huawei team listing's `name`); else nothing, and the agent is shown by its id.
//! The poll applies it to each observation (`poller::poll_with_overrides`), so the live view,
//! the tray, notifications, `check`, `watch`, the history, the timeline and the CSV all read
//! the same `Observation::name`.

use crate::model::Observation;
use std::collections::BTreeMap;

/// The longest label a user may write, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// A vendor's name longer than this is cut (with an ellipsis): a name is a line in a menu or a
/// notification title, not a document, and the vendor's bytes are not trusted to be small.
pub const MAX_NAME_CHARS: usize = 120;

/// Checks `[accounts.labels]`: every label non-empty, at most [`MAX_LABEL_CHARS`] characters,
/// without control characters; every key a non-empty agent id. The error names the agent.
pub fn validate_labels(labels: &BTreeMap<String, String>) -> Result<(), String> {
    for (agent_id, label) in labels {
        if agent_id.trim().is_empty() {
            return Err("an agent id must not be empty".into());
        }
        if label.trim().is_empty() {
            return Err(format!("the label of agent {agent_id:?} must not be empty"));
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(format!(
                "the label of agent {agent_id:?} is longer than {MAX_LABEL_CHARS} characters"
            ));
        }
        if label.chars().any(char::is_control) {
            return Err(format!(
                "the label of agent {agent_id:?} must not hold control characters (line breaks, tabs, escapes)"
            ));
        }
    }
    Ok(())
}

/// The name to show for an agent: the label, else the vendor's name (trimmed and bounded; a
/// blank one is no name), else `None`.
pub fn resolve(
    labels: &BTreeMap<String, String>,
    agent_id: &str,
    vendor_name: Option<&str>,
) -> Option<String> {
    if let Some(label) = labels.get(agent_id) {
        return Some(label.trim().to_string());
    }
    vendor_name.and_then(clean_vendor_name)
}

/// Sets an observation's name as [`resolve`] decides.
pub fn apply(labels: &BTreeMap<String, String>, obs: &mut Observation) {
    obs.name = resolve(labels, &obs.agent_id, obs.name.as_deref());
}

/// A vendor's name, trimmed and bounded in length. Its characters are kept as the vendor sent
/// them: each output escapes them its own way (the terminal shows `\x1b`, the webview shows
/// text, the notification server gets escaped markup), so nothing is hidden from the user.
fn clean_vendor_name(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() <= MAX_NAME_CHARS {
        return Some(trimmed.to_string());
    }
    let mut cut: String = trimmed.chars().take(MAX_NAME_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_label_overrides_the_vendor_name() {
        let l = labels(&[("101", "Alice Zhang (night shift)")]);
        assert_eq!(
            resolve(&l, "101", Some("Alice Zhang")).as_deref(),
            Some("Alice Zhang (night shift)")
        );
    }

    #[test]
    fn without_a_label_the_vendor_name_is_shown_and_else_nothing() {
        let l = labels(&[("101", "Alice")]);
        assert_eq!(
            resolve(&l, "102", Some("Bob Li")).as_deref(),
            Some("Bob Li")
        );
        assert_eq!(resolve(&l, "103", None), None);
        assert_eq!(resolve(&l, "104", Some("  \t ")), None);
    }

    #[test]
    fn a_vendor_name_is_trimmed_and_bounded_but_not_rewritten() {
        assert_eq!(
            resolve(&BTreeMap::new(), "1", Some(" Li\x1bWei\n")).as_deref(),
            Some("Li\x1bWei")
        );
        let long = "x".repeat(10_000);
        let shown = resolve(&BTreeMap::new(), "1", Some(&long)).unwrap();
        assert_eq!(shown.chars().count(), MAX_NAME_CHARS);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn apply_sets_the_observation_name() {
        let mut obs = Observation {
            agent_id: "7".into(),
            name: Some("Vendor".into()),
            state: "idle".into(),
            native: "4".into(),
            severity: crate::model::Severity::Ok,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        };
        apply(&labels(&[("7", "Seven")]), &mut obs);
        assert_eq!(obs.name.as_deref(), Some("Seven"));
    }

    #[test]
    fn labels_are_checked() {
        assert_eq!(validate_labels(&labels(&[("101", "Alice")])), Ok(()));
        let empty = validate_labels(&labels(&[("101", " ")])).unwrap_err();
        assert!(
            empty.contains("\"101\"") && empty.contains("empty"),
            "{empty}"
        );
        let long = "a".repeat(MAX_LABEL_CHARS + 1);
        let too_long = validate_labels(&labels(&[("101", &long)])).unwrap_err();
        assert!(too_long.contains("longer than 80"), "{too_long}");
        let control = validate_labels(&labels(&[("101", "Al\nice")])).unwrap_err();
        assert!(control.contains("control characters"), "{control}");
        let no_id = validate_labels(&labels(&[("", "Alice")])).unwrap_err();
        assert!(no_id.contains("agent id"), "{no_id}");
    }
}
