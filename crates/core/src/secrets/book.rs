//! Where a front end with an account form keeps account secrets: the OS keyring (the
//! [`SecretStore`]), or, in the desktop app's demo mode, memory holding the simulators'
//! throw-away credentials. The form only ever learns where a secret is, never the secret.

use super::{missing_proxy_password, SecretSlot, SecretSource, SecretSourceKind, SecretStore};
use crate::error::{Error, ErrorReport, Result};
use async_trait::async_trait;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::RwLock;

pub enum SecretBook {
    Keyring(SecretStore),
    /// Demo mode: the simulators' credentials and whatever the user types, in memory only;
    /// keyed like the keyring (`SecretSlot::keyring_user`).
    Memory(RwLock<HashMap<String, SecretString>>),
}

impl SecretBook {
    pub fn memory(initial: impl IntoIterator<Item = (String, String)>) -> Self {
        SecretBook::Memory(RwLock::new(
            initial
                .into_iter()
                .map(|(k, v)| (k, SecretString::from(v)))
                .collect(),
        ))
    }

    pub fn is_keyring(&self) -> bool {
        matches!(self, SecretBook::Keyring(_))
    }

    /// Unlocks the keyring through its own prompt; memory is never locked.
    pub async fn unlock(&self) -> Result<bool> {
        match self {
            SecretBook::Keyring(store) => store.unlock().await,
            SecretBook::Memory(_) => Ok(true),
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
            SecretBook::Keyring(store) => store.set_in(slot, account_id, secret).await,
            SecretBook::Memory(map) => {
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
            SecretBook::Keyring(store) => store.delete_in(slot, account_id).await,
            SecretBook::Memory(map) => Ok(map
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
            SecretBook::Keyring(store) => store.status_in(slot, account_id).await,
            SecretBook::Memory(map) => Ok(
                match map
                    .read()
                    .unwrap()
                    .contains_key(&slot.keyring_user(account_id))
                {
                    true => SecretSourceKind::Keyring,
                    false => SecretSourceKind::Missing,
                },
            ),
        }
    }

    /// Where one of an account's secrets is, in the form's words: "keyring", "environment",
    /// "memory" (demo mode), "missing", or "unavailable" with the reason.
    pub async fn place(&self, slot: SecretSlot, id: &str) -> (&'static str, Option<ErrorReport>) {
        match self.status_in(slot, id).await {
            Ok(SecretSourceKind::Keyring) if self.is_keyring() => ("keyring", None),
            Ok(SecretSourceKind::Keyring) => ("memory", None),
            Ok(SecretSourceKind::Environment) => ("environment", None),
            Ok(SecretSourceKind::Missing) => ("missing", None),
            Err(e) => ("unavailable", Some(ErrorReport::from(&e))),
        }
    }

    fn memory_get(map: &RwLock<HashMap<String, SecretString>>, key: &str) -> Option<SecretString> {
        map.read().unwrap().get(key).cloned()
    }
}

#[async_trait]
impl SecretSource for SecretBook {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        match self {
            SecretBook::Keyring(store) => store.secret(account_id).await,
            SecretBook::Memory(map) => Self::memory_get(map, account_id)
                .ok_or_else(|| Error::MissingSecret(account_id.to_string())),
        }
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        match self {
            SecretBook::Keyring(store) => store.proxy_secret(account_id).await,
            SecretBook::Memory(map) => {
                Self::memory_get(map, &SecretSlot::Proxy.keyring_user(account_id))
                    .ok_or_else(|| missing_proxy_password(account_id))
            }
        }
    }
}
