//! `cargo xtask bench --memory` and `bench --live`: build the desktop app as it ships (release
//! profile, Tauri's production `custom-protocol`, nothing but the app's own features) and run a
//! benchmark of it (`tests/memory.rs`: the tray's memory; `tests/live_bench.rs`: the Live view
//! with thousands of agents) inside a private D-Bus session with its own Xvfb and dunst.
//! `AGENTWATCH_DESKTOP_BIN` measures another binary instead (no build).

use std::process::Command;

/// `bench --memory`.
pub fn bench() -> Result<(), String> {
    release_app_bench("memory")
}

/// `bench --live`.
pub fn live() -> Result<(), String> {
    release_app_bench("live_bench")
}

/// Runs the ignored benchmark `test` of the tests crate against the release app.
fn release_app_bench(test: &str) -> Result<(), String> {
    crate::setup::install_missing(crate::setup::Purpose::Test)?;
    let app = match std::env::var_os("AGENTWATCH_DESKTOP_BIN") {
        Some(bin) => std::path::PathBuf::from(bin),
        None => {
            println!("xtask: building the desktop app (release; this takes a while)");
            crate::package::release_desktop()?
        }
    };
    println!("xtask: measuring {}", app.display());
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    crate::run(
        Command::new("dbus-run-session")
            .arg("--")
            .arg(xtask)
            .args([
                "session-inner",
                "-p",
                "agentwatch-tests",
                "--test",
                test,
                "--",
                "--ignored",
                "--nocapture",
            ])
            .env("AGENTWATCH_DESKTOP_BIN", &app)
            .env("AGENTWATCH_REQUIRE_DESKTOP", "1")
            .current_dir(crate::workspace_root()),
    )
}
