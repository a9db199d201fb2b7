//! The core's and the CLI's own test suites, built for Windows and run under Wine: cargo hands
//! each test program to Wine (`CARGO_TARGET_<TARGET>_RUNNER`); the simulators they start run
//! inside the same Windows process, on loopback. A test that cannot run under Wine is skipped
//! by name, and the reason is printed with it.

use super::wine::{Prefix, Tools};
use super::TARGET;
use crate::cargo;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
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

/// Runs the suites under Wine in `prefix`. Tests that failed only because Wine could not start
/// a process (see [`wine_start_failures`]) run once more, and the lane says which.
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
    let started = Instant::now();
    let deadline = started + RUN_LIMIT;
    let first = run_within(&mut suites_command(tools, prefix, &[]), deadline, prefix);
    let result = match first {
        Ok(()) => Ok(()),
        Err(Failed::Tests(output)) => match wine_start_failures(&output) {
            Some(again) => {
                println!(
                    "xtask: {} test(s) failed only because Wine could not start a process \
                     (\"Internal error\", 1359, which Wine 8.0 gives now and then under \
                     load); running them once more: {}",
                    again.len(),
                    again.join(", ")
                );
                run_within(&mut suites_command(tools, prefix, &again), deadline, prefix)
                    .map_err(Failed::into_message)
            }
            None => Err(Failed::Tests(output).into_message()),
        },
        Err(other) => Err(other.into_message()),
    };
    println!(
        "xtask: the Windows test suites ran for {:.0} s under Wine",
        started.elapsed().as_secs_f64()
    );
    result
}

/// `cargo test` of the suites under Wine: every test (but those skipped), or only `exact`.
fn suites_command(tools: &Tools, prefix: &Prefix, exact: &[String]) -> Command {
    let mut cmd = test_command();
    prefix.environment(&mut cmd);
    // Every suite runs even when one fails: one lane run lists every failure.
    cmd.env(runner_variable(), &tools.wine)
        .args(["--no-fail-fast", "--", "--exact"]);
    if exact.is_empty() {
        for (name, _) in SKIPPED_UNDER_WINE {
            cmd.args(["--skip", name]);
        }
    } else {
        cmd.args(exact);
    }
    cmd
}

/// `CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER`.
fn runner_variable() -> String {
    format!(
        "CARGO_TARGET_{}_RUNNER",
        TARGET.to_uppercase().replace('-', "_")
    )
}

/// The Windows error Wine 8.0 answers a process start with, now and then, when the machine is
/// busy: ERROR_INTERNAL_ERROR. Rust prints it as `Os { code: 1359, .. }`.
const WINE_START_FAILURE: &str = "code: 1359";

/// When every failed test of `output` (libtest's) failed on [`WINE_START_FAILURE`], their
/// names; `None` when any failed otherwise (a real failure is never run again) or no failed
/// test is named.
pub fn wine_start_failures(output: &str) -> Option<Vec<String>> {
    // (test name, whether its output names the Wine start failure)
    let mut failed: Vec<(String, bool)> = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for line in output.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            failed.extend(current.take());
            current = Some((name.to_string(), false));
        } else if line == "failures:" || line.starts_with("test result:") {
            failed.extend(current.take());
        } else if let Some((_, wine)) = current.as_mut() {
            *wine |= line.contains(WINE_START_FAILURE);
        }
    }
    failed.extend(current);
    let mut names: Vec<String> = Vec::new();
    for (name, wine) in failed {
        if !wine {
            return None;
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then_some(names)
}

enum Failed {
    /// The tests ran and some failed: what they printed.
    Tests(String),
    /// They could not run, or ran out of time.
    Run(String),
}

impl Failed {
    fn into_message(self) -> String {
        match self {
            Failed::Tests(_) => "the tests under Wine failed (their output is above)".into(),
            Failed::Run(why) => why,
        }
    }
}

/// Runs `cmd` to its end, printing what it prints as it comes, or stops it (and every Wine
/// process of `prefix`) at `deadline`.
fn run_within(cmd: &mut Command, deadline: Instant, prefix: &Prefix) -> Result<(), Failed> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failed::Run(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    let stdout = child.stdout.take().expect("piped stdout");
    // libtest's report goes to stdout: shown as it comes and kept to read the failures.
    let echo = std::thread::spawn(move || {
        let mut kept = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
        kept
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                prefix.stop();
                return Err(Failed::Run(format!(
                    "the tests under Wine did not end within {} minutes: stopped",
                    RUN_LIMIT.as_secs() / 60
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => {
                return Err(Failed::Run(format!(
                    "cannot wait for the tests under Wine: {e}"
                )))
            }
        }
    };
    let output = echo.join().unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(Failed::Tests(output))
    }
}

#[cfg(test)]
mod tests {
    use super::wine_start_failures;

    const WINE_ONLY: &str = "running 2 tests
test what_to_do::a ... FAILED
test what_to_do::b ... ok

failures:

---- what_to_do::a stdout ----

thread 'what_to_do::a' panicked at crates/cli/tests/common/mod.rs:18:57:
agentwatch runs: Os { code: 1359, kind: Uncategorized, message: \"Internal error.\" }

failures:
    what_to_do::a

test result: FAILED. 1 passed; 1 failed
";

    #[test]
    fn only_tests_that_wine_could_not_start_are_run_again() {
        assert_eq!(
            wine_start_failures(WINE_ONLY),
            Some(vec!["what_to_do::a".to_string()])
        );
    }

    #[test]
    fn a_real_failure_beside_them_is_never_run_again() {
        let both = format!(
            "{WINE_ONLY}
---- check::exit_code stdout ----
thread 'check::exit_code' panicked at crates/cli/tests/cli.rs:9:5:
assertion `left == right` failed

failures:
    check::exit_code
"
        );
        assert_eq!(wine_start_failures(&both), None);
        assert_eq!(wine_start_failures("test result: FAILED. 0 passed"), None);
    }
}
