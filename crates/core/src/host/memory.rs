//! What the supervisor told the alert policy (the pause, snoozes for a time or until cleared,
//! acknowledgements, maintenance windows started by hand) outlives the engine, which restarts on
//! every config change, and the front end itself: the host keeps it here, hands it to each new
//! engine, and writes it to a small JSON file (`alert-memory.json`, beside the history).
//!
//! Acknowledgements ("until the agent recovers") are handed over between engines but not kept
//! in the file: a recovery that happened while AgentWatch was not running would go unseen and
//! the acknowledgement would then silence the agent's next failure.

use crate::alerts::{AlertCommand, AlertView};
use crate::maintenance::AdhocMaintenance;
use crate::policy::{Snooze, SnoozeTarget, SnoozeUntil};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file's name, beside the history database.
pub const ALERT_MEMORY_FILE: &str = "alert-memory.json";

/// `paused_until_ms` of a pause that lasts until resumed (`agentwatch pause` without `--for`).
pub const PAUSED_UNTIL_RESUMED: i64 = i64::MAX;

/// The alert memory file beside a history database.
pub fn beside(history: &Path) -> PathBuf {
    history.with_file_name(ALERT_MEMORY_FILE)
}

/// The file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    #[serde(default)]
    pub paused_until_ms: Option<i64>,
    /// The pause is among them too (the policy keeps it as the snooze of everything).
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

/// The commands that give a new engine the snoozes still in force (the pause among them).
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
            let until = instant(m.until_ms)?;
            Some(AlertCommand::StartMaintenance(m.target.clone(), until))
        })
        .collect()
}

/// The command that gives an engine the pause: until a time, until resumed, or none.
pub fn pause_command(paused_until_ms: Option<i64>) -> AlertCommand {
    match paused_until_ms {
        Some(PAUSED_UNTIL_RESUMED) => AlertCommand::PauseAll(None),
        Some(ms) => AlertCommand::PauseAll(instant(ms)),
        None => AlertCommand::ResumeAll,
    }
}

/// Until when the snoozes pause everything (the snooze of everything), in unix ms.
pub fn paused_until(snoozes: &[Snooze], now_ms: i64) -> Option<i64> {
    let pause = snoozes
        .iter()
        .find(|s| s.target == SnoozeTarget::All && in_force(s, now_ms))?;
    Some(match pause.until {
        SnoozeUntil::At(t) => crate::clock::times::to_ms(t),
        SnoozeUntil::Recovery | SnoozeUntil::Cleared => PAUSED_UNTIL_RESUMED,
    })
}

fn in_force(snooze: &Snooze, now_ms: i64) -> bool {
    match snooze.until {
        SnoozeUntil::At(t) => crate::clock::times::to_ms(t) > now_ms,
        SnoozeUntil::Recovery | SnoozeUntil::Cleared => true,
    }
}

