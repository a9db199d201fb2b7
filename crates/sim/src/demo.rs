//! The three simulators together with demo agents, the config that points AgentWatch at them,
//! and a script that keeps agents changing so that a newcomer sees the app at work: within the
//! first minute a skill queue builds up while agents go on rest, and the team's counts cross
//! their limits.

use crate::agora::{AgoraSim, AgoraSimConfig};
use crate::huawei::HuaweiSim;
use crate::segura::SeguraSim;
use crate::server::SimServer;
use crate::TestCa;
use std::path::Path;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The demo polls often so that changes show within seconds.
pub const DEMO_POLL_INTERVAL_SECS: u64 = 2;
/// One scripted change every this often, taking the vendors in turn.
pub const SCRIPT_STEP: Duration = Duration::from_millis(2500);

pub const HUAWEI_ACCOUNT: &str = "demo-huawei";
pub const AGORA_ACCOUNT: &str = "demo-agora";
pub const SEGURA_ACCOUNT: &str = "demo-segura";

pub struct DemoSims {
    pub huawei: HuaweiSim,
    pub agora: AgoraSim,
    pub segura: SeguraSim,
    servers: [SimServer; 3],
}

impl DemoSims {
    /// Starts the three simulators with their demo agents on `port`, `port + 1`, `port + 2`
    /// (free ports when `None`), over TLS when a CA is given.
    pub async fn start(port: Option<u16>, tls: Option<&TestCa>) -> std::io::Result<DemoSims> {
        let huawei = HuaweiSim::demo();
        let agora = AgoraSim::demo();
        let segura = SeguraSim::demo();
        let at = |offset: u16| port.map_or(0, |p| p + offset);
        let servers = [
            SimServer::start(huawei.router(), at(0), tls).await?,
            SimServer::start(agora.router(), at(1), tls).await?,
            SimServer::start(segura.router(), at(2), tls).await?,
        ];
        Ok(DemoSims {
            huawei,
            agora,
            segura,
            servers,
        })
    }

    pub fn huawei_url(&self) -> String {
        self.servers[0].base_url()
    }

    pub fn agora_url(&self) -> String {
        self.servers[1].base_url()
    }

    pub fn segura_url(&self) -> String {
        self.servers[2].base_url()
    }

    /// The account secrets the simulators accept, by account id (not secret: simulator only).
    pub fn secrets() -> [(&'static str, String); 3] {
        [
            (HUAWEI_ACCOUNT, crate::huawei::DEFAULT_PASSWORD.to_string()),
            (AGORA_ACCOUNT, AgoraSimConfig::default().customer_secret),
            (
                SEGURA_ACCOUNT,
                crate::segura::DEFAULT_CLIENT_SECRET.to_string(),
            ),
        ]
    }

    /// An AgentWatch config (TOML) with one account per simulator, watching every demo agent.
    /// The Huawei account names no agents: the seat's team listing gives them, with names; it
    /// watches the seat's skill queues and limits its team's counts. The Agora account judges
    /// how each ended session went.
    pub fn config_toml(&self, poll_interval_secs: u64, ca_file: Option<&Path>) -> String {
        let ca = ca_file
            .map(|p| format!("ca_file = {:?}\n", p.display().to_string()))
            .unwrap_or_default();
        let agora = AgoraSimConfig::default();
        format!(
            r#"poll_interval_secs = {poll_interval_secs}

[[accounts]]
id = "{HUAWEI_ACCOUNT}"
vendor = "huawei"
name = "Contact centre (simulated)"
base_url = "{huawei}"
{ca}auth = "signin"
workno = "{workno}"
phonenum = "40038"

[accounts.queues]
skills = "all"
waiting = {{ warning = 2, critical = 5 }}
longest_wait = {{ warning = "60s", critical = "3m" }}
no_free_agent = "critical"

[accounts.team]
min_in_state = {{ idle = {{ warning = 2, critical = 1 }} }}
max_in_state = {{ rest = {{ warning = 2, critical = 3 }} }}

[[accounts]]
id = "{AGORA_ACCOUNT}"
vendor = "agora"
name = "AI agents (simulated)"
base_url = "{agora}"
{ca}app_id = "{app_id}"
customer_id = "{customer_id}"

[accounts.session_quality]
error_turns = {{ warning = 1 }}
p95_latency = {{ warning = "1500ms", critical = "3s" }}

[[accounts]]
id = "{SEGURA_ACCOUNT}"
vendor = "segura"
name = "Network connectors (simulated)"
base_url = "{segura}"
{ca}client_id = "{client_id}"
"#,
            huawei = self.huawei_url(),
            workno = crate::huawei::DEFAULT_WORKNO,
            agora = self.agora_url(),
            app_id = agora.app_id,
            customer_id = agora.customer_id,
            segura = self.segura_url(),
            client_id = crate::segura::DEFAULT_CLIENT_ID,
        )
    }

    /// Changes one vendor's agents every [`SCRIPT_STEP`], in turn, until the handle is dropped.
    pub fn spawn_script(&self) -> ScriptHandle {
        let script = Script {
            huawei: self.huawei.clone(),
            agora: self.agora.clone(),
            segura: self.segura.clone(),
        };
        ScriptHandle(tokio::spawn(async move {
            let mut ticker = tokio::time::interval(SCRIPT_STEP);
            ticker.tick().await;
            for step in 0u64.. {
                ticker.tick().await;
                script.step(step);
            }
        }))
    }
}

/// Stops the script when dropped.
pub struct ScriptHandle(JoinHandle<()>);

impl Drop for ScriptHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Script {
    huawei: HuaweiSim,
    agora: AgoraSim,
    segura: SeguraSim,
}

/// The agents the rush (below) sends on rest and back; the shift cycle leaves them alone.
const RUSH_AGENTS: [&str; 4] = ["101", "105", "107", "110"];
/// The skill queue that builds up during the rush.
const RUSH_QUEUE: u32 = 2;
/// Huawei rounds (one every three script steps) in one rush, calm to calm.
const RUSH_ROUNDS: u64 = 12;

/// One round of the rush: which rush agents are on rest, and the "vip" queue's figures
/// (waiting, longest wait in seconds, free of 3). It builds up while agents go on rest, so that
/// within the demo's first minute a queue turns warning then critical ("no agent free") and
/// the team's counts cross their limits (more than 3 on rest, fewer than 2 idle).
fn rush(round: u64) -> (&'static [&'static str], (u64, u64, u64)) {
    match round % RUSH_ROUNDS {
        0 => (&["105"], (0, 0, 3)),
        1 => (&["105", "107"], (1, 25, 2)),
        2 => (&["105", "107", "110"], (3, 50, 1)),
        3 => (&["101", "105", "107", "110"], (5, 95, 0)),
        4 => (&["101", "105", "107", "110"], (7, 190, 0)),
        5 => (&["105", "110"], (4, 120, 2)),
        6 => (&["105"], (1, 30, 3)),
        _ => (&["105"], (0, 0, 3)),
    }
}

