//! `[notifications.sounds]` in the config file: which sound a notification asks the desktop to
//! play, by severity, and whether reminders of a critical agent sound again.
//!
//! ```toml
//! [notifications.sounds]
//! critical = "alarm-clock-elapsed"   # a Freedesktop sound-theme name (the `sound-name` hint)
//! warning = "/home/me/ding.oga"      # or an absolute path to a sound file (`sound-file`)
//! repeat_critical = true             # reminders of an unacknowledged critical agent sound too
//! ```
//!
//! Every severity is silent unless named: an app that starts beeping after an upgrade is worse
//! than one that waits to be asked. The notification service plays the sound (GNOME Shell and
//! KDE Plasma do; dunst ignores it), so AgentWatch needs no audio library of its own. A silent
//! severity sends no sound hint at all rather than `suppress-sound`: the spec meant that for
//! clients playing their own sound, and it would also silence a sound the user gave AgentWatch
//! in the desktop's own settings.

use crate::model::Severity;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest sound-theme name accepted; the spec's names are a few words.
const MAX_NAME_LEN: usize = 100;

/// One sound: a name from the desktop's sound theme, or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    /// A Freedesktop sound-naming name such as `dialog-warning` or `alarm-clock-elapsed`.
    Name(String),
    /// A sound file the notification service reads itself; absolute.
    File(PathBuf),
}

impl Sound {
    /// Reads a config value: anything with a path separator is a file, the rest a theme name.
    pub fn parse(text: &str) -> Sound {
        if text.contains(['/', '\\']) {
            Sound::File(PathBuf::from(text))
        } else {
            Sound::Name(text.to_string())
        }
    }

    /// A name of the theme's alphabet (letters, digits, '-', '_', '.'), or an absolute path to
    /// a readable file: a typo is caught when the config loads, not when a critical alert
    /// stays silent.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Sound::Name(name) if name.trim().is_empty() => {
                Err("is empty: leave the key out for no sound".to_string())
            }
            Sound::Name(name) => {
                let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
                if name.len() > MAX_NAME_LEN || !name.chars().all(alphabet) {
                    Err(format!(
                        "{name:?} is not a sound-theme name (such as \"dialog-warning\"; letters, \
                         digits, '-', '_' or '.') nor a file path"
                    ))
                } else {
                    Ok(())
                }
            }
            Sound::File(path) => check_file(path),
        }
    }

    /// Puts the sound on a desktop notification as the Freedesktop hint the spec names for it.
    pub fn apply(&self, notification: &mut notify_rust::Notification) {
        // Only the Freedesktop service has sound hints; macOS and Windows name their own
        // sounds, which are not the theme's, so a notification there stays as the system has it.
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use notify_rust::Hint;
            notification.hint(match self {
                Sound::Name(name) => Hint::SoundName(name.clone()),
                Sound::File(path) => Hint::SoundFile(path.display().to_string()),
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = notification;
    }
}

fn check_file(path: &Path) -> Result<(), String> {
    if !path.is_absolute() {
        return Err(format!(
            "{} is not an absolute path: the notification service reads the file, from its own \
             working folder",
            path.display()
        ));
    }
    match std::fs::metadata(path) {
        Err(e) => Err(format!(
            "cannot read the sound file {}: {e}",
            path.display()
        )),
        Ok(meta) if !meta.is_file() => Err(format!("{} is not a file", path.display())),
        Ok(_) => std::fs::File::open(path)
            .map(|_| ())
            .map_err(|e| format!("cannot read the sound file {}: {e}", path.display())),
    }
}

impl fmt::Display for Sound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sound::Name(name) => f.write_str(name),
            Sound::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl Serialize for Sound {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Sound::parse(&s))
    }
}

/// `[notifications.sounds]`: a sound per severity (none by default) and whether reminders sound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SoundSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<Sound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Sound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<Sound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical: Option<Sound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<Sound>,
    /// Reminders of a critical agent nobody acknowledged play the critical sound again;
    /// otherwise they are silent (the first notification sounded already).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeat_critical: bool,
}

impl SoundSettings {
    /// The sound of a notification about something of this severity.
    pub fn for_severity(&self, severity: Severity) -> Option<&Sound> {
        match severity {
            Severity::Ok => self.ok.as_ref(),
            Severity::Info => self.info.as_ref(),
            Severity::Warning => self.warning.as_ref(),
            Severity::Critical => self.critical.as_ref(),
            Severity::Unknown => self.unknown.as_ref(),
        }
    }

    /// The sound of a reminder that an agent is still critical.
    pub fn for_reminder(&self) -> Option<&Sound> {
        self.critical.as_ref().filter(|_| self.repeat_critical)
    }

    /// True when no notification sounds (the default), to leave the table out of a saved file.
    pub fn is_silent(&self) -> bool {
        *self == SoundSettings::default()
    }

    /// Checks every sound named. The error is (key under `sounds.`, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        for severity in Severity::ALL {
            if let Some(sound) = self.for_severity(severity) {
                sound
                    .validate()
                    .map_err(|message| (severity.to_string(), message))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_with_a_slash_is_a_file_and_the_rest_a_theme_name() {
        assert_eq!(
            Sound::parse("alarm-clock-elapsed"),
            Sound::Name("alarm-clock-elapsed".into())
        );
        assert_eq!(
            Sound::parse("/usr/share/sounds/a.oga"),
            Sound::File("/usr/share/sounds/a.oga".into())
        );
        let s: SoundSettings =
            toml::from_str("critical = \"dialog-error\"\nwarning = \"/x/y.oga\"").unwrap();
        assert_eq!(s.critical, Some(Sound::Name("dialog-error".into())));
        assert_eq!(s.warning, Some(Sound::File("/x/y.oga".into())));
        assert!(toml::from_str::<SoundSettings>("critcal = \"bell\"").is_err());
    }

    #[test]
    fn names_and_files_are_checked() {
        assert!(Sound::parse("dialog-warning").validate().is_ok());
        let bad = Sound::parse("dialog warning!").validate().unwrap_err();
        assert!(bad.contains("not a sound-theme name"), "{bad}");
        assert!(Sound::parse("").validate().unwrap_err().contains("empty"));
        let relative = Sound::parse("sounds/ding.oga").validate().unwrap_err();
        assert!(relative.contains("not an absolute path"), "{relative}");
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone.oga");
        let err = Sound::File(missing.clone()).validate().unwrap_err();
        assert!(err.contains("cannot read the sound file"), "{err}");
        assert!(Sound::File(dir.path().to_path_buf())
            .validate()
            .unwrap_err()
            .contains("is not a file"));
        std::fs::write(&missing, b"OggS").unwrap();
        assert!(Sound::File(missing).validate().is_ok());
    }

    #[test]
    fn every_severity_is_silent_by_default_and_reminders_sound_only_when_asked() {
        let silent = SoundSettings::default();
        assert!(Severity::ALL
            .iter()
            .all(|s| silent.for_severity(*s).is_none()));
        let mut s = SoundSettings {
            critical: Some(Sound::parse("alarm-clock-elapsed")),
            ..SoundSettings::default()
        };
        assert_eq!(s.for_reminder(), None);
        s.repeat_critical = true;
        assert_eq!(s.for_reminder(), s.critical.as_ref());
        s.warning = Some(Sound::parse("no such file/at all"));
        assert_eq!(s.validate().unwrap_err().0, "warning");
    }
}