fn instant(ms: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// One host's memory: what it hands each engine, and what its file holds.
#[derive(Debug, Default)]
pub struct AlertMemory {
    file: Option<PathBuf>,
    /// The snoozes in force, acknowledgements and the pause included.
    snoozes: Vec<Snooze>,
    adhoc: Vec<AdhocMaintenance>,
    /// What the file holds, to write it only on a change.
    saved: Option<Remembered>,
}

impl AlertMemory {
    /// Reads `file` (`None`: nothing is kept across restarts of the front end).
    pub fn load(file: Option<PathBuf>, now_ms: i64) -> AlertMemory {
        let remembered = file
            .as_deref()
            .map(|path| load(path, now_ms))
            .unwrap_or_default();
        let mut snoozes = remembered.snoozes.clone();
        // A pause written only as `paused_until_ms` is the snooze of everything.
        if let Some(until) = remembered.paused_until_ms {
            if !snoozes.iter().any(|s| s.target == SnoozeTarget::All) {
                let until = match until {
                    PAUSED_UNTIL_RESUMED => Some(SnoozeUntil::Cleared),
                    ms => instant(ms).map(SnoozeUntil::At),
                };
                snoozes.extend(until.map(|until| Snooze {
                    target: SnoozeTarget::All,
                    until,
                }));
            }
        }
        AlertMemory {
            file,
            snoozes,
            adhoc: remembered.maintenance.clone(),
            saved: Some(remembered),
        }
    }

    /// What a new engine is handed: every snooze (the pause among them) and window in force.
    pub fn commands(&self, now_ms: i64) -> Vec<AlertCommand> {
        let mut commands = snooze_commands(&self.snoozes, now_ms);
        commands.extend(maintenance_commands(&self.adhoc, now_ms));
        commands
    }

    /// Takes what the engine's view holds now, and writes the file when that changed it.
    pub fn take_view(&mut self, view: &AlertView, now_ms: i64) {
        self.snoozes = view.snoozes.clone();
        self.adhoc = view.adhoc_maintenance.clone();
        self.save(now_ms);
    }

    /// Sets the pause while no engine runs (the next one is handed it).
    pub fn set_pause(&mut self, until: Option<SnoozeUntil>, now_ms: i64) {
        self.snoozes.retain(|s| s.target != SnoozeTarget::All);
        if let Some(until) = until {
            self.snoozes.push(Snooze {
                target: SnoozeTarget::All,
                until,
            });
        }
        self.save(now_ms);
    }

    /// The snooze of `target` in force at `now_ms`, if any.
    pub fn snooze_of(&self, target: &SnoozeTarget, now_ms: i64) -> Option<SnoozeUntil> {
        self.snoozes
            .iter()
            .find(|s| &s.target == target && in_force(s, now_ms))
            .map(|s| s.until)
    }

    pub fn paused_until_ms(&self, now_ms: i64) -> Option<i64> {
        paused_until(&self.snoozes, now_ms)
    }

    /// The alert view of what is remembered, for front ends before an engine runs.
    pub fn view(&self, now_ms: i64) -> AlertView {
        AlertView {
            snoozes: self
                .snoozes
                .iter()
                .filter(|s| in_force(s, now_ms))
                .cloned()
                .collect(),
            paused: self.paused_until_ms(now_ms).is_some(),
            adhoc_maintenance: self.adhoc.clone(),
            ..Default::default()
        }
    }

    fn save(&mut self, now_ms: i64) {
        let Some(path) = &self.file else {
            return;
        };
        let paused = paused_until(&self.snoozes, now_ms);
        let next = Remembered::new(paused, &self.snoozes, &self.adhoc, now_ms);
        if self.saved.as_ref() != Some(&next) {
            save(path, &next);
            self.saved = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::AgentKey;

    const NOW: i64 = 1_750_000_000_000;

    fn at(ms: i64) -> SnoozeUntil {
        SnoozeUntil::At(instant(ms).unwrap())
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
            target: crate::maintenance::MaintenanceTarget::account("cc"),
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

    #[test]
    fn the_memory_writes_its_file_on_a_change_and_reads_it_back_with_the_pause() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(ALERT_MEMORY_FILE);
        let mut memory = AlertMemory::load(Some(file.clone()), NOW);
        let view = AlertView {
            snoozes: vec![
                agent("1001", at(NOW + 60_000)),
                agent("1003", SnoozeUntil::Recovery),
            ],
            ..Default::default()
        };
        memory.take_view(&view, NOW);
        memory.set_pause(Some(SnoozeUntil::Cleared), NOW);
        assert_eq!(memory.paused_until_ms(NOW), Some(PAUSED_UNTIL_RESUMED));

        let back = AlertMemory::load(Some(file.clone()), NOW);
        let target = SnoozeTarget::Agent(AgentKey::new("cc", "1001"));
        assert_eq!(back.snooze_of(&target, NOW), Some(at(NOW + 60_000)));
        let acked = SnoozeTarget::Agent(AgentKey::new("cc", "1003"));
        assert_eq!(back.snooze_of(&acked, NOW), None, "no acknowledgement kept");
        assert_eq!(back.paused_until_ms(NOW), Some(PAUSED_UNTIL_RESUMED));
        assert_eq!(back.commands(NOW).len(), 2);

        // A file with only `paused_until_ms` (as an older desktop app wrote it) still pauses.
        std::fs::write(&file, format!(r#"{{"paused_until_ms":{}}}"#, NOW + 1000)).unwrap();
        let old = AlertMemory::load(Some(file), NOW);
        assert_eq!(old.paused_until_ms(NOW), Some(NOW + 1000));
    }
}
