//! `[notifications]` in the config file: which severities become desktop notifications.

use crate::model::Severity;
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
}
