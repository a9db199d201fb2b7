//! Windows: the programs cross-built here with MinGW, their NSIS installer
//! (packaging/windows/agentwatch.nsi), and the lane of `cargo xtask test` that runs them under
//! Wine.
//!
//! - `cargo xtask package --windows`: release builds of both programs and the installer.
//! - The lane ([`lane`]): builds both programs once (dev profile: a release build of the
//!   desktop app takes far longer than the lane's time budget) and wraps exactly those in the
//!   installer; builds the core's and the CLI's test suites for Windows and runs them under
//!   Wine ([`suites`]); and prepares a fresh Wine prefix for the end-to-end test
//!   (tests/windows.rs), which `cargo xtask test` then runs with the others (`cargo xtask
//!   windows-lane`: alone), handed what it needs through [`Lane::vars`].

mod build;
mod installer;
mod suites;
mod wine;

use crate::{setup, target_dir};
use std::path::PathBuf;
use std::time::Instant;

/// The Windows target that builds with Debian's MinGW-w64 (the MSVC one needs Microsoft's linker).
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// `cargo xtask package --windows`: release builds of the desktop app (Tauri's production
/// settings: assets embedded, no dev server) and the CLI, then the NSIS installer.
pub fn package(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("unexpected argument {other:?} after --windows"));
    }
    setup::install_missing(setup::Purpose::Windows)?;
    setup::ensure_rust_target(TARGET)?;
    println!("xtask: building agentwatch-desktop and agentwatch for {TARGET} (release)");
    let programs = build::programs(build::Profile::Release)?;
    let installer = installer::write(&programs, &target_dir().join("package"))?;
    println!("{}", installer.display());
    Ok(())
}

/// What the lane hands to tests/windows.rs, and the Wine prefixes to stop afterwards.
pub struct Lane {
    pub vars: Vec<(&'static str, PathBuf)>,
    prefixes: Vec<wine::Prefix>,
}

impl Drop for Lane {
    fn drop(&mut self) {
        for prefix in &self.prefixes {
            prefix.stop();
        }
    }
}

/// Whether the lane runs the core's and the CLI's tests under Wine (`cargo xtask windows-lane
/// --no-suites` leaves them out, to try the end-to-end test quickly).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Suites {
    Run,
    Skip,
}

/// The Windows lane's preparation inside `cargo xtask test`: programs, installer, the Wine
/// helpers and prefixes, and the core's and the CLI's own tests run under Wine. The returned
/// [`Lane`] says where everything is for the end-to-end test.
pub fn lane(suites: Suites) -> Result<Lane, String> {
    let started = Instant::now();
    setup::ensure_rust_target(TARGET)?;
    let dir = target_dir().join("windows-lane");
    let tools = wine::Tools::build(&dir.join("tools"))?;
    // The fresh prefixes (a few seconds of wineboot each) are made while cargo builds: one for
    // the test suites, one the end-to-end test starts from clean.
    let making = {
        let (dir, dll) = (dir.clone(), tools.prng.clone());
        std::thread::spawn(move || {
            let suites_prefix = match suites {
                Suites::Run => Some(wine::Prefix::create(&dir.join("prefix-suites"), &dll)?),
                Suites::Skip => None,
            };
            Ok::<_, String>((
                suites_prefix,
                wine::Prefix::create(&dir.join("prefix-e2e"), &dll)?,
            ))
        })
    };
    println!("xtask: building agentwatch-desktop and agentwatch for {TARGET} (dev profile)");
    let programs = build::programs(build::Profile::Dev)?;
    if suites == Suites::Run {
        println!("xtask: building the core's and the CLI's tests for {TARGET}");
        suites::build()?;
    }
    let installer = installer::write(&programs, &dir)?;
    let (suites_prefix, e2e_prefix) = making
        .join()
        .map_err(|_| "making the Wine prefixes panicked".to_string())??;
    let lane = Lane {
        vars: vec![
            ("AGENTWATCH_WINE", tools.wine.clone()),
            ("AGENTWATCH_WINDOWS_PROGRAMS", programs.staging.clone()),
            ("AGENTWATCH_WINDOWS_INSTALLER", installer),
            ("AGENTWATCH_WINDOWS_PROBE", tools.probe.clone()),
            ("AGENTWATCH_WINDOWS_PREFIX", e2e_prefix.path.clone()),
        ],
        prefixes: vec![e2e_prefix],
    };
    if let Some(prefix) = suites_prefix {
        let run = suites::run(&tools, &prefix);
        prefix.stop();
        run?;
    }
    println!(
        "xtask: the Windows lane's build and Wine suites took {:.0} s; its end-to-end test \
         (tests/windows.rs) runs next",
        started.elapsed().as_secs_f64()
    );
    Ok(lane)
}
