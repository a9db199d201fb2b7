//! The secrets typed into an account form: what *Test connection* and the pickers try before the
//! stored ones. Nothing typed is stored here; saving the account stores it.

use super::SecretSource;
use crate::error::Result;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

/// The form's secret fields; an empty field means "keep what is stored".
#[derive(Default)]
pub struct TypedSecrets {
    pub secret: Option<SecretString>,
    pub proxy_secret: Option<SecretString>,
}

impl TypedSecrets {
    /// The form's fields, the empty ones as not typed.
    pub fn new(secret: Option<SecretString>, proxy_secret: Option<SecretString>) -> TypedSecrets {
        let typed = |s: Option<SecretString>| s.filter(|s| !s.expose_secret().is_empty());
        TypedSecrets {
            secret: typed(secret),
            proxy_secret: typed(proxy_secret),
        }
    }

    pub fn any(&self) -> bool {
        self.secret.is_some() || self.proxy_secret.is_some()
    }

    /// Reads these first, then `stored`.
    pub fn over<'a>(&'a self, stored: &'a dyn SecretSource) -> TypedOrStored<'a> {
        TypedOrStored {
            typed: self,
            stored,
        }
    }
}

/// What a test of a form polls with: the secrets typed into it, else the stored ones.
pub struct TypedOrStored<'a> {
    typed: &'a TypedSecrets,
    stored: &'a dyn SecretSource,
}

#[async_trait]
impl SecretSource for TypedOrStored<'_> {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        match &self.typed.secret {
            Some(s) => Ok(s.clone()),
            None => self.stored.secret(account_id).await,
        }
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        match &self.typed.proxy_secret {
            Some(s) => Ok(s.clone()),
            None => self.stored.proxy_secret(account_id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stored;

    #[async_trait]
    impl SecretSource for Stored {
        async fn secret(&self, _account_id: &str) -> Result<SecretString> {
            Ok(SecretString::from("stored"))
        }
    }

    #[tokio::test]
    async fn typed_secrets_come_first_and_empty_fields_keep_the_stored_ones() {
        let typed = TypedSecrets::new(Some(SecretString::from("typed")), None);
        let source = typed.over(&Stored);
        assert_eq!(source.secret("cc").await.unwrap().expose_secret(), "typed");
        assert!(source.proxy_secret("cc").await.is_err());

        let empty = TypedSecrets::new(Some(SecretString::from("")), None);
        assert!(!empty.any());
        let source = empty.over(&Stored);
        assert_eq!(source.secret("cc").await.unwrap().expose_secret(), "stored");
    }
}
