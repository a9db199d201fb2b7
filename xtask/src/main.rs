//! `cargo xtask`: the project's commands. `setup` installs what is missing, `demo` runs the
//! built-in demo, `test` runs every test (the keyring test inside a private D-Bus session with
//! an unlocked gnome-keyring), `bench` measures a poll cycle.
//!
//! Standard library only, so that it builds in seconds on a fresh machine.

mod desktop;
mod session;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup            install the system packages the build and the tests need (apt; sudo when not root)
  demo [ARGS]      run AgentWatch with its built-in demo (simulated vendors, no credentials)
  test [ARGS]      install what is missing, then run every test (ARGS go to cargo test)
  bench            measure one poll cycle of 1,000 and 10,000 Huawei agents; print figures
  session-inner    (internal) the part of `test` that runs inside dbus-run-session";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest.to_vec()),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        "setup" => setup::install_missing(setup::Purpose::Test),
        "demo" => demo(&rest),
        "test" => test(&rest),
        "bench" => bench(),
        "session-inner" => session::inner(&rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({status})", cmd.get_program()))
    }
}

fn demo(args: &[String]) -> Result<(), String> {
    setup::install_missing(setup::Purpose::Build)?;
    println!("xtask: building and starting the demo (Ctrl-C to stop)");
    desktop::demo(args)
}

fn test(args: &[String]) -> Result<(), String> {
    setup::install_missing(setup::Purpose::Test)?;
    desktop::prepare_tests()?;
    println!("xtask: building the tests");
    run(cargo().args(["test", "--workspace", "--no-run", "--quiet"]))?;
    println!("xtask: running every test inside a private D-Bus session with an unlocked keyring");
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    run(Command::new("dbus-run-session")
        .arg("--")
        .arg(xtask)
        .arg("session-inner")
        .args(args)
        // Here a desktop test never skips: a missing tool fails it, naming the tool.
        .env("AGENTWATCH_REQUIRE_DESKTOP", "1")
        .current_dir(workspace_root()))
}

fn bench() -> Result<(), String> {
    setup::install_missing(setup::Purpose::Build)?;
    println!("xtask: building the benchmark (release)");
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "agentwatch-tests",
        "--bin",
        "agentwatch-bench",
    ]))?;
    let bin = workspace_root().join("target/release/agentwatch-bench");
    run(Command::new(bin).args(["1000", "10000"]))
}
