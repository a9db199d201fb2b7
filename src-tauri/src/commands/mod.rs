//! The dashboard's commands. Each one parses, calls the core, and maps the error to
//! `{kind, message}`; no vendor knowledge lives here.

pub mod maintenance;
pub mod sounds;
pub mod wallboard;

use crate::control::{self, PauseMode};
pub mod agents;
pub mod routing;

use crate::error::{Error, Result};
use crate::secrets::SecretInput;
use crate::state::AppState;
use crate::view::{EventView, StatusView, TrayView};
use agentwatch_core::account_book::{self, AccountView};
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::connection_test::{self, ConnectionTest};
use agentwatch_core::desktop_services::{self, ServiceCheck};
use agentwatch_core::secrets::TypedSecrets;
use agentwatch_core::settings_form::SettingsForm;
use agentwatch_core::vendors::form::VendorForm;
use agentwatch_core::{ErrorReport, Event};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

#[derive(Serialize)]
pub struct Dashboard {
    status: serde_json::Value,
    events: Vec<serde_json::Value>,
    config_error: Option<ErrorReport>,
    config_path: String,
    demo: bool,
}

fn event_json(e: &Event) -> serde_json::Value {
    serde_json::to_value(EventView::new(e)).unwrap_or_default()
}

/// Everything the dashboard shows when it opens; after that it only listens to events.
#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> Result<Dashboard> {
    let status = state.shared.latest();
    let paused = state.shared.paused_until();
    let tray = TrayView::new(&status, paused, &state.shared.alerts().maintenance);
    Ok(Dashboard {
        status: serde_json::to_value(StatusView::new(&status, &tray, paused)).unwrap_or_default(),
        events: state.shared.recent().iter().map(event_json).collect(),
        config_error: state.config_error.clone(),
        config_path: state.config_path.display().to_string(),
        demo: state.demo,
    })
}

/// The accounts, each with where its secrets are (never a secret).
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>> {
    Ok(account_book::account_views(state.config().await, &state.secrets).await)
}

fn validate(account: &AccountConfig) -> Result<()> {
    account
        .validate()
        .map_err(|(field, message)| Error::invalid(&field, message))
}

/// Adds (`is_new`) or replaces an account. Typed secrets (the vendor's, the proxy user's) go to
/// the keyring first, so that a keyring failure leaves the config as it was.
#[tauri::command]
pub async fn save_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
    is_new: bool,
) -> Result<Vec<AccountView>> {
    state.writable()?;
    account_book::check_save(&state.config().await, &account, is_new)?;
    let typed = typed_secrets(secret, proxy_secret);
    account_book::store_typed(&state.secrets, &account.id, &typed).await?;
    let change = move |c: &mut Config| {
        account_book::with_account(c, account);
        Ok(())
    };
    state.update_config(&app, change).await?;
    list_accounts(state).await
}

/// Removes an account and its stored secrets.
#[tauri::command]
pub async fn delete_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<AccountView>> {
    if state.config().await.account(&id).is_none() {
        return Err(Error::NotFound(format!("no account {id:?}")));
    }
    let gone = id.clone();
    let change = move |c: &mut Config| {
        c.accounts.retain(|a| a.id != gone);
        Ok(())
    };
    state.update_config(&app, change).await?;
    account_book::forget_secrets(&state.secrets, &id).await;
    list_accounts(state).await
}

/// Polls the account once with the form's settings: through the engine's session when it polls
/// this account already (a second sign-in could end that session), else with the typed secrets
/// when there are some (nothing is stored) or the stored ones.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<ConnectionTest> {
    validate(&account)?;
    let typed = typed_secrets(secret, proxy_secret);
    let running = state.running_accounts().await;
    let stored = state.secrets.as_ref();
    Ok(connection_test::test_connection(&account, &typed, stored, running.as_ref()).await)
}

