//! `[notifications]` in the config file: which severities become desktop notifications, and
//! the sound each asks for (`[notifications.sounds]`, see `crate::sounds`).

use crate::model::Severity;
use crate::sounds::SoundSettings;
use serde::{Deserialize, Serialize};

/// Which events become desktop notifications, by the severity the event carries (a change to
/// FAILED is critical, a recovery ok, an unreachable account unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationSettings {
    pub enabled: bool,
    pub ok: bool,
    pub info: bool,
    pub warning: bool,
    pub critical: bool,
    pub unknown: bool,
    #[serde(skip_serializing_if = "SoundSettings::is_silent")]
    pub sounds: SoundSettings,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            enabled: true,
            ok: true,
            info: true,
            warning: true,
            critical: true,
            unknown: true,
            sounds: SoundSettings::default(),
        }
    }
}

impl NotificationSettings {
    pub fn wants(&self, severity: Severity) -> bool {
        self.enabled
            && match severity {
                Severity::Ok => self.ok,
                Severity::Info => self.info,
                Severity::Warning => self.warning,
                Severity::Critical => self.critical,
                Severity::Unknown => self.unknown,
            }
    }

    /// Checks the sounds. The error is (key under `notifications.`, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        self.sounds
            .validate()
            .map_err(|(key, message)| (format!("sounds.{key}"), message))
    }
}
