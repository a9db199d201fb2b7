//! The NSIS installer (packaging/windows/agentwatch.nsi), written by Debian's makensis around
//! the staged programs.

use super::build::{existing, Programs, CLI_EXE, DESKTOP_EXE, WEBVIEW2_LOADER};
use crate::{run, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The NSIS script, relative to the workspace root.
const NSI: &str = "packaging/windows/agentwatch.nsi";

/// Writes `<out_dir>/AgentWatch_<version>_x64-setup.exe` around `programs`; its path.
pub fn write(programs: &Programs, out_dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let version = env!("CARGO_PKG_VERSION");
    let installer = out_dir.join(format!("AgentWatch_{version}_x64-setup.exe"));
    let root = workspace_root();
    let icon = existing(root.join("src-tauri/icons/icon.ico"))?;
    let staged = |name: &str| existing(programs.staging.join(name));
    println!("xtask: writing the installer with makensis");
    run(Command::new("makensis")
        .arg("-V2")
        .arg(define("VERSION", Path::new(version)))
        .arg(define("DESKTOP_EXE", &staged(DESKTOP_EXE)?))
        .arg(define("CLI_EXE", &staged(CLI_EXE)?))
        .arg(define("WEBVIEW2_LOADER", &staged(WEBVIEW2_LOADER)?))
        .arg(define("ICON", &icon))
        .arg(define("OUTFILE", &installer))
        .arg(root.join(NSI)))?;
    Ok(installer)
}

/// A makensis define (`-DNAME=value`; Debian's makensis takes `-` as well as Windows' `/`).
fn define(name: &str, value: &Path) -> String {
    format!("-D{name}={}", value.display())
}
