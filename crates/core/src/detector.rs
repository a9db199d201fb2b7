//! Change detection: the previous snapshot of an account against the new one. Pure.
//!
//! Only two successful polls are ever compared: a failed poll produces no snapshot, so an outage
//! can never look like every agent changing or vanishing.

use crate::events::EventKind;
use crate::model::{Observation, Severity, Snapshot};

/// Severities that depend on the vendor rather than on an observation.
#[derive(Debug, Clone, Copy)]
pub struct DiffRules {
    pub vanished: Severity,
    pub identity_changed: Severity,
}

/// The changes from `old` to `new`, each with the severity it carries, in agent-id order.
pub fn diff(old: &Snapshot, new: &Snapshot, rules: DiffRules) -> Vec<(Severity, EventKind)> {
    let appeared_or_changed = new
        .iter()
        .filter_map(|(id, now)| agent_change(id, old.get(id), Some(now), None, rules));
    let vanished = old
        .iter()
        .filter(|(id, _)| !new.contains_key(*id))
        .filter_map(|(id, before)| agent_change(id, Some(before), None, None, rules));
    appeared_or_changed.chain(vanished).collect()
}

/// The change of one agent from one poll to the next (`None` = absent from that poll), with the
/// severity it carries; `None` when nothing that matters changed (the detail and the display
/// name are not changes). `known_name` names an agent whose observations carry no name.
pub fn agent_change(
    agent_id: &str,
    old: Option<&Observation>,
    new: Option<&Observation>,
    known_name: Option<&str>,
    rules: DiffRules,
) -> Option<(Severity, EventKind)> {
    let agent_id = agent_id.to_string();
    let name = new
        .and_then(|o| o.name.clone())
        .or_else(|| old.and_then(|o| o.name.clone()))
        .or_else(|| known_name.map(str::to_string));
    match (old, new) {
        (None, None) => None,
        (None, Some(now)) => Some((
            now.severity,
            EventKind::Appeared {
                agent_id,
                name,
                state: now.state.clone(),
            },
        )),
        (Some(before), None) => Some((
            rules.vanished,
            EventKind::Vanished {
                agent_id,
                name,
                last_state: before.state.clone(),
            },
        )),
        (Some(before), Some(now)) if !before.same_state(now) => Some((
            now.severity,
            EventKind::Changed {
                agent_id,
                name,
                old_state: before.state.clone(),
                old_severity: before.severity,
                new_state: now.state.clone(),
                finding: now.finding.clone(),
            },
        )),
        (Some(before), Some(now))
            if now.limit_level().map(Severity::rank) > before.limit_level().map(Severity::rank) =>
        {
            now.over_limit().map(|(_, limit_secs, for_secs)| {
                (
                    now.severity,
                    EventKind::OverLimit {
                        agent_id,
                        name,
                        state: now.state.clone(),
                        for_secs,
                        limit_secs,
                        approximate: now.time_in_state.as_ref().is_some_and(|t| t.approximate),
                    },
                )
            })
        }
        (Some(before), Some(now)) if before.identity != now.identity => Some((
            rules.identity_changed,
            EventKind::IdentityChanged {
                agent_id,
                name,
                state: now.state.clone(),
                old_identity: before.identity.clone().unwrap_or_default(),
                new_identity: now.identity.clone().unwrap_or_default(),
            },
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot_from;

    const RULES: DiffRules = DiffRules {
        vanished: Severity::Critical,
        identity_changed: Severity::Critical,
    };

    fn obs(id: &str, state: &str, sev: Severity) -> Observation {
        Observation {
            agent_id: id.into(),
            name: None,
            state: state.into(),
            native: state.into(),
            severity: sev,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        }
    }

    #[test]
    fn identical_snapshots_produce_nothing() {
        let a = snapshot_from([
            obs("1", "idle", Severity::Ok),
            obs("2", "busy", Severity::Info),
        ]);
        assert!(diff(&a, &a.clone(), RULES).is_empty());
    }

    #[test]
    fn a_state_change_carries_the_new_severity() {
        let a = snapshot_from([obs("1", "RUNNING", Severity::Ok)]);
        let b = snapshot_from([obs("1", "FAILED", Severity::Critical)]);
        let events = diff(&a, &b, RULES);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, Severity::Critical);
        assert!(
            matches!(&events[0].1, EventKind::Changed { old_state, new_state, .. }
            if old_state == "RUNNING" && new_state == "FAILED")
        );
    }

    #[test]
    fn appearance_and_disappearance_are_reported() {
        let a = snapshot_from([obs("1", "registered", Severity::Ok)]);
        let b = snapshot_from([obs("2", "registered", Severity::Ok)]);
        let events = diff(&a, &b, RULES);
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[0].1, EventKind::Appeared { agent_id, .. } if agent_id == "2"));
        assert!(
            matches!(&events[1], (Severity::Critical, EventKind::Vanished { agent_id, .. }) if agent_id == "1")
        );
    }

    #[test]
    fn an_identity_change_with_the_same_state_is_reported() {
        let mut x = obs("1", "registered", Severity::Ok);
        x.identity = Some("port 1".into());
        let mut y = x.clone();
        y.identity = Some("port 2".into());
        let events = diff(&snapshot_from([x]), &snapshot_from([y]), RULES);
        assert!(
            matches!(&events[0], (Severity::Critical, EventKind::IdentityChanged { old_identity, new_identity, .. })
            if old_identity == "port 1" && new_identity == "port 2")
        );
    }

    #[test]
    fn a_queue_changes_with_its_level_not_with_its_figures() {
        let settings = crate::queues::QueueSettings {
            waiting: Some(crate::count_limit::CountLimit::new(Some(1), Some(5))),
            ..Default::default()
        };
        let queue = |waiting: u64| {
            settings.observe(crate::queues::SkillStats {
                skill_id: "3".into(),
                name: Some("vip".into()),
                waiting: Some(waiting),
                longest_wait_secs: Some(10),
                available: Some(1),
                logged_on: Some(2),
            })
        };
        let at = |waiting| snapshot_from([queue(waiting)]);
        assert!(diff(&at(1), &at(3), RULES).is_empty(), "still a warning");
        let events = diff(&at(3), &at(6), RULES);
        assert!(
            matches!(&events[..], [(Severity::Critical, EventKind::Changed { old_state, finding: Some(finding), .. })]
                if old_state.starts_with("3 waiting") && finding == "6 waiting for 10 s, 1 of 2 free"),
            "{events:?}"
        );
        assert_eq!(diff(&at(6), &at(0), RULES).len(), 1, "back to ok");
    }

    #[test]
    fn a_detail_change_alone_is_not_a_change() {
        let x = obs("1", "idle", Severity::Ok);
        let mut y = x.clone();
        y.detail = Some("since 12:00".into());
        assert!(diff(&snapshot_from([x]), &snapshot_from([y]), RULES).is_empty());
    }
}
