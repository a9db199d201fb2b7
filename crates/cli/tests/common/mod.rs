//! What the CLI tests share: running the `agentwatch` binary without stalling the simulators'
//! runtime, and reading what it printed.

use std::process::{Command, Output};

/// Standard output then standard error.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a blocking command on a blocking thread, so the simulators (and proxies) in this
/// process keep answering.
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("agentwatch runs"))
        .await
        .unwrap()
}
