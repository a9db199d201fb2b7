//! `cargo xtask`: the project's commands. `setup` installs what is missing, `demo` runs the
//! built-in demo, `test` runs every test (the keyring test inside a private D-Bus session with
//! an unlocked gnome-keyring), `package` builds the Debian package (or the Windows installer),
//! `bench` measures a poll cycle, `agentwatch serve`, the tray's memory and the Live view,
//! `fuzz` runs the property-based fuzz targets for longer, `soak` runs the engine for a long
//! while and watches its memory.
//!
//! Standard library only, so that it builds in seconds on a fresh machine.

#[cfg(test)]
mod circles;
mod desktop;
mod fuzz;
mod memory;
mod package;
mod profile;
mod session;
mod setup;
mod windows;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup            install the system packages the build and the tests need (apt; sudo when not root)
  demo [ARGS]      run AgentWatch with its built-in demo (simulated vendors, no credentials)
  test [ARGS]      install what is missing, then run every test (ARGS go to cargo test), with the
                   Windows lane: the Windows programs, their installer and the core's and CLI's
                   tests run under Wine
  windows-lane [--no-suites] [ARGS]
                   the Windows lane alone: build the Windows programs and their installer, run
                   the core's and CLI's tests under Wine (not with --no-suites), then the
                   end-to-end test under Wine (tests/windows.rs; ARGS go to its cargo test)
  package [--rpm]  build the release binaries once and write <target dir>/package/agentwatch_<version>_<arch>.deb
                   (checked with desktop-file-validate, appstreamcli and lintian), and with --rpm
                   an .rpm of the same files; prints their paths, the .deb's last
  package --windows  build the Windows programs (x86_64-pc-windows-gnu, release) and their NSIS installer
                   (target/package/AgentWatch_<version>_x64-setup.exe)
  bench [serve]    measure one poll cycle of 1,000 and 10,000 Huawei agents (one call per agent,
                   and 10,000 through the team listing in one call), and `agentwatch serve`
                   with 11,500 agents (scrape time, exposition size, memory); `serve`: that alone
  bench --memory   build the desktop app in release and print its tray-only memory (PSS,
                   anonymous) in demo mode, before and after the dashboard was opened and closed
  bench --live     build the desktop app in release and measure its Live view with 2,000 and
                   10,000 agents (update time, WebKit memory, frames while scrolling)
  fuzz [--minutes N]   run the fuzz targets (vendor answers, config, history) for N minutes (default 10)
  soak [--minutes N]   run the engine against 10,000 simulated agents with churn and faults for
                   N minutes (default 30; release build); print memory each minute, check the history
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
        "windows-lane" => windows_lane(&rest),
        "package" if rest.first().is_some_and(|a| a == "--windows") => windows::package(&rest[1..]),
        "package" => package::command(&rest),
        "bench" => bench(&rest),
        "fuzz" => fuzz::run(&rest),
        "soak" => soak(&rest),
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
    let mut phases = Phases::start();
    setup::install_missing(setup::Purpose::Test)?;
    phases.done("setup");
    desktop::prepare_tests()?;
    phases.done("the desktop app and tauri-driver");
    println!("xtask: building the tests");
    run(cargo().args(["test", "--workspace", "--no-run", "--quiet"]))?;
    phases.done("the tests' build");
    // The package the installed-app test (tests/installed.rs) installs, of the dev build: see
    // profile::Profile::Dev.
    println!("xtask: building the Debian package");
    let deb = package::build(package::Profile::Dev)?;
    phases.done("the Debian package");
    // The Windows programs, their installer and the core's and CLI's tests under Wine; the
    // end-to-end test of all of them (tests/windows.rs) runs with the others below.
    let windows = windows::lane(windows::Suites::Run)?;
    phases.done("the Windows lane (build, installer, suites under Wine)");
    println!("xtask: running every test inside a private D-Bus session with an unlocked keyring");
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut session = Command::new("dbus-run-session");
    if std::env::var_os(fuzz::SECONDS_VAR).is_none() {
        // The fuzz targets' share of the run: about a minute in all.
        session.env(fuzz::SECONDS_VAR, fuzz::TEST_SECONDS_PER_TARGET);
    }
    let tests = run(session
        .arg("--")
        .arg(xtask)
        .arg("session-inner")
        .args(args)
        // Here a desktop test never skips: a missing tool fails it, naming the tool.
        .env("AGENTWATCH_REQUIRE_DESKTOP", "1")
        .env("AGENTWATCH_REQUIRE_WINDOWS_LANE", "1")
        .env(package::DEB_VAR, &deb)
        .envs(windows.vars.iter().map(|(k, v)| (k, v)))
        .current_dir(workspace_root()));
    phases.done("every test");
    phases.print();
    tests
}

