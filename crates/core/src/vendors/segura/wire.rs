//! The Segura wire format: the OAuth2 token answer and the Network Connector agent list, read
//! as leniently as the documentation requires (`agent` or `agents`, ids and ports as strings or
//! integers) and no more. Secrets (the access token, the agent fingerprint) are wrapped in
//! `SecretString` the moment they are read.

use secrecy::SecretString;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// The answer of `POST /iso/oauth2/token`.
#[derive(Debug, Deserialize)]
pub(super) struct TokenAnswer {
    #[serde(deserialize_with = "secret_text")]
    pub access_token: SecretString,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub expires_in: Option<String>,
}

/// An OAuth2 error answer (`{"error":"invalid_client",...}`); only the code is ever quoted.
#[derive(Debug, Deserialize)]
pub(super) struct OAuthError {
    #[serde(default)]
    pub error: Option<String>,
}

/// Every body `GET /api/system/nc/agent` answers with: the success shape and the three error
/// shapes other clients meet: "flat" (`{code,message,error,error_code}` at the top level, the
/// documented 404), "wrapped" (the same inside `response`, the documented 500) and `response`
/// plus `exception{code,message,detail}`.
#[derive(Debug, Deserialize)]
pub(super) struct ListAnswer {
    #[serde(default)]
    pub response: Option<Envelope>,
    // The flat error form.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "optional_flag")]
    pub error: Option<bool>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub error_code: Option<String>,
    #[serde(default)]
    pub exception: Option<Exception>,
    /// `agent` on the English page, `agents` on the Portuguese one. Kept as JSON values and
    /// read one by one ([`read_entry`]), so that one bad entry does not hide the others.
    #[serde(default, alias = "agents")]
    pub agent: Option<Vec<serde_json::Value>>,
}

/// The `response` object, with its Portuguese twins (`mensagem`, `erro`, `cod_erro`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Envelope {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub mensagem: Option<String>,
    #[serde(default, deserialize_with = "optional_flag")]
    pub error: Option<bool>,
    #[serde(default, deserialize_with = "optional_flag")]
    pub erro: Option<bool>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub cod_erro: Option<String>,
}

/// The third error shape's `exception` object.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Exception {
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireAgent {
    #[serde(deserialize_with = "text_or_integer")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub port: Option<String>,
    #[serde(default, deserialize_with = "optional_secret_text")]
    pub fingerprint: Option<SecretString>,
}

/// An error the vendor reported in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VendorError {
    pub code: Option<String>,
    pub message: Option<String>,
}

impl VendorError {
    /// What the body of an answer with an error status says in one of the three shapes: its
    /// code and message, flagged as an error or not (the status says it is one). `None` when
    /// it is not JSON in these shapes or says nothing.
    pub fn in_body(body: &[u8]) -> Option<VendorError> {
        let answer = serde_json::from_slice::<ListAnswer>(body).ok()?;
        answer
            .said()
            .filter(|said| said.code.is_some() || said.message.is_some())
    }

    /// "message (code)", as a supervisor reads it.
    pub fn words(&self) -> String {
        let text = self.message.as_deref().unwrap_or("no message");
        match &self.code {
            Some(code) => format!("{text} ({code})"),
            None => text.to_string(),
        }
    }
}

impl ListAnswer {
    /// The error the body reports, in the wrapped, the flat or the exception form.
    pub fn reported_error(&self) -> Option<VendorError> {
        let envelope = self.response.as_ref();
        let flagged = envelope.is_some_and(|r| r.error == Some(true) || r.erro == Some(true))
            || self.error == Some(true)
            || self.exception.is_some();
        if !flagged {
            return None;
        }
        self.said()
    }

    /// The code and message the body carries, in whichever shape.
    fn said(&self) -> Option<VendorError> {
        let envelope = self.response.as_ref();
        let exception = self.exception.as_ref();
        // The English and Portuguese twins can disagree; the first meaningful one wins.
        let code = [
            exception.and_then(|e| e.code.as_ref()),
            envelope.and_then(|r| r.error_code.as_ref()),
            envelope.and_then(|r| r.cod_erro.as_ref()),
            self.error_code.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|c| c.trim())
        .find(|c| !c.is_empty() && *c != "0")
        .map(str::to_string);
        let exception_message = exception.and_then(|e| {
            let text = |v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            };
            match (text(&e.message), text(&e.detail)) {
                (Some(m), Some(d)) if m != d => Some(format!("{m}: {d}")),
                (m, d) => m.or(d),
            }
        });
        let message = [
            exception_message.as_ref(),
            envelope.and_then(|r| r.message.as_ref()),
            envelope.and_then(|r| r.mensagem.as_ref()),
            self.message.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|m| m.trim())
        .find(|m| !m.is_empty())
        .map(str::to_string);
        Some(VendorError { code, message })
    }
}

/// A string or an integer, kept as text ("1" and 1 are the same agent).
struct TextOrInteger(String);

impl<'de> Deserialize<'de> for TextOrInteger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextOrIntegerVisitor;
        impl Visitor<'_> for TextOrIntegerVisitor {
            type Value = TextOrInteger;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TextOrInteger(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TextOrInteger(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TextOrInteger(v.to_string()))
            }
        }
        deserializer.deserialize_any(TextOrIntegerVisitor)
    }
}

fn text_or_integer<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    TextOrInteger::deserialize(d).map(|t| t.0)
}

fn optional_text_or_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<TextOrInteger>::deserialize(d).map(|t| t.map(|t| t.0))
}

/// An error flag as a boolean or, as some instances send it, the text "true" / "false" (or
/// "1" / "0", 1 / 0). Anything else is a wrong type.
fn optional_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Bool(b) => Ok(Some(b)),
        serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" | "" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!(
                "expected a boolean, found the text {s:?}"
            ))),
        },
        serde_json::Value::Number(n) if n.as_u64() == Some(1) => Ok(Some(true)),
        serde_json::Value::Number(n) if n.as_u64() == Some(0) => Ok(Some(false)),
        other => Err(de::Error::custom(format!(
            "expected a boolean, found {}",
            json_kind(&other)
        ))),
    }
}

/// Reads a secret string. A value of the wrong type is refused by its kind only: serde's own
/// message would quote a number or a boolean verbatim.
fn optional_secret_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.is_empty() => Ok(None),
        serde_json::Value::String(s) => Ok(Some(SecretString::from(s))),
        other => Err(de::Error::custom(format!(
            "expected a string, found {}",
            json_kind(&other)
        ))),
    }
}

fn secret_text<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    optional_secret_text(d)?.ok_or_else(|| de::Error::custom("expected a non-empty string"))
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}