/// Huawei agent states a shift goes through: idle, talking, wrap-up, idle, rest, busy, signed out.
const HUAWEI_CYCLE: [(i64, bool); 7] = [
    (4, false),
    (7, true),
    (5, false),
    (4, false),
    (8, false),
    (3, false),
    (2, false),
];
/// An AI agent failing, recovering and running again (the demo agents start RUNNING).
const AGORA_CYCLE: [&str; 3] = ["FAILED", "RECOVERING", "RUNNING"];

impl Script {
    fn rush(&self, round: u64) {
        let (on_rest, (waiting, longest, free)) = rush(round);
        for id in RUSH_AGENTS {
            let state = if on_rest.contains(&id) { 8 } else { 4 };
            if self.huawei.agent(id).map(|a| a.state) != Some(state) {
                self.huawei.set_agent(id, state, false);
            }
        }
        let vip = crate::huawei::SimQueue::new("vip", waiting, longest, free, 3);
        self.huawei.set_queue(RUSH_QUEUE, vip);
        // The main line breathes a little, never past its thresholds.
        let voice = crate::huawei::SimQueue::new("voice", round % 2, 8 + round % 5, 3, 5);
        self.huawei.set_queue(1, voice);
    }

    fn step(&self, step: u64) {
        let round = step / 3;
        match step % 3 {
            0 => {
                let ids: Vec<&str> = HuaweiSim::demo_agent_ids()
                    .into_iter()
                    .filter(|id| !RUSH_AGENTS.contains(id))
                    .collect();
                let id = ids[(round as usize * 3) % ids.len()];
                let (state, working) = HUAWEI_CYCLE[(round as usize) % HUAWEI_CYCLE.len()];
                self.huawei.set_agent(id, state, working);
                self.rush(round);
            }
            1 => {
                let agents = AgoraSim::demo_agents();
                let agent = &agents[(round as usize) % 2];
                let status = AGORA_CYCLE[(round as usize / 2) % AGORA_CYCLE.len()];
                self.agora.set_status(&agent.agent_id, status);
            }
            _ => match round % 4 {
                0 => {
                    self.segura.remove_agent("3");
                }
                1 => self.segura.add_agent("3", "Branch office Recife", 30_102),
                2 => {
                    self.segura.set_port("2", 30_201);
                }
                _ => {
                    self.segura.set_port("2", 30_001);
                }
            },
        }
    }
}
