//! Where the app keeps account secrets: the OS keyring (the core's `SecretStore`), or, in demo
//! mode, memory holding the simulators' throw-away credentials. The UI only ever learns whether
//! a secret is stored, never the secret.

use agentwatch_core::secrets::{SecretSource, SecretSourceKind, SecretStore};
use agentwatch_core::Result;
use async_trait::async_trait;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::sync::RwLock;

/// A secret typed into the form: wrapped at once, redacted in Debug, never serialised back.
pub struct SecretInput(pub SecretString);

impl<'de> Deserialize<'de> for SecretInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(SecretInput(SecretString::from(String::deserialize(d)?)))
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretInput([redacted])")
    }
}

pub enum Secrets {
    Keyring(SecretStore),
    /// Demo mode: the simulators' credentials and whatever the user types, in memory only.
    Memory(RwLock<HashMap<String, SecretString>>),
}

impl Secrets {
    pub fn memory(initial: impl IntoIterator<Item = (String, String)>) -> Self {
        Secrets::Memory(RwLock::new(
            initial
                .into_iter()
                .map(|(k, v)| (k, SecretString::from(v)))
                .collect(),
        ))
    }

    pub fn is_keyring(&self) -> bool {
        matches!(self, Secrets::Keyring(_))
    }

    /// Unlocks the keyring through its own prompt; memory is never locked.
    pub async fn unlock(&self) -> Result<bool> {
        match self {
            Secrets::Keyring(store) => store.unlock().await,
            Secrets::Memory(_) => Ok(true),
        }
    }

    pub async fn set(&self, account_id: &str, secret: &SecretString) -> Result<()> {
        match self {
            Secrets::Keyring(store) => store.set(account_id, secret).await,
            Secrets::Memory(map) => {
                map.write()
                    .unwrap()
                    .insert(account_id.to_string(), secret.clone());
                Ok(())
            }
        }
    }

    pub async fn delete(&self, account_id: &str) -> Result<bool> {
        match self {
            Secrets::Keyring(store) => store.delete(account_id).await,
            Secrets::Memory(map) => Ok(map.write().unwrap().remove(account_id).is_some()),
        }
    }

    pub async fn status(&self, account_id: &str) -> Result<SecretSourceKind> {
        match self {
            Secrets::Keyring(store) => store.status(account_id).await,
            Secrets::Memory(map) => Ok(if map.read().unwrap().contains_key(account_id) {
                SecretSourceKind::Keyring
            } else {
                SecretSourceKind::Missing
            }),
        }
    }
}

#[async_trait]
impl SecretSource for Secrets {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        match self {
            Secrets::Keyring(store) => store.secret(account_id).await,
            Secrets::Memory(map) => map
                .read()
                .unwrap()
                .get(account_id)
                .cloned()
                .ok_or_else(|| agentwatch_core::Error::MissingSecret(account_id.to_string())),
        }
    }
}
