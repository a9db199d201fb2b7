//! The keys of an `http-json` account: where the list is (`path`), how to authenticate
//! (`auth`, `user`), where each fact sits in the answer (`[accounts.fields]`, JSON Pointers)
//! and what each native state means (`[accounts.states]`).

use super::HttpJsonClient;
use crate::config::AccountConfig;
use crate::error::Result;
use crate::model::{Severity, Vendor};
use crate::vendors::form::{FormField, Placeholders, SecretLabel, VendorForm, WatchRule, When};
use crate::vendors::registry::{config_error, vendor_options, KeyError, VendorModule};
use crate::vendors::{ClientContext, VendorClient};
use reqwest::header::HeaderName;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[allow(non_upper_case_globals)]
impl Vendor {
    pub const HttpJson: Vendor = Vendor::named("http-json");
}

/// How the secret from the keyring goes with each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials (an API open to the network it is on): no secret is needed.
    None,
    /// `Authorization: Basic user:secret`, the user from the `user` key.
    Basic { user: String },
    /// `Authorization: Bearer secret`.
    Bearer,
    /// `NAME: secret` (`header:X-Api-Key`).
    Header(HeaderName),
}

/// Where each fact is in the answer: JSON Pointers (RFC 6901).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// The array of agents in the answer.
    pub list: String,
    /// Inside each item: the agent id (a string or a whole number).
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub state: String,
    /// A cursor sent back as `?cursor=…`, or the next page's URL on the same host.
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    path: Option<String>,
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    user: Option<String>,
    fields: Option<Fields>,
    #[serde(default)]
    states: BTreeMap<String, Severity>,
}

/// An `http-json` account's own settings, checked.
#[derive(Debug, Clone)]
pub struct HttpJsonSettings {
    /// Path and query after the base URL (`/api/v1/agents?team=7`).
    pub path: String,
    pub auth: Auth,
    pub fields: Fields,
    /// Native state -> severity; a state not listed is `unknown`.
    pub states: BTreeMap<String, Severity>,
}

const AUTH_HELP: &str = "is one of none, basic, bearer or header:NAME (e.g. header:X-Api-Key)";

impl HttpJsonSettings {
    pub fn of(account: &AccountConfig) -> std::result::Result<Self, KeyError> {
        let keys: Keys = vendor_options(account)?;
        let fail = |key: &str, msg: String| Err((key.to_string(), msg));
        let Some(path) = keys.path.map(|p| p.trim().to_string()) else {
            return fail("path", "is required for vendor http-json".into());
        };
        if !path.starts_with('/') || path.contains('#') || path.chars().any(char::is_whitespace) {
            return fail(
                "path",
                format!("{path:?} must start with '/' and hold no spaces or fragment"),
            );
        }
        let auth = match keys.auth.as_deref().map(str::trim).unwrap_or("none") {
            "none" => Auth::None,
            "bearer" => Auth::Bearer,
            "basic" => match keys
                .user
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                Some(user) if !user.contains(':') => Auth::Basic {
                    user: user.to_string(),
                },
                Some(_) => return fail("user", "must not contain ':'".into()),
                None => return fail("user", "is required when auth = \"basic\"".into()),
            },
            other => match other.strip_prefix("header:") {
                Some(name) => match HeaderName::from_bytes(name.trim().as_bytes()) {
                    Ok(name) => Auth::Header(name),
                    Err(_) => {
                        return fail("auth", format!("{name:?} is not a valid HTTP header name"))
                    }
                },
                None => return fail("auth", format!("{other:?}: {AUTH_HELP}")),
            },
        };
        if keys.user.is_some() && !matches!(auth, Auth::Basic { .. }) {
            return fail("user", "only applies when auth = \"basic\"".into());
        }
        let Some(fields) = keys.fields else {
            return fail(
                "fields",
                "[accounts.fields] with list, id and state is required for vendor http-json".into(),
            );
        };
        let pointers = [
            ("fields.list", Some(&fields.list)),
            ("fields.id", Some(&fields.id)),
            ("fields.name", fields.name.as_ref()),
            ("fields.state", Some(&fields.state)),
            ("fields.next", fields.next.as_ref()),
        ];
        for (key, pointer) in pointers {
            if let Some(p) = pointer.filter(|p| !p.is_empty() && !p.starts_with('/')) {
                return fail(
                    key,
                    format!("{p:?} is not a JSON Pointer: it must be empty or start with '/'"),
                );
            }
        }
        Ok(HttpJsonSettings {
            path,
            auth,
            fields,
            states: keys.states,
        })
    }

    /// The severity of a native state: as listed (exactly, else ignoring case), else unknown.
    pub fn severity_of(&self, native: &str) -> Severity {
        self.states
            .get(native)
            .or_else(|| {
                self.states
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(native))
                    .map(|(_, v)| v)
            })
            .copied()
            .unwrap_or(Severity::Unknown)
    }
}

