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
use agentwatch_core::config::{AccountConfig, Config, NotificationSettings};
use agentwatch_core::connection_test::{self, ConnectionTest};
use agentwatch_core::desktop_services::{self, ServiceCheck};
use agentwatch_core::policy::{AlertSettings, QuietHours};
use agentwatch_core::secrets::{SecretSlot, SecretSourceKind, TypedSecrets};
use agentwatch_core::vendors::form::VendorForm;
use agentwatch_core::{ErrorReport, Event};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
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

/// The live status as the dashboard shows it, asked for after each "status" notice: JSON
/// bytes, which the page parses once (no second encoding as a JSON string in JSON).
#[tauri::command]
pub fn live_status(state: State<'_, AppState>) -> Result<tauri::ipc::Response> {
    let status = state.shared.latest();
    let paused = state.shared.paused_until();
    let tray = TrayView::new(&status, paused, &state.shared.alerts().maintenance);
    let json = serde_json::to_vec(&StatusView::new(&status, &tray, paused))
        .map_err(|e| Error::Tauri(format!("cannot encode the status: {e}")))?;
    Ok(tauri::ipc::Response::new(json))
}

/// An account as the UI sees it: its settings and where its secrets are, never a secret.
#[derive(Serialize)]
pub struct AccountView {
    #[serde(flatten)]
    config: AccountConfig,
    /// "keyring", "environment", "memory" (demo mode), "missing" or "unavailable".
    secret: &'static str,
    secret_error: Option<ErrorReport>,
    /// The same for the proxy user's password, or "not_needed" when the proxy names no user.
    proxy_secret: &'static str,
}

/// Where one of an account's secrets is, in the words the UI expects.
pub(crate) async fn secret_state(
    state: &AppState,
    slot: SecretSlot,
    account_id: &str,
) -> (&'static str, Option<ErrorReport>) {
    match state.secrets.status_in(slot, account_id).await {
        Ok(SecretSourceKind::Keyring) if state.secrets.is_keyring() => ("keyring", None),
        Ok(SecretSourceKind::Keyring) => ("memory", None),
        Ok(SecretSourceKind::Environment) => ("environment", None),
        Ok(SecretSourceKind::Missing) => ("missing", None),
        Err(e) => ("unavailable", Some(ErrorReport::from(&e))),
    }
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>> {
    let config = state.config().await;
    let mut out = Vec::with_capacity(config.accounts.len());
    for account in config.accounts {
        // An account that signs in with nothing (http-json with `auth = "none"`) has no secret
        // to miss.
        let (secret, secret_error) = match account.vendor.module().needs_secret(&account) {
            true => secret_state(&state, SecretSlot::Vendor, &account.id).await,
            false => ("not_needed", None),
        };
        let names_a_proxy_user = account.proxy_setting().is_ok_and(|p| p.user().is_some());
        let proxy_secret = match names_a_proxy_user {
            true => secret_state(&state, SecretSlot::Proxy, &account.id).await.0,
            false => "not_needed",
        };
        out.push(AccountView {
            config: account,
            secret,
            secret_error,
            proxy_secret,
        });
    }
    Ok(out)
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
    validate(&account)?;
    if let Some(e) = &state.config_error {
        return Err(Error::from(e));
    }
    let config = state.config().await;
    let exists = config.account(&account.id).is_some();
    if is_new && exists {
        return Err(Error::invalid(
            "id",
            format!("an account {:?} already exists", account.id),
        ));
    }
    if !is_new && !exists {
        return Err(Error::NotFound(format!("no account {:?}", account.id)));
    }
    if let Some(secret) = typed(secret) {
        state.secrets.set(&account.id, &secret).await?;
    }
    if let Some(password) = typed(proxy_secret) {
        let slot = SecretSlot::Proxy;
        state.secrets.set_in(slot, &account.id, &password).await?;
    }
    let id = account.id.clone();
    state
        .update_config(&app, move |c| {
            match c.accounts.iter_mut().find(|a| a.id == id) {
                Some(slot) => *slot = account,
                None => c.accounts.push(account),
            }
            Ok(())
        })
        .await?;
    list_accounts(state).await
}

/// Removes an account and its stored secret.
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
    state
        .update_config(&app, move |c| {
            c.accounts.retain(|a| a.id != gone);
            Ok(())
        })
        .await?;
    for slot in [SecretSlot::Vendor, SecretSlot::Proxy] {
        if let Err(e) = state.secrets.delete_in(slot, &id).await {
            let noun = slot.noun();
            tracing::warn!("the account is removed but its {noun} could not be deleted: {e}");
        }
    }
    list_accounts(state).await
}

