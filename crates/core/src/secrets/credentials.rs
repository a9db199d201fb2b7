//! systemd credentials as a secret source: a service started with
//! `LoadCredential=<account id>:/etc/agentwatch/<account id>.secret` finds the secret in the file
//! `$CREDENTIALS_DIRECTORY/<account id>`, readable by the service alone, kept in memory by
//! systemd and never in the unit or its environment. This is how `agentwatch serve` gets its
//! secrets under `DynamicUser=`, where no keyring exists.

use super::{SecretSlot, SecretSource};
use crate::error::{Error, Result};
use async_trait::async_trait;
use secrecy::SecretString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable systemd sets to the service's credentials folder.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";
/// A secret file larger than this is refused: a credential is a password or a key, not a dump.
const MAX_CREDENTIAL_BYTES: u64 = 64 * 1024;

/// The secrets in a systemd credentials folder, one file per account.
#[derive(Debug, Clone)]
pub struct SystemdCredentials {
    dir: PathBuf,
}

impl SystemdCredentials {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SystemdCredentials { dir: dir.into() }
    }

    /// The folder named by `$CREDENTIALS_DIRECTORY`, when systemd set one.
    pub fn from_env() -> Option<Self> {
        std::env::var_os(CREDENTIALS_DIRECTORY)
            .filter(|d| !d.is_empty())
            .map(SystemdCredentials::new)
    }

    /// The credential's file name: the account id, or `ID+proxy` for the proxy password. An
    /// account id never holds '+' (nor ':', which `LoadCredential=` uses as its separator), so
    /// the two never meet. A webhook's URL (`webhook:<id>`) is `webhook+<id>`, for that colon.
    pub fn credential_name(slot: SecretSlot, account_id: &str) -> String {
        match slot {
            SecretSlot::Vendor => account_id.replace(':', "+"),
            SecretSlot::Proxy => format!("{account_id}+proxy"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The credential's content without its final line break (`echo` and editors add one);
    /// `None` when there is no such credential.
    pub async fn read(&self, slot: SecretSlot, account_id: &str) -> Result<Option<SecretString>> {
        let name = Self::credential_name(slot, account_id);
        // An id with a path separator cannot name a file in the folder (config validation
        // refuses such ids; this keeps a hand-made source from reading elsewhere).
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Ok(None);
        }
        let path = self.dir.join(&name);
        let read = tokio::task::spawn_blocking(move || read_bounded(&path))
            .await
            .map_err(|e| Error::Io(format!("reading a credential failed: {e}")))?;
        match read {
            Ok(text) => Ok(Some(SecretString::from(text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            // The message names the file, never its content.
            Err(e) => Err(Error::Io(format!(
                "cannot read the systemd credential {name:?} in {}: {e}",
                self.dir.display()
            ))),
        }
    }
}

/// A secret kept in a file of its own (a credential, a token file): its text without the final
/// line break, refused when empty, larger than 64 KiB or not UTF-8. Errors name the file,
/// never its content.
pub fn read_secret_file(path: &Path) -> Result<SecretString> {
    read_bounded(path)
        .map(SecretString::from)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIAL_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CREDENTIAL_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} KiB", MAX_CREDENTIAL_BYTES / 1024),
        ));
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))?;
    let kept = text.trim_end_matches(['\n', '\r']).len();
    text.truncate(kept);
    if text.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is empty",
        ));
    }
    Ok(text)
}

#[async_trait]
impl SecretSource for SystemdCredentials {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        self.read(SecretSlot::Vendor, account_id)
            .await?
            .ok_or_else(|| Error::MissingSecret(account_id.to_string()))
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        self.read(SecretSlot::Proxy, account_id)
            .await?
            .ok_or_else(|| super::missing_proxy_password(account_id))
    }
}

/// Where the headless commands (`watch`, `check`, `serve`) read secrets: the systemd
/// credentials when the process runs as a service given some, then the environment and the
/// OS keyring (`SecretStore`).
pub fn headless_secrets() -> Arc<dyn SecretSource> {
    let store: Arc<dyn SecretSource> = Arc::new(super::SecretStore::default());
    match SystemdCredentials::from_env() {
        Some(credentials) => Arc::new(FirstFound::new(vec![Arc::new(credentials), store])),
        None => store,
    }
}

