//! Driving the real app through tauri-driver (which starts WebKitWebDriver, which starts the
//! app for each WebDriver session), shared by the desktop and the installed-app tests.

use crate::session::{self, wait_for, Procs};
use crate::web::{self, invoke, until, R};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// tauri-driver as `cargo xtask test` installs it (or `TAURI_DRIVER`).
pub fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| session::workspace().join(".tools/bin/tauri-driver"))
}

/// Starts tauri-driver (which starts WebKitWebDriver, which starts the app for each session)
/// with the app's profile; returns its port once both listen.
pub fn start(
    procs: &mut Procs,
    desktop: &session::Desktop,
    artifacts: &Path,
    log: &str,
    extra_env: &[(&str, &str)],
) -> R<u16> {
    let port = session::free_port();
    let native_port = session::free_port();
    let mut driver = Command::new(tauri_driver());
    driver.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ]);
    desktop
        .app_environment(&mut driver)
        .envs(extra_env.iter().copied());
    procs.spawn("tauri-driver", &mut driver, &artifacts.join(log));
    wait_for("tauri-driver to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    // tauri-driver forwards to WebKitWebDriver, which it starts on the native port: a session
    // asked for before that one listens fails.
    wait_for("WebKitWebDriver to listen", Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", native_port)).ok()
    });
    Ok(port)
}

/// Waits until the dashboard has loaded its state; returns the app's own description.
pub async fn until_dashboard_ready(c: &fantoccini::Client) -> serde_json::Value {
    until("the dashboard to load", Duration::from_secs(60), || async {
        let ready = web::attr(c, "body", "data-ready").await;
        if ready.as_deref() == Some("true") {
            invoke(c, "app_info", json!({})).await.ok()
        } else {
            None
        }
    })
    .await
}
