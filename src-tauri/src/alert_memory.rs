//! What the supervisor told the alert policy (the pause, snoozes for a time or until cleared,
//! maintenance windows started by hand) outlives the engine, which restarts on every config change, and the app itself: it is kept
//! in a small JSON file beside the history and handed to each new engine.
//!
//! Acknowledgements ("until the agent recovers") are handed over between engines but not kept
//! across app restarts: a recovery that happened while the app was closed would go unseen and
//! the acknowledgement would then silence the agent's next failure.

use agentwatch_core::alerts::AlertCommand;
use agentwatch_core::maintenance::AdhocMaintenance;
use agentwatch_core::policy::{Snooze, SnoozeUntil};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    #[serde(default)]
    pub paused_until_ms: Option<i64>,
    #[serde(default)]
    pub snoozes: Vec<Snooze>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<AdhocMaintenance>,
}

impl Remembered {
    /// What is worth keeping at `now_ms`: a pause, snoozes and maintenance windows still in
    /// force, no acknowledgements.
    pub fn new(
        paused_until_ms: Option<i64>,
        snoozes: &[Snooze],
        maintenance: &[AdhocMaintenance],
        now_ms: i64,
    ) -> Remembered {
        Remembered {
            paused_until_ms: paused_until_ms.filter(|until| *until > now_ms),
            snoozes: snoozes
                .iter()
                .filter(|s| in_force(s, now_ms) && s.until != SnoozeUntil::Recovery)
                .cloned()
                .collect(),
            maintenance: maintenance
                .iter()
                .filter(|m| m.until_ms > now_ms)
                .cloned()
                .collect(),
        }
    }
}

/// Reads the file; a missing one is nothing remembered, an unreadable one is reported and
/// ignored (never a reason not to start).
pub fn load(path: &Path, now_ms: i64) -> Remembered {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Remembered::default(),
        Err(e) => {
            tracing::warn!(
                "pause and snoozes not restored from {}: {e}",
                path.display()
            );
            return Remembered::default();
        }
    };
    match serde_json::from_str::<Remembered>(&text) {
        Ok(r) => Remembered::new(r.paused_until_ms, &r.snoozes, &r.maintenance, now_ms),
        Err(e) => {
            tracing::warn!(
                "pause and snoozes not restored: {} is not readable: {e}",
                path.display()
            );
            Remembered::default()
        }
    }
}

/// Writes the file whole (a temporary file renamed over it), so that a crash mid-write
/// leaves the previous one.
pub fn save(path: &Path, remembered: &Remembered) {
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(remembered)?)?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        tracing::warn!("pause and snoozes not saved to {}: {e}", path.display());
    }
}

/// The commands that give a new engine the snoozes still in force.
pub fn snooze_commands(snoozes: &[Snooze], now_ms: i64) -> Vec<AlertCommand> {
    snoozes
        .iter()
        .filter(|s| in_force(s, now_ms))
        .map(|s| AlertCommand::Snooze(s.target.clone(), s.until))
        .collect()
}

/// The commands that give a new engine the maintenance windows started by hand.
pub fn maintenance_commands(windows: &[AdhocMaintenance], now_ms: i64) -> Vec<AlertCommand> {
    windows
        .iter()
        .filter(|m| m.until_ms > now_ms)
        .filter_map(|m| {
            let until =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(m.until_ms) * 1_000_000)
                    .ok()?;
            Some(AlertCommand::StartMaintenance(m.target.clone(), until))
        })
        .collect()
}

fn in_force(snooze: &Snooze, now_ms: i64) -> bool {
    match snooze.until {
        SnoozeUntil::At(t) => (t.unix_timestamp_nanos() / 1_000_000) as i64 > now_ms,
        SnoozeUntil::Recovery | SnoozeUntil::Cleared => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentwatch_core::policy::{AgentKey, SnoozeTarget};

    const NOW: i64 = 1_750_000_000_000;

    fn at(ms: i64) -> SnoozeUntil {
        SnoozeUntil::At(
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap(),
        )
    }

    fn agent(id: &str, until: SnoozeUntil) -> Snooze {
        Snooze {
            target: SnoozeTarget::Agent(AgentKey::new("cc", id)),
            until,
        }
    }

    #[test]
    fn keeps_what_is_in_force_but_not_acknowledgements() {
        let snoozes = [
            agent("1001", at(NOW + 60_000)),
            agent("1002", at(NOW - 1)),
            agent("1003", SnoozeUntil::Recovery),
            agent("1004", SnoozeUntil::Cleared),
        ];
        let kept = Remembered::new(Some(NOW + 5), &snoozes, &[], NOW);
        assert_eq!(kept.paused_until_ms, Some(NOW + 5));
        assert_eq!(
            kept.snoozes,
            vec![snoozes[0].clone(), snoozes[3].clone()],
            "expired and acknowledgement dropped"
        );
        assert_eq!(
            Remembered::new(Some(NOW - 5), &[], &[], NOW).paused_until_ms,
            None
        );
    }

    #[test]
    fn a_saved_file_loads_back_and_a_broken_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/alerts.json");
        assert_eq!(load(&file, NOW), Remembered::default(), "no file yet");
        let window = AdhocMaintenance {
            target: agentwatch_core::maintenance::MaintenanceTarget::account("cc"),
            until_ms: NOW + 7_200_000,
        };
        let remembered = Remembered::new(
            Some(NOW + 3_600_000),
            &[agent("1001", at(NOW + 60_000))],
            std::slice::from_ref(&window),
            NOW,
        );
        assert_eq!(remembered.maintenance, vec![window.clone()]);
        save(&file, &remembered);
        assert_eq!(load(&file, NOW), remembered);
        assert_eq!(maintenance_commands(&[window], NOW).len(), 1);
        // Later, the snooze, the pause and the window have run out.
        assert_eq!(load(&file, NOW + 7_200_000), Remembered::default());
        std::fs::write(&file, "{ not json").unwrap();
        assert_eq!(load(&file, NOW), Remembered::default());
    }

    #[test]
    fn a_new_engine_gets_every_snooze_in_force() {
        let snoozes = [
            agent("1001", at(NOW + 60_000)),
            agent("1002", at(NOW - 1)),
            agent("1003", SnoozeUntil::Recovery),
        ];
        let commands = snooze_commands(&snoozes, NOW);
        assert_eq!(commands.len(), 2);
        assert!(matches!(
            &commands[1],
            AlertCommand::Snooze(_, SnoozeUntil::Recovery)
        ));
    }
}
