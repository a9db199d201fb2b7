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

/// Every body `GET /api/system/nc/agent` answers with: the success shape, the 500 "wrapped"
/// error (status inside `response`) and the 404 "flat" error (status at the top level).
#[derive(Debug, Deserialize)]
pub(super) struct ListAnswer {
    #[serde(default)]
    pub response: Option<Envelope>,
    // The flat error form.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error: Option<bool>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub error_code: Option<String>,
    /// `agent` on the English page, `agents` on the Portuguese one.
    #[serde(default, alias = "agents")]
    pub agent: Option<Vec<WireAgent>>,
}

/// The `response` object, with its Portuguese twins (`mensagem`, `erro`, `cod_erro`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Envelope {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub mensagem: Option<String>,
    #[serde(default)]
    pub error: Option<bool>,
    #[serde(default)]
    pub erro: Option<bool>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_integer")]
    pub cod_erro: Option<String>,
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

impl ListAnswer {
    /// The error the body reports, in either the wrapped or the flat form.
    pub fn reported_error(&self) -> Option<VendorError> {
        let envelope = self.response.as_ref();
        let flagged = envelope.is_some_and(|r| r.error == Some(true) || r.erro == Some(true))
            || self.error == Some(true);
        if !flagged {
            return None;
        }
        // The English and Portuguese twins can disagree; the first meaningful one wins.
        let code = [
            envelope.and_then(|r| r.error_code.as_ref()),
            envelope.and_then(|r| r.cod_erro.as_ref()),
            self.error_code.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|c| c.trim())
        .find(|c| !c.is_empty() && *c != "0")
        .map(str::to_string);
        let message = [
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