pub struct Module;

impl VendorModule for Module {
    fn vendor(&self) -> Vendor {
        Vendor::HttpJson
    }

    fn form(&self) -> VendorForm {
        let pointer = "^(/.*)?$";
        let pointer_message = "A JSON Pointer: empty, or starting with '/' (e.g. /data/items)";
        VendorForm {
            id: Vendor::HttpJson.as_str(),
            label: "HTTP JSON agent list",
            short_label: "HTTP JSON",
            default_base_url: None,
            base_url_hint: "The API's server, e.g. https://status.example.com (the path goes below)",
            placeholders: Placeholders {
                id: "bots",
                name: "Support bots",
                base_url: "https://status.example.com",
            },
            secret_labels: vec![
                SecretLabel {
                    label: "Password",
                    when: Some(When {
                        field: "auth",
                        value: "basic",
                    }),
                },
                SecretLabel {
                    label: "Token or API key",
                    when: None,
                },
            ],
            secret_optional_when: Some(When {
                field: "auth",
                value: "none",
            }),
            watch: WatchRule::optional(),
            time_limit_presets: Vec::new(),
            sections: vec![],
            fields: vec![
                FormField::text("path", "Path of the agent list")
                    .required()
                    .placeholder("/api/v1/agents")
                    .hint("GET, relative to the base URL; a query string is allowed")
                    .pattern("^/\\S*$", "Starts with '/', no spaces"),
                FormField::text("auth", "Authentication")
                    .required()
                    .default("bearer")
                    .hint("none, basic, bearer, or header:NAME (e.g. header:X-Api-Key); the secret is the password, token or key")
                    .pattern(
                        "^(none|basic|bearer|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$",
                        "none, basic, bearer or header:NAME",
                    ),
                FormField::text("user", "User name (basic authentication)")
                    .required()
                    .when("auth", "basic"),
                FormField::text("fields.list", "Pointer to the list of agents")
                    .required()
                    .placeholder("/data/items")
                    .pattern(pointer, pointer_message),
                FormField::text("fields.id", "Pointer to an agent's id")
                    .required()
                    .placeholder("/id")
                    .pattern(pointer, pointer_message),
                FormField::text("fields.name", "Pointer to its name (optional)")
                    .placeholder("/displayName")
                    .pattern(pointer, pointer_message),
                FormField::text("fields.state", "Pointer to its state")
                    .required()
                    .placeholder("/status")
                    .pattern(pointer, pointer_message),
                FormField::text("fields.next", "Pointer to the next page (optional)")
                    .placeholder("/meta/next")
                    .hint("A cursor sent back as ?cursor=…, or the next page's URL on the same host")
                    .pattern(pointer, pointer_message),
                FormField::map("states", "States and their severity")
                    .placeholder("online = ok\naway = warning\noffline = critical")
                    .hint("One per line: state = ok, info, warning or critical; states not listed are unknown"),
            ],
        }
    }

    fn validate(&self, account: &AccountConfig) -> std::result::Result<(), KeyError> {
        HttpJsonSettings::of(account).map(drop)
    }

    fn build(&self, ctx: ClientContext) -> Result<Arc<dyn VendorClient>> {
        let settings =
            HttpJsonSettings::of(&ctx.account).map_err(|e| config_error(&ctx.account, e))?;
        Ok(Arc::new(HttpJsonClient::new(ctx, settings)?))
    }

    fn needs_secret(&self, account: &AccountConfig) -> bool {
        HttpJsonSettings::of(account).map_or(true, |s| s.auth != Auth::None)
    }
}
