//! Which way an account's requests leave the machine: the environment's proxy (`system`, what
//! reqwest does by default), straight to the vendor (`none`), or one named proxy (`http://…`,
//! `https://…`, `socks5://…`, `socks5h://…`). A proxy user's name may be in the URL; its password
//! never is: it lives in the keyring (or `AGENTWATCH_PROXY_SECRET_<ID>`) and joins the proxy
//! settings only in memory, inside the HTTP client.

use crate::error::{Error, ErrorKind, Result};
use secrecy::{ExposeSecret, SecretString};

pub const SYSTEM: &str = "system";
pub const NONE: &str = "none";
const SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// An account's `proxy` key, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment.
    System,
    /// Straight to the vendor, whatever the environment says.
    Direct,
    /// Every request through this proxy. Holds no password (refused when parsing).
    Url(url::Url),
}

impl ProxySetting {
    /// Parses the config value; `None` (no key) is `system`. The error never repeats a password.
    pub fn parse(raw: Option<&str>) -> std::result::Result<ProxySetting, String> {
        let raw = match raw {
            None | Some(SYSTEM) => return Ok(ProxySetting::System),
            Some(NONE) => return Ok(ProxySetting::Direct),
            Some(raw) => raw,
        };
        let url = url::Url::parse(raw).map_err(|e| {
            format!(
                "must be \"system\", \"none\" or a proxy URL such as \"http://host:port\" ({e})"
            )
        })?;
        if url.password().is_some() {
            return Err(format!(
                "{} must not hold a password: store it in the keyring with \
                 `agentwatch secret set ACCOUNT --proxy` and keep only the user name in the URL",
                redacted(&url)
            ));
        }
        let shown = redacted(&url);
        if !SCHEMES.contains(&url.scheme()) {
            return Err(format!(
                "{shown}: unsupported scheme {:?} (use http, https, socks5 or socks5h)",
                url.scheme()
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{shown} has no host"));
        }
        if (url.path() != "/" && !url.path().is_empty())
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(format!("{shown} must be scheme, host and port only"));
        }
        Ok(ProxySetting::Url(url))
    }

    /// The proxy user named in the URL, decoded; only then is a password looked up.
    pub fn user(&self) -> Option<String> {
        match self {
            ProxySetting::Url(url) if !url.username().is_empty() => Some(
                percent_encoding::percent_decode_str(url.username())
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
            _ => None,
        }
    }

    /// Applies the setting to a client under construction. `password` is the proxy user's,
    /// required exactly when the URL names a user.
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
        account_id: &str,
        password: Option<&SecretString>,
    ) -> Result<reqwest::ClientBuilder> {
        let url = match self {
            // reqwest reads the environment by itself: the behaviour before this key existed.
            ProxySetting::System => return Ok(builder),
            ProxySetting::Direct => return Ok(builder.no_proxy()),
            ProxySetting::Url(url) => url,
        };
        // reqwest's own error would quote the URL: say it in our words.
        let mut proxy = reqwest::Proxy::all(url.as_str()).map_err(|_| {
            Error::poll(
                ErrorKind::Config,
                format!("cannot use the proxy {}", redacted(url)),
            )
        })?;
        if let Some(user) = self.user() {
            let password =
                password.ok_or_else(|| crate::secrets::missing_proxy_password(account_id))?;
            proxy = proxy.basic_auth(&user, password.expose_secret());
        }
        Ok(builder.proxy(proxy))
    }

    /// The way a request to `target` (the account's base URL) leaves, in words, never with a
    /// password: "via proxy http://127.0.0.1:3128", "direct", "system proxy … (environment)".
    pub fn route(&self, target: &str) -> String {
        match self {
            ProxySetting::Direct => "direct (proxy = \"none\")".to_string(),
            ProxySetting::Url(url) => format!("via proxy {}", redacted(url)),
            ProxySetting::System => {
                // The same matcher reqwest consults, so that the words match what it does.
                let matcher = hyper_util::client::proxy::matcher::Matcher::from_env();
                let intercepted = target
                    .parse::<http::Uri>()
                    .ok()
                    .and_then(|uri| matcher.intercept(&uri));
                match intercepted {
                    Some(hit) => format!(
                        "system proxy {} (from the environment)",
                        without_userinfo(&hit.uri().to_string())
                    ),
                    None => "direct (no system proxy for this address)".to_string(),
                }
            }
        }
    }
}

/// A URL for messages: scheme, user, host and port, no password, no trailing slash.
fn redacted(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    shown.as_str().trim_end_matches('/').to_string()
}

/// Cuts `user:password@` out of an authority, for URIs that did not come from our config.
fn without_userinfo(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let tail = tail.trim_end_matches('/');
    if scheme.is_empty() {
        format!("{host}{tail}")
    } else {
        format!("{scheme}://{host}{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_is_the_default_and_none_goes_direct() {
        assert_eq!(ProxySetting::parse(None), Ok(ProxySetting::System));
        assert_eq!(
            ProxySetting::parse(Some("system")),
            Ok(ProxySetting::System)
        );
        assert_eq!(ProxySetting::parse(Some("none")), Ok(ProxySetting::Direct));
    }

    #[test]
    fn proxy_urls_are_accepted_with_a_user_but_never_a_password() {
        for ok in [
            "http://127.0.0.1:3128",
            "https://proxy.example:8443",
            "socks5h://127.0.0.1:1080",
            "socks5://[::1]:1080",
            "http://alice@proxy.example:3128",
        ] {
            assert!(ProxySetting::parse(Some(ok)).is_ok(), "{ok}");
        }
        let err = ProxySetting::parse(Some("http://alice:hunter2@proxy.example:3128")).unwrap_err();
        assert!(err.contains("must not hold a password"), "{err}");
        assert!(err.contains("http://alice@proxy.example:3128"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn bad_proxy_values_say_what_is_expected() {
        for (bad, says) in [
            ("System", "must be \"system\", \"none\""),
            ("127.0.0.1:3128", "must be \"system\", \"none\""),
            ("localhost:3128", "unsupported scheme"),
            ("ftp://h:21", "unsupported scheme"),
            ("socks4://h:1080", "unsupported scheme"),
            ("http://h:3128/path", "scheme, host and port only"),
            ("http://h:3128?x=1", "scheme, host and port only"),
        ] {
            let err = ProxySetting::parse(Some(bad)).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_user_is_decoded_and_demands_a_password() {
        let s = ProxySetting::parse(Some("http://dom%5Calice@h:3128")).unwrap();
        assert_eq!(s.user().as_deref(), Some("dom\\alice"));
        let err = s
            .apply(reqwest::Client::builder(), "acc", None)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingSecret);
        assert!(err.to_string().contains("--proxy"), "{err}");
        assert!(
            err.to_string().contains("AGENTWATCH_PROXY_SECRET_ACC"),
            "{err}"
        );
        assert_eq!(
            ProxySetting::parse(Some("http://h:3128")).unwrap().user(),
            None
        );
    }

    #[test]
    fn routes_are_told_without_passwords() {
        let s = ProxySetting::parse(Some("socks5h://bob@127.0.0.1:1080")).unwrap();
        assert_eq!(
            s.route("https://localhost:1"),
            "via proxy socks5h://bob@127.0.0.1:1080"
        );
        assert_eq!(
            without_userinfo("http://u:p@127.0.0.1:3128/"),
            "http://127.0.0.1:3128"
        );
    }
}
