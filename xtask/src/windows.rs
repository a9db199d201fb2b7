//! The Windows build, made here (cross-compiled with MinGW) but never run here: the workspace
//! check that `cargo xtask test` runs, and `cargo xtask package --windows`, which builds both
//! programs and wraps them in an NSIS installer (packaging/windows/agentwatch.nsi).

use crate::{cargo, run, target_dir, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The Windows target that builds with Debian's MinGW-w64 (the MSVC one needs Microsoft's linker).
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// The NSIS script, relative to the workspace root.
const NSI: &str = "packaging/windows/agentwatch.nsi";

/// Installs the Rust standard library for [`TARGET`] through rustup when it is missing.
pub fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| {
            format!(
                "cannot run rustup ({e}): the Windows build needs the {TARGET} standard library \
                 (`rustup target add {TARGET}`)"
            )
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == TARGET)
    {
        return Ok(());
    }
    println!("xtask: installing the Rust target {TARGET}");
    run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// `cargo check` of every crate and every target (tests, benches, binaries) for Windows, but
/// xtask: it is the developers' tool on the Linux build machine (dpkg, lintian, Xvfb), not
/// something AgentWatch ships.
pub fn check() -> Result<(), String> {
    ensure_target()?;
    println!("xtask: checking the workspace for {TARGET}");
    let started = Instant::now();
    run(cargo().args([
        "check",
        "--workspace",
        "--exclude",
        "xtask",
        "--all-targets",
        "--quiet",
        "--target",
        TARGET,
    ]))?;
    println!(
        "xtask: the workspace checks for {TARGET} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask package --windows`: release builds of the desktop app (Tauri's production
/// settings: assets embedded, no dev server) and the CLI, then the NSIS installer.
pub fn package(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("unexpected argument {other:?} after --windows"));
    }
    crate::setup::install_missing(crate::setup::Purpose::Windows)?;
    ensure_target()?;
    println!("xtask: building agentwatch-desktop and agentwatch for {TARGET} (release)");
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "--target",
        TARGET,
        "-p",
        "agentwatch-desktop",
        "-p",
        "agentwatch-cli",
        "--features",
        "tauri/custom-protocol",
    ]))?;
    let built = target_dir().join(TARGET).join("release");
    let out_dir = target_dir().join("package");
    let staging = out_dir.join("windows");
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let desktop = stripped_copy(&built, "agentwatch-desktop.exe", &staging)?;
    let cli = stripped_copy(&built, "agentwatch.exe", &staging)?;
    let version = env!("CARGO_PKG_VERSION");
    let installer = out_dir.join(format!("AgentWatch_{version}_x64-setup.exe"));
    let root = workspace_root();
    let icon = existing(root.join("src-tauri/icons/icon.ico"))?;
    println!("xtask: writing the installer with makensis");
    run(Command::new("makensis")
        .arg("-V2")
        .arg(define("VERSION", Path::new(version)))
        .arg(define("DESKTOP_EXE", &desktop))
        .arg(define("CLI_EXE", &cli))
        .arg(define("ICON", &icon))
        .arg(define("OUTFILE", &installer))
        .arg(root.join(NSI)))?;
    println!("{}", installer.display());
    Ok(())
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

fn existing(path: PathBuf) -> Result<PathBuf, String> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is missing", path.display()))
    }
}

/// A makensis define (`-DNAME=value`; Debian's makensis takes `-` as well as Windows' `/`).
fn define(name: &str, value: &Path) -> String {
    format!("-D{name}={}", value.display())
}
