//! The soak's child process: the three simulators on loopback and a script that keeps them
//! busy. Every second some Huawei agents change state, Huawei agents vanish from the gateway and
//! come back, Agora agents fail, recover, appear and go, Segura connectors re-register on
//! another port or disappear; every 20 s one simulator gets a fault for 12 s (HTTP 500, an answer slower
//! than the client's time limit, a connection reset), the vendors in turn. Deterministic (a
//! fixed seed) so that two runs see the same day.

use crate::{FIRST_HUAWEI_AGENT, HUAWEI_CHURNERS};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent as AgoraAgent};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, ListingRefusal};
use agentwatch_sim::segura::SeguraSim;
use agentwatch_sim::{Fault, FaultRule, SimServer};
use std::io::Read;
use std::time::Duration;

const STEP: Duration = Duration::from_secs(1);
/// Huawei agents whose state changes each step.
const HUAWEI_CHANGES_PER_STEP: usize = 25;
const AGORA_AGENTS: u32 = 40;
const SEGURA_AGENTS: u32 = 15;
const FAULT_EVERY_STEPS: u64 = 20;
const FAULT_LASTS_STEPS: u64 = 12;
/// States a Huawei agent moves through: idle, talking, wrap-up, busy, rest, signed out.
const HUAWEI_STATES: [(i64, bool); 6] = [
    (4, false),
    (7, true),
    (5, false),
    (3, false),
    (8, false),
    (2, false),
];
const AGORA_STATUSES: [&str; 4] = ["RUNNING", "FAILED", "RECOVERING", "STOPPED"];

/// Runs until the parent closes our stdin (also when it dies), with `huawei_agents` steady
/// Huawei agents besides the churners.
pub fn serve(huawei_agents: u32) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sims = Sims::start(huawei_agents).await;
        println!(
            "URLS {} {} {}",
            sims.servers[0].base_url(),
            sims.servers[1].base_url(),
            sims.servers[2].base_url()
        );
        let script = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(STEP);
            let mut rng = XorShift(0x5eed_50a4_2026_0001);
            for step in 0u64.. {
                ticker.tick().await;
                sims.step(step, &mut rng);
            }
        });
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
        script.abort();
    });
}

struct Sims {
    huawei_agents: u32,
    huawei: HuaweiSim,
    agora: AgoraSim,
    segura: SeguraSim,
    servers: [SimServer; 3],
}

impl Sims {
    async fn start(huawei_agents: u32) -> Sims {
        let huawei = HuaweiSim::new(HuaweiSimConfig::default());
        // A seat without the team listing: the soak keeps one status call per agent (and its
        // faults on `agentstatus`), as measured before the listing existed.
        huawei.refuse_listing(Some(ListingRefusal::NotFound));
        huawei.add_agents((0..huawei_agents + HUAWEI_CHURNERS).map(|i| {
            let (state, working) = HUAWEI_STATES[i as usize % HUAWEI_STATES.len()];
            ((FIRST_HUAWEI_AGENT + i).to_string(), state, working)
        }));
        let agora = AgoraSim::new(AgoraSimConfig {
            // Several pages per poll, so that paging runs all day.
            page_size_cap: Some(15),
            ..AgoraSimConfig::default()
        });
        for i in 0..AGORA_AGENTS {
            agora.add_agent(AgoraAgent::new(&agora_id(i), "soak", "RUNNING"));
        }
        let segura = SeguraSim::demo();
        for i in 0..SEGURA_AGENTS {
            segura.add_agent(&segura_id(i), &format!("Connector {i}"), 31_000 + i as u16);
        }
        let servers = [
            SimServer::start(huawei.router(), 0, None)
                .await
                .expect("bind"),
            SimServer::start(agora.router(), 0, None)
                .await
                .expect("bind"),
            SimServer::start(segura.router(), 0, None)
                .await
                .expect("bind"),
        ];
        Sims {
            huawei_agents,
            huawei,
            agora,
            segura,
            servers,
        }
    }

    fn step(&self, step: u64, rng: &mut XorShift) {
        for _ in 0..HUAWEI_CHANGES_PER_STEP {
            let id = FIRST_HUAWEI_AGENT + rng.below(self.huawei_agents as u64) as u32;
            let (state, working) = HUAWEI_STATES[rng.below(HUAWEI_STATES.len() as u64) as usize];
            self.huawei.set_agent(&id.to_string(), state, working);
        }
        // A churner vanishes from the gateway or comes back.
        let churner =
            (FIRST_HUAWEI_AGENT + self.huawei_agents + rng.below(HUAWEI_CHURNERS as u64) as u32)
                .to_string();
        if self.huawei.agent(&churner).is_some() {
            self.huawei.remove_agent(&churner);
        } else {
            self.huawei.add_agents([(churner, 4, false)]);
        }
        let agora_agent = agora_id(rng.below(AGORA_AGENTS as u64) as u32);
        if step.is_multiple_of(2) {
            let status = AGORA_STATUSES[rng.below(AGORA_STATUSES.len() as u64) as usize];
            if !self.agora.set_status(&agora_agent, status) {
                self.agora
                    .add_agent(AgoraAgent::new(&agora_agent, "soak", status));
            }
        } else if step.is_multiple_of(7) && !self.agora.remove_agent(&agora_agent) {
            self.agora
                .add_agent(AgoraAgent::new(&agora_agent, "soak", "STARTING"));
        }
        if step.is_multiple_of(5) {
            let connector = segura_id(rng.below(SEGURA_AGENTS as u64) as u32);
            match rng.below(3) {
                0 => {
                    if !self.segura.remove_agent(&connector) {
                        self.segura
                            .add_agent(&connector, "Connector (back)", 31_500);
                    }
                }
                1 => {
                    self.segura
                        .set_port(&connector, 31_000 + rng.below(1000) as u16);
                }
                _ => {
                    self.segura.reregister(&connector);
                }
            }
        }
        match step % FAULT_EVERY_STEPS {
            0 => self.inject_fault(step / FAULT_EVERY_STEPS),
            FAULT_LASTS_STEPS => self.clear_faults(),
            _ => {}
        }
    }

    /// One fault on one simulator, the vendors and the kinds in turn, on every request until
    /// cleared: long enough for two polls to fail, so that the outage is confirmed and recorded.
    fn inject_fault(&self, round: u64) {
        let fault = FaultRule::always(match (round / 3) % 3 {
            0 => Fault::Http500,
            // Past the client's 3 s time limit.
            1 => Fault::Slow { millis: 4_000 },
            _ => Fault::Reset,
        });
        match round % 3 {
            0 => self.huawei.faults().set(fault.on_path("agentstatus")),
            1 => self.agora.faults().set(fault),
            _ => self.segura.faults().set(fault.on_path("/api/")),
        }
    }

    fn clear_faults(&self) {
        self.huawei.faults().clear();
        self.agora.faults().clear();
        self.segura.faults().clear();
    }
}

fn agora_id(i: u32) -> String {
    format!("SOAK{i:04}")
}

fn segura_id(i: u32) -> String {
    (100 + i).to_string()
}

/// A tiny deterministic generator: the script needs variety, not quality.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
