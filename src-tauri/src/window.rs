//! The dashboard window's lifecycle. Closing it destroys the window and its webview (the WebKit
//! processes exit and the app's own memory goes back to tens of MB); the app stays in the tray
//! until Quit, and the dashboard is built again from tauri.conf.json when asked for.

use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime, WebviewWindowBuilder};

pub const MAIN: &str = "main";

/// Where the webview keeps its data; set in demo mode to stay out of the user's profile.
pub struct WebviewData(pub Option<PathBuf>);

/// Shows and focuses the dashboard, creating it when it does not exist; where its web engine is
/// missing (WebView2 on Windows), says so instead.
pub fn show_dashboard<R: Runtime>(app: &AppHandle<R>) {
    if crate::webview_runtime::missing().is_some() {
        crate::webview_runtime::explain();
        return;
    }
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    if let Err(e) = create(app) {
        tracing::error!("cannot open the dashboard: {e}");
    }
}

fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    let mut builder = WebviewWindowBuilder::from_config(app, &config)?;
    if let Some(dir) = app.try_state::<WebviewData>().and_then(|d| d.0.clone()) {
        builder = builder.data_directory(dir);
    }
    let window = builder.build()?;
    let _ = window.set_focus();
    Ok(())
}

/// After the dashboard is destroyed: ends WebKit's idle network process and hands the freed heap
/// and the pages mapped for the dashboard back to the system, so that a tray-only app is small
/// again. (Linux only: elsewhere the web
/// engine ends its own processes.)
#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
pub fn after_close<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        std::thread::spawn(move || {
            crate::webkit::wait_for_web_processes_to_exit(std::time::Duration::from_secs(10));
            while_no_dashboard(&app, "WebKit network process left running", || {
                crate::webkit::end_network_process()
            });
            // The webview's last resources are dropped on the main loop just after the window.
            std::thread::sleep(std::time::Duration::from_secs(1));
            while_no_dashboard(
                &app,
                "mapped pages kept",
                crate::memory::release_unused_pages,
            );
        });
    }
}

/// Runs `action` on the main thread if no dashboard is open by then. On the main thread because
/// windows are built there (no dashboard can be starting while we look) and GTK loads and
/// unloads its modules there (no library's address range changes hands while pages are let go).
#[cfg(target_os = "linux")]
fn while_no_dashboard<R: Runtime>(
    app: &AppHandle<R>,
    if_not_run: &'static str,
    action: impl FnOnce() + Send + 'static,
) {
    let main = app.clone();
    let ran = app.run_on_main_thread(move || {
        if main.webview_windows().is_empty() {
            action();
        }
    });
    if let Err(e) = ran {
        tracing::debug!("{if_not_run}: {e}");
    }
}
