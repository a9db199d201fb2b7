//! Vendor secrets: the OS keyring (Secret Service on Linux), or an environment variable for
//! headless use. Nothing here ever writes a secret anywhere else, and there is no silent
//! fallback: when the keyring cannot be used, the caller is told so.
//!
//! Keyring calls block on D-Bus and can hang on a locked keyring's unlock prompt, so each runs
//! on a blocking thread under a time limit.

use crate::error::{Error, Result};
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
}

/// The name of the environment variable that can hold an account's secret:
/// `AGENTWATCH_SECRET_<ID>`, upper-cased, every non-alphanumeric as `_`.
pub fn env_var_name(account_id: &str) -> String {
    let suffix: String = account_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("AGENTWATCH_SECRET_{suffix}")
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

    fn from_env(account_id: &str) -> Option<SecretString> {
        std::env::var(env_var_name(account_id))
            .ok()
            .filter(|v| !v.is_empty())
            .map(SecretString::from)
    }

    /// Runs one keyring operation on a blocking thread, under the time limit.
    async fn with_entry<T, F>(&self, account_id: &str, what: &'static str, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        let service = self.service.clone();
        let user = account_id.to_string();
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
            Ok(Ok(result)) => result.map_err(|e| keyring_error(e, what)),
        }
    }

    /// Reads the keyring entry alone (no environment); `None` when there is none. A locked
    /// keyring is `Error::KeyringLocked`, found out without unlocking it: reading would make
    /// the Secret Service pop up its unlock prompt at every poll.
    pub async fn keyring_get(&self, account_id: &str) -> Result<Option<SecretString>> {
        let (service, user) = (self.service.clone(), account_id.to_string());
        let read = self
            .with_entry(account_id, "read a secret", move |entry| {
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
        if secret.expose_secret().is_empty() {
            return Err(Error::Keyring("refusing to store an empty secret".into()));
        }
        let value = secret.expose_secret().to_string();
        self.with_entry(account_id, "store a secret", move |entry| {
            entry.set_password(&value)
        })
        .await
    }

    /// Deletes the keyring entry; `false` when there was none.
    pub async fn delete(&self, account_id: &str) -> Result<bool> {
        self.with_entry(account_id, "delete a secret", |entry| {
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
        if Self::from_env(account_id).is_some() {
            return Ok(SecretSourceKind::Environment);
        }
        Ok(match self.keyring_get(account_id).await? {
            Some(_) => SecretSourceKind::Keyring,
            None => SecretSourceKind::Missing,
        })
    }
}

#[async_trait]
impl SecretSource for SecretStore {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        if let Some(s) = Self::from_env(account_id) {
            return Ok(s);
        }
        self.keyring_get(account_id)
            .await?
            .ok_or_else(|| Error::MissingSecret(account_id.to_string()))
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
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        self.0
            .get(account_id)
            .cloned()
            .ok_or_else(|| Error::MissingSecret(account_id.to_string()))
    }
}

fn keyring_error(e: keyring::Error, what: &str) -> Error {
    // keyring's messages describe the platform failure, never the password.
    let reason = match &e {
        keyring::Error::NoStorageAccess(inner) => format!(
            "the Secret Service is not available ({inner}); start a keyring such as gnome-keyring, \
             or set the account's AGENTWATCH_SECRET_<ID> environment variable"
        ),
        keyring::Error::PlatformFailure(inner) => format!("the Secret Service failed: {inner}"),
        other => other.to_string(),
    };
    Error::Keyring(format!("cannot {what}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names_are_upper_case_with_underscores() {
        assert_eq!(env_var_name("cc-main"), "AGENTWATCH_SECRET_CC_MAIN");
        assert_eq!(env_var_name("a.b_c9"), "AGENTWATCH_SECRET_A_B_C9");
    }

    #[tokio::test]
    async fn static_secrets_report_missing_accounts() {
        let s = StaticSecrets::new().with("a", "x");
        assert_eq!(s.secret("a").await.unwrap().expose_secret(), "x");
        assert!(matches!(s.secret("b").await, Err(Error::MissingSecret(_))));
    }
}
