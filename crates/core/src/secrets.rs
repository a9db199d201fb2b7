//! Vendor secrets: the OS keyring (Secret Service on Linux), an environment variable for
//! headless use, or systemd credentials for a service (`credentials`). Nothing here ever writes a secret anywhere else, and there is no silent
//! fallback: when the keyring cannot be used, the caller is told so.
//!
//! Keyring calls block on D-Bus and can hang on a locked keyring's unlock prompt, so each runs
//! on a blocking thread under a time limit.

mod book;
mod credentials;
pub(crate) mod env_names;
mod typed;

pub use book::SecretBook;
pub use credentials::{
    headless_secrets, read_secret_file, FirstFound, SystemdCredentials, CREDENTIALS_DIRECTORY,
};
pub use env_names::{env_var_name, proxy_env_var_name};
pub use typed::{TypedOrStored, TypedSecrets};

use crate::error::{Error, ErrorKind, Result};
use crate::keyring_lock::{self, LockState};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Duration;

pub const KEYRING_SERVICE: &str = "agentwatch";
pub const DEFAULT_KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

/// Where an account's secret comes from; never the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSourceKind {
    Environment,
    Keyring,
    Missing,
}

/// The secret lookup the engine depends on, so that tests can hand it a fixed map.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The account's secret, or `Error::MissingSecret` / `Error::Keyring`.
    async fn secret(&self, account_id: &str) -> Result<SecretString>;

    /// The password of the account's proxy user; asked only when its proxy URL names a user.
    /// A source that keeps none says it is missing.
    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        Err(missing_proxy_password(account_id))
    }
}

/// Which of an account's secrets: the vendor credential, or the password of its proxy user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSlot {
    Vendor,
    Proxy,
}

impl SecretSlot {
    /// The keyring entry's user name: the account id, or `ID:proxy` (an id never holds ':', so
    /// the two can never meet).
    pub fn keyring_user(self, account_id: &str) -> String {
        match self {
            SecretSlot::Vendor => account_id.to_string(),
            SecretSlot::Proxy => format!("{account_id}:proxy"),
        }
    }

    /// The environment variable that can hold this secret instead of the keyring.
    pub fn env_var(self, account_id: &str) -> String {
        match self {
            SecretSlot::Vendor => env_var_name(account_id),
            SecretSlot::Proxy => proxy_env_var_name(account_id),
        }
    }

    /// How a user names it: "secret" or "proxy password".
    pub fn noun(self) -> &'static str {
        match self {
            SecretSlot::Vendor => "secret",
            SecretSlot::Proxy => "proxy password",
        }
    }
}

/// The error when the proxy URL names a user and no password is stored for it.
pub fn missing_proxy_password(account_id: &str) -> Error {
    Error::poll(
        ErrorKind::MissingSecret,
        format!(
            "no proxy password is stored for account {account_id:?} (run `agentwatch secret set \
             {account_id} --proxy` or set {})",
            proxy_env_var_name(account_id)
        ),
    )
}

/// The environment first, then the OS keyring.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
    timeout: Duration,
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore::new(KEYRING_SERVICE)
    }
}

impl SecretStore {
    pub fn new(service: &str) -> Self {
        SecretStore {
            service: service.to_string(),
            timeout: DEFAULT_KEYRING_TIMEOUT,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn from_env(slot: SecretSlot, account_id: &str) -> Option<SecretString> {
        std::env::var(slot.env_var(account_id))
            .ok()
            .filter(|v| !v.is_empty())
            .map(SecretString::from)
    }

    /// Runs one keyring operation on a blocking thread, under the time limit.
    async fn with_entry<T, F>(
        &self,
        slot: SecretSlot,
        account_id: &str,
        what: &'static str,
        op: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        let user = slot.keyring_user(account_id);
        let service = self.service.clone();
        let task = tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&service, &user)?;
            op(&entry)
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(Error::Keyring(format!(
                "the keyring did not answer within {} s while trying to {what} (is it locked?)",
                self.timeout.as_secs()
            ))),
            Ok(Err(join)) => Err(Error::Keyring(format!("keyring call failed: {join}"))),
            Ok(Ok(result)) => result.map_err(|e| keyring_error(e, what, slot, account_id)),
        }
    }

    /// Reads the keyring entry alone (no environment); `None` when there is none. A locked
    /// keyring is `Error::KeyringLocked`, found out without unlocking it: reading would make
    /// the Secret Service pop up its unlock prompt at every poll.
    pub async fn keyring_get(&self, account_id: &str) -> Result<Option<SecretString>> {
        self.keyring_get_in(SecretSlot::Vendor, account_id).await
    }

