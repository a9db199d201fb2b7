//! The configuration file: accounts, watch lists and severity overrides. It never holds a secret.
//!
//! Errors name the file, the line and the key so that a hand-written file can be fixed quickly.
//! A file that fails to load is never rewritten by us: callers get the error and keep the file.

mod account;
mod base_url;
mod locate;

/// Defined with the policy that reads it; named here too because it is a section of the file.
pub use crate::policy::NotificationSettings;
pub use account::{
    AccountConfig, DEFAULT_MAX_ANSWER_MIB, DEFAULT_TIMEOUT_SECS, MAX_ANSWER_MIB_RANGE,
};
pub use base_url::validate_base_url;

use crate::error::{Error, Result};
use crate::history::HistorySettings;
use crate::policy::AlertSettings;
use locate::{find_key_span, line_of, split_toml_message};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 15;
pub const MIN_POLL_INTERVAL_SECS: u64 = 1;

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            poll_interval_secs: DEFAULT_POLL_INTERVAL_SECS,
            notifications: NotificationSettings::default(),
            alerts: AlertSettings::default(),
            history: HistorySettings::default(),
            accounts: Vec::new(),
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

/// The raw shape used while loading, to learn where each account starts in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_poll_interval")]
    poll_interval_secs: u64,
    #[serde(default)]
    notifications: NotificationSettings,
    #[serde(default)]
    alerts: AlertSettings,
    #[serde(default)]
    history: HistorySettings,
    #[serde(default)]
    accounts: Vec<toml::Spanned<toml::Value>>,
}

impl Config {
    /// Reads and validates a config file. A missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::Io(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Parses and validates config text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config_error =
            |span: Option<std::ops::Range<usize>>, key: &str, message: String| Error::Config {
                file: path.to_path_buf(),
                line: span.map(|s| line_of(text, s.start)).unwrap_or(1),
                key: key.to_string(),
                message,
            };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (key, message) = split_toml_message(e.message());
            config_error(e.span(), &key, message)
        })?;
        if raw.poll_interval_secs < MIN_POLL_INTERVAL_SECS {
            return Err(config_error(
                find_key_span(text, "poll_interval_secs"),
                "poll_interval_secs",
                "must be at least 1".into(),
            ));
        }
        if let Err((key, message)) = raw.alerts.validate() {
            return Err(config_error(
                find_key_span(text, key.rsplit('.').next().unwrap_or(&key)),
                &format!("alerts.{key}"),
                message,
            ));
        }
        let mut accounts = Vec::with_capacity(raw.accounts.len());
        for spanned in raw.accounts {
            let span = spanned.span();
            let mut account: AccountConfig =
                spanned
                    .into_inner()
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        let (key, message) = split_toml_message(e.message());
                        // Read from a detached value, the error has no place in the file: point
                        // at the offending key's own line within this table when it is named.
                        let key_span = find_key_span(&text[span.clone()], &key)
                            .map(|s| (span.start + s.start)..(span.start + s.end));
                        config_error(key_span.or(Some(span.clone())), &key, message)
                    })?;
            let in_table = |key: &str| {
                find_key_span(&text[span.clone()], key)
                    .map(|s| (span.start + s.start)..(span.start + s.end))
                    .or(Some(span.clone()))
            };
            // Ranges ("101-150") are written for people; the rest of the program sees ids.
            if !account.watch.iter().any(|w| w.trim().is_empty()) {
                account.watch = crate::watch_list::parse_entries(&account.watch).map_err(|m| {
                    config_error(
                        in_table("watch"),
                        &format!("accounts[{}].watch", account.id),
                        m,
                    )
                })?;
            }
            if let Err((key, message)) = account.validate() {
                return Err(config_error(
                    in_table(&key),
                    &format!("accounts[{}].{key}", account.id),
                    message,
                ));
            }
            if accounts.iter().any(|a: &AccountConfig| a.id == account.id) {
                return Err(config_error(
                    Some(span),
                    &format!("accounts[{}].id", account.id),
                    "duplicate account id".into(),
                ));
            }
            accounts.push(account);
        }
        Ok(Config {
            poll_interval_secs: raw.poll_interval_secs,
            notifications: raw.notifications,
            alerts: raw.alerts,
            history: raw.history,
            accounts,
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises to TOML")
    }

    /// Writes the file atomically (temporary file, then rename), creating its folder.
    pub fn save(&self, path: &Path) -> Result<()> {
        for account in &self.accounts {
            account.validate().map_err(|(key, message)| Error::Config {
                file: path.to_path_buf(),
                line: 0,
                key: format!("accounts[{}].{key}", account.id),
                message,
            })?;
        }
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

#[cfg(test)]
mod tests;
