//! The bodies the Segura API answers with, field for field and in the documented order.

use serde::Serialize;

/// An id or a port, sent as the documentation shows it (a string) or as the field table
/// types it (an integer).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub(super) enum TextOrNumber {
    Text(String),
    Number(u64),
}

impl TextOrNumber {
    pub fn new(value: &str, numeric: bool) -> Self {
        match value.parse::<u64>() {
            Ok(n) if numeric => TextOrNumber::Number(n),
            _ => TextOrNumber::Text(value.to_string()),
        }
    }
}

/// An error flag: a JSON boolean as documented, or the text "true" / "false" as some
/// instances send it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub(super) enum Flag {
    Bool(bool),
    Text(&'static str),
}

impl Flag {
    pub fn new(value: bool, as_text: bool) -> Self {
        match (as_text, value) {
            (false, v) => Flag::Bool(v),
            (true, true) => Flag::Text("true"),
            (true, false) => Flag::Text("false"),
        }
    }
}

/// The `response` object, in English and in Portuguese.
#[derive(Debug, Serialize)]
pub(super) struct Envelope {
    pub status: u16,
    pub message: String,
    pub error: Flag,
    pub error_code: u32,
    pub detail: String,
    pub mensagem: String,
    pub erro: Flag,
    pub cod_erro: u32,
}

impl Envelope {
    pub fn new(status: u16, message: &str, error_code: u32, flags_as_text: bool) -> Self {
        let error = Flag::new(error_code != 0, flags_as_text);
        Envelope {
            status,
            message: message.to_string(),
            error: error.clone(),
            error_code,
            detail: String::new(),
            mensagem: message.to_string(),
            erro: error,
            cod_erro: error_code,
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct ListBody {
    pub code: u16,
    pub response: Envelope,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Vec<AgentBody>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Vec<AgentBody>>,
}

#[derive(Debug, Serialize)]
pub(super) struct AgentBody {
    pub id: TextOrNumber,
    pub name: String,
    pub port: TextOrNumber,
    pub fingerprint: String,
}

/// The documented 404: `{"code":404,"message":"Agent not found","error":true,"error_code":1001}`.
#[derive(Debug, Serialize)]
pub(super) struct FlatError {
    pub code: u16,
    pub message: String,
    pub error: Flag,
    pub error_code: u32,
}

/// The third shape: the envelope plus an `exception` object naming the failure.
#[derive(Debug, Serialize)]
pub(super) struct ExceptionError {
    pub code: u16,
    pub response: Envelope,
    pub exception: Exception,
}

#[derive(Debug, Serialize)]
pub(super) struct Exception {
    pub code: u32,
    pub message: String,
    pub detail: String,
}

/// The documented 500 and, by analogy, the 401: the envelope plus the tenant.
#[derive(Debug, Serialize)]
pub(super) struct WrappedError {
    pub code: u16,
    pub response: Envelope,
    pub tenant: String,
}

#[derive(Debug, Serialize)]
pub(super) struct TokenBody {
    pub token_type: String,
    pub expires_in: u64,
    pub access_token: String,
}

#[derive(Debug, Serialize)]
pub(super) struct OAuthError {
    pub error: &'static str,
    pub error_description: &'static str,
}
