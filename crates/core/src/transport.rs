//! A failed connection in words: which host and port, and what went wrong there (refused, no
//! such host, no answer in time, plain HTTP where TLS was expected, a certificate this machine
//! does not trust), with what to check. The HTTP stack's own chain of messages is kept only
//! for failures not recognised here.

use crate::error::kind::ErrorKind;

/// The server a request went to: `host:port`, never the path or the query (they can carry
/// credentials).
pub fn endpoint(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("the server");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// What failed, from the transport error's message chain: the kind and the message. `server`
/// is [`endpoint`]'s `host:port` (or `None` when the URL is not known).
pub fn describe(chain: &str, timed_out: bool, server: Option<&str>) -> (ErrorKind, String) {
    let server = server.unwrap_or("the server");
    let host = server.rsplit_once(':').map_or(server, |(host, _)| host);
    let lower = chain.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if timed_out {
        return (
            ErrorKind::Timeout,
            format!(
                "no answer from {server} within the time limit (timeout_secs): is the server \
                 up and the address right?"
            ),
        );
    }
    if has(&[
        "invalidcontenttype",
        "wrong version number",
        "http request to an https",
    ]) {
        return (
            ErrorKind::Tls,
            format!(
                "{server} answered in plain HTTP, not TLS: use http:// in base_url, or the \
                 server's TLS port"
            ),
        );
    }
    if has(&[
        "unknownissuer",
        "unknown issuer",
        "self-signed",
        "self signed",
    ]) {
        return (
            ErrorKind::Tls,
            format!(
                "the certificate of {server} is signed by an authority this machine does not \
                 trust: give the account's ca_file (the CA certificate, PEM)"
            ),
        );
    }
    if has(&["notvalidforname", "not valid for name"]) {
        return (
            ErrorKind::Tls,
            format!(
                "the certificate of {server} is not valid for the name {host}: use the name the \
                 certificate was issued for in base_url"
            ),
        );
    }
    if has(&["expired"]) && has(&["certificate"]) {
        return (
            ErrorKind::Tls,
            format!("the certificate of {server} has expired (or this machine's clock is wrong)"),
        );
    }
    if has(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
    ]) {
        return (
            ErrorKind::Connect,
            format!("cannot find the host {host} (DNS): check the host name in base_url"),
        );
    }
    if has(&["connection refused"]) {
        return (
            ErrorKind::Connect,
            format!(
                "{server} refused the connection: is the server's address and port right, and \
                 is it running?"
            ),
        );
    }
    if has(&[
        "network is unreachable",
        "no route to host",
        "host is unreachable",
    ]) {
        return (
            ErrorKind::Connect,
            format!("cannot reach {server}: no route to it from this machine (network down?)"),
        );
    }
    if has(&[
        "connection reset",
        "connection closed",
        "broken pipe",
        "unexpected eof",
    ]) {
        return (
            ErrorKind::Connect,
            format!("{server} closed the connection before answering"),
        );
    }
    if has(&["certificate", "tls", "handshake", "invalid peer"]) {
        return (
            ErrorKind::Tls,
            format!("TLS failure with {server}: {chain}"),
        );
    }
    (
        ErrorKind::Connect,
        format!("connection to {server} failed: {chain}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(chain: &str) -> (ErrorKind, String) {
        describe(chain, false, Some("10.1.2.3:8043"))
    }

    #[test]
    fn each_failure_names_the_server_and_what_to_check() {
        let (kind, message) = said("error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)");
        assert_eq!(kind, ErrorKind::Connect);
        assert!(
            message.starts_with("10.1.2.3:8043 refused the connection"),
            "{message}"
        );
        let (kind, message) = said("error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known");
        assert_eq!(kind, ErrorKind::Connect);
        assert_eq!(
            message,
            "cannot find the host 10.1.2.3 (DNS): check the host name in base_url"
        );
        let (kind, message) =
            said("client error (Connect): received corrupt message of type InvalidContentType");
        assert_eq!(kind, ErrorKind::Tls);
        assert!(message.contains("answered in plain HTTP"), "{message}");
        let (kind, message) =
            said("client error (Connect): invalid peer certificate: UnknownIssuer");
        assert_eq!(kind, ErrorKind::Tls);
        assert!(message.contains("ca_file"), "{message}");
        let (kind, message) = describe("operation timed out", true, Some("h:1"));
        assert_eq!(kind, ErrorKind::Timeout);
        assert!(
            message.starts_with("no answer from h:1 within"),
            "{message}"
        );
        let (_, message) = said("something new");
        assert_eq!(message, "connection to 10.1.2.3:8043 failed: something new");
    }

    #[test]
    fn the_endpoint_is_host_and_port_only() {
        let url = url::Url::parse("https://user:pw@gw.example:8043/path?token=x").unwrap();
        assert_eq!(endpoint(&url), "gw.example:8043");
        let url = url::Url::parse("https://api.agora.io/x").unwrap();
        assert_eq!(endpoint(&url), "api.agora.io:443");
        let url = url::Url::parse("http://[::1]:9000/").unwrap();
        assert_eq!(endpoint(&url), "[::1]:9000");
    }
}
