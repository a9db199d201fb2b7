//! The dashboard's commands. Each one parses, calls the core, and maps the error to
//! `{kind, message}`; no vendor knowledge lives here.

pub mod agents;

use crate::error::{Error, Result};
use crate::secrets::{SecretInput, TypedOrStored};
use crate::state::{publish, schedule_pause_end, AppState};
use crate::view::{EventView, StatusView, TrayView};
use agentwatch_core::check::{check_account, CheckOutcome};
use agentwatch_core::config::{AccountConfig, NotificationSettings, MIN_POLL_INTERVAL_SECS};
use agentwatch_core::desktop_services::{self, ServiceCheck};
use agentwatch_core::policy::{AlertSettings, QuietHours};
use agentwatch_core::secrets::{SecretSlot, SecretSourceKind};
use agentwatch_core::vendors::form::VendorForm;
use agentwatch_core::{ErrorReport, Event, Severity};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime, State};

pub(crate) const TEST_CONNECTION_LIMIT: Duration = Duration::from_secs(45);
pub const MAX_POLL_INTERVAL_SECS: u64 = 3600;

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
    let tray = TrayView::new(&status, paused);
    Ok(Dashboard {
        status: serde_json::to_value(StatusView::new(&status, &tray, paused)).unwrap_or_default(),
        events: state.shared.recent().iter().map(event_json).collect(),
        config_error: state.config_error.clone(),
        config_path: state.config_path.display().to_string(),
        demo: state.demo,
    })
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
async fn secret_state(
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
        let (secret, secret_error) = secret_state(&state, SecretSlot::Vendor, &account.id).await;
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

#[derive(Serialize)]
pub struct ConnectionTest {
    ok: bool,
    agents: usize,
    /// A few agents as "id: state", to show that the right account answered.
    sample: Vec<String>,
    worst: Severity,
    error: Option<ErrorReport>,
    /// Which way the requests went ("via proxy http://host:port", "direct …"); no password.
    route: String,
}

/// A typed form secret; an empty field means "keep what is stored".
pub(crate) fn typed(input: Option<SecretInput>) -> Option<secrecy::SecretString> {
    input.map(|s| s.0).filter(|s| !s.expose_secret().is_empty())
}

/// Polls the account once with the form's settings, using the typed secrets when there are some
/// (nothing is stored) or else the stored ones.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    account: AccountConfig,
    secret: Option<SecretInput>,
    proxy_secret: Option<SecretInput>,
) -> Result<ConnectionTest> {
    validate(&account)?;
    let secrets = TypedOrStored {
        secret: typed(secret),
        proxy_secret: typed(proxy_secret),
        stored: state.secrets.as_ref(),
    };
    let check = tokio::time::timeout(TEST_CONNECTION_LIMIT, check_account(&account, &secrets))
        .await
        .map_err(|_| {
            agentwatch_core::Error::poll(
                agentwatch_core::ErrorKind::Timeout,
                format!("no answer within {} s", TEST_CONNECTION_LIMIT.as_secs()),
            )
        })?;
    let worst = check.worst();
    Ok(match check.outcome {
        CheckOutcome::Agents(list) => ConnectionTest {
            ok: true,
            agents: list.len(),
            sample: list
                .iter()
                .take(5)
                .map(|o| format!("{}: {}", o.agent_id, o.state))
                .collect(),
            worst,
            error: None,
            route: check.route,
        },
        CheckOutcome::Error(e) => ConnectionTest {
            ok: false,
            agents: 0,
            sample: Vec::new(),
            worst,
            error: Some(e),
            route: check.route,
        },
    })
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

    /// The config's alert settings with this form applied, validated by the core's own rules;
    /// errors name the form field.
    fn apply(&self, current: &AlertSettings) -> Result<AlertSettings> {
        let mut next = current.clone();
        next.confirm_worse_polls = self.confirm_worse_polls;
        next.confirm_better_polls = self.confirm_better_polls;
        next.remind_every_mins = self.remind_every_mins;
        next.storm_threshold = self.storm_threshold;
        next.quiet_hours = self.quiet_hours.clone();
        if self.storm_threshold > MAX_STORM_THRESHOLD {
            return Err(Error::invalid(
                "storm_threshold",
                format!("must be at most {MAX_STORM_THRESHOLD}; 0 turns summaries off"),
            ));
        }
        next.validate().map_err(|(key, message)| {
            let field = key.rsplit('.').next().unwrap_or(&key).to_string();
            Error::invalid(&field, message)
        })?;
        Ok(next)
    }
}

