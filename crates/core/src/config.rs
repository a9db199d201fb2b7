//! The configuration file: accounts, watch lists and severity overrides. It never holds a secret.
//!
//! Errors name the file, the line and the key so that a hand-written file can be fixed quickly.
//! A file that fails to load is never rewritten by us: callers get the error and keep the file.

use crate::error::{Error, Result};
use crate::history::HistorySettings;
use crate::model::{Severity, Vendor};
use crate::policy::AlertSettings;
use crate::vendors::registry::KeyError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 15;
pub const MIN_POLL_INTERVAL_SECS: u64 = 1;
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// The default answer size limit: several times the largest realistic agent list.
pub const DEFAULT_MAX_ANSWER_MIB: u32 = 32;
pub const MAX_ANSWER_MIB_RANGE: std::ops::RangeInclusive<u32> = 1..=1024;

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

fn default_poll_interval() -> u64 {
    DEFAULT_POLL_INTERVAL_SECS
}

fn default_true() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

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
    /// Agent ids to watch; empty = every agent the account can see (agora, segura).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
    /// Overrides of the default severity, keyed by native state ("2", "STOPPED") or its label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// The largest answer read from the vendor, in MiB (default 32); a larger one makes the
    /// account unreachable ("answer too large") instead of filling memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_answer_mib: Option<u32>,

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
            severity: BTreeMap::new(),
            poll_interval_secs: None,
            timeout_secs: None,
            max_answer_mib: None,
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
            if secs < MIN_POLL_INTERVAL_SECS {
                return fail("poll_interval_secs", "must be at least 1".into());
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
        vendor.validate(self)
    }
}

/// `https://host[:port][/prefix]`; `http` is allowed for loopback addresses (the simulators).
/// A path is a prefix some installations serve the API under (`/senhasegura`): the client adds
/// the vendor's documented path after it.
pub fn validate_base_url(raw: &str) -> std::result::Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("{raw:?} has no host"))?;
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "{raw:?} must not carry a query, fragment or user name"
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(host) => Ok(()),
        "http" => Err(format!(
            "{raw:?} must use https (plain http is allowed only for loopback addresses)"
        )),
        other => Err(format!("{raw:?}: unsupported scheme {other:?}")),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
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
            let account: AccountConfig =
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
            if let Err((key, message)) = account.validate() {
                let key_span = find_key_span(&text[span.clone()], &key)
                    .map(|s| (span.start + s.start)..(span.start + s.end));
                return Err(config_error(
                    key_span.or(Some(span.clone())),
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

fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not `str` slicing: a parser's span may point inside a multi-byte character.
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// Finds `key =` at the start of a line, to point at the offending line.
fn find_key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + key.len());
            }
        }
        offset += line.len();
    }
    None
}