/// A typed form secret; an empty field means "keep what is stored".
pub(crate) fn typed(input: Option<SecretInput>) -> Option<secrecy::SecretString> {
    input.map(|s| s.0).filter(|s| !s.expose_secret().is_empty())
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

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Settings {
    pub poll_interval_secs: u64,
    pub notifications: NotificationSettings,
    pub start_at_login: bool,
    /// The `[alerts]` keys the dashboard edits; `None` leaves them as they are.
    #[serde(default)]
    pub alerts: Option<AlertForm>,
    /// `[history] retention_days`; `None` leaves it as it is.
    #[serde(default)]
    pub retention_days: Option<u32>,
}

/// The `[alerts]` keys that matter most. The others (flapping, per-severity and per-account
/// confirmation) stay as the config file has them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AlertForm {
    pub confirm_worse_polls: u32,
    pub confirm_better_polls: u32,
    /// 0 = no reminders.
    pub remind_every_mins: u32,
    /// 0 = no storm summaries.
    pub storm_threshold: u32,
    /// `None` = no quiet hours.
    pub quiet_hours: Option<QuietHours>,
}

impl AlertForm {
    fn of(a: &AlertSettings) -> AlertForm {
        AlertForm {
            confirm_worse_polls: a.confirm_worse_polls,
            confirm_better_polls: a.confirm_better_polls,
            remind_every_mins: a.remind_every_mins,
            storm_threshold: a.storm_threshold,
            quiet_hours: a.quiet_hours.clone(),
        }
    }

    fn apply(&self, alerts: &mut AlertSettings) {
        alerts.confirm_worse_polls = self.confirm_worse_polls;
        alerts.confirm_better_polls = self.confirm_better_polls;
        alerts.remind_every_mins = self.remind_every_mins;
        alerts.storm_threshold = self.storm_threshold;
        alerts.quiet_hours = self.quiet_hours.clone();
    }
}

impl Settings {
    /// The form's keys written into the config; the rest stays as it is.
    fn apply(&self, config: &mut Config) {
        config.poll_interval_secs = self.poll_interval_secs;
        config.notifications = self.notifications.clone();
        if let Some(form) = &self.alerts {
            form.apply(&mut config.alerts);
        }
        if let Some(days) = self.retention_days {
            config.history.retention_days = days;
        }
    }
}

/// The form input a config key is shown beside: `alerts.quiet_hours.days` -> `days`, but
/// `notifications.sounds.critical` -> `sounds.critical` (the form has a `critical` switch too).
fn form_field(key: &str) -> &str {
    match key.strip_prefix("notifications.") {
        Some(rest) => rest,
        None => key.rsplit('.').next().unwrap_or(key),
    }
}

#[derive(Serialize)]
pub struct SettingsView {
    #[serde(flatten)]
    settings: Settings,
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
    let config = state.config().await;
    let autostart = autostart_enabled(&app);
    Ok(SettingsView {
        settings: Settings {
            poll_interval_secs: config.poll_interval_secs,
            notifications: config.notifications,
            start_at_login: *autostart.as_ref().unwrap_or(&false),
            alerts: Some(AlertForm::of(&config.alerts)),
            retention_days: Some(config.history.retention_days),
        },
        autostart_error: autostart.err(),
    })
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<SettingsView> {
    // The core's checks, the same a hand-written file gets; nothing is written on an error.
    let current = state.config().await;
    let mut next = current.clone();
    settings.apply(&mut next);
    next.validate_settings()
        .map_err(|(key, message)| Error::invalid(form_field(&key), message))?;
    if next != current {
        let form = settings.clone();
        state
            .update_config(&app, move |c| {
                form.apply(c);
                Ok(())
            })
            .await?;
    }
    let autostart = autostart_enabled(&app);
    let unavailable_and_off = autostart.is_err() && !settings.start_at_login;
    if autostart.ok() != Some(settings.start_at_login) && !unavailable_and_off {
        let manager = app
            .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
            .ok_or_else(|| {
                Error::invalid("start_at_login", "start at login is not available here")
            })?;
        let result = if settings.start_at_login {
            manager.enable()
        } else {
            manager.disable()
        };
        result.map_err(|e| {
            Error::invalid(
                "start_at_login",
                format!("cannot change start at login: {e}"),
            )
        })?;
    }
    get_settings(app, state).await
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