/// The form's secret fields as core reads them (empty ones as not typed).
pub(crate) fn typed_secrets(
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> TypedSecrets {
    TypedSecrets::new(secret.map(|s| s.0), proxy_secret.map(|s| s.0))
}

#[derive(Serialize)]
pub struct SettingsView {
    #[serde(flatten)]
    settings: SettingsForm,
    /// Why start-at-login could not be read, if it could not.
    autostart_error: Option<String>,
}

fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> std::result::Result<bool, String> {
    match app.try_state::<tauri_plugin_autostart::AutoLaunchManager>() {
        Some(m) => m.is_enabled().map_err(|e| e.to_string()),
        None => Err("start at login is not available here".into()),
    }
}

#[tauri::command]
pub async fn get_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<SettingsView> {
    let autostart = autostart_enabled(&app);
    let start_at_login = *autostart.as_ref().unwrap_or(&false);
    Ok(SettingsView {
        settings: SettingsForm::of(&state.config().await, start_at_login),
        autostart_error: autostart.err(),
    })
}

/// Saves the form (core's checks, the same a hand-written file gets; nothing is written on
/// an error) and the start-at-login switch.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: SettingsForm,
) -> Result<SettingsView> {
    let changes = settings.check(&state.config().await);
    if changes.map_err(|(field, message)| Error::invalid(&field, message))? {
        let form = settings.clone();
        state
            .update_config(&app, move |c| {
                form.apply(c);
                Ok(())
            })
            .await?;
    }
    set_autostart(&app, settings.start_at_login)?;
    get_settings(app, state).await
}

/// Turns start-at-login on or off when it is not so already (nothing to do when it is
/// unavailable here and asked off).
fn set_autostart<R: Runtime>(app: &AppHandle<R>, wanted: bool) -> Result<()> {
    let now = autostart_enabled(app);
    if now.as_ref().ok() == Some(&wanted) || (now.is_err() && !wanted) {
        return Ok(());
    }
    let manager = app
        .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .ok_or_else(|| Error::invalid("start_at_login", "start at login is not available here"))?;
    let result = if wanted {
        manager.enable()
    } else {
        manager.disable()
    };
    result.map_err(|e| {
        Error::invalid(
            "start_at_login",
            format!("cannot change start at login: {e}"),
        )
    })
}

#[tauri::command]
pub async fn poll_now(state: State<'_, AppState>) -> Result<()> {
    state.poll_now().await;
    Ok(())
}

/// Shows the keyring's own unlock prompt; true once unlocked (polling then resumes at once).
#[tauri::command]
pub async fn unlock_keyring(state: State<'_, AppState>) -> Result<bool> {
    Ok(state.unlock_keyring().await?)
}

#[tauri::command]
pub async fn pause_notifications<R: Runtime>(
    app: AppHandle<R>,
    mode: PauseMode,
) -> Result<Option<i64>> {
    let command = control::pause_command(mode, agentwatch_core::clock::now_ms());
    control::apply(&app, command).await?;
    Ok(app.state::<AppState>().shared.paused_until())
}

#[derive(Serialize)]
pub struct AppInfo {
    /// The app's package version (the workspace's).
    version: String,
    pid: u32,
    config_path: String,
    demo: bool,
    /// Whether secrets go to the OS keyring (false in demo mode).
    keyring: bool,
    /// What the tray shows now: its face, summary and menu lines.
    tray: Option<TrayView>,
    /// Every registered vendor with its account form, drawn by the dashboard.
    vendors: Vec<VendorForm>,
}

#[tauri::command]
pub async fn app_info<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AppInfo> {
    Ok(AppInfo {
        version: app.package_info().version.to_string(),
        pid: std::process::id(),
        config_path: state.config_path.display().to_string(),
        demo: state.demo,
        keyring: state.secrets.is_keyring(),
        tray: state.shared.tray_view(),
        vendors: agentwatch_core::vendors::registry::forms(),
    })
}

/// Whether a Secret Service and a notification service are on the session bus (first-run view).
#[tauri::command]
pub async fn desktop_services<R: Runtime>(app: AppHandle<R>) -> Result<Vec<ServiceCheck>> {
    let limit = desktop_services::CHECK_LIMIT;
    let checks =
        tokio::task::spawn_blocking(move || desktop_services::check_desktop_services(limit))
            .await
            .map_err(|e| Error::Tauri(format!("the desktop services check stopped: {e}")))?;
    let delivery = app.try_state::<crate::notify::DeliveryRecord>();
    Ok(crate::notify::with_delivery(
        checks,
        delivery.map(|d| d.get()),
    ))
}

/// Restarts the app in the demo (`demo: true`) or out of it; see `relaunch`.
#[tauri::command]
pub fn switch_demo<R: Runtime>(app: AppHandle<R>, demo: bool) {
    crate::relaunch::switch(&app, demo);
}