pub const MAX_STORM_THRESHOLD: u32 = 1000;
pub const MAX_RETENTION_DAYS: u32 = 3650;

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
    let secs = settings.poll_interval_secs;
    if !(MIN_POLL_INTERVAL_SECS..=MAX_POLL_INTERVAL_SECS).contains(&secs) {
        return Err(Error::invalid(
            "poll_interval_secs",
            format!(
                "must be between {MIN_POLL_INTERVAL_SECS} and {MAX_POLL_INTERVAL_SECS} seconds"
            ),
        ));
    }
    if let Some(days) = settings.retention_days {
        if !(1..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(Error::invalid(
                "retention_days",
                format!("must be between 1 and {MAX_RETENTION_DAYS} days"),
            ));
        }
    }
    let config = state.config().await;
    let alerts = match &settings.alerts {
        Some(form) => form.apply(&config.alerts)?,
        None => config.alerts.clone(),
    };
    let retention = settings
        .retention_days
        .unwrap_or(config.history.retention_days);
    if config.poll_interval_secs != secs
        || config.notifications != settings.notifications
        || config.alerts != alerts
        || config.history.retention_days != retention
    {
        let notifications = settings.notifications.clone();
        state
            .update_config(&app, move |c| {
                c.poll_interval_secs = secs;
                c.notifications = notifications;
                c.alerts = alerts;
                c.history.retention_days = retention;
                Ok(())
            })
            .await?;
    }
    let current = autostart_enabled(&app);
    let unavailable_and_off = current.is_err() && !settings.start_at_login;
    if current.ok() != Some(settings.start_at_login) && !unavailable_and_off {
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

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PauseMode {
    Hour,
    Tomorrow,
    Resume,
}

/// Until when a pause lasts: an hour, or tomorrow 08:00 local time.
pub fn pause_until(mode: PauseMode, now_ms: i64) -> Option<i64> {
    match mode {
        PauseMode::Hour => Some(now_ms + 3_600_000),
        PauseMode::Tomorrow => {
            let offset = crate::local_offset();
            let now = time::OffsetDateTime::from_unix_timestamp_nanos(now_ms as i128 * 1_000_000)
                .ok()?
                .to_offset(offset);
            let tomorrow = now
                .date()
                .next_day()?
                .with_hms(8, 0, 0)
                .ok()?
                .assume_offset(offset);
            Some((tomorrow.unix_timestamp_nanos() / 1_000_000) as i64)
        }
        PauseMode::Resume => None,
    }
}

/// Pauses or resumes notifications (tray menu and dashboard alike).
pub fn pause<R: Runtime>(app: &AppHandle<R>, mode: PauseMode) {
    let state = app.state::<AppState>();
    let until = pause_until(mode, agentwatch_core::clock::now_ms());
    state.shared.set_paused_until(until);
    state.remember_alerts();
    publish(app, &state.shared);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        handle.state::<AppState>().apply_pause().await;
    });
    if let Some(until) = until {
        schedule_pause_end(app, state.shared.clone(), until);
    }
}

#[tauri::command]
pub async fn pause_notifications<R: Runtime>(
    app: AppHandle<R>,
    mode: PauseMode,
) -> Result<Option<i64>> {
    pause(&app, mode);
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
pub async fn desktop_services() -> Result<Vec<ServiceCheck>> {
    let limit = desktop_services::CHECK_LIMIT;
    tokio::task::spawn_blocking(move || desktop_services::check_desktop_services(limit))
        .await
        .map_err(|e| Error::Tauri(format!("the desktop services check stopped: {e}")))
}

/// Restarts the app in the demo (`demo: true`) or out of it; see `relaunch`.
#[tauri::command]
pub fn switch_demo<R: Runtime>(app: AppHandle<R>, demo: bool) {
    crate::relaunch::switch(&app, demo);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_last_an_hour_or_until_tomorrow_morning() {
        let now = 1_700_000_000_000;
        assert_eq!(pause_until(PauseMode::Hour, now), Some(now + 3_600_000));
        let t = pause_until(PauseMode::Tomorrow, now).unwrap();
        assert!(t > now && t <= now + 32 * 3_600_000, "{t}");
        assert_eq!(pause_until(PauseMode::Resume, now), None);
    }
}
