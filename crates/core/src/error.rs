//! The core's one error type. Every error has a machine-readable kind so that the UI and the CLI
//! can tell an authentication failure from a TLS problem from a timeout from a locked keyring.
//! Messages never contain secrets: they are built from status codes, vendor error codes and our
//! own words, never from request headers or bodies we sent.

use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) mod kind;

pub use kind::ErrorKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Poll {
        kind: ErrorKind,
        message: String,
        /// Set when the server asked us to wait (HTTP 429 / 503 with Retry-After).
        retry_after: Option<Duration>,
    },
    #[error("{}", config_message(file, *line, key, message))]
    Config {
        file: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("{0}")]
    Keyring(String),
    #[error("the keyring is locked — unlock it to resume polling")]
    KeyringLocked,
    #[error(
        "no secret is stored for account {0:?} (run `agentwatch secret set {0}`, or set {env})",
        env = crate::secrets::env_names::env_var_name(.0)
    )]
    MissingSecret(String),
    #[error("{0}")]
    Io(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn poll(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::Poll {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Poll { kind, .. } => *kind,
            Error::Config { .. } => ErrorKind::Config,
            Error::Keyring(_) => ErrorKind::Keyring,
            Error::KeyringLocked => ErrorKind::KeyringLocked,
            Error::MissingSecret(_) => ErrorKind::MissingSecret,
            Error::Io(_) => ErrorKind::Io,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Poll { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Classifies a reqwest transport error, naming the server's host and port and what
    /// failed there in words (`crate::transport`). The rest of the URL is never quoted: it can
    /// carry query values.
    pub fn from_transport(err: reqwest::Error) -> Self {
        let server = err.url().map(crate::transport::endpoint);
        let err = err.without_url();
        let chain = error_chain(&err);
        if is_proxy_auth_refusal(&chain) {
            return Error::poll(
                ErrorKind::Auth,
                "the proxy refused its credentials (check the proxy user and its password)",
            );
        }
        if err.is_decode() {
            return Error::poll(ErrorKind::Malformed, format!("unreadable answer: {chain}"));
        }
        let (kind, message) =
            crate::transport::describe(&chain, err.is_timeout(), server.as_deref());
        Error::poll(kind, message)
    }

    /// Names the call an error interrupted ("Segura token request: no answer within the time
    /// limit"), keeping its kind and any Retry-After.
    pub fn in_call(self, call: impl std::fmt::Display) -> Self {
        match self {
            Error::Poll {
                kind,
                message,
                retry_after,
            } => Error::Poll {
                kind,
                message: format!("{call}: {message}"),
                retry_after,
            },
            other => other,
        }
    }

    /// An error for an answer we could not understand. `what` names the vendor call.
    pub fn malformed(what: &str, err: impl std::fmt::Display) -> Self {
        Error::poll(
            ErrorKind::Malformed,
            format!("malformed answer to {what}: {err}"),
        )
    }
}

fn config_message(file: &std::path::Path, line: usize, key: &str, message: &str) -> String {
    let place = if line > 0 {
        format!("{}:{line}", file.display())
    } else {
        file.display().to_string()
    };
    if key.is_empty() {
        format!("{place}: {message}")
    } else {
        format!("{place}: {key}: {message}")
    }
}

/// The whole source chain on one line ("error sending request: tcp connect error: refused").
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// What crosses to the UI: `{kind, message}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        ErrorReport {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// Whether a transport error is a proxy refusing our credentials (CONNECT answered 407, or a
/// SOCKS5 server rejecting the user and password).
fn is_proxy_auth_refusal(chain: &str) -> bool {
    let chain = chain.to_ascii_lowercase();
    chain.contains("proxy authorization required")
        || (chain.contains("socks") && chain.contains("credentials not accepted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_serialises_as_its_name() {
        use ErrorKind::*;
        let all = [
            Auth,
            Tls,
            Timeout,
            Connect,
            HttpStatus,
            RateLimited,
            Malformed,
            TooLarge,
            Vendor,
            Keyring,
            KeyringLocked,
            MissingSecret,
            Config,
            Io,
        ];
        for kind in all {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_string())
            );
        }
        assert_eq!(TooLarge.as_str(), "too_large");
    }
}