    pub async fn keyring_get_in(
        &self,
        slot: SecretSlot,
        account_id: &str,
    ) -> Result<Option<SecretString>> {
        let (service, user) = (self.service.clone(), slot.keyring_user(account_id));
        let read = self
            .with_entry(slot, account_id, "read a secret", move |entry| {
                if keyring_lock::entry_lock_state(&service, &user) == LockState::Locked {
                    return Ok(Read::Locked);
                }
                match entry.get_password() {
                    Ok(s) => Ok(Read::Found(s)),
                    Err(keyring::Error::NoEntry) => Ok(Read::Missing),
                    Err(e) => Err(e),
                }
            })
            .await?;
        match read {
            Read::Found(s) => Ok(Some(SecretString::from(s))),
            Read::Missing => Ok(None),
            Read::Locked => Err(Error::KeyringLocked),
        }
    }

    /// Asks the Secret Service to unlock the keyring, which shows its own password prompt
    /// where it has one. `Ok(true)` once unlocked; `Ok(false)` when the prompt was dismissed.
    pub async fn unlock(&self) -> Result<bool> {
        let task = tokio::task::spawn_blocking(keyring_lock::prompt_unlock);
        match tokio::time::timeout(keyring_lock::PROMPT_LIMIT, task).await {
            Err(_) => Ok(false),
            Ok(Err(join)) => Err(Error::Keyring(format!("keyring call failed: {join}"))),
            Ok(Ok(result)) => result.map_err(Error::Keyring),
        }
    }

    pub async fn set(&self, account_id: &str, secret: &SecretString) -> Result<()> {
        self.set_in(SecretSlot::Vendor, account_id, secret).await
    }

    pub async fn set_in(
        &self,
        slot: SecretSlot,
        account_id: &str,
        secret: &SecretString,
    ) -> Result<()> {
        if secret.expose_secret().is_empty() {
            return Err(Error::Keyring(format!(
                "refusing to store an empty {}",
                slot.noun()
            )));
        }
        let value = secret.expose_secret().to_string();
        self.with_entry(slot, account_id, "store a secret", move |entry| {
            entry.set_password(&value)
        })
        .await
    }

    /// Deletes the keyring entry; `false` when there was none.
    pub async fn delete(&self, account_id: &str) -> Result<bool> {
        self.delete_in(SecretSlot::Vendor, account_id).await
    }

    pub async fn delete_in(&self, slot: SecretSlot, account_id: &str) -> Result<bool> {
        self.with_entry(slot, account_id, "delete a secret", |entry| {
            match entry.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Where the secret would come from. Asks the keyring only when the environment has none.
    pub async fn status(&self, account_id: &str) -> Result<SecretSourceKind> {
        self.status_in(SecretSlot::Vendor, account_id).await
    }

    pub async fn status_in(&self, slot: SecretSlot, account_id: &str) -> Result<SecretSourceKind> {
        if Self::from_env(slot, account_id).is_some() {
            return Ok(SecretSourceKind::Environment);
        }
        Ok(match self.keyring_get_in(slot, account_id).await? {
            Some(_) => SecretSourceKind::Keyring,
            None => SecretSourceKind::Missing,
        })
    }
}

#[async_trait]
impl SecretSource for SecretStore {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        if let Some(s) = Self::from_env(SecretSlot::Vendor, account_id) {
            return Ok(s);
        }
        self.keyring_get(account_id)
            .await?
            .ok_or_else(|| Error::MissingSecret(account_id.to_string()))
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        if let Some(s) = Self::from_env(SecretSlot::Proxy, account_id) {
            return Ok(s);
        }
        self.keyring_get_in(SecretSlot::Proxy, account_id)
            .await?
            .ok_or_else(|| missing_proxy_password(account_id))
    }
}

/// What reading a keyring entry found.
enum Read {
    Found(String),
    Missing,
    Locked,
}

/// A fixed set of secrets held in memory: for tests, benchmarks and the built-in demo, whose
/// simulator credentials are not secret. Never used as a fallback for the real keyring.
#[derive(Default)]
pub struct StaticSecrets(std::collections::HashMap<String, SecretString>);
// Keyed by `SecretSlot::keyring_user`, like the keyring.

impl StaticSecrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, account_id: &str, secret: &str) -> Self {
        self.0.insert(
            account_id.to_string(),
            SecretString::from(secret.to_string()),
        );
        self
    }

    /// Adds the password of the account's proxy user.
    pub fn with_proxy(mut self, account_id: &str, password: &str) -> Self {
        self.0.insert(
            SecretSlot::Proxy.keyring_user(account_id),
            SecretString::from(password.to_string()),
        );
        self
    }
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        self.0
            .get(account_id)
            .cloned()
            .ok_or_else(|| Error::MissingSecret(account_id.to_string()))
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        self.0
            .get(&SecretSlot::Proxy.keyring_user(account_id))
            .cloned()
            .ok_or_else(|| missing_proxy_password(account_id))
    }
}

