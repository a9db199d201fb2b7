//! Whether the keyring that holds an entry is locked, asked without unlocking it, and the
//! Secret Service's own unlock prompt on request.
//!
//! The keyring crate unlocks a locked item before reading it, which makes the Secret Service
//! show its password prompt: fine once, when the user asks, but not at every poll of every
//! account. So the poll path asks first and reports a locked keyring as its own state.

use std::time::Duration;

/// How long the user has to answer the unlock prompt.
pub const PROMPT_LIMIT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// Only the Secret Service (Linux) is asked; elsewhere the store unlocks with the session.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Unlocked,
    Locked,
    /// No such entry, or no Secret Service to ask: the read that follows says which.
    Unknown,
}

/// The lock state of the entry the keyring crate stores for (`service`, `user`).
#[cfg(target_os = "linux")]
pub fn entry_lock_state(service: &str, user: &str) -> LockState {
    use dbus_secret_service::{EncryptionType, SecretService};
    let Ok(ss) = SecretService::connect(EncryptionType::Plain) else {
        return LockState::Unknown;
    };
    // The same attributes the keyring crate searches by.
    let attributes = std::collections::HashMap::from([("service", service), ("username", user)]);
    match ss.search_items(attributes) {
        Ok(found) if !found.unlocked.is_empty() => LockState::Unlocked,
        Ok(found) if !found.locked.is_empty() => LockState::Locked,
        _ => LockState::Unknown,
    }
}

#[cfg(not(target_os = "linux"))]
pub fn entry_lock_state(_service: &str, _user: &str) -> LockState {
    // macOS and Windows unlock their stores with the user's session.
    LockState::Unknown
}

/// Unlocks the default collection through the Secret Service's prompt (blocking).
#[cfg(target_os = "linux")]
pub fn prompt_unlock() -> Result<bool, String> {
    use dbus_secret_service::{EncryptionType, SecretService};
    let ss = SecretService::connect_with_max_prompt_timeout(
        EncryptionType::Plain,
        PROMPT_LIMIT.as_secs(),
    )
    .map_err(|e| format!("the Secret Service is not available: {e}"))?;
    let collection = ss
        .get_default_collection()
        .map_err(|e| format!("the keyring has no default collection: {e}"))?;
    if !collection.is_locked().unwrap_or(true) {
        return Ok(true);
    }
    match collection.unlock() {
        Ok(()) => Ok(!collection.is_locked().unwrap_or(true)),
        // A dismissed or failed prompt leaves it locked: not an error to report twice.
        Err(e) => {
            tracing::info!("the keyring stayed locked: {e}");
            Ok(false)
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn prompt_unlock() -> Result<bool, String> {
    Ok(true)
}
