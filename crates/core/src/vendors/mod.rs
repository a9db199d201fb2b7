//! One module per vendor: its configuration keys, its account form, its wire types, its mapping
//! of native states to severities and its session logic. Adding a vendor means one new module
//! and one line in [`REGISTRY`]; every list of vendors the user sees is read from it.

pub mod agora;
pub mod entry;
pub mod form;
pub mod http_json;
pub mod huawei;
pub mod registry;
pub mod segura;

pub use registry::VendorModule;

/// The registered vendors, in the order they are offered: one line each.
#[rustfmt::skip]
static REGISTRY: &[&dyn VendorModule] = &[
    &huawei::Module,
    &agora::Module,
    &segura::Module,
    &http_json::Module,
];

use crate::config::AccountConfig;
use crate::error::Result;
use crate::model::{Observation, Severity};
use async_trait::async_trait;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Notify;

/// What the engine needs from a vendor.
#[async_trait]
pub trait VendorClient: Send + Sync {
    /// One poll: the current observation of every watched agent (every visible agent when the
    /// watch list is empty). Signs in or refreshes tokens as needed. An error means the account
    /// could not be polled at all; a single agent the vendor does not know is an observation
    /// with severity `unknown`, not an error; so is an entry of the answer that could not be
    /// read but names its agent.
    async fn poll(&self) -> Result<Vec<Observation>>;

    /// The same poll with what else the engine shows about it: the entries left out for
    /// having no usable agent id. Vendors whose answers can hold such entries override it
    /// (and answer `poll` from it); the engine and `check` call this one.
    async fn poll_answer(&self) -> Result<PollAnswer> {
        self.poll().await.map(PollAnswer::from)
    }

    /// Releases server-side sessions (Huawei sign-out) and stops background tasks.
    async fn shutdown(&self) {}

    /// Called once by the engine's poller after building the client: a client that hears of
    /// changes between polls (Huawei's sign-in/out events) asks for the account's next poll
    /// now through `trigger`. Clients without such news ignore it.
    fn set_poll_trigger(&self, _trigger: PollTrigger) {}

    /// The severity of an agent disappearing from the account's answers.
    fn vanished_severity(&self) -> Severity {
        Severity::Warning
    }

    /// The severity of an agent whose identity (Segura: port, fingerprint) changed.
    fn identity_change_severity(&self) -> Severity {
        Severity::Critical
    }

    /// Everything of `what` this client's session can see, whatever the account watches, for
    /// the dashboard's pickers. Only a vendor whose sessions exclude each other (see
    /// [`VendorModule::exclusive_session`]) needs it: a picker must then ask the running
    /// session, since signing in a second time would end it. `None`: this client does not
    /// list; a picker lists with a session of its own.
    async fn list(&self, _what: Listing) -> Option<Result<Vec<Listed>>> {
        None
    }
}

/// What a picker lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Agents,
    SkillQueues,
}

/// One listed agent or skill queue: its id and the vendor's name for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub name: Option<String>,
}

/// Asks the poller of one account to poll now instead of at the end of its wait. Requests
/// made while a poll runs are kept as one: the poll after it starts at once.
#[derive(Clone)]
pub struct PollTrigger(Arc<Notify>);

impl PollTrigger {
    pub fn new(wake: Arc<Notify>) -> PollTrigger {
        PollTrigger(wake)
    }

    pub fn poll_now(&self) {
        self.0.notify_one();
    }
}

/// What one poll of an account saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollAnswer {
    pub observations: Vec<Observation>,
    /// Entries of the vendor's answers left out because they name no usable agent id (the
    /// rest of the answer is still used).
    pub skipped_entries: usize,
}

impl From<Vec<Observation>> for PollAnswer {
    fn from(observations: Vec<Observation>) -> Self {
        PollAnswer {
            observations,
            skipped_entries: 0,
        }
    }
}

/// Everything a client is built from. The secret travels from the keyring to here and from
/// here only into request headers or bodies.
pub struct ClientContext {
    pub account: AccountConfig,
    pub secret: SecretString,
    pub http: reqwest::Client,
}

/// The client of the account's vendor.
pub fn build_client(ctx: ClientContext) -> Result<Arc<dyn VendorClient>> {
    ctx.account.vendor.module().build(ctx)
}

/// Applies the account's severity overrides, matched on the native value first and then on the
/// state label, case-insensitively.
pub fn apply_severity_overrides(overrides: &BTreeMap<String, Severity>, obs: &mut Observation) {
    if let Some(sev) = crate::model::state_key_match(overrides, obs) {
        obs.severity = *sev;
    }
}

/// Looks up an override for a special key such as "vanished".
pub fn override_for(overrides: &BTreeMap<String, Severity>, key: &str) -> Option<Severity> {
    overrides
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(native: &str, state: &str) -> Observation {
        Observation {
            agent_id: "1".into(),
            name: None,
            state: state.into(),
            native: native.into(),
            severity: Severity::Ok,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        }
    }

    #[test]
    fn overrides_match_native_value_or_label() {
        let mut map = BTreeMap::new();
        map.insert("2".to_string(), Severity::Critical);
        map.insert("Rest".to_string(), Severity::Warning);
        let mut a = obs("2", "signed out");
        apply_severity_overrides(&map, &mut a);
        assert_eq!(a.severity, Severity::Critical);
        let mut b = obs("8", "rest");
        apply_severity_overrides(&map, &mut b);
        assert_eq!(b.severity, Severity::Warning);
        let mut c = obs("4", "idle");
        apply_severity_overrides(&map, &mut c);
        assert_eq!(c.severity, Severity::Ok);
    }
}
