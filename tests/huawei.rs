//! End-to-end tests of the Huawei client against its simulator, over real HTTP on loopback.
//! This file holds the harness; the tests live in `huawei/`: polling and mapping, sessions
//! (sign-in, Guid rotation, heartbeat, sign-out, back-off), injected faults, unreadable
//! answers, the wire variants real gateways send, the team listing with its sign-in events, and
//! the seat's skill queues.

#[path = "huawei/answers.rs"]
mod answers;
#[path = "huawei/faults.rs"]
mod faults;
#[path = "huawei/listing.rs"]
mod listing;
#[path = "huawei/polling.rs"]
mod polling;
#[path = "huawei/queues.rs"]
mod queues;
#[path = "huawei/running.rs"]
mod running;
#[path = "huawei/sessions.rs"]
mod sessions;
#[path = "huawei/variants.rs"]
mod variants;

use agentwatch_core::config::AccountConfig;
use agentwatch_core::vendors::VendorClient;
use agentwatch_core::{Error, Observation, Vendor};
use agentwatch_sim::huawei::{
    HuaweiSim, HuaweiSimConfig, ListingRefusal, DEFAULT_PASSWORD, DEFAULT_WORKNO,
};
use agentwatch_sim::SimServer;
use agentwatch_tests as support;
use std::sync::Arc;
use std::time::Duration;

pub const PHONE: &str = "40038";

/// A running simulator; dropping it stops the server.
pub struct Gateway {
    pub sim: HuaweiSim,
    pub server: SimServer,
}

impl Gateway {
    pub async fn start(sim: HuaweiSim) -> Gateway {
        let server = SimServer::start(sim.router(), 0, None)
            .await
            .expect("simulator starts");
        Gateway { sim, server }
    }

    /// A gateway that refuses the team listing (HTTP 404, as one without the call answers):
    /// every poll reads one status call per watched agent, as a seat without the
    /// quality-inspection right does.
    pub async fn start_per_agent(sim: HuaweiSim) -> Gateway {
        sim.refuse_listing(Some(ListingRefusal::NotFound));
        Gateway::start(sim).await
    }

    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// A sign-in account for the default supervisor seat watching `watch`.
    pub fn account(&self, watch: &[&str]) -> AccountConfig {
        let mut a = support::account("cc", Vendor::Huawei, &self.url());
        a.watch = watch.iter().map(|s| s.to_string()).collect();
        a.set_option("workno", DEFAULT_WORKNO.to_string());
        a.set_option("phonenum", PHONE.to_string());
        a
    }

    pub fn client(&self, watch: &[&str]) -> Arc<dyn VendorClient> {
        support::client(&self.account(watch), DEFAULT_PASSWORD).expect("client builds")
    }

    /// Signs a seat in the way another desktop would, returning the retcode and the Guid.
    pub async fn sign_in_elsewhere(
        &self,
        workno: &str,
        password: &str,
    ) -> (String, Option<String>) {
        let answer = reqwest::Client::new()
            .put(format!("{}/agentgateway/resource/onlineagent/{workno}", self.url()))
            .header("Content-Type", "application/json; charset=UTF-8")
            .body(format!(
                r#"{{"password":"{password}","phonenum":"","status":"4","releasephone":"false","agenttype":"4"}}"#
            ))
            .send()
            .await
            .expect("sign-in answers");
        let guid = answer
            .headers()
            .get("set-guid")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("JSESSIONID="))
            .map(str::to_string);
        let body: serde_json::Value = answer.json().await.expect("JSON answer");
        (
            body["retcode"].as_str().unwrap_or_default().to_string(),
            guid,
        )
    }

    /// The retcode a status call with `guid` gets.
    pub async fn status_retcode(&self, guid: &str, agent: &str) -> String {
        let body: serde_json::Value = reqwest::Client::new()
            .get(format!(
                "{}/agentgateway/resource/onlineagent/{agent}/agentstatus",
                self.url()
            ))
            .header("Guid", guid)
            .send()
            .await
            .expect("status answers")
            .json()
            .await
            .expect("JSON answer");
        body["retcode"].as_str().unwrap_or_default().to_string()
    }
}

/// Short holds so that the heartbeat turns over quickly in tests.
pub fn quick() -> HuaweiSimConfig {
    HuaweiSimConfig {
        event_hold: Duration::from_millis(200),
        ..HuaweiSimConfig::default()
    }
}

pub fn sim_with(config: HuaweiSimConfig, agents: &[(&str, i64, bool)]) -> HuaweiSim {
    let sim = HuaweiSim::new(config);
    sim.add_agents(
        agents
            .iter()
            .map(|&(id, state, working)| (id, state, working)),
    );
    sim
}

pub fn by_id<'a>(observations: &'a [Observation], id: &str) -> &'a Observation {
    observations
        .iter()
        .find(|o| o.agent_id == id)
        .unwrap_or_else(|| panic!("agent {id} missing from {observations:?}"))
}

/// Neither the message nor the Debug form of an error may carry a credential.
pub fn assert_no_secrets(err: &Error, secrets: &[&str]) {
    let shown = format!("{err} {err:?}");
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!shown.contains(secret), "error leaks a secret: {shown}");
    }
}
