//! Huawei's own account keys (`auth`, `workno`, `phonenum`), their checks and the account form.

use super::HuaweiClient;
use crate::config::AccountConfig;
use crate::error::Result;
use crate::model::Vendor;
use crate::queues::QueueSettings;
use crate::vendors::form::{
    FormField, LimitPreset, Placeholders, SecretLabel, VendorForm, WatchRule, When,
};
use crate::vendors::registry::{config_error, vendor_options, KeyError, VendorModule};
use crate::vendors::{ClientContext, VendorClient};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[allow(non_upper_case_globals)]
impl Vendor {
    pub const Huawei: Vendor = Vendor::named("huawei");
}

/// How a Huawei account authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HuaweiAuth {
    /// Sign in a supervisor seat (workno + password from the keyring) and keep the session alive.
    #[default]
    Signin,
    /// Use a Guid obtained elsewhere, stored in the keyring as the secret.
    Guid,
}

/// The keys a Huawei account adds to the shared ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiSettings {
    #[serde(default)]
    pub auth: HuaweiAuth,
    pub workno: Option<String>,
    pub phonenum: Option<String>,
    /// `[accounts.queues]` as written; read with its own keyed errors into `queues`.
    #[serde(default, rename = "queues")]
    queues_as_written: Option<toml::Value>,
    /// The skill queues to watch, and their thresholds.
    #[serde(skip)]
    pub queues: Option<QueueSettings>,
}

impl HuaweiSettings {
    /// Reads and checks the account's Huawei keys.
    pub fn of(account: &AccountConfig) -> std::result::Result<Self, KeyError> {
        let mut settings: HuaweiSettings = vendor_options(account)?;
        let fail = |key: &str, msg: String| Err((key.to_string(), msg));
        // No watch list: the seat's team listing names the agents, and it needs the seat.
        if account.watch.is_empty() && settings.workno.is_none() {
            return fail(
                "workno",
                "is needed to list the seat's team when no watch list is given \
                 (name the agents to watch, or the seat's work number)"
                    .into(),
            );
        }
        if let Some(bad) = account
            .watch
            .iter()
            .find(|w| validate_huawei_agent_id(w).is_err())
        {
            return fail("watch", validate_huawei_agent_id(bad).unwrap_err());
        }
        if settings.auth == HuaweiAuth::Signin && settings.workno.is_none() {
            return fail("workno", "is required when auth = \"signin\"".into());
        }
        if let Some(Err(msg)) = settings.workno.as_deref().map(validate_huawei_agent_id) {
            return fail("workno", msg);
        }
        if settings.auth == HuaweiAuth::Signin
            && settings.phonenum.as_deref().is_some_and(|p| p.len() > 24)
        {
            return fail("phonenum", "is at most 24 characters".into());
        }
        if let Some(written) = settings.queues_as_written.take() {
            settings.queues = Some(QueueSettings::read(&written)?);
            // The statistics are asked through a seat (`queuedevice/{workno}/...`).
            if settings.workno.is_none() {
                return Err((
                    "queues".into(),
                    "needs the seat's work number (workno): queue statistics are asked through it"
                        .into(),
                ));
            }
        }
        Ok(settings)
    }
}

/// Huawei agent ids are strings of digits, 101..999999.
pub fn validate_huawei_agent_id(id: &str) -> std::result::Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 6
        && id.chars().all(|c| c.is_ascii_digit())
        && (101..=999_999).contains(&id.parse::<u32>().unwrap_or(0));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "huawei agent id {id:?} must be digits between 101 and 999999"
        ))
    }
}

/// The form's check of an agent id: the same rule as [`validate_huawei_agent_id`].
const AGENT_ID_PATTERN: &str = "^(10[1-9]|1[1-9][0-9]|[2-9][0-9]{2}|[1-9][0-9]{3,5})$";
const AGENT_ID_MESSAGE: &str = "Huawei agent ids are digits between 101 and 999999";

pub struct Module;

impl VendorModule for Module {
    fn vendor(&self) -> Vendor {
        Vendor::Huawei
    }

