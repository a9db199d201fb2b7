//! Segura's own account key (`client_id`), its check and the account form.

use super::SeguraClient;
use crate::config::AccountConfig;
use crate::error::Result;
use crate::model::Vendor;
use crate::vendors::form::{FormField, Placeholders, SecretLabel, VendorForm, WatchRule};
use crate::vendors::registry::{
    config_error, required_text, vendor_options, KeyError, VendorModule,
};
use crate::vendors::{ClientContext, VendorClient};
use serde::Deserialize;
use std::sync::Arc;

#[allow(non_upper_case_globals)]
impl Vendor {
    pub const Segura: Vendor = Vendor::named("segura");
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    client_id: Option<String>,
}

/// The keys a Segura account adds to the shared ones, checked.
#[derive(Debug, Clone)]
pub struct SeguraSettings {
    pub client_id: String,
}

impl SeguraSettings {
    pub fn of(account: &AccountConfig) -> std::result::Result<Self, KeyError> {
        let keys: Keys = vendor_options(account)?;
        Ok(SeguraSettings {
            client_id: required_text(&keys.client_id, "client_id", Vendor::Segura)?,
        })
    }
}

pub struct Module;

impl VendorModule for Module {
    fn vendor(&self) -> Vendor {
        Vendor::Segura
    }

    fn form(&self) -> VendorForm {
        VendorForm {
            id: Vendor::Segura.as_str(),
            label: "Segura Network Connector",
            short_label: "Segura",
            default_base_url: None,
            base_url_hint: "The Segura server, e.g. https://segura.example.com",
            placeholders: Placeholders {
                id: "connectors",
                name: "Network connectors",
                base_url: "https://segura.example.com",
            },
            secret_labels: vec![SecretLabel {
                label: "Client secret",
                when: None,
            }],
            secret_optional_when: None,
            watch: WatchRule::optional(),
            time_limit_presets: Vec::new(),
            sections: vec![],
            fields: vec![FormField::text("client_id", "Client ID").required()],
        }
    }

    fn validate(&self, account: &AccountConfig) -> std::result::Result<(), KeyError> {
        SeguraSettings::of(account).map(drop)
    }

    fn build(&self, ctx: ClientContext) -> Result<Arc<dyn VendorClient>> {
        let settings =
            SeguraSettings::of(&ctx.account).map_err(|e| config_error(&ctx.account, e))?;
        Ok(Arc::new(SeguraClient::with_settings(ctx, settings)?))
    }
}
