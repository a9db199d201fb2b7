//! Which URLs AgentWatch may call: https anywhere, plain http only on loopback. Below both the
//! configuration (an account's base URL) and routing (a webhook's URL), which share the rule.

use std::net::IpAddr;

/// `https://host[:port][/prefix]`; `http` is allowed for loopback addresses (the simulators).
/// A path is a prefix some installations serve the API under (`/senhasegura`): the client adds
/// the vendor's documented path after it.
pub fn validate_base_url(raw: &str) -> std::result::Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("{raw:?} has no host"))?;
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "{raw:?} must not carry a query, fragment or user name"
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(host) => Ok(()),
        "http" => Err(format!(
            "{raw:?} must use https (plain http is allowed only for loopback addresses)"
        )),
        other => Err(format!("{raw:?}: unsupported scheme {other:?}")),
    }
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}
