//! The desktop app's part of the xtask commands: `demo` starts the tray app in demo mode when
//! there is a display (else the CLI demo), and `test` builds the app and installs tauri-driver
//! (into `.tools/`, git-ignored) before the end-to-end test drives it.

use std::path::PathBuf;
use std::process::Command;

pub const TAURI_DRIVER_VERSION: &str = "^2";

pub fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn desktop_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    target.join("debug/agentwatch-desktop")
}

pub fn tauri_driver() -> PathBuf {
    crate::workspace_root().join(".tools/bin/tauri-driver")
}

/// `cargo xtask demo`: the tray app against in-process simulators, or the CLI demo.
pub fn demo(args: &[String]) -> Result<(), String> {
    if !has_display() {
        println!(
            "xtask: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the tray app cannot start; \
             running the command-line demo instead"
        );
        return crate::run(
            crate::cargo()
                .args(["run", "--quiet", "-p", "agentwatch-cli", "--", "demo"])
                .args(args),
        );
    }
    println!("xtask: building the desktop app");
    crate::run(crate::cargo().args(["build", "--quiet", "-p", "agentwatch-desktop"]))?;
    println!(
        "xtask: starting AgentWatch in demo mode: watch the tray icon; notifications follow within \
         a minute. Quit from the tray menu (or Ctrl-C)."
    );
    crate::run(Command::new(desktop_binary()).arg("--demo").args(args))
}

/// Before `cargo xtask test`: the desktop binary the end-to-end test launches, and tauri-driver.
pub fn prepare_tests() -> Result<(), String> {
    println!("xtask: building the desktop app for the end-to-end test");
    crate::run(crate::cargo().args(["build", "--quiet", "-p", "agentwatch-desktop"]))?;
    if !tauri_driver().exists() {
        println!("xtask: installing tauri-driver into .tools/ (once)");
        let root = crate::workspace_root().join(".tools");
        crate::run(
            crate::cargo()
                .args([
                    "install",
                    "tauri-driver",
                    "--version",
                    TAURI_DRIVER_VERSION,
                    "--locked",
                    "--root",
                ])
                .arg(&root),
        )?;
    }
    Ok(())
}