/// How long each step of `test` took, printed at the end: where a CI run's minutes go.
struct Phases {
    started: std::time::Instant,
    last: std::time::Instant,
    done: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    fn start() -> Self {
        let now = std::time::Instant::now();
        Phases {
            started: now,
            last: now,
            done: Vec::new(),
        }
    }

    fn done(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((phase, now - self.last));
        self.last = now;
    }

    fn print(&self) {
        println!("xtask: where the run's time went:");
        for (phase, took) in &self.done {
            println!("  {:>5.0} s  {phase}", took.as_secs_f64());
        }
        println!("  {:>5.0} s  in all", self.started.elapsed().as_secs_f64());
    }
}

/// `cargo xtask windows-lane`: the Windows lane of `test` alone, then only its end-to-end test.
fn windows_lane(args: &[String]) -> Result<(), String> {
    let (suites, rest) = match args.split_first() {
        Some((flag, rest)) if flag == "--no-suites" => (windows::Suites::Skip, rest),
        _ => (windows::Suites::Run, args),
    };
    setup::install_missing(setup::Purpose::Test)?;
    let windows = windows::lane(suites)?;
    println!("xtask: running the Windows end-to-end test (tests/windows.rs)");
    run(cargo()
        .args(["test", "-p", "agentwatch-tests", "--test", "windows", "--"])
        .args(rest)
        .env("AGENTWATCH_REQUIRE_DESKTOP", "1")
        .env("AGENTWATCH_REQUIRE_WINDOWS_LANE", "1")
        .envs(windows.vars.iter().map(|(k, v)| (k, v))))
}

fn bench(args: &[String]) -> Result<(), String> {
    let serve_only = match args {
        [] => false,
        [case] if case == "serve" => true,
        [flag] if flag == "--memory" => return memory::bench(),
        [flag] if flag == "--live" => return memory::live(),
        other => {
            return Err(format!(
                "unexpected arguments {other:?} (expected nothing, `serve`, `--memory` or `--live`)"
            ))
        }
    };
    setup::install_missing(setup::Purpose::Build)?;
    if !serve_only {
        println!("xtask: building the benchmark (release)");
        let bin = release_binary("agentwatch-bench")?;
        run(Command::new(bin).args(["1000", "10000"]))?;
    }
    println!("xtask: building agentwatch and the serve benchmark (release)");
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "agentwatch-cli",
        "--bin",
        "agentwatch",
    ]))?;
    let bin = release_binary("agentwatch-bench-serve")?;
    run(Command::new(bin).arg(target_dir().join("release").join("agentwatch")))
}

/// Builds one of the test crate's measuring programs in the release profile; its path.
fn release_binary(name: &str) -> Result<PathBuf, String> {
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "agentwatch-tests",
        "--bin",
        name,
    ]))?;
    Ok(target_dir().join("release").join(name))
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when set, else `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Reads `--minutes N` (the only option of `fuzz` and `soak`).
pub fn minutes_arg(args: &[String], default: u64) -> Result<u64, String> {
    match args {
        [] => Ok(default),
        [flag, n] if flag == "--minutes" => n
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("--minutes needs a whole number above 0, not {n:?}")),
        other => Err(format!(
            "unexpected arguments {other:?} (expected --minutes N)"
        )),
    }
}

fn soak(args: &[String]) -> Result<(), String> {
    let minutes = minutes_arg(args, 30)?;
    setup::install_missing(setup::Purpose::Build)?;
    println!("xtask: building the soak test (release)");
    let bin = release_binary("agentwatch-soak")?;
    // A warm-up of a tenth of the run (1 to 3 minutes) before memory growth is measured.
    let warmup = (minutes / 10).clamp(1, 3);
    if minutes <= warmup {
        return Err(format!(
            "a soak needs more than {warmup} minute(s) of warm-up"
        ));
    }
    run(Command::new(bin).args([
        "--minutes",
        &minutes.to_string(),
        "--warmup-minutes",
        &warmup.to_string(),
    ]))
}