/// The OS secret store the keyring crate uses here, as its users know it, and what to do when
/// it cannot be reached.
#[cfg(target_os = "linux")]
const STORE: (&str, &str) = (
    "the Secret Service",
    "start a keyring such as gnome-keyring, or ",
);
#[cfg(target_os = "windows")]
const STORE: (&str, &str) = ("Windows Credential Manager", "");
#[cfg(target_os = "macos")]
const STORE: (&str, &str) = ("the macOS Keychain", "");
#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
const STORE: (&str, &str) = ("the system keyring", "");

fn keyring_error(e: keyring::Error, what: &str, slot: SecretSlot, account_id: &str) -> Error {
    // keyring's messages describe the platform failure, never the password.
    if finds_no_keyring(&e) {
        return no_keyring(what, &e, slot, account_id);
    }
    let (store, hint) = STORE;
    let reason = match &e {
        keyring::Error::NoStorageAccess(inner) => format!(
            "{store} is not available ({inner}); {hint}set the account's \
             AGENTWATCH_SECRET_<ID> environment variable"
        ),
        keyring::Error::PlatformFailure(inner) => format!("{store} failed: {inner}"),
        other => other.to_string(),
    };
    Error::Keyring(format!("cannot {what}: {reason}"))
}

/// There is no keyring to ask (an SSH session, a server, a container): said so, with the ways
/// to give this secret without one, in the account's own error where every front end shows it.
fn no_keyring(what: &str, e: &keyring::Error, slot: SecretSlot, account_id: &str) -> Error {
    let (store, _) = STORE;
    let credential = SystemdCredentials::credential_name(slot, account_id);
    let cause = match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            inner.to_string()
        }
        other => other.to_string(),
    };
    // What to do first: a table cuts long reasons, and the cause is for the curious.
    Error::Keyring(format!(
        "no keyring was found to {what}: set {env}, or give `agentwatch serve` the credential \
         {credential} (LoadCredential={credential}:FILE); {store} said: {cause}",
        env = slot.env_var(account_id),
    ))
}

/// D-Bus errors that mean no Secret Service can be reached: no session bus (none to connect
/// to, none to start without X11), or nothing on it providing the service.
#[cfg(target_os = "linux")]
const NO_KEYRING_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.NotSupported",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.BadAddress",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.Spawn.",
];

/// Whether the keyring failed for want of a keyring at all (not a locked or broken one).
#[cfg(target_os = "linux")]
fn finds_no_keyring(e: &keyring::Error) -> bool {
    let keyring::Error::PlatformFailure(inner) = e else {
        return false;
    };
    match inner.downcast_ref::<dbus_secret_service::Error>() {
        Some(dbus_secret_service::Error::Unavailable) => true,
        Some(dbus_secret_service::Error::Dbus(dbus)) => dbus
            .name()
            .is_some_and(|name| NO_KEYRING_DBUS_ERRORS.iter().any(|n| name.starts_with(n))),
        _ => false,
    }
}

/// Elsewhere the platform's store is part of the session: a failure is the store's own.
#[cfg(not(target_os = "linux"))]
fn finds_no_keyring(_: &keyring::Error) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names_are_upper_case_with_underscores() {
        assert_eq!(env_var_name("cc-main"), "AGENTWATCH_SECRET_CC_MAIN");
        assert_eq!(env_var_name("a.b_c9"), "AGENTWATCH_SECRET_A_B_C9");
        assert_eq!(
            proxy_env_var_name("cc-main"),
            "AGENTWATCH_PROXY_SECRET_CC_MAIN"
        );
    }

    #[tokio::test]
    async fn the_proxy_password_is_its_own_entry() {
        assert_eq!(SecretSlot::Proxy.keyring_user("cc-main"), "cc-main:proxy");
        let s = StaticSecrets::new()
            .with("a", "vendor")
            .with_proxy("b", "pw");
        assert_eq!(s.proxy_secret("b").await.unwrap().expose_secret(), "pw");
        assert!(matches!(s.secret("b").await, Err(Error::MissingSecret(_))));
        let missing = s.proxy_secret("a").await.unwrap_err();
        assert_eq!(missing.kind(), crate::ErrorKind::MissingSecret);
        assert!(missing.to_string().contains("proxy password"), "{missing}");
    }

    #[tokio::test]
    async fn static_secrets_report_missing_accounts() {
        let s = StaticSecrets::new().with("a", "x");
        assert_eq!(s.secret("a").await.unwrap().expose_secret(), "x");
        assert!(matches!(s.secret("b").await, Err(Error::MissingSecret(_))));
    }
}
