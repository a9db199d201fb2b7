//! `agentwatch sim`: the three simulators alone, until Ctrl-C.

use super::shutdown_signal;
use crate::terminal;
use agentwatch_sim::demo::{DemoSims, DEMO_POLL_INTERVAL_SECS};
use agentwatch_sim::TestCa;
use std::path::PathBuf;

pub async fn run(port: Option<u16>, tls_ca: Option<PathBuf>, script: bool) -> u8 {
    let ca = tls_ca.as_ref().map(|_| TestCa::generate());
    if let (Some(ca), Some(path)) = (&ca, &tls_ca) {
        if let Err(e) = ca.write_ca_pem(path) {
            terminal::warn(format_args!(
                "agentwatch: cannot write {}: {e}",
                path.display()
            ));
            return 1;
        }
    }
    let sims = match DemoSims::start(port, ca.as_ref()).await {
        Ok(s) => s,
        Err(e) => {
            terminal::warn(format_args!("agentwatch: cannot start the simulators: {e}"));
            return 1;
        }
    };
    let _script = script.then(|| sims.spawn_script());
    // Everything but the config itself is a TOML comment: `agentwatch sim > config.toml`
    // writes a file that loads as it is.
    println!("# The AgentWatch simulators, until Ctrl-C:");
    println!("#   huawei  {}", sims.huawei_url());
    println!("#   agora   {}", sims.agora_url());
    println!("#   segura  {}", sims.segura_url());
    println!("# A config for them; their secrets are the export lines after it.");
    println!(
        "{}",
        sims.config_toml(DEMO_POLL_INTERVAL_SECS, tls_ca.as_deref())
    );
    for (id, secret) in DemoSims::secrets() {
        println!(
            "# export {}={secret}",
            agentwatch_core::secrets::env_var_name(id)
        );
    }
    shutdown_signal().await;
    0
}
