//! The core's and the CLI's own test suites, built for Windows and run under Wine: cargo hands
//! each test program to Wine (`CARGO_TARGET_<TARGET>_RUNNER`); the simulators they start run
//! inside the same Windows process, on loopback. A test that cannot run under Wine is skipped
//! by name, and the reason is printed with it.

use super::wine::{Prefix, Tools};
use super::TARGET;
use crate::cargo;
use std::process::Command;
use std::time::{Duration, Instant};

/// The packages whose tests run under Wine.
const PACKAGES: [&str; 2] = ["agentwatch-core", "agentwatch-cli"];

/// The whole run's time limit: a test that hangs under Wine must not hang the lane.
const RUN_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Tests that cannot run on Windows, by full name, each with why. They run on Linux.
const SKIPPED_UNDER_WINE: &[(&str, &str)] = &[(
    "check_raises_the_exit_code_when_the_history_says_an_agent_rests_too_long",
    "it gives `agentwatch check` a history of its own through XDG_DATA_HOME, which Windows \
     programs do not read (they find %APPDATA% through the shell, and `check` takes no \
     --history-db)",
)];

/// Tests the Windows build leaves out (`#[cfg(unix)]`): what they test does not exist there.
/// Named here so that the lane says so rather than printing "0 tests" and nothing else.
const UNIX_ONLY: &[(&str, &str)] = &[
    (
        "agentwatch-cli tests/answers.rs",
        "it measures the child's peak memory with wait4(2), which Windows does not have",
    ),
    (
        "agentwatch-cli tests/watch.rs",
        "it stops `watch` as Ctrl-C does, with SIGINT, which Windows programs do not receive \
         (tests/windows.rs runs `watch` under Wine)",
    ),
    (
        "agentwatch-cli what_to_do::without_a_keyring_the_account_error_says_how_to_give_the_secret",
        "a session without the Secret Service is Linux's case; Windows' Credential Manager is \
         always there",
    ),
    (
        "agentwatch-core control::tests::over_the_socket",
        "the Unix socket's folder and owner checks; on Windows the named pipe's own tests \
         (control::tests::over_the_channel) run instead",
    ),
];

fn test_command() -> Command {
    let mut cmd = cargo();
    cmd.args(["test", "--target", TARGET]);
    for package in PACKAGES {
        cmd.args(["-p", package]);
    }
    cmd
}

/// Builds the suites' test programs (and the `agentwatch.exe` the CLI's tests start).
pub fn build() -> Result<(), String> {
    crate::run(test_command().args(["--no-run", "--quiet"]))
}

/// Runs the suites under Wine in `prefix`.
pub fn run(tools: &Tools, prefix: &Prefix) -> Result<(), String> {
    println!(
        "xtask: running the tests of {} under Wine ({} skipped there):",
        PACKAGES.join(" and "),
        SKIPPED_UNDER_WINE.len()
    );
    for (name, why) in SKIPPED_UNDER_WINE {
        println!("  skipped under Wine: {name}: {why}");
    }
    for (name, why) in UNIX_ONLY {
        println!("  not built for Windows: {name}: {why}");
    }
    let mut cmd = test_command();
    prefix.environment(&mut cmd);
    // Every suite runs even when one fails: one lane run lists every failure.
    cmd.env(runner_variable(), &tools.wine)
        .args(["--no-fail-fast", "--", "--exact"]);
    for (name, _) in SKIPPED_UNDER_WINE {
        cmd.args(["--skip", name]);
    }
    let started = Instant::now();
    let result = run_within(&mut cmd, RUN_LIMIT, prefix);
    println!(
        "xtask: the Windows test suites ran for {:.0} s under Wine",
        started.elapsed().as_secs_f64()
    );
    result
}

/// `CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER`.
fn runner_variable() -> String {
    format!(
        "CARGO_TARGET_{}_RUNNER",
        TARGET.to_uppercase().replace('-', "_")
    )
}

/// Runs `cmd` to its end, or stops it (and every Wine process of `prefix`) after `limit`.
fn run_within(cmd: &mut Command, limit: Duration, prefix: &Prefix) -> Result<(), String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the tests under Wine failed ({status})")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                prefix.stop();
                return Err(format!(
                    "the tests under Wine did not end within {} minutes: stopped",
                    limit.as_secs() / 60
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("cannot wait for the tests under Wine: {e}")),
        }
    }
}
