//! Builds the two Windows programs and stages them as the installer ships them: stripped, with
//! the `WebView2Loader.dll` the desktop app is linked against beside them.

use super::TARGET;
pub use crate::profile::Profile;
use crate::{cargo, run, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The staged programs.
pub struct Programs {
    /// agentwatch-desktop.exe, agentwatch.exe and WebView2Loader.dll, as the installer takes them.
    pub staging: PathBuf,
}

pub const DESKTOP_EXE: &str = "agentwatch-desktop.exe";
pub const CLI_EXE: &str = "agentwatch.exe";
/// The WebView2 loader the desktop app links dynamically (webview2-com puts it beside the .exe).
pub const WEBVIEW2_LOADER: &str = "WebView2Loader.dll";

/// Builds both programs in `profile` and stages them in `<target>/windows-<profile>/`.
pub fn programs(profile: Profile) -> Result<Programs, String> {
    // Two commands, not one: built together, cargo would unify the simulators' features and
    // give the desktop app the test parts the CLI's `agentwatch sim` carries.
    let build = |args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(["build", "--quiet", "--target", TARGET])
            .args(profile.cargo_flags());
        run(cmd.args(args))
    };
    // Tauri's production settings: the dashboard embedded, no dev server.
    build(&[
        "-p",
        "agentwatch-desktop",
        "--features",
        "agentwatch-desktop/custom-protocol",
    ])?;
    build(&["-p", "agentwatch-cli"])?;
    let built = target_dir().join(TARGET).join(profile.folder());
    let staging = target_dir().join(format!("windows-{}", profile.folder()));
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    stripped_copy(&built, DESKTOP_EXE, &staging)?;
    stripped_copy(&built, CLI_EXE, &staging)?;
    let loader = existing(built.join(WEBVIEW2_LOADER))?;
    std::fs::copy(&loader, staging.join(WEBVIEW2_LOADER))
        .map_err(|e| format!("cannot copy {}: {e}", loader.display()))?;
    Ok(Programs { staging })
}

/// Copies a built program into `staging` without its symbol tables (MinGW's linker keeps them),
/// as the .deb's binaries are.
fn stripped_copy(built: &Path, name: &str, staging: &Path) -> Result<PathBuf, String> {
    let from = existing(built.join(name))?;
    let to = staging.join(name);
    run(Command::new("x86_64-w64-mingw32-strip")
        .arg("-o")
        .arg(&to)
        .arg(&from))?;
    Ok(to)
}

pub fn existing(path: PathBuf) -> Result<PathBuf, String> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is missing", path.display()))
    }
}
