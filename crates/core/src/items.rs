//! Items that are not agents but go through the same pipeline: a skill queue (`queue:<skill
//! id>`, see `queues`) and a team's counts (`team`, see `team`). Each is an `Observation` of
//! its account with figures, a state in words and the severity its thresholds give; its
//! native value is that level, so that a change of figures that keeps the level is no change.
//!
//! Their ids are reserved: a vendor agent whose id is one of them is renamed on the way in
//! (`agent:<id>`), so the two can never be taken for each other.

use crate::model::{Observation, Severity};
// The figures are part of the observation they travel in (`model`); named here too, with the
// items they describe.
pub use crate::model::figures::{Figures, QueueFigures, StateCount, TeamFigures};

/// The id of an account's team counts.
pub const TEAM_ID: &str = "team";
/// The prefix of a skill queue's id: `queue:<skill id>`.
pub const QUEUE_PREFIX: &str = "queue:";
/// What a vendor agent with a reserved id is renamed with.
const RENAMED_PREFIX: &str = "agent:";
/// The account's table that watches skill queues (`[accounts.queues]`), for vendors that list it
/// among their form's sections.
pub const QUEUE_SECTION: &str = "queues";
/// The skill id of the item standing for every queue of an account while they cannot be listed.
pub const ALL_SKILLS: &str = "all";
/// The native value of an item whose figures could not be read (refused, unreadable).
pub const UNREADABLE: &str = "unreadable";

/// What kind of thing an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind<'a> {
    Agent,
    /// A skill queue, with its skill id.
    Queue(&'a str),
    Team,
}

pub fn kind_of(id: &str) -> ItemKind<'_> {
    if id == TEAM_ID {
        ItemKind::Team
    } else if let Some(skill) = id.strip_prefix(QUEUE_PREFIX) {
        ItemKind::Queue(skill)
    } else {
        ItemKind::Agent
    }
}

pub fn is_item_id(id: &str) -> bool {
    kind_of(id) != ItemKind::Agent
}

/// A skill queue's id.
pub fn queue_id(skill_id: &str) -> String {
    format!("{QUEUE_PREFIX}{skill_id}")
}

/// Who an item is in a sentence: "Queue vip", "Team"; `None` for an agent.
pub fn subject(id: &str, name: Option<&str>) -> Option<String> {
    match kind_of(id) {
        ItemKind::Agent => None,
        ItemKind::Queue(skill) => Some(format!("Queue {}", name.unwrap_or(skill))),
        ItemKind::Team => Some("Team".to_string()),
    }
}

/// Renames a vendor agent whose id is reserved for an item, so that it cannot pass for one;
/// true when it did.
pub fn rename_reserved(observation: &mut Observation) -> bool {
    if observation.is_item() || !is_item_id(&observation.agent_id) {
        return false;
    }
    observation.agent_id = format!("{RENAMED_PREFIX}{}", observation.agent_id);
    true
}

/// An item in its level: the observation of a queue or team with its words, severity and, when
/// something is wrong, the finding to tell.
pub fn observation(
    id: String,
    name: Option<String>,
    words: String,
    severity: Severity,
    finding: Option<String>,
    figures: Figures,
) -> Observation {
    Observation {
        agent_id: id,
        name,
        state: words,
        native: severity.as_str().to_string(),
        severity,
        identity: None,
        detail: None,
        time_in_state: None,
        finding,
        figures: Some(Box::new(figures)),
    }
}

/// A queue whose figures could not be read: severity unknown, the reason said.
pub fn unreadable_queue(skill_id: &str, name: Option<String>, reason: &str) -> Observation {
    let mut queue = observation(
        queue_id(skill_id),
        name,
        format!("unreadable: {reason}"),
        Severity::Unknown,
        Some(format!("cannot be read: {reason}")),
        Figures::Queue(QueueFigures {
            skill_id: skill_id.to_string(),
            unreadable: Some(reason.to_string()),
            ..QueueFigures::default()
        }),
    );
    queue.native = UNREADABLE.to_string();
    queue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_say_what_they_name() {
        assert_eq!(kind_of("team"), ItemKind::Team);
        assert_eq!(kind_of("queue:10"), ItemKind::Queue("10"));
        assert_eq!(kind_of("101"), ItemKind::Agent);
        assert_eq!(kind_of("teams"), ItemKind::Agent);
        assert_eq!(
            subject("queue:10", Some("vip")).as_deref(),
            Some("Queue vip")
        );
        assert_eq!(subject("queue:10", None).as_deref(), Some("Queue 10"));
        assert_eq!(subject("team", Some("x")).as_deref(), Some("Team"));
        assert_eq!(subject("101", Some("Li")), None);
    }

    #[test]
    fn a_vendor_agent_with_a_reserved_id_is_renamed_and_items_are_not() {
        let mut agent = Observation::seen_ok("team", "RUNNING");
        assert!(rename_reserved(&mut agent));
        assert_eq!(agent.agent_id, "agent:team");
        let mut queue_like = Observation::seen_ok("queue:1", "RUNNING");
        assert!(rename_reserved(&mut queue_like));
        assert_eq!(queue_like.agent_id, "agent:queue:1");
        let mut plain = Observation::seen_ok("101", "idle");
        assert!(!rename_reserved(&mut plain));
        let mut item = unreadable_queue("1", None, "no right");
        assert!(!rename_reserved(&mut item));
        assert_eq!(item.agent_id, "queue:1");
    }

    #[test]
    fn items_compare_by_level_not_by_words() {
        let figures = || Figures::Queue(QueueFigures::default());
        let a = observation(
            "queue:1".into(),
            None,
            "1 waiting".into(),
            Severity::Warning,
            None,
            figures(),
        );
        let b = observation(
            "queue:1".into(),
            None,
            "2 waiting".into(),
            Severity::Warning,
            None,
            figures(),
        );
        let c = observation(
            "queue:1".into(),
            None,
            "9 waiting".into(),
            Severity::Critical,
            None,
            figures(),
        );
        assert!(a.same_state(&b));
        assert!(!a.same_state(&c));
        assert!(!a.same_state(&unreadable_queue("1", None, "refused")));
    }
}
