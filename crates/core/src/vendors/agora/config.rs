//! Agora's own account keys (`app_id`, `customer_id`, `channel`), their checks and the form.

use super::AgoraClient;
use crate::config::AccountConfig;
use crate::error::Result;
use crate::model::Vendor;
use crate::vendors::form::{
    FormField, LimitPreset, Placeholders, SecretLabel, VendorForm, WatchRule,
};
use crate::vendors::registry::{
    config_error, required_text, vendor_options, KeyError, VendorModule,
};
use crate::vendors::{ClientContext, VendorClient};
use serde::Deserialize;
use std::sync::Arc;

#[allow(non_upper_case_globals)]
impl Vendor {
    pub const Agora: Vendor = Vendor::named("agora");
}

/// Agora's REST host, used when the account names no base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.agora.io";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    app_id: Option<String>,
    customer_id: Option<String>,
    channel: Option<String>,
    /// `[accounts.session_quality]` as written, read with its own keyed errors.
    session_quality: Option<toml::Value>,
}

/// The keys an Agora account adds to the shared ones, checked.
#[derive(Debug, Clone)]
pub struct AgoraSettings {
    pub app_id: String,
    pub customer_id: String,
    /// Only this channel's agents (list mode); `None` for every channel.
    pub channel: Option<String>,
    /// What makes an ended session a warning or critical change.
    pub session_quality: Option<super::SessionQuality>,
}

impl AgoraSettings {
    pub fn of(account: &AccountConfig) -> std::result::Result<Self, KeyError> {
        let keys: Keys = vendor_options(account)?;
        Ok(AgoraSettings {
            app_id: required_text(&keys.app_id, "app_id", Vendor::Agora)?,
            customer_id: required_text(&keys.customer_id, "customer_id", Vendor::Agora)?,
            channel: keys
                .channel
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            session_quality: keys
                .session_quality
                .as_ref()
                .map(super::SessionQuality::read)
                .transpose()?,
        })
    }
}

pub struct Module;

impl VendorModule for Module {
    fn vendor(&self) -> Vendor {
        Vendor::Agora
    }

    fn form(&self) -> VendorForm {
        VendorForm {
            id: Vendor::Agora.as_str(),
            label: "Agora Conversational AI",
            short_label: "Agora",
            default_base_url: Some(DEFAULT_BASE_URL),
            base_url_hint: "Leave empty for https://api.agora.io",
            placeholders: Placeholders {
                id: "ai-agents",
                name: "AI agents",
                base_url: DEFAULT_BASE_URL,
            },
            secret_labels: vec![SecretLabel {
                label: "Customer secret",
                when: None,
            }],
            secret_optional_when: None,
            watch: WatchRule::optional(),
            time_limit_presets: time_limit_presets(),
            sections: vec!["session_quality"],
            fields: vec![
                FormField::text("app_id", "App ID").required(),
                FormField::text("customer_id", "Customer ID").required(),
                FormField::text("channel", "Channel filter (optional)"),
            ],
        }
    }

    fn default_base_url(&self) -> Option<&'static str> {
        Some(DEFAULT_BASE_URL)
    }

    fn validate(&self, account: &AccountConfig) -> std::result::Result<(), KeyError> {
        AgoraSettings::of(account).map(drop)
    }

    fn build(&self, ctx: ClientContext) -> Result<Arc<dyn VendorClient>> {
        let settings =
            AgoraSettings::of(&ctx.account).map_err(|e| config_error(&ctx.account, e))?;
        Ok(Arc::new(AgoraClient::with_settings(ctx, settings)?))
    }
}

/// An AI agent stuck recovering or starting needs a look within minutes.
fn time_limit_presets() -> Vec<LimitPreset> {
    vec![
        LimitPreset::new("RECOVERING", "Recovering", "2m", "5m"),
        LimitPreset::new("STARTING", "Starting", "2m", "5m"),
    ]
}
