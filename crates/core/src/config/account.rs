//! One `[[accounts]]` table: the keys every vendor shares, and the vendor's own keys kept as
//! written for its module to read.

use super::validate_poll_interval;
use crate::model::{Severity, Vendor};
use crate::network::validate_base_url;
use crate::time_limits::TimeLimits;
use crate::vendors::registry::KeyError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// The default answer size limit: several times the largest realistic agent list.
pub const DEFAULT_MAX_ANSWER_MIB: u32 = 32;
pub const MAX_ANSWER_MIB_RANGE: std::ops::RangeInclusive<u32> = 1..=1024;

fn default_true() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// The keys every account takes, whatever its vendor (the fields of [`AccountConfig`] but its
/// vendor's own): named when an unknown key is close to one of them.
pub const ACCOUNT_KEYS: &[&str] = &[
    "id",
    "vendor",
    "name",
    "enabled",
    "base_url",
    "ca_file",
    "proxy",
    "watch",
    "labels",
    "severity",
    "time_limits",
    "poll_interval_secs",
    "timeout_secs",
    "max_answer_mib",
    "maintenance",
];

/// One account. The keys here are every account's; the vendor's own keys (`workno`, `app_id`,
/// `[accounts.fields]`...) are kept in `options` as written and read by the vendor's module,
/// which refuses the keys it does not know (`vendors::registry::vendor_options`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountConfig {
    /// Stable identifier; names the keyring entry.
    pub id: String,
    pub vendor: Vendor,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Scheme, host, port and, for installations that serve the API under a prefix
    /// (`https://host/senhasegura`), a path; the client adds the vendor's documented path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Extra CA certificates (PEM) trusted for this account, beside the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// `"system"` (the default: the environment's `HTTPS_PROXY`/`NO_PROXY`), `"none"`, or a proxy
    /// URL (`http://`, `https://`, `socks5://`, `socks5h://`) that may name a user but never holds
    /// a password (that is in the keyring: `agentwatch secret set ID --proxy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Agent ids to watch; empty = every agent the account can see (agora, segura). Numeric
    /// ranges (`"101-150"`) are expanded where the file is read (`Config::parse`, `watch_list`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
    /// The user's names for agents (agent id -> label), shown instead of the vendor's name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Overrides of the default severity, keyed by native state ("2", "STOPPED") or its label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<String, Severity>,
    /// How long an agent may stay in a state, keyed like `severity` (`rest`, `"5"`); off
    /// unless configured (`crate::time_limits`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub time_limits: TimeLimits,
    /// Limits on how many agents are in a state (`[accounts.team]`); the team is then an item
    /// of the account (`crate::team`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<crate::team::TeamLimits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// The largest answer read from the vendor, in MiB (default 32); a larger one makes the
    /// account unreachable ("answer too large") instead of filling memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_answer_mib: Option<u32>,
    /// Maintenance windows (`[[accounts.maintenance]]`): recorded, never notified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<crate::maintenance::MaintenanceWindow>,

    /// The vendor's own keys, flat in the account's table as users write them.
    #[serde(flatten)]
    pub options: toml::Table,
}

impl AccountConfig {
    /// A blank account of a vendor, for builders and tests.
    pub fn new(id: &str, vendor: Vendor, base_url: Option<&str>) -> Self {
        AccountConfig {
            id: id.to_string(),
            vendor,
            name: String::new(),
            enabled: true,
            base_url: base_url.map(str::to_string),
            ca_file: None,
            proxy: None,
            watch: Vec::new(),
            labels: BTreeMap::new(),
            severity: BTreeMap::new(),
            time_limits: TimeLimits::new(),
            team: None,
            poll_interval_secs: None,
            timeout_secs: None,
            max_answer_mib: None,
            maintenance: Vec::new(),
            options: toml::Table::new(),
        }
    }

    /// Sets one of the vendor's own keys (`workno`, `client_id`...), for builders and tests.
    pub fn set_option(&mut self, key: &str, value: impl Into<toml::Value>) {
        self.options.insert(key.to_string(), value.into());
    }

    /// Removes one of the vendor's own keys.
    pub fn remove_option(&mut self, key: &str) {
        self.options.remove(key);
    }

    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.id
        } else {
            &self.name
        }
    }

    /// The base URL with the vendor default applied and without a trailing slash.
    pub fn effective_base_url(&self) -> String {
        let raw = match &self.base_url {
            Some(u) => u.as_str(),
            None => self.vendor.module().default_base_url().unwrap_or(""),
        };
        raw.trim_end_matches('/').to_string()
    }

    /// The `proxy` key, parsed (`validate` has refused what does not parse).
    pub fn proxy_setting(&self) -> std::result::Result<crate::proxy::ProxySetting, String> {
        crate::proxy::ProxySetting::parse(self.proxy.as_deref())
    }

    /// What its HTTP client is built from.
    pub fn client_settings(&self) -> crate::http::ClientSettings<'_> {
        crate::http::ClientSettings {
            account_id: &self.id,
            timeout: self.timeout(),
            proxy: self.proxy.as_deref(),
            ca_file: self.ca_file.as_deref(),
        }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS))
    }

    /// The most bytes read from one answer of this account's vendor.
    pub fn max_answer_bytes(&self) -> u64 {
        u64::from(self.max_answer_mib.unwrap_or(DEFAULT_MAX_ANSWER_MIB)) * 1024 * 1024
    }

    /// Checks everything a client needs: the shared keys here, the vendor's own keys in its
    /// module. The error's key names the offending field.
    pub fn validate(&self) -> std::result::Result<(), KeyError> {
        let fail = |key: &str, msg: String| Err((key.to_string(), msg));
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return fail(
                "id",
                format!(
                    "{:?} must be non-empty and use only letters, digits, '-', '_' or '.'",
                    self.id
                ),
            );
        }
        let vendor = self.vendor.module();
        // The vendor's keys first: a misspelt shared key (`base_ulr`) is one of them to the
        // vendor, and naming it explains the "base_url is required" that would follow.
        vendor.validate(self)?;
        if self.base_url.is_none() && vendor.default_base_url().is_none() {
            return fail(
                "base_url",
                format!("is required for vendor {}", self.vendor),
            );
        }
        if let Err(msg) = validate_base_url(&self.effective_base_url()) {
            return fail("base_url", msg);
        }
        if let Err(msg) = self.proxy_setting() {
            return fail("proxy", msg);
        }
        if let Some(secs) = self.poll_interval_secs {
            if let Err(msg) = validate_poll_interval(secs) {
                return fail("poll_interval_secs", msg);
            }
        }
        if self.timeout_secs == Some(0) {
            return fail("timeout_secs", "must be at least 1".into());
        }
        if let Some(mib) = self.max_answer_mib {
            if !MAX_ANSWER_MIB_RANGE.contains(&mib) {
                return fail(
                    "max_answer_mib",
                    format!(
                        "must be between {} and {} (MiB)",
                        MAX_ANSWER_MIB_RANGE.start(),
                        MAX_ANSWER_MIB_RANGE.end()
                    ),
                );
            }
        }
        if self.watch.iter().any(|w| w.trim().is_empty()) {
            return fail("watch", "agent ids must not be empty".into());
        }
        crate::time_limits::validate(&self.time_limits)?;
        if let Some(team) = &self.team {
            team.validate()?;
        }
        for (i, window) in self.maintenance.iter().enumerate() {
            if let Err(msg) = window.validate() {
                return fail(&format!("maintenance[{i}]"), msg);
            }
        }
        if let Err(msg) = crate::names::validate_labels(&self.labels) {
            return fail("labels", msg);
        }
        Ok(())
    }
}
