//! `cargo xtask package`: builds the release binaries once (the desktop app with Tauri's
//! production settings), stages the installed file tree, and writes
//! `<target dir>/package/agentwatch_<version>_<arch>.deb` with dpkg-deb, then checks it
//! (desktop-file-validate, appstreamcli, lintian). Why dpkg-deb and not the Tauri CLI: see
//! README "Install" (the CLI cannot build this layout, and dpkg-deb needs nothing beyond dpkg).

mod deb;
mod rpm;
mod stage;
mod versions;

use std::path::PathBuf;

/// The Debian package's name.
pub const PACKAGE: &str = "agentwatch";
pub const DESKTOP_FILE: &str = "packaging/agentwatch-desktop.desktop";
pub const METAINFO: &str = "packaging/io.agentwatch.desktop.metainfo.xml";
/// The two programs, as cargo names their binaries and as they are installed in /usr/bin.
pub const BINARIES: [&str; 2] = ["agentwatch-desktop", "agentwatch"];
/// Who makes the package: the control file's Maintainer and the changelog's sign-off.
pub const MAINTAINER: &str =
    "AgentWatch maintainers <maintainers@users.noreply.r-seed-811bc0c1.example>";
/// Set by `cargo xtask test` to the package it built, for tests/installed.rs.
pub const DEB_VAR: &str = "AGENTWATCH_DEB";

pub fn command(args: &[String]) -> Result<(), String> {
    let rpm = match args {
        [] => false,
        [flag] if flag == "--rpm" => true,
        other => {
            return Err(format!(
                "unexpected arguments {other:?} (expected --rpm or nothing)"
            ))
        }
    };
    crate::setup::install_missing(crate::setup::Purpose::Package)?;
    if rpm {
        crate::setup::install_missing(crate::setup::Purpose::Rpm)?;
    }
    let deb = build(Profile::Release)?;
    if rpm {
        let version = versions::checked_version(&crate::workspace_root())?;
        let out = crate::target_dir().join("package");
        println!(
            "{}",
            rpm::build(&out, &staged_tree(&out), &version)?.display()
        );
    }
    // Last, so that a script can take the last line.
    println!("{}", deb.display());
    Ok(())
}

/// Builds the desktop app as it ships (release profile, Tauri's production `custom-protocol`,
/// nothing but the app's own features) and returns its path. The package and the memory
/// benchmark share it, so the one build serves both.
pub fn release_desktop() -> Result<PathBuf, String> {
    crate::run(crate::cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "agentwatch-desktop",
        "--features",
        "agentwatch-desktop/custom-protocol",
    ]))?;
    Ok(crate::target_dir().join("release/agentwatch-desktop"))
}

/// Which build the package wraps.
#[derive(Clone, Copy)]
pub enum Profile {
    /// What ships: `cargo xtask package`.
    Release,
    /// The dev profile, for `cargo xtask test`: the installed-app test checks the package (its
    /// files, dependencies, the installed programs starting and finding each other), which the
    /// profile does not change, and a release build (fat LTO, one codegen unit: about ten
    /// minutes from cold) would be the run's slowest step. The release binaries are measured
    /// by the benchmarks (BENCHMARKS.md).
    Dev,
}

/// Builds, stages, packs and checks; the path of the .deb.
pub fn build(profile: Profile) -> Result<PathBuf, String> {
    let root = crate::workspace_root();
    let version = versions::checked_version(&root)?;
    let (binaries, out) = match profile {
        Profile::Release => {
            println!(
                "xtask: building the release binaries (desktop app with tauri/custom-protocol)"
            );
            // Two commands, not one: built together, cargo would unify the simulators'
            // features and give the desktop app the test parts the CLI's `agentwatch sim`
            // carries.
            release_desktop()?;
            crate::run(crate::cargo().args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "agentwatch-cli",
            ]))?;
            ("release", "package")
        }
        Profile::Dev => {
            println!(
                "xtask: building the binaries to package (dev profile, tauri/custom-protocol)"
            );
            // Each in its own command, for the same reason; each command leaves its own build
            // in target/debug/, staged before any other cargo command replaces it.
            crate::run(crate::cargo().args([
                "build",
                "--quiet",
                "-p",
                "agentwatch-desktop",
                "--features",
                "agentwatch-desktop/custom-protocol",
            ]))?;
            crate::run(crate::cargo().args(["build", "--quiet", "-p", "agentwatch-cli"]))?;
            ("debug", "package-dev")
        }
    };
    let out = crate::target_dir().join(out);
    let tree = staged_tree(&out);
    println!("xtask: staging {}", tree.display());
    stage::stage(&root, &crate::target_dir().join(binaries), &tree)?;
    let deb = deb::build(&out, &tree, &version)?;
    deb::check(&root, &deb)?;
    Ok(deb)
}

/// debian/<package>/ under the output folder: where dpkg-shlibdeps expects a package's files.
fn staged_tree(out: &std::path::Path) -> PathBuf {
    out.join("debian").join(PACKAGE)
}