    fn form(&self) -> VendorForm {
        VendorForm {
            id: Vendor::Huawei.as_str(),
            label: "Huawei CC-Gateway",
            short_label: "Huawei",
            default_base_url: None,
            base_url_hint:
                "The CC-Gateway, e.g. https://10.1.2.3:8043 (the /agentgateway path is added)",
            placeholders: Placeholders {
                id: "cc-main",
                name: "Contact centre",
                base_url: "https://10.1.2.3:8043",
            },
            secret_labels: vec![
                SecretLabel {
                    label: "Session Guid",
                    when: Some(When {
                        field: "auth",
                        value: "guid",
                    }),
                },
                SecretLabel {
                    label: "Password of the supervisor seat",
                    when: None,
                },
            ],
            secret_optional_when: None,
            // Optional: with none, the seat's team listing names the agents.
            watch: WatchRule {
                required: false,
                placeholder: "Agent work number, e.g. 1001",
                pattern: Some(AGENT_ID_PATTERN),
                pattern_message: Some(AGENT_ID_MESSAGE),
            },
            time_limit_presets: time_limit_presets(),
            sections: vec!["queues"],
            fields: vec![
                FormField::select(
                    "auth",
                    "Sign-in",
                    &[
                        ("signin", "Sign in a supervisor seat"),
                        ("guid", "A session Guid obtained elsewhere"),
                    ],
                )
                .default("signin"),
                FormField::text("workno", "Work number")
                    .required()
                    .pattern(AGENT_ID_PATTERN, AGENT_ID_MESSAGE)
                    .when("auth", "signin"),
                FormField::text("phonenum", "Phone number (optional)")
                    .pattern("^.{0,24}$", "At most 24 characters")
                    .when("auth", "signin"),
            ],
        }
    }

    fn validate(&self, account: &AccountConfig) -> std::result::Result<(), KeyError> {
        HuaweiSettings::of(account).map(drop)
    }

    fn build(&self, ctx: ClientContext) -> Result<Arc<dyn VendorClient>> {
        let settings =
            HuaweiSettings::of(&ctx.account).map_err(|e| config_error(&ctx.account, e))?;
        Ok(Arc::new(HuaweiClient::with_settings(ctx, settings)?))
    }

    /// A signed-in seat: the gateway keeps one session per work number, and a second sign-in
    /// takes it over (the first Guid is then refused with 100-006). A Guid from elsewhere signs
    /// nothing in.
    fn exclusive_session(&self, account: &AccountConfig) -> Option<String> {
        let settings = HuaweiSettings::of(account).ok()?;
        match (settings.auth, settings.workno) {
            (HuaweiAuth::Signin, Some(workno)) => Some(format!(
                "seat {} at {}",
                workno.trim(),
                account
                    .effective_base_url()
                    .trim_end_matches('/')
                    .to_ascii_lowercase()
            )),
            _ => None,
        }
    }
}

/// How long contact-centre agents commonly may rest, wrap up or stay busy (the labels of
/// `states::documented`, so the limits read like the live view).
fn time_limit_presets() -> Vec<LimitPreset> {
    vec![
        LimitPreset::new("rest", "Rest", "15m", "30m"),
        LimitPreset::new("wrap-up", "Wrap-up", "2m", "5m"),
        LimitPreset::new("busy", "Busy", "10m", "20m"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's Huawei example, without a watch list, is a config the app accepts.
    #[test]
    fn the_readme_example_parses_without_a_watch_list() {
        let readme = include_str!("../../../../../README.md");
        let section = readme
            .split("### Huawei CC-Gateway")
            .nth(1)
            .expect("README has a Huawei section");
        let toml = section
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("the section starts with a toml block");
        let config = crate::config::Config::parse(toml, std::path::Path::new("README.md"))
            .unwrap_or_else(|e| panic!("{e}"));
        let account = &config.accounts[0];
        assert!(account.watch.is_empty());
        let settings = HuaweiSettings::of(account).unwrap();
        assert_eq!(settings.workno.as_deref(), Some("5001"));
    }

    #[test]
    fn without_a_watch_list_the_seat_is_needed() {
        let mut account = AccountConfig::new("cc", Vendor::Huawei, Some("http://127.0.0.1:1"));
        account.set_option("auth", "guid");
        let (key, message) = HuaweiSettings::of(&account).unwrap_err();
        assert_eq!(key, "workno");
        assert!(message.contains("watch list"), "{message}");
        account.watch = vec!["101".into()];
        assert!(HuaweiSettings::of(&account).is_ok());
        account.watch.clear();
        account.set_option("workno", "5001");
        assert!(HuaweiSettings::of(&account).is_ok());
        account.set_option("workno", "12a");
        assert_eq!(HuaweiSettings::of(&account).unwrap_err().0, "workno");
    }

    #[test]
    fn huawei_ids_are_checked() {
        assert!(validate_huawei_agent_id("101").is_ok());
        assert!(validate_huawei_agent_id("999999").is_ok());
        assert!(validate_huawei_agent_id("100").is_err());
        assert!(validate_huawei_agent_id("1000000").is_err());
        assert!(validate_huawei_agent_id("12a").is_err());
    }
}
