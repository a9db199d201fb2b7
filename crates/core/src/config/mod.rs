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
pub(crate) use base_url::is_loopback_host;
pub use base_url::validate_base_url;

use crate::error::{Error, Result};
use crate::history::HistorySettings;
use crate::policy::AlertSettings;
use crate::routing::{ActionConfig, WebhookConfig};
use locate::{
    find_dotted_key_span, find_key_path_span, find_key_span, line_of, split_toml_message,
};
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
    #[serde(default)]
    actions: Vec<ActionConfig>,
    #[serde(default)]
    webhooks: Vec<WebhookConfig>,
}

/// Where the account table that ends its own keys at `from` really ends: at the next
/// `[[accounts]]` header, or at the end of the file.
fn account_region_end(text: &str, from: usize) -> usize {
    text.get(from..)
        .and_then(|rest| rest.find("[[accounts]]"))
        .map_or(text.len(), |i| from + i)
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
        validate_sections(
            raw.poll_interval_secs,
            &raw.notifications,
            &raw.alerts,
            &raw.history,
        )
        .map_err(|(key, message)| config_error(find_dotted_key_span(text, &key), &key, message))?;
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
            // The account's span ends before its sub-tables (`[accounts.time_limits]`): look
            // on to the next account, and find dotted keys (`time_limits.rest.warning`).
            let region = span.start..account_region_end(text, span.end);
            let in_table = |key: &str| {
                find_key_path_span(&text[region.clone()], key)
                    .map(|s| (region.start + s.start)..(region.start + s.end))
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
        let config = Config {
            poll_interval_secs: raw.poll_interval_secs,
            notifications: raw.notifications,
            alerts: raw.alerts,
            history: raw.history,
            accounts,
            actions: raw.actions,
            webhooks: raw.webhooks,
        };
        if let Err((table, index, key, message)) = config.validate_routes() {
            let span = nth_table_span(text, table, index);
            return Err(config_error(
                span,
                &format!("{table}[{index}].{key}"),
                message,
            ));
        }
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

/// Where the `index`th `[[table]]` header is, to point an error at it.
fn nth_table_span(text: &str, table: &str, index: usize) -> Option<std::ops::Range<usize>> {
    let header = format!("[[{table}]]");
    let mut offset = 0;
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == header {
            if seen == index {
                return Some(offset..offset + line.len());
            }
            seen += 1;
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests;
