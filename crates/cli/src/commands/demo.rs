//! `agentwatch demo`: the three simulators in-process, a ready-made config pointing at them, a
//! script that changes agents every few seconds, and one printed line per change.

use super::watch::{print_events, Lines};
use crate::terminal;
use agentwatch_core::config::Config;
use agentwatch_core::host::HostOptions;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_sim::demo::{DemoSims, DEMO_POLL_INTERVAL_SECS};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(duration: Option<Duration>) -> u8 {
    let sims = match DemoSims::start(None, None).await {
        Ok(s) => s,
        Err(e) => {
            terminal::warn(format_args!("agentwatch: cannot start the simulators: {e}"));
            return 1;
        }
    };
    let config = Config::parse(
        &sims.config_toml(DEMO_POLL_INTERVAL_SECS, None),
        Path::new("(demo config)"),
    )
    .expect("the demo config is valid");
    let secrets = DemoSims::secrets()
        .into_iter()
        .fold(StaticSecrets::new(), |s, (id, secret)| s.with(id, &secret));
    let _script = sims.spawn_script();
    terminal::say(format_args!(
        "AgentWatch demo: simulated Huawei {}, Agora {}, Segura {}; agents change every few seconds.",
        sims.huawei_url(),
        sims.agora_url(),
        sims.segura_url()
    ));
    terminal::say("Time     vendor account agent old -> new severity");
    // No memory file: the demo's snoozes are not the user's.
    let options = HostOptions::new(Arc::new(secrets));
    print_events(config, options, duration, Lines::Confirmed).await;
    0
}
