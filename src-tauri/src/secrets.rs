//! The secrets the dashboard's forms send: wrapped at once, never serialised back. Where they
//! are kept is core's `SecretBook` (the OS keyring, or memory in demo mode).

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

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

/// Where the app keeps account secrets: core's book (the OS keyring, or memory in demo mode).
pub use agentwatch_core::secrets::SecretBook as Secrets;
