//! `cargo xtask package`: builds the release binaries once (the desktop app with Tauri's
//! production settings), stages the installed file tree, and writes
//! `<target dir>/package/agentwatch_<version>_<arch>.deb` with dpkg-deb, then checks it
//! (desktop-file-validate, appstreamcli, lintian). Why dpkg-deb and not the Tauri CLI: see
//! README "Install" (the CLI cannot build this layout, and dpkg-deb needs nothing beyond dpkg).

mod deb;
mod rpm;
mod stage;
mod versions;

pub use crate::profile::Profile;
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
    shipped_desktop(Profile::Release)
}

/// The desktop app with Tauri's production `custom-protocol` and nothing but its own features,
/// built in `profile`; its path.
fn shipped_desktop(profile: Profile) -> Result<PathBuf, String> {
    crate::run(
        crate::cargo()
            .args(["build", "--quiet"])
            .args(profile.cargo_flags())
            .args([
                "-p",
                "agentwatch-desktop",
                "--features",
                "agentwatch-desktop/custom-protocol",
            ]),
    )?;
    Ok(crate::target_dir()
        .join(profile.folder())
        .join("agentwatch-desktop"))
}

/// Builds, stages, packs and checks; the path of the .deb. `cargo xtask package` wraps the
/// release build; `cargo xtask test` the dev one (see [`Profile::Dev`]), in its own folder.
pub fn build(profile: Profile) -> Result<PathBuf, String> {
    let root = crate::workspace_root();
    let version = versions::checked_version(&root)?;
    println!(
        "xtask: building the {} binaries (desktop app with tauri/custom-protocol)",
        profile.folder()
    );
    // Two commands, not one: built together, cargo would unify the simulators' features and
    // give the desktop app the test parts the CLI's `agentwatch sim` carries. Each command
    // leaves its own build in the profile's folder, staged before another cargo command
    // replaces it.
    shipped_desktop(profile)?;
    crate::run(
        crate::cargo()
            .args(["build", "--quiet"])
            .args(profile.cargo_flags())
            .args(["-p", "agentwatch-cli"]),
    )?;
    let out = crate::target_dir().join(match profile {
        Profile::Release => "package",
        Profile::Dev => "package-dev",
    });
    let tree = staged_tree(&out);
    println!("xtask: staging {}", tree.display());
    stage::stage(&root, &crate::target_dir().join(profile.folder()), &tree)?;
    let deb = deb::build(&out, &tree, &version)?;
    deb::check(&root, &deb)?;
    Ok(deb)
}

/// debian/<package>/ under the output folder: where dpkg-shlibdeps expects a package's files.
fn staged_tree(out: &std::path::Path) -> PathBuf {
    out.join("debian").join(PACKAGE)
}
