//! Each webhook service's documented request, built from the payload.
//!
//! - `json`: the payload itself.
//! - `slack`: an incoming webhook message, `text` (the fallback shown in notifications) plus
//!   Block Kit `blocks` (a header and the facts). Slack's mrkdwn needs `&`, `<` and `>` escaped.
//! - `teams`: the Workflows "post to a channel when a webhook request is received" shape, a
//!   `message` whose attachment is an Adaptive Card (1.4). Chosen over the older MessageCard
//!   because Microsoft is retiring the Office 365 connectors that took MessageCards; Workflows
//!   webhooks accept only Adaptive Cards.
//! - `ntfy`: a POST to the topic URL with the body as the message and the `Title`, `Priority`
//!   and `Tags` headers (ntfy's "publish as HTTP headers"); non-ASCII header text is sent as an
//!   RFC 2047 encoded word, which ntfy decodes.

use super::config::WebhookFormat;
use super::payload::RoutePayload;
use crate::model::Severity;
use base64::Engine as _;
use serde_json::{json, Value};

/// What to POST.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRequest {
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl WebhookRequest {
    fn json(value: &Value) -> WebhookRequest {
        WebhookRequest {
            content_type: "application/json",
            headers: Vec::new(),
            body: serde_json::to_vec(value).expect("a JSON value serialises"),
        }
    }
}

pub fn request(format: WebhookFormat, payload: &RoutePayload) -> WebhookRequest {
    match format {
        WebhookFormat::Json => {
            WebhookRequest::json(&serde_json::to_value(payload).expect("payload serialises"))
        }
        WebhookFormat::Slack => WebhookRequest::json(&slack(payload)),
        WebhookFormat::Teams => WebhookRequest::json(&teams(payload)),
        WebhookFormat::Ntfy => ntfy(payload),
    }
}

fn emoji(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => ":red_circle:",
        Severity::Warning => ":warning:",
        Severity::Unknown => ":grey_question:",
        Severity::Info => ":information_source:",
        Severity::Ok => ":white_check_mark:",
    }
}

/// Slack's three control characters in mrkdwn and plain text.
fn slack_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack(p: &RoutePayload) -> Value {
    let title = slack_escaped(&p.summary);
    let facts: Vec<Value> = p
        .facts()
        .into_iter()
        .map(|(name, value)| {
            json!({"type": "mrkdwn", "text": format!("*{name}*\n{}", slack_escaped(&value))})
        })
        .collect();
    json!({
        "text": format!("{} {title}: {}", emoji(p.severity), slack_escaped(&p.body)),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn",
                "text": format!("{} *{title}*\n{}", emoji(p.severity), slack_escaped(&p.body))}},
            // A section holds at most 10 fields; facts() gives at most 6.
            {"type": "section", "fields": facts},
        ]
    })
}

/// Teams renders Markdown in TextBlocks and facts: a vendor's `[x](https://...)` in an agent id
/// would become a link. CommonMark's backslash escapes keep such text literal.
fn teams_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '[' | ']' | '(' | ')' | '*' | '_' | '`' | '#' | '<' | '>' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn teams(p: &RoutePayload) -> Value {
    let color = match p.severity {
        Severity::Critical => "Attention",
        Severity::Warning => "Warning",
        Severity::Ok => "Good",
        Severity::Info | Severity::Unknown => "Default",
    };
    let facts: Vec<Value> = p
        .facts()
        .into_iter()
        .map(|(title, value)| json!({"title": title, "value": teams_escaped(&value)}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": teams_escaped(&p.summary), "weight": "Bolder",
                     "size": "Medium", "color": color, "wrap": true},
                    {"type": "TextBlock", "text": teams_escaped(&p.body), "wrap": true},
                    {"type": "FactSet", "facts": facts},
                ]
            }
        }]
    })
}

/// ntfy's priorities: 5 urgent, 4 high, 3 default, 2 low.
fn ntfy_priority(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "5",
        Severity::Warning => "4",
        Severity::Unknown => "3",
        Severity::Info | Severity::Ok => "2",
    }
}

/// Tags are emoji short codes (shown as emoji) or words (shown as tags).
fn ntfy_tags(p: &RoutePayload) -> String {
    let icon = match p.severity {
        Severity::Critical => "rotating_light",
        Severity::Warning => "warning",
        Severity::Unknown => "grey_question",
        Severity::Info => "information_source",
        Severity::Ok => "white_check_mark",
    };
    format!("{icon},agentwatch,{}", header_safe(&p.vendor))
}

fn ntfy(p: &RoutePayload) -> WebhookRequest {
    let message = format!("{}\n{}", p.body, p.why);
    WebhookRequest {
        content_type: "text/plain; charset=utf-8",
        headers: vec![
            ("Title", header_text(&p.summary)),
            ("Priority", ntfy_priority(p.severity).to_string()),
            ("Tags", ntfy_tags(p)),
        ],
        body: message.into_bytes(),
    }
}

/// Text as a header value: printable ASCII as it is; anything else as one RFC 2047 encoded
/// word (`=?UTF-8?B?...?=`), so a vendor's agent name can neither break the header nor be lost.
pub fn header_text(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    if clean.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        clean
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(clean.as_bytes())
        )
    }
}

/// A single word for a comma-separated header: letters, digits, '-' and '_' only.
fn header_safe(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_header_text_is_an_encoded_word_and_control_characters_go() {
        assert_eq!(header_text("A1: FAILED"), "A1: FAILED");
        assert_eq!(header_text("A1\r\nX-Evil: 1"), "A1X-Evil: 1");
        let encoded = header_text("Zoë: FAILED");
        assert!(encoded.starts_with("=?UTF-8?B?") && encoded.ends_with("?="));
        let inner = &encoded[10..encoded.len() - 2];
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(inner)
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "Zoë: FAILED");
    }

    #[test]
    fn teams_text_cannot_make_a_link() {
        assert_eq!(
            teams_escaped("[x](https://evil) *b*"),
            "\\[x\\]\\(https://evil\\) \\*b\\*"
        );
    }

    #[test]
    fn slack_text_escapes_its_control_characters() {
        assert_eq!(
            slack_escaped("<!channel> & co"),
            "&lt;!channel&gt; &amp; co"
        );
    }
}