/// toml's messages read "unknown field `x`, expected one of ..."; pull out the key when named.
fn split_toml_message(message: &str) -> (String, String) {
    let key = ["unknown field `", "missing field `", "duplicate key `"]
        .iter()
        .find_map(|prefix| {
            message
                .find(prefix)
                .map(|i| &message[i + prefix.len()..])
                .and_then(|rest| rest.split('`').next())
        })
        .unwrap_or("")
        .to_string();
    (key, message.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_inside_a_multibyte_character_names_its_line() {
        // Found by the fuzz target (tests/fuzz/config.rs): toml's span for a bad escape ends
        // inside the character after the backslash, and counting lines used to panic there.
        let text = "[[accounts]]\nid = \"x\"\nname = \"a\\\u{1ee6f}b\"\n";
        let err = Config::parse(text, Path::new("c.toml")).unwrap_err();
        match err {
            Error::Config { line, .. } => assert_eq!(line, 3, "{err}"),
            other => panic!("not a config error: {other}"),
        }
    }

    const GOOD: &str = r#"
poll_interval_secs = 15
[notifications]
info = false
[alerts]
confirm_worse_polls = 3
[alerts.quiet_hours]
start = "22:00"
end = "07:00"
allow = "critical"
[history]
retention_days = 7
[[accounts]]
id = "cc-main"
vendor = "huawei"
name = "Contact centre"
base_url = "https://10.1.2.3:8043"
ca_file = "/etc/agentwatch/cc-ca.pem"
watch = ["101", "102"]
auth = "signin"
workno = "5001"
phonenum = "40038"

[[accounts]]
id = "ai"
vendor = "agora"
app_id = "appid"
customer_id = "cust"

[[accounts]]
id = "nc"
vendor = "segura"
base_url = "http://127.0.0.1:9000"
client_id = "client"
[accounts.severity]
vanished = "warning"
"#;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/tmp/c.toml"))
    }

    #[test]
    fn the_documented_example_parses() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.accounts.len(), 3);
        assert_eq!(c.accounts[0].watch, vec!["101", "102"]);
        assert_eq!(c.accounts[1].effective_base_url(), "https://api.agora.io");
        assert_eq!(c.accounts[2].severity["vanished"], Severity::Warning);
        assert!(!c.notifications.wants(Severity::Info));
        assert!(c.notifications.wants(Severity::Critical));
        assert_eq!(c.alerts.confirm_worse_polls, 3);
        assert!(c.alerts.quiet_hours.is_some());
        assert_eq!(c.history.retention_days, 7);
    }

    #[test]
    fn bad_alert_settings_name_the_key() {
        let text = GOOD.replace("confirm_worse_polls = 3", "confirm_worse_polls = 0");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("alerts.confirm_worse_polls"), "{err}");
        assert!(
            err.starts_with("/tmp/c.toml:6:"),
            "points at the line: {err}"
        );
    }

    #[test]
    fn round_trips_through_save() {
        let c = parse(GOOD).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = GOOD.replace(
            "phonenum = \"40038\"",
            "phonenum = \"40038\"\npasword = \"x\"",
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:"), "{err}");
        assert!(err.contains("pasword"), "{err}");
    }

    #[test]
    fn an_unknown_account_key_is_reported_at_its_own_line() {
        let text = GOOD.replace(
            "phonenum = \"40038\"",
            "phonenum = \"40038\"\npasword = \"x\"",
        );
        let line = text.lines().position(|l| l.starts_with("pasword")).unwrap() + 1;
        assert_eq!(line, 23, "the fixture moved: {text}");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:23:"), "{err}");
        assert!(err.contains("pasword"), "{err}");
        // In the last table too, whose header is 4 lines up and which has a nested table.
        let text = GOOD.replace(
            "client_id = \"client\"",
            "client_id = \"client\"\ntimeout_sec = 10",
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:35:"), "{err}");
        assert!(err.contains("timeout_sec"), "{err}");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let text = GOOD.replace("https://10.1.2.3:8043", "http://10.1.2.3:8043");
        let err = parse(&text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("accounts[cc-main].base_url"), "{msg}");
        let line = text
            .lines()
            .position(|l| l.starts_with("base_url = \"http://10."))
            .unwrap()
            + 1;
        assert!(
            msg.contains(&format!(":{line}:")),
            "points at the base_url line: {msg}"
        );
        assert!(validate_base_url("http://[::1]:80").is_ok());
        assert!(validate_base_url("http://localhost:80").is_ok());
    }

    #[test]
    fn base_url_may_carry_a_path_prefix_but_no_query_fragment_or_user() {
        assert!(validate_base_url("https://h:8043/").is_ok());
        assert!(validate_base_url("https://h/senhasegura").is_ok());
        assert!(validate_base_url("https://h/senhasegura/").is_ok());
        assert!(validate_base_url("https://h/a?b=c").is_err());
        assert!(validate_base_url("https://h/a#top").is_err());
        assert!(validate_base_url("https://user@h/a").is_err());
        assert!(validate_base_url("https://:pw@h/a").is_err());
        assert!(validate_base_url("http://10.1.2.3/senhasegura").is_err());
        assert!(validate_base_url("http://127.0.0.1:9/senhasegura").is_ok());
        let text = GOOD.replace(
            "base_url = \"http://127.0.0.1:9000\"",
            "base_url = \"http://127.0.0.1:9000/senhasegura/\"",
        );
        let c = parse(&text).unwrap();
        assert_eq!(
            c.accounts[2].effective_base_url(),
            "http://127.0.0.1:9000/senhasegura"
        );
    }

    #[test]
    fn max_answer_mib_is_checked() {
        let mut a = AccountConfig::new("a", Vendor::Segura, Some("https://h"));
        a.set_option("client_id", "c");
        assert_eq!(a.max_answer_bytes(), 32 * 1024 * 1024);
        a.max_answer_mib = Some(1);
        assert!(a.validate().is_ok());
        assert_eq!(a.max_answer_bytes(), 1024 * 1024);
        a.max_answer_mib = Some(0);
        assert_eq!(a.validate().unwrap_err().0, "max_answer_mib");
        a.max_answer_mib = Some(1025);
        assert_eq!(a.validate().unwrap_err().0, "max_answer_mib");
    }

    #[test]
    fn huawei_ids_are_checked() {
        let text = GOOD.replace("[\"101\", \"102\"]", "[\"101\", \"abc\"]");
        assert!(parse(&text).unwrap_err().to_string().contains("abc"));
    }

    #[test]
    fn vendor_fields_are_required_and_foreign_ones_refused() {
        let text = GOOD.replace("customer_id = \"cust\"", "");
        assert!(parse(&text)
            .unwrap_err()
            .to_string()
            .contains("customer_id"));
        let text = GOOD.replace(
            "client_id = \"client\"",
            "client_id = \"client\"\nworkno = \"5001\"",
        );
        assert!(parse(&text)
            .unwrap_err()
            .to_string()
            .contains("does not apply"));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let text = GOOD.replace("id = \"nc\"", "id = \"ai\"");
        assert!(parse(&text).unwrap_err().to_string().contains("duplicate"));
    }

    #[test]
    fn the_proxy_key_is_validated_and_a_password_in_it_is_refused_by_line() {
        let with = |value: &str| {
            GOOD.replace(
                "client_id = \"client\"",
                &format!("client_id = \"client\"\nproxy = \"{value}\""),
            )
        };
        let c = parse(&with("socks5h://alice@127.0.0.1:1080")).unwrap();
        assert_eq!(
            c.accounts[2].proxy.as_deref(),
            Some("socks5h://alice@127.0.0.1:1080")
        );
        assert_eq!(c.accounts[0].proxy, None, "no key is the system proxy");
        for ok in ["system", "none", "http://127.0.0.1:3128"] {
            assert!(parse(&with(ok)).is_ok(), "{ok}");
        }

        let text = with("http://alice:s3cret@proxy.example:3128");
        let err = parse(&text).unwrap_err();
        let msg = err.to_string();
        let line = text.lines().position(|l| l.starts_with("proxy =")).unwrap() + 1;
        assert!(
            msg.starts_with(&format!("/tmp/c.toml:{line}: accounts[nc].proxy: ")),
            "names file, line and key: {msg}"
        );
        assert!(msg.contains("must not hold a password"), "{msg}");
        assert!(
            !msg.contains("s3cret"),
            "the password is not repeated: {msg}"
        );

        let err = parse(&with("squid:3128")).unwrap_err().to_string();
        assert!(err.contains("accounts[nc].proxy"), "{err}");
        assert!(err.contains("unsupported scheme"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let c = Config::load(Path::new("/nonexistent/agentwatch.toml")).unwrap();
        assert!(c.accounts.is_empty());
    }
}
