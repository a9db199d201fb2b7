//! Where the app keeps account secrets: the OS keyring (the core's `SecretStore`), or, in demo
//! mode, memory holding the simulators' throw-away credentials. The UI only ever learns whether
//! a secret is stored, never the secret.

use agentwatch_core::secrets::{SecretSlot, SecretSource, SecretSourceKind, SecretStore};
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
    /// Demo mode: the simulators' credentials and whatever the user types, in memory only;
    /// keyed like the keyring (`SecretSlot::keyring_user`).
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
        self.set_in(SecretSlot::Vendor, account_id, secret).await
    }

    pub async fn set_in(
        &self,
        slot: SecretSlot,
        account_id: &str,
        secret: &SecretString,
    ) -> Result<()> {
        match self {
            Secrets::Keyring(store) => store.set_in(slot, account_id, secret).await,
            Secrets::Memory(map) => {
                map.write()
                    .unwrap()
                    .insert(slot.keyring_user(account_id), secret.clone());
                Ok(())
            }
        }
    }

    pub async fn delete(&self, account_id: &str) -> Result<bool> {
        self.delete_in(SecretSlot::Vendor, account_id).await
    }

    pub async fn delete_in(&self, slot: SecretSlot, account_id: &str) -> Result<bool> {
        match self {
            Secrets::Keyring(store) => store.delete_in(slot, account_id).await,
            Secrets::Memory(map) => Ok(map
                .write()
                .unwrap()
                .remove(&slot.keyring_user(account_id))
                .is_some()),
        }
    }

    pub async fn status(&self, account_id: &str) -> Result<SecretSourceKind> {
        self.status_in(SecretSlot::Vendor, account_id).await
    }

    pub async fn status_in(&self, slot: SecretSlot, account_id: &str) -> Result<SecretSourceKind> {
        match self {
            Secrets::Keyring(store) => store.status_in(slot, account_id).await,
            Secrets::Memory(map) => Ok(
                if map
                    .read()
                    .unwrap()
                    .contains_key(&slot.keyring_user(account_id))
                {
                    SecretSourceKind::Keyring
                } else {
                    SecretSourceKind::Missing
                },
            ),
        }
    }

    fn memory_get(map: &RwLock<HashMap<String, SecretString>>, key: &str) -> Option<SecretString> {
        map.read().unwrap().get(key).cloned()
    }
}

#[async_trait]
impl SecretSource for Secrets {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        match self {
            Secrets::Keyring(store) => store.secret(account_id).await,
            Secrets::Memory(map) => Self::memory_get(map, account_id)
                .ok_or_else(|| agentwatch_core::Error::MissingSecret(account_id.to_string())),
        }
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        match self {
            Secrets::Keyring(store) => store.proxy_secret(account_id).await,
            Secrets::Memory(map) => {
                Self::memory_get(map, &SecretSlot::Proxy.keyring_user(account_id))
                    .ok_or_else(|| agentwatch_core::secrets::missing_proxy_password(account_id))
            }
        }
    }
}
