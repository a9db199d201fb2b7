//! The words of the notifications only the policy sends (recovery, flapping, reminder, storm),
//! in the style of `Notification::for_event`: title = who and what now; body = vendor · account ·
//! what came before. Changes and outages use `Notification::for_event` itself.

use super::decision::{AccountRef, StateCount};
use crate::clock::human_duration;
use crate::model::Severity;
use crate::notifier::{Notification, Urgency};

fn notification(
    summary: String,
    account: &AccountRef,
    tail: &str,
    severity: Severity,
) -> Notification {
    Notification {
        summary,
        body: format!("{} · {} · {tail}", account.vendor.label(), account.name),
        urgency: Urgency::for_severity(severity),
        sound: None,
    }
}

/// "support-bot (A1): RUNNING" / "… · back to ok after 12 min in FAILED".
pub(crate) fn recovered(
    account: &AccountRef,
    subject: &str,
    state: &str,
    previous_state: &str,
    previous_for_secs: u64,
    severity: Severity,
) -> Notification {
    notification(
        format!("{subject}: {state}"),
        account,
        &format!(
            "back to ok after {} in {previous_state}",
            human_duration(previous_for_secs)
        ),
        severity,
    )
}

pub(crate) fn flapping_started(
    account: &AccountRef,
    subject: &str,
    changes: usize,
    window_mins: u32,
    state: &str,
    severity: Severity,
) -> Notification {
    notification(
        format!("{subject} is flapping"),
        account,
        &format!("{changes} changes in {window_mins} min, now {state}; quiet until it settles"),
        severity,
    )
}

pub(crate) fn flapping_settled(
    account: &AccountRef,
    subject: &str,
    state: &str,
    quiet_mins: u32,
    severity: Severity,
) -> Notification {
    notification(
        format!("{subject} settled: {state}"),
        account,
        &format!("no change for {quiet_mins} min after flapping"),
        severity,
    )
}

pub(crate) fn reminder(
    account: &AccountRef,
    subject: &str,
    state: &str,
    for_secs: u64,
) -> Notification {
    notification(
        format!("{subject}: still {state}"),
        account,
        &format!("{state} for {}", human_duration(for_secs)),
        Severity::Critical,
    )
}

/// "Li Wei (103): rest for 47 min" / "… · still over its 30 min limit".
pub(crate) fn over_limit_reminder(
    account: &AccountRef,
    subject: &str,
    state: &str,
    for_secs: u64,
    limit_secs: u64,
    approximate: bool,
) -> Notification {
    notification(
        format!(
            "{subject}: {}",
            crate::events::time_in_state_words(state, for_secs, approximate)
        ),
        account,
        &format!("still over its {} limit", human_duration(limit_secs)),
        Severity::Critical,
    )
}

/// "9 agents changed in Contact centre: 6 signed out, 3 busy".
pub(crate) fn storm(
    account: &AccountRef,
    headline: &str,
    breakdown: &[StateCount],
    severity: Severity,
) -> Notification {
    let counts: Vec<String> = breakdown
        .iter()
        .map(|c| format!("{} {}", c.count, c.label))
        .collect();
    Notification {
        summary: format!("{headline}: {}", counts.join(", ")),
        body: format!(
            "{} · {} · open AgentWatch for the details",
            account.vendor.label(),
            account.name
        ),
        urgency: Urgency::for_severity(severity),
        sound: None,
    }
}
