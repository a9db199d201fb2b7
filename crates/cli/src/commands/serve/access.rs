//! Who may read what `serve` exposes. On a loopback address only the machine's own users can
//! connect, so no token is needed. Any other address is reachable from the network: there a
//! bearer token is required, and `serve` refuses to start without one rather than publish the
//! names and states of every agent to whoever asks.

use agentwatch_core::secrets::read_secret_file;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::Path;

/// The environment variable that can hold the bearer token (instead of `--bearer-token-file`).
pub const TOKEN_ENV: &str = "AGENTWATCH_METRICS_TOKEN";
/// A shorter token is guessable: refused.
const MIN_TOKEN_CHARS: usize = 16;

/// The token every request must carry, if any.
pub struct Access {
    token: Option<SecretString>,
}

impl Access {
    /// Reads the token (the file first, then `AGENTWATCH_METRICS_TOKEN`) and checks that
    /// `listen` may be used with what was found. The error says what to do.
    pub fn for_listen(listen: SocketAddr, token_file: Option<&Path>) -> Result<Access, String> {
        let token = match token_file {
            Some(path) => Some(read_secret_file(path).map_err(|e| e.to_string())?),
            None => std::env::var(TOKEN_ENV)
                .ok()
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
        };
        if let Some(token) = &token {
            if token.expose_secret().chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "the bearer token is too short: use at least {MIN_TOKEN_CHARS} characters \
                     (for example `openssl rand -hex 32`)"
                ));
            }
        }
        if token.is_none() && !listen.ip().is_loopback() {
            return Err(format!(
                "refusing to listen on {listen} without a bearer token: anyone who can reach \
                 it could read every agent's state. Give one with --bearer-token-file FILE or \
                 the {TOKEN_ENV} environment variable, or listen on a loopback address \
                 (127.0.0.1)"
            ));
        }
        Ok(Access { token })
    }

    pub fn requires_token(&self) -> bool {
        self.token.is_some()
    }

    /// True when no token is required, or the `Authorization` header carries it as
    /// `Bearer <token>`. Compared in constant time, so timing does not tell how much matched.
    pub fn allows(&self, authorization: Option<&[u8]>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(given) = authorization.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        constant_time_eq(given, token.expose_secret().as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // The length is not secret (it only says how long the token is); the content is.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_needs_no_token_and_any_other_address_does() {
        // One test touches the environment variable, so that no other test races it.
        std::env::remove_var(TOKEN_ENV);
        assert!(Access::for_listen(addr("127.0.0.1:9464"), None).is_ok());
        assert!(Access::for_listen(addr("[::1]:9464"), None).is_ok());
        let refused = Access::for_listen(addr("0.0.0.0:9464"), None)
            .err()
            .expect("refused");
        assert!(refused.contains("bearer token"), "{refused}");
        assert!(refused.contains(TOKEN_ENV), "{refused}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "0123456789abcdef0123\n").unwrap();
        let access = Access::for_listen(addr("0.0.0.0:9464"), Some(&file)).unwrap();
        assert!(access.requires_token());
        assert!(access.allows(Some(b"Bearer 0123456789abcdef0123")));
        assert!(!access.allows(Some(b"Bearer 0123456789abcdef0124")));
        assert!(!access.allows(Some(b"Bearer 0123")));
        assert!(!access.allows(Some(b"0123456789abcdef0123")));
        assert!(!access.allows(None));

        std::fs::write(&file, "short").unwrap();
        let short = Access::for_listen(addr("0.0.0.0:9464"), Some(&file))
            .err()
            .expect("refused");
        assert!(
            short.contains("too short") && !short.contains("short\""),
            "{short}"
        );

        std::env::set_var(TOKEN_ENV, "from-the-environment-0123");
        let access = Access::for_listen(addr("192.0.2.1:9464"), None).unwrap();
        assert!(access.allows(Some(b"Bearer from-the-environment-0123")));
        std::env::remove_var(TOKEN_ENV);
    }
}
