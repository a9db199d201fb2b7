//! What every vendor module provides, and the lookups the rest of the program uses: the list of
//! vendors (CLI, dashboard, history, app info) is this registry and nothing else.

use super::form::VendorForm;
use super::{ClientContext, VendorClient, REGISTRY};
use crate::config::explain::explain;
use crate::config::{AccountConfig, ACCOUNT_KEYS};
use crate::error::Result;
use crate::model::Vendor;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use std::str::FromStr;
use std::sync::Arc;

/// A problem with one key of an account: (key, message). The config loader adds file and line.
pub type KeyError = (String, String);

/// One vendor: its identity, its configuration, its form and its client.
pub trait VendorModule: Sync {
    fn vendor(&self) -> Vendor;

    /// The account form's description, with the vendor's label and secret meaning.
    fn form(&self) -> VendorForm;

    /// Checks the vendor's own keys of an account (the shared ones are checked already): the
    /// key that is wrong and why.
    fn validate(&self, account: &AccountConfig) -> std::result::Result<(), KeyError>;

    /// The client polling one account.
    fn build(&self, ctx: ClientContext) -> Result<Arc<dyn VendorClient>>;

    /// The base URL used when the account names none; `None` makes `base_url` required.
    fn default_base_url(&self) -> Option<&'static str> {
        None
    }

    /// Whether the account polls without a secret (an API open to the network it is on).
    fn needs_secret(&self, _account: &AccountConfig) -> bool {
        true
    }

    /// The session a sign-in with this account holds, where the vendor allows one per seat
    /// and a second sign-in ends the first (a Huawei supervisor seat); `None` when sessions
    /// do not exclude each other. Two accounts naming the same session must not both sign in:
    /// a test or a picker asks the running one instead.
    fn exclusive_session(&self, _account: &AccountConfig) -> Option<String> {
        None
    }
}

/// Every registered vendor module, in registration order.
pub fn modules() -> impl Iterator<Item = &'static dyn VendorModule> {
    REGISTRY.iter().copied()
}

/// The account forms of every vendor, for the dashboard.
pub fn forms() -> Vec<VendorForm> {
    modules().map(|m| m.form()).collect()
}

/// The config keys of one vendor (the top-level ones its form writes).
pub fn keys_of(module: &dyn VendorModule) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    let form = module.form();
    for key in form.fields.iter().map(|f| f.key()).chain(form.sections) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

impl Vendor {
    /// Every registered vendor, in registration order.
    pub fn all() -> Vec<Vendor> {
        modules().map(|m| m.vendor()).collect()
    }

    /// The vendor's module. Every `Vendor` comes from the registry (parsing, or a module's
    /// own constant), so the lookup cannot miss for a registered one.
    pub fn module(self) -> &'static dyn VendorModule {
        modules()
            .find(|m| m.vendor() == self)
            .unwrap_or_else(|| panic!("vendor {self} is not registered in vendors::REGISTRY"))
    }

    /// The product's name as people know it, for notifications.
    pub fn label(self) -> &'static str {
        self.module().form().label
    }

    /// The ids of every vendor, for messages ("huawei, agora, segura, http-json").
    pub fn names() -> String {
        Vendor::all()
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromStr for Vendor {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        modules()
            .map(|m| m.vendor())
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let ids: Vec<String> = Vendor::all().iter().map(|v| v.to_string()).collect();
                let hint = crate::config::explain::suggestion(s.trim(), &ids)
                    .map(|near| format!("; did you mean {near}?"))
                    .unwrap_or_default();
                format!(
                    "unknown vendor {s:?} (expected one of {}{hint})",
                    Vendor::names()
                )
            })
    }
}

impl<'de> serde::Deserialize<'de> for Vendor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Reads the vendor's own keys of an account into its settings type (which refuses unknown
/// keys). The error names the key by its dotted path below the account (`workno`,
/// `states.busy`); an unknown key is called out when it belongs to another vendor, and
/// otherwise named with the key it was probably meant to be.
pub fn vendor_options<T: DeserializeOwned>(
    account: &AccountConfig,
) -> std::result::Result<T, KeyError> {
    serde_path_to_error::deserialize(toml::Value::Table(account.options.clone()))
        .map_err(|e| explain_option_error(account.vendor, e.path(), e.inner().message()))
}

fn explain_option_error(
    vendor: Vendor,
    path: &serde_path_to_error::Path,
    message: &str,
) -> KeyError {
    let mut parts = dotted(path);
    let named = explain(message, &[]).key;
    // serde's path ends with an unknown key already; a missing one is named only in the
    // message.
    if let Some(named) = named.filter(|n| parts.last() != Some(n)) {
        parts.push(named);
    }
    // At the top of the account, the shared keys are as valid as the vendor's own.
    let at_top = parts.len() <= 1;
    let explained = explain(message, if at_top { ACCOUNT_KEYS } else { &[] });
    let key = parts.join(".");
    let foreign = || {
        modules()
            .filter(|m| m.vendor() != vendor)
            .find(|m| keys_of(*m).contains(&key.as_str()))
    };
    let message = match foreign() {
        Some(owner) if at_top && message.starts_with("unknown field") => format!(
            "does not apply to vendor {vendor} (it is a key of vendor {})",
            owner.vendor()
        ),
        _ if message.starts_with("missing field") => format!("is required for vendor {vendor}"),
        _ => explained.message,
    };
    (key, message)
}

/// A path within the vendor's keys as the config loader reads it, part by part (`states`,
/// `busy`; an array's element as `list[2]`).
fn dotted(path: &serde_path_to_error::Path) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for segment in path.iter() {
        match segment {
            Segment::Map { key } => parts.push(key.clone()),
            Segment::Seq { index } => match parts.last_mut() {
                Some(last) => last.push_str(&format!("[{index}]")),
                None => parts.push(format!("[{index}]")),
            },
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    parts
}

/// A required text key: present and not blank.
pub fn required_text(
    value: &Option<String>,
    key: &str,
    vendor: Vendor,
) -> std::result::Result<String, KeyError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| (key.to_string(), format!("is required for vendor {vendor}")))
}

/// A key error as the error a client's constructor returns.
pub fn config_error(account: &AccountConfig, (key, message): KeyError) -> crate::error::Error {
    crate::error::Error::poll(
        crate::error::ErrorKind::Config,
        format!("account {}: {key}: {message}", account.id),
    )
}