/// Asks each source in turn, going on to the next only when one has no such secret; any other
/// failure (an unreadable file, a keyring that does not answer) is the answer, so that a broken
/// source is reported rather than silently passed over.
pub struct FirstFound(Vec<Arc<dyn SecretSource>>);

impl FirstFound {
    pub fn new(sources: Vec<Arc<dyn SecretSource>>) -> Self {
        FirstFound(sources)
    }
}

#[async_trait]
impl SecretSource for FirstFound {
    async fn secret(&self, account_id: &str) -> Result<SecretString> {
        let mut last = Error::MissingSecret(account_id.to_string());
        for source in &self.0 {
            match source.secret(account_id).await {
                Err(e) if e.kind() == crate::ErrorKind::MissingSecret => last = e,
                found_or_failed => return found_or_failed,
            }
        }
        Err(last)
    }

    async fn proxy_secret(&self, account_id: &str) -> Result<SecretString> {
        let mut last = super::missing_proxy_password(account_id);
        for source in &self.0 {
            match source.proxy_secret(account_id).await {
                Err(e) if e.kind() == crate::ErrorKind::MissingSecret => last = e,
                found_or_failed => return found_or_failed,
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::StaticSecrets;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn a_credential_file_is_read_without_its_final_line_break() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cc-main"), "s3cret\n").unwrap();
        std::fs::write(dir.path().join("cc-main+proxy"), "proxy-pw\r\n").unwrap();
        let creds = SystemdCredentials::new(dir.path());
        assert_eq!(
            creds.secret("cc-main").await.unwrap().expose_secret(),
            "s3cret"
        );
        assert_eq!(
            creds.proxy_secret("cc-main").await.unwrap().expose_secret(),
            "proxy-pw"
        );
        let missing = creds.secret("other").await.unwrap_err();
        assert_eq!(missing.kind(), crate::ErrorKind::MissingSecret);
    }

    #[tokio::test]
    async fn a_webhook_url_is_the_credential_webhook_plus_its_id() {
        // `LoadCredential=` splits at ':', so `webhook:chat` is kept as `webhook+chat`.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("webhook+chat"), "https://hooks.example/x\n").unwrap();
        let creds = SystemdCredentials::new(dir.path());
        let url = creds.secret("webhook:chat").await.unwrap();
        assert_eq!(url.expose_secret(), "https://hooks.example/x");
    }

    #[tokio::test]
    async fn an_empty_or_oversized_credential_is_an_error_that_does_not_show_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        let big = "x".repeat(MAX_CREDENTIAL_BYTES as usize + 1);
        std::fs::write(dir.path().join("big"), &big).unwrap();
        let creds = SystemdCredentials::new(dir.path());
        let empty = creds.secret("empty").await.unwrap_err();
        assert_eq!(empty.kind(), crate::ErrorKind::Io);
        assert!(empty.to_string().contains("empty"), "{empty}");
        let too_big = creds.secret("big").await.unwrap_err();
        assert!(too_big.to_string().contains("KiB"), "{too_big}");
        assert!(!too_big.to_string().contains("xxxx"), "{too_big}");
    }

    #[tokio::test]
    async fn the_first_source_holding_the_secret_wins_and_failures_are_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "from-credentials").unwrap();
        std::fs::write(dir.path().join("broken"), "").unwrap();
        let chain = FirstFound::new(vec![
            Arc::new(SystemdCredentials::new(dir.path())),
            Arc::new(
                StaticSecrets::new()
                    .with("a", "from-store")
                    .with("b", "from-store")
                    .with("broken", "from-store"),
            ),
        ]);
        assert_eq!(
            chain.secret("a").await.unwrap().expose_secret(),
            "from-credentials"
        );
        assert_eq!(
            chain.secret("b").await.unwrap().expose_secret(),
            "from-store"
        );
        assert_eq!(
            chain.secret("broken").await.unwrap_err().kind(),
            crate::ErrorKind::Io
        );
        assert_eq!(
            chain.secret("c").await.unwrap_err().kind(),
            crate::ErrorKind::MissingSecret
        );
        assert_eq!(
            chain.proxy_secret("a").await.unwrap_err().kind(),
            crate::ErrorKind::MissingSecret
        );
    }
}
