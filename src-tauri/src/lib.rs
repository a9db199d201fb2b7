//! AgentWatch desktop: a thin Tauri shell over agentwatch-core. The tray icon says at a glance
//! whether every watched agent is fine; the dashboard (ui/) manages accounts and shows the live
//! view. Commands parse, call the core and map errors; the core knows nothing of Tauri.

pub mod alerts;
pub mod commands;
pub mod control;
pub mod demo;
pub mod error;
#[cfg(target_os = "linux")]
mod instance;
#[cfg(target_os = "linux")]
mod logind;
pub mod memory;
pub mod notify;
pub mod relaunch;
pub mod secrets;
pub mod state;
pub mod tray;
pub mod view;
#[cfg(target_os = "linux")]
pub mod webkit;
pub mod webview_runtime;
pub mod window;

use agentwatch_core::notifier::Notifier;
use agentwatch_core::secrets::SecretStore;
use state::AppState;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tauri::{Manager, RunEvent, Runtime};

/// How the app was started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Run against in-process simulators with a temporary profile.
    pub demo: bool,
    /// The config file (`--config FILE`, else `AGENTWATCH_CONFIG`, else the default path).
    pub config: Option<PathBuf>,
    /// Start in the tray without opening the dashboard (used by start-at-login).
    pub hidden: bool,
}

impl Options {
    /// The options of a parsed command line (`agentwatch_args::desktop`), with the config file
    /// falling back to `AGENTWATCH_CONFIG` when it is set and not empty, as for the CLI.
    pub fn from_args(args: agentwatch_args::desktop::DesktopArgs) -> Options {
        let file = agentwatch_core::config::ConfigFile::resolve(args.config);
        let config = (!file.is_default()).then_some(file.path);
        Options {
            demo: args.demo,
            config,
            hidden: args.hidden,
        }
    }
}

/// True when a display server is there to show windows (GTK panics without one).
#[cfg(all(unix, not(target_os = "macos")))]
pub fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// True when a display server is there to show windows: on Windows and macOS the desktop is
/// part of the session itself (no DISPLAY variable to look at).
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn has_display() -> bool {
    true
}

/// The pause and snoozes file, beside the history database.
pub use agentwatch_core::host::ALERT_MEMORY_FILE;

static LOCAL_OFFSET: OnceLock<time::UtcOffset> = OnceLock::new();

/// The local UTC offset, read once at start (reading it later fails once threads run).
pub fn local_offset() -> time::UtcOffset {
    *LOCAL_OFFSET
        .get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC))
}

/// Registers the commands on a builder (shared by the app and the command tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::dashboard,
        commands::list_accounts,
        commands::save_account,
        commands::delete_account,
        commands::test_connection,
        commands::get_settings,
        commands::save_settings,
        commands::poll_now,
        commands::unlock_keyring,
        commands::pause_notifications,
        commands::app_info,
        commands::desktop_services,
        commands::switch_demo,
        commands::sounds::preview_sound,
        commands::routing::routes,
        commands::routing::set_webhook_url,
        commands::routing::delete_webhook_url,
        commands::agents::parse_watch_list,
        commands::agents::list_agents,
        commands::agents::list_skills,
        alerts::alerts,
        alerts::snooze,
        alerts::history,
        alerts::timeline,
        alerts::export_history_csv,
        commands::maintenance::start_maintenance,
        commands::maintenance::end_maintenance,
        commands::wallboard::set_fullscreen,
    ])
}

/// Runs the desktop app until Quit.
pub fn run(options: Options) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    if let instance::Start::HandedOver = instance::hand_over_or_wait()? {
        return Ok(());
    }
    agentwatch_core::clock::init_local_offset();
    let _ = local_offset();
    let builder = tauri::Builder::default()
        // First, so that a second launch is caught before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::show_dashboard(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ));
    let app = with_commands(builder)
        .on_window_event(|window, event| {
            if matches!(event, tauri::WindowEvent::Destroyed) && window.label() == window::MAIN {
                tracing::info!("dashboard closed: AgentWatch stays in the tray");
                window::after_close(window.app_handle());
            }
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let opener = handle.clone();
            let clickable = notify::ClickableNotifier::new(move || {
                let app = opener.clone();
                let inner = app.clone();
                let _ = app.run_on_main_thread(move || window::show_dashboard(&inner));
            });
            // Where Windows cannot show a toast, the tray icon's balloon shows it.
            #[cfg(windows)]
            let clickable = {
                let tray_app = handle.clone();
                clickable.with_fallback(Arc::new(move |n| tray::balloon::show(&tray_app, n)))
            };
            app.manage(clickable.delivery());
            let notifier: Arc<dyn Notifier> = Arc::new(clickable);
            let state = if options.demo {
                let (state, data_dir) = demo::start(notifier)?;
                app.manage(window::WebviewData(Some(data_dir)));
                state
            } else {
                let path = options
                    .config
                    .clone()
                    .unwrap_or_else(agentwatch_core::config::default_config_path);
                app.manage(window::WebviewData(None));
                AppState::new(
                    path,
                    secrets::Secrets::Keyring(SecretStore::default()),
                    Some(notifier),
                    false,
                )
                .with_history(agentwatch_core::history::History::default_path())
                .with_alert_memory(
                    agentwatch_core::history::History::default_path()
                        .with_file_name(ALERT_MEMORY_FILE),
                )
            };
            tracing::info!("config: {}", state.config_path.display());
            // The state tells the tray of a new view through this listener, not by calling it.
            let tray_app = handle.clone();
            state
                .shared
                .on_tray_change(Box::new(move |view| tray::apply(&tray_app, view)));
            app.manage(state);
            app.manage(relaunch::Relaunch::default());
            // Before the tray's menu is made: it says so when the dashboard cannot open.
            webview_runtime::check();
            tray::create(&handle)?;
            control::serve(&handle);
            #[cfg(target_os = "linux")]
            logind::watch(&handle);
            tauri::async_runtime::spawn(async move {
                handle.state::<AppState>().restart(&handle).await;
            });
            if !options.hidden {
                window::show_dashboard(app.handle());
            }
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"))
        .map_err(|e| format!("cannot start the desktop app: {e}"))?;
    app.run(|app, event| {
        if let RunEvent::ExitRequested { code, api, .. } = &event {
            // The last window closing asks to exit with no code: stay in the tray. Quit gives
            // a code and really exits.
            if code.is_none() {
                api.prevent_exit();
            }
        }
        if let RunEvent::Exit = event {
            let state = app.state::<AppState>();
            tauri::async_runtime::block_on(state.shutdown());
            if state.demo {
                // The demo's temporary profile (config, history, webview data) goes with it.
                if let Some(profile) = state.config_path.parent() {
                    let _ = std::fs::remove_dir_all(profile);
                }
            }
            relaunch::on_exit(app);
        }
    });
    Ok(())
}
