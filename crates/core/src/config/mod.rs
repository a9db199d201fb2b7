//! The configuration file: accounts, watch lists and severity overrides. It never holds a secret.
//!
//! Errors name the file, the line and the key so that a hand-written file can be fixed quickly.
//! A file that fails to load is never rewritten by us: callers get the error and keep the file.

mod account;
pub(crate) mod explain;
mod file;
mod locate;

pub use crate::network::validate_base_url;
/// Defined with the policy that reads it; named here too because it is a section of the file.
pub use crate::policy::NotificationSettings;
pub use account::{
    AccountConfig, ACCOUNT_KEYS, DEFAULT_MAX_ANSWER_MIB, DEFAULT_TIMEOUT_SECS, MAX_ANSWER_MIB_RANGE,
};
pub use file::{ConfigFile, ConfigOrigin, CONFIG_ENV};

use crate::error::{Error, Result};
use crate::history::HistorySettings;
use crate::policy::AlertSettings;
use crate::routing::{ActionConfig, WebhookConfig};
use explain::explain;
use locate::{line_of, steps_of, KeyIndex, Step};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 15;
pub const MIN_POLL_INTERVAL_SECS: u64 = 1;
/// Polling less often than hourly would tell a failure too late to matter.
pub const MAX_POLL_INTERVAL_SECS: u64 = 3600;

/// The range every poll interval (the file's and an account's own) must be in.
pub fn validate_poll_interval(secs: u64) -> std::result::Result<(), String> {
    if (MIN_POLL_INTERVAL_SECS..=MAX_POLL_INTERVAL_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(format!(
            "must be between {MIN_POLL_INTERVAL_SECS} and {MAX_POLL_INTERVAL_SECS} seconds, not {secs}"
        ))
    }
}

/// Checks every section but the accounts; the error is (dotted key, message). Shared by
/// `Config::parse` (which adds the file and line) and `Config::validate_settings`.
fn validate_sections(
    poll_interval_secs: u64,
    notifications: &NotificationSettings,
    alerts: &AlertSettings,
    history: &HistorySettings,
) -> std::result::Result<(), (String, String)> {
    let under = |section: &str| {
        let section = section.to_string();
        move |(key, message): (String, String)| (format!("{section}.{key}"), message)
    };
    validate_poll_interval(poll_interval_secs)
        .map_err(|message| ("poll_interval_secs".to_string(), message))?;
    notifications.validate().map_err(under("notifications"))?;
    alerts.validate().map_err(under("alerts"))?;
    history.validate().map_err(under("history"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_poll_interval")]
    pub poll_interval_secs: u64,
    #[serde(default)]
    pub notifications: NotificationSettings,
    #[serde(default)]
    pub alerts: AlertSettings,
    #[serde(default)]
    pub history: HistorySettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountConfig>,
    /// Programs run for each notification (`[[actions]]`, routing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionConfig>,
    /// Webhooks posted for each notification (`[[webhooks]]`, routing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            poll_interval_secs: DEFAULT_POLL_INTERVAL_SECS,
            notifications: NotificationSettings::default(),
            alerts: AlertSettings::default(),
            history: HistorySettings::default(),
            accounts: Vec::new(),
            actions: Vec::new(),
            webhooks: Vec::new(),
        }
    }
}

fn default_poll_interval() -> u64 {
    DEFAULT_POLL_INTERVAL_SECS
}

/// Where the configuration lives by default (`~/.config/agentwatch/config.toml` on Linux).
pub fn default_config_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "agentwatch")
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("agentwatch.toml"))
}

