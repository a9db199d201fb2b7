//! Following the pages of the list: a cursor goes back as `?cursor=…`, a next URL is followed
//! only on the account's own host (the secret goes with every request).

use crate::error::{Error, ErrorKind};
use serde_json::Value;
use url::Url;

/// The most pages one poll follows: 100,000 agents in pages of 100, far beyond a real list, so
/// reaching it means the server's cursor never ends.
pub const MAX_PAGES: usize = 1_000;

/// Where the next page is, read from the answer at `fields.next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Done,
    Url(Url),
}

/// Reads the next-page value: missing, null, `false` or empty ends the list; a string that is
/// a URL (absolute, or a path starting with '/') is the next page's URL and must stay on the
/// first page's origin; any other string or number is a cursor for `?cursor=`.
pub fn next_page(value: Option<&Value>, current: &Url, call: &str) -> Result<Next, Error> {
    let text = match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(Next::Done),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Next::Done),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(Error::malformed(
                call,
                format!(
                    "the next-page value is a {}, not a cursor or URL",
                    kind_of(other)
                ),
            ))
        }
    };
    let is_url = text.starts_with('/')
        || text.starts_with("http://")
        || text.starts_with("https://")
        || text.contains("://");
    if !is_url {
        let mut url = current.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("cursor", &text);
        return Ok(Next::Url(url));
    }
    let next = current
        .join(&text)
        .map_err(|e| Error::malformed(call, format!("the next-page URL does not parse: {e}")))?;
    if next.origin() != current.origin() {
        // Quoted without path or query: only the host matters, and a query may hold a token.
        return Err(Error::poll(
            ErrorKind::Vendor,
            format!(
                "{call}: the next page is on another host ({}://{}), not followed: the \
                 account's secret is only sent to its own base_url",
                next.scheme(),
                next.host_str().unwrap_or("?")
            ),
        ));
    }
    Ok(Next::Url(next))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_cursor_replaces_the_previous_one_and_keeps_the_query() {
        let first = url("https://h/api/agents?team=7");
        let Next::Url(second) = next_page(Some(&json!("c2")), &first, "x").unwrap() else {
            panic!()
        };
        assert_eq!(second.as_str(), "https://h/api/agents?team=7&cursor=c2");
        let Next::Url(third) = next_page(Some(&json!(30)), &second, "x").unwrap() else {
            panic!()
        };
        assert_eq!(third.as_str(), "https://h/api/agents?team=7&cursor=30");
    }

    #[test]
    fn next_urls_stay_on_the_same_host() {
        let first = url("https://h:8443/api/agents");
        assert_eq!(
            next_page(Some(&json!("/api/agents?page=2")), &first, "x").unwrap(),
            Next::Url(url("https://h:8443/api/agents?page=2"))
        );
        assert!(next_page(Some(&json!("https://h:8443/p?page=3")), &first, "x").is_ok());
        for elsewhere in [
            "https://evil.example/p",
            "https://h:9443/p",
            "http://h:8443/p",
        ] {
            let err = next_page(Some(&json!(elsewhere)), &first, "x").unwrap_err();
            assert!(err.to_string().contains("another host"), "{err}");
        }
        for end in [json!(null), json!(""), json!(false)] {
            assert_eq!(next_page(Some(&end), &first, "x").unwrap(), Next::Done);
        }
        assert_eq!(next_page(None, &first, "x").unwrap(), Next::Done);
        assert!(next_page(Some(&json!({"a": 1})), &first, "x").is_err());
    }
}
