//! The shell's one error type. It crosses IPC as `{kind, message}`, the core's `ErrorReport`
//! shape, so that the UI can tell auth from TLS from timeout from keyring-unavailable.

use agentwatch_core::{ErrorKind, ErrorReport};
use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] agentwatch_core::Error),
    /// A form field failed validation; `field` names the input to show the message beside.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The config file did not load: nothing may be written over it until it is fixed.
    #[error("{0}")]
    ConfigBroken(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Tauri(String),
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Error::Core(e) => e.kind().as_str(),
            Error::Invalid { .. } => "invalid",
            Error::ConfigBroken(_) => ErrorKind::Config.as_str(),
            Error::NotFound(_) => "not_found",
            Error::Tauri(_) => "internal",
        }
    }
}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Self {
        Error::Tauri(e.to_string())
    }
}

impl From<agentwatch_core::account_book::BookError> for Error {
    fn from(e: agentwatch_core::account_book::BookError) -> Self {
        use agentwatch_core::account_book::BookError;
        match e {
            BookError::Invalid { field, message } => Error::Invalid { field, message },
            BookError::NotFound(what) => Error::NotFound(what),
            BookError::Failed(e) => Error::Core(e),
        }
    }
}

impl From<&ErrorReport> for Error {
    fn from(r: &ErrorReport) -> Self {
        Error::ConfigBroken(r.message.clone())
    }
}

/// What the UI receives: `{kind, message}` and, for a form field, `field`.
#[derive(Serialize)]
struct Wire<'a> {
    kind: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let field = match self {
            Error::Invalid { field, .. } => Some(field.as_str()),
            _ => None,
        };
        Wire {
            kind: self.kind(),
            message: self.to_string(),
            field,
        }
        .serialize(serializer)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_kind_and_message() {
        let e = Error::from(agentwatch_core::Error::Keyring("locked".into()));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "keyring", "message": "locked"})
        );
        let v = serde_json::to_value(Error::invalid("base_url", "must use https")).unwrap();
        assert_eq!(v["field"], "base_url");
        assert_eq!(v["kind"], "invalid");
    }
}
