//! End-to-end tests of the Agora client against its simulator, over real HTTP on loopback.
//! This file holds the shared set-up; the tests are grouped in `agora/`.

#[path = "agora/access.rs"]
mod access;
#[path = "agora/faults.rs"]
mod faults;
#[path = "agora/listing.rs"]
mod listing;
#[path = "agora/sessions.rs"]
mod sessions;

use agentwatch_core::config::AccountConfig;
use agentwatch_core::{Observation, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent};
use agentwatch_sim::SimServer;
use agentwatch_tests::account;
use std::collections::BTreeMap;

const SECRET: &str = "sim-secret";
const SEED_ID: &str = "1234567890ABCDE1CVGZNU80BEIN56XF";
const FAILED_ID: &str = "H5DNSIPZZ5FK2Z9RI19R0WYOJFLJOOA5";
const STOPPED_ID: &str = "J8GXBENYJQWX4HH5344TFJGVQ4K7BN7X";

async fn serve(sim: &AgoraSim) -> SimServer {
    SimServer::start(sim.router(), 0, None)
        .await
        .expect("simulator starts")
}

fn agora_account(server: &SimServer) -> AccountConfig {
    let mut a = account("ai", Vendor::Agora, &server.base_url());
    a.set_option("app_id", "sim-app");
    a.set_option("customer_id", "sim-customer");
    a
}

fn by_id(observations: Vec<Observation>) -> BTreeMap<String, Observation> {
    let count = observations.len();
    let map: BTreeMap<_, _> = observations
        .into_iter()
        .map(|o| (o.agent_id.clone(), o))
        .collect();
    assert_eq!(map.len(), count, "an agent was reported twice");
    map
}

/// A project whose agents are `ids`, all in `status` on channel "c".
fn project_of(ids: &[String], status: &str, config: AgoraSimConfig) -> AgoraSim {
    let sim = AgoraSim::new(config);
    for id in ids {
        sim.add_agent(SimAgent::new(id, "c", status));
    }
    sim
}
