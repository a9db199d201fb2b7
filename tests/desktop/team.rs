//! A big contact-centre team on the Huawei simulator, for the live view's WebDriver steps and its
//! benchmark: `count` named agents (work numbers from 10001; the seat is 5001) in a realistic
//! spread of states, listed through the seat's team listing, and 5 % of them changed at a time.

use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_WORKNO};
use agentwatch_sim::SimServer;

/// The team's account id (its secret comes from `AGENTWATCH_SECRET_E2E_TEAM`).
pub const ACCOUNT: &str = "e2e-team";
pub const ACCOUNT_NAME: &str = "Contact centre (team)";
/// The environment variable giving the seat's password to the app.
pub const SECRET_VAR: &str = "AGENTWATCH_SECRET_E2E_TEAM";

/// Huawei agentState values and how many of every 100 agents are in each: idle, talking,
/// busy, wrap-up, rest, signed in, signed out (warning), unknown.
const SPREAD: [(i64, usize); 8] = [
    (4, 26),
    (7, 36),
    (3, 6),
    (5, 10),
    (8, 10),
    (1, 4),
    (2, 7),
    (0, 1),
];
/// The signed-out state: the team's warnings.
pub const SIGNED_OUT: i64 = 2;

const FIRST: [&str; 16] = [
    "Li", "Ana", "Marco", "Sofia", "Yuki", "Omar", "Elena", "Tom", "Ines", "Ravi", "Chen", "Lea",
    "Pavel", "Nora", "Jonas", "Aiko",
];
const LAST: [&str; 16] = [
    "Wei", "Silva", "Rossi", "Costa", "Tanaka", "Haddad", "Petrova", "Baker", "Garcia", "Patel",
    "Ming", "Dubois", "Novak", "Berg", "Schmidt", "Sato",
];

pub struct BigTeam {
    pub sim: HuaweiSim,
    pub server: SimServer,
    pub count: usize,
    states: Vec<i64>,
    seed: u64,
}

pub fn agent_id(i: usize) -> String {
    (10001 + i).to_string()
}

/// The state the spread gives agent `i`.
fn state_of(i: usize) -> i64 {
    // Spread the slots so that neighbours differ (a team is not sorted by state).
    let mut slot = (i * 37) % 100;
    for (state, share) in SPREAD {
        if slot < share {
            return state;
        }
        slot -= share;
    }
    4
}

impl BigTeam {
    pub async fn start(count: usize) -> std::io::Result<BigTeam> {
        let sim = HuaweiSim::new(HuaweiSimConfig::default());
        let states: Vec<i64> = (0..count).map(state_of).collect();
        sim.add_agents((0..count).map(|i| (agent_id(i), states[i], states[i] == 7)));
        sim.set_names((0..count).map(|i| {
            (
                agent_id(i),
                format!("{} {}", FIRST[i % 16], LAST[(i / 16 + i * 7) % 16]),
            )
        }));
        let server = SimServer::start(sim.router(), 0, None).await?;
        Ok(BigTeam {
            sim,
            server,
            count,
            states,
            seed: 0x2545_f491,
        })
    }

    /// The account, polling the whole team (no watch list: the team listing) every
    /// `poll_secs`.
    pub fn config(&self, poll_secs: u64) -> String {
        format!(
            "poll_interval_secs = {poll_secs}\n\n[[accounts]]\nid = \"{ACCOUNT}\"\nvendor = \"huawei\"\n\
             name = \"{ACCOUNT_NAME}\"\nbase_url = \"{}\"\nauth = \"signin\"\nworkno = \"{DEFAULT_WORKNO}\"\n",
            self.server.base_url()
        )
    }

    /// How many agents are signed out (the team's warnings).
    pub fn signed_out(&self) -> usize {
        self.states.iter().filter(|s| **s == SIGNED_OUT).count()
    }

    /// How many agents are in state 0 (unknown).
    pub fn unknown(&self) -> usize {
        self.states.iter().filter(|s| **s == 0).count()
    }

    pub fn state(&self, i: usize) -> i64 {
        self.states[i]
    }

    /// Moves agent `i` to `state`.
    pub fn set(&mut self, i: usize, state: i64) {
        self.states[i] = state;
        self.sim.set_agent(&agent_id(i), state, state == 7);
    }

    /// Changes `fraction` of the team to another state (never signed out, so that the warnings
    /// stay as they are), agents picked by a fixed pseudo-random sequence; their indices.
    pub fn change(&mut self, fraction: f64) -> Vec<usize> {
        let n = ((self.count as f64) * fraction).round() as usize;
        let mut changed = Vec::with_capacity(n);
        while changed.len() < n {
            self.seed = self
                .seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (self.seed >> 33) as usize % self.count;
            if changed.contains(&i) || self.states[i] == SIGNED_OUT {
                continue;
            }
            let next = match self.states[i] {
                4 => 7,
                7 => 5,
                5 => 4,
                3 => 8,
                8 => 4,
                _ => 4,
            };
            self.set(i, next);
            changed.push(i);
        }
        changed
    }
}