impl Config {
    /// Reads and validates a config file. A missing file is an empty configuration (a file
    /// the user named must exist: see [`ConfigFile::load`]).
    pub fn load(path: &Path) -> Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::Io(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Parses and validates config text; `path` only names the file in errors. Every error
    /// names the line of the key it is about and the key's dotted path
    /// (`accounts[cc-main].severity.2`).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let error_at = |line: usize, key: String, message: String| Error::Config {
            file: path.to_path_buf(),
            line,
            key,
            message,
        };
        let index = KeyIndex::parse(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            error_at(line, String::new(), explain(e.message(), &[]).message)
        })?;
        let line_of_steps = |steps: &[Step]| index.locate(steps).map(|s| line_of(text, s.start));
        // The error of a key: at its line, else at the table that should hold it.
        let at = |steps: &[Step], message: String| {
            error_at(
                line_of_steps(steps).unwrap_or(1),
                index.dotted(steps),
                message,
            )
        };
        let read: std::result::Result<Config, _> =
            serde_path_to_error::deserialize(toml::Deserializer::new(text));
        let mut config = read.map_err(|e| {
            let explained = explain(e.inner().message(), &[]);
            // serde's path ends with an unknown key already; a missing one is named only in
            // the message.
            let mut steps = steps_of_path(e.path());
            if let Some(key) = explained.key.map(Step::Key) {
                if steps.last() != Some(&key) {
                    steps.push(key);
                }
            }
            // Where the path is not in the file (a default), the parser's own place.
            let line = line_of_steps(&steps)
                .or_else(|| e.inner().span().map(|s| line_of(text, s.start)))
                .unwrap_or(1);
            error_at(line, index.dotted(&steps), explained.message)
        })?;
        config
            .validate_settings()
            .map_err(|(key, message)| at(&steps_of(&key), message))?;
        for i in 0..config.accounts.len() {
            let here = |key: &str| {
                let mut steps = vec![Step::Key("accounts".into()), Step::Index(i)];
                steps.extend(steps_of(key));
                steps
            };
            let account = &mut config.accounts[i];
            // Ranges ("101-150") are written for people; the rest of the program sees ids.
            if !account.watch.iter().any(|w| w.trim().is_empty()) {
                account.watch = crate::watch_list::parse_entries(&account.watch)
                    .map_err(|m| at(&here("watch"), m))?;
            }
            account
                .validate()
                .map_err(|(key, message)| at(&here(&key), message))?;
            let id = &config.accounts[i].id;
            if let Some(first) = config.accounts[..i].iter().position(|a| &a.id == id) {
                let first_line = line_of_steps(&[Step::Key("accounts".into()), Step::Index(first)]);
                return Err(at(
                    &here("id"),
                    format!(
                        "duplicate account id: the account at line {} has it too",
                        first_line.unwrap_or(1)
                    ),
                ));
            }
        }
        config
            .validate_routes()
            .map_err(|(table, index, key, message)| {
                let mut steps = vec![Step::Key(table.into()), Step::Index(index)];
                steps.extend(steps_of(&key));
                at(&steps, message)
            })?;
        Ok(config)
    }

    /// The `[[actions]]` and `[[webhooks]]` checks: (table, index, key, message) of the first
    /// fault.
    fn validate_routes(&self) -> std::result::Result<(), (&'static str, usize, String, String)> {
        let known: Vec<&str> = self.accounts.iter().map(|a| a.id.as_str()).collect();
        for (i, action) in self.actions.iter().enumerate() {
            action
                .validate(&known)
                .map_err(|(key, message)| ("actions", i, key, message))?;
        }
        for (i, webhook) in self.webhooks.iter().enumerate() {
            webhook
                .validate(&known)
                .map_err(|(key, message)| ("webhooks", i, key, message))?;
            if self.webhooks[..i].iter().any(|w| w.id == webhook.id) {
                return Err(("webhooks", i, "id".into(), "duplicate webhook id".into()));
            }
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises to TOML")
    }

    /// Checks every section but the accounts (each account has `AccountConfig::validate`):
    /// the same limits a hand-written file gets. The error is (dotted key, message), such as
    /// `("history.retention_days", "must be between 1 and 3650 days")`.
    pub fn validate_settings(&self) -> std::result::Result<(), (String, String)> {
        validate_sections(
            self.poll_interval_secs,
            &self.notifications,
            &self.alerts,
            &self.history,
        )
    }

    /// Writes the file atomically (temporary file, then rename), creating its folder. A config
    /// that would not load again is refused.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.validate_settings()
            .map_err(|(key, message)| Error::Config {
                file: path.to_path_buf(),
                line: 0,
                key,
                message,
            })?;
        for account in &self.accounts {
            account.validate().map_err(|(key, message)| Error::Config {
                file: path.to_path_buf(),
                line: 0,
                key: format!("accounts[{}].{key}", account.id),
                message,
            })?;
        }
        self.validate_routes()
            .map_err(|(table, index, key, message)| Error::Config {
                file: path.to_path_buf(),
                line: 0,
                key: format!("{table}[{index}].{key}"),
                message,
            })?;
        let io = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, self.to_toml()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn poll_interval(&self, account: &AccountConfig) -> std::time::Duration {
        std::time::Duration::from_secs(
            account
                .poll_interval_secs
                .unwrap_or(self.poll_interval_secs),
        )
    }
}

/// serde's path of a value (`accounts[2].timeout_secs`) as steps for the locator.
fn steps_of_path(path: &serde_path_to_error::Path) -> Vec<Step> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
