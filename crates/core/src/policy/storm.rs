//! Storm control: when more agent notifications than the threshold would go out from one poll
//! (or one reminder round) of an account, they are folded into one summary that counts them by
//! state. Account-level notifications (outage, recovery) always go out on their own.

use super::decision::{AccountRef, Decision, DecisionKind, Outcome, StateCount};
use super::explain::Reason;
use super::wording;
use crate::items::{is_item_id, kind_of, ItemKind};
use crate::model::Severity;
use crate::notifier::Notification;
use crate::sounds::Sound;
use std::collections::BTreeMap;

/// Most states named in the summary; the rest are counted as "other".
const MAX_STATES_NAMED: usize = 4;

/// Which kind of round is being summarised, for the headline.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Round {
    Poll,
    Reminders,
}

pub(crate) fn fold(
    decisions: &mut Vec<Decision>,
    threshold: u32,
    account: &AccountRef,
    at_ms: i64,
    round: Round,
) {
    let foldable: Vec<usize> = decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.agent_id.is_some() && d.notification().is_some())
        .map(|(i, _)| i)
        .collect();
    let count = foldable.len();
    if threshold == 0 || count <= threshold as usize {
        return;
    }
    let mut by_label: BTreeMap<String, usize> = BTreeMap::new();
    let mut worst = Vec::with_capacity(count);
    let items = foldable
        .iter()
        .filter(|&&i| decisions[i].agent_id.as_deref().is_some_and(is_item_id))
        .count();
    // The summary sounds like the most severe notification it stands for that had a sound: a
    // round of silent reminders stays silent, a round with a new failure rings.
    let mut loudest: Option<(Severity, Sound)> = None;
    for &i in &foldable {
        let decision = &mut decisions[i];
        *by_label.entry(label_of(decision)).or_default() += 1;
        worst.push(decision.severity);
        if let Some(sound) = decision.notification().and_then(|n| n.sound.clone()) {
            if loudest
                .as_ref()
                .is_none_or(|(s, _)| decision.severity.rank() > s.rank())
            {
                loudest = Some((decision.severity, sound));
            }
        }
        decision.outcome = Outcome::Quiet(Reason::FoldedIntoStorm { count });
    }
    let breakdown = breakdown(by_label);
    let severity = Severity::worst(worst);
    // Queues and team counts are items of the account, not agents.
    let things = match items {
        0 => "agents",
        all if all == count => "queues and team counts",
        _ => "agents, queues and team counts",
    };
    let headline = match round {
        Round::Poll => format!("{count} {things} changed in {}", account.name),
        Round::Reminders => format!("{count} {things} are still critical in {}", account.name),
    };
    let notification = Notification {
        sound: loudest.map(|(_, sound)| sound),
        ..wording::storm(account, &headline, &breakdown, severity)
    };
    decisions.push(super::account_decision(
        account,
        at_ms,
        severity,
        DecisionKind::StormSummary { count, breakdown },
        Outcome::Notify(notification),
    ));
}

/// What a folded decision is counted as: the state it leads to; for a queue or a team, whose
/// words change with every figure, its level ("critical queue").
fn label_of(decision: &Decision) -> String {
    match decision.agent_id.as_deref().map(kind_of) {
        Some(ItemKind::Queue(_)) => format!("{} queue", decision.severity),
        Some(ItemKind::Team) => format!("{} team count", decision.severity),
        _ => state_label(&decision.kind),
    }
}

/// The state a folded decision leads to, as counted in the summary.
fn state_label(kind: &DecisionKind) -> String {
    match kind {
        DecisionKind::Changed { event, .. } | DecisionKind::Recovered { event, .. } => {
            match &event.kind {
                crate::events::EventKind::IdentityChanged { .. } => "re-registered".to_string(),
                crate::events::EventKind::Vanished { .. } => "gone".to_string(),
                other => other.transition().1,
            }
        }
        DecisionKind::FlappingStarted { .. } => "flapping".to_string(),
        DecisionKind::FlappingSettled { state, .. } | DecisionKind::Reminder { state, .. } => {
            state.clone()
        }
        DecisionKind::Pending { .. } | DecisionKind::Blip { .. } => "pending".to_string(),
        DecisionKind::StormSummary { .. } => "other".to_string(),
    }
}

/// Most frequent first, then by name; beyond a few states, the rest as "other".
fn breakdown(by_label: BTreeMap<String, usize>) -> Vec<StateCount> {
    let mut counts: Vec<StateCount> = by_label
        .into_iter()
        .map(|(label, count)| StateCount { label, count })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    if counts.len() > MAX_STATES_NAMED {
        let rest: usize = counts[MAX_STATES_NAMED - 1..].iter().map(|c| c.count).sum();
        counts.truncate(MAX_STATES_NAMED - 1);
        counts.push(StateCount {
            label: "other".to_string(),
            count: rest,
        });
    }
    counts
}
