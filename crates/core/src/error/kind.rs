//! What kind of failure an error is, for the UI, the CLI and the history: its own module, below
//! both the error type and the transport's classification (`crate::transport`), which names it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Credentials refused (HTTP 401/403, Huawei 100-004, token endpoint refusal).
    Auth,
    /// Certificate or TLS handshake problem.
    Tls,
    /// The server did not answer within the time limit.
    Timeout,
    /// Could not connect (refused, reset, DNS).
    Connect,
    /// An HTTP status that is not success (5xx, 404 where a list was expected...).
    HttpStatus,
    /// Rate limited (HTTP 429); `retry_after` tells when to come back.
    RateLimited,
    /// The answer could not be understood (bad JSON, wrong types, missing fields).
    Malformed,
    /// The answer was larger than the account's `max_answer_mib`: refused unread.
    TooLarge,
    /// The vendor answered with an error code in its body (Huawei retcode, Segura error_code).
    Vendor,
    /// The secret store could not be used (no Secret Service, timed out).
    Keyring,
    /// The keyring holding the account's secret is locked: waiting for the user to unlock it,
    /// which is not an authentication failure.
    KeyringLocked,
    /// No secret is stored for the account.
    MissingSecret,
    /// The configuration is invalid.
    Config,
    /// Local I/O failed.
    Io,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Malformed => "malformed",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Vendor => "vendor",
            ErrorKind::Keyring => "keyring",
            ErrorKind::KeyringLocked => "keyring_locked",
            ErrorKind::MissingSecret => "missing_secret",
            ErrorKind::Config => "config",
            ErrorKind::Io => "io",
        }
    }
}

impl ErrorKind {
    /// Failures that say the network (or this machine's way onto it) is down rather than that
    /// one vendor is: when every account fails like this at once, the network is unavailable.
    pub fn is_connection_level(self) -> bool {
        matches!(
            self,
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Tls
        )
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
