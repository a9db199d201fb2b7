//! The shared actions on the alert policy: pause/resume, snooze/acknowledge, maintenance. The
//! dashboard's commands, the tray menu and the control socket (`agentwatch snooze|ack|pause|
//! maintenance`) all come here, so that each change reaches the engine, the remembered state,
//! the tray and the dashboard the same way whoever asked.

use crate::error::{Error, Result};
use crate::state::{publish, show_pause, AppState};
use agentwatch_core::alerts::AlertCommand;
use agentwatch_core::control::{ControlRequest, ControlResponse};
use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime};

/// Applies one command through core's host (the engine and the alert memory); the new alert
/// view then reaches the dashboard and the tray, and a pause reaches the tray's face at once.
pub async fn apply<R: Runtime>(app: &AppHandle<R>, command: AlertCommand) -> Result<()> {
    let state = app.state::<AppState>();
    state.host.command(command).await.map_err(Error::NotFound)?;
    after_command(app, &state);
    Ok(())
}

/// Shows the pause the host holds now on the tray, without waiting for the alert view.
fn after_command<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    if show_pause(app, &state.shared, state.host.paused_until_ms()) {
        publish(app, &state.shared);
    }
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

/// The policy command of a pause mode.
pub fn pause_command(mode: PauseMode, now_ms: i64) -> AlertCommand {
    match pause_until(mode, now_ms).and_then(|ms| instant(ms).ok()) {
        Some(until) => AlertCommand::PauseAll(Some(until)),
        None => AlertCommand::ResumeAll,
    }
}

/// Unix ms as an instant.
pub fn instant(ms: i64) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| Error::invalid("until_ms", e.to_string()))
}

/// Pauses or resumes from where no answer is awaited (the tray menu).
pub fn pause<R: Runtime>(app: &AppHandle<R>, mode: PauseMode) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let command = pause_command(mode, agentwatch_core::clock::now_ms());
        if let Err(e) = apply(&app, command).await {
            tracing::warn!("pause not applied: {e}");
        }
    });
}

/// Answers one control-socket request as `watch` and `serve` do (core's host: planned against
/// what is watched now; a snooze already in force is said so), then shows it like the
/// dashboard's own actions.
pub async fn answer<R: Runtime>(app: &AppHandle<R>, request: ControlRequest) -> ControlResponse {
    let state = app.state::<AppState>();
    let answer = state.host.answer(&request.op).await;
    after_command(app, &state);
    answer
}

/// Listens on the control channel (a Unix socket, a named pipe on Windows) for as long as the
/// app runs. Another AgentWatch already answering there (a `watch` started first) is told in
/// the log and leaves scripts to it.
pub fn serve<R: Runtime>(app: &AppHandle<R>) {
    use agentwatch_core::control::channel::{location, ControlServer, Handler};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let server = match ControlServer::bind(&location()).await {
            Ok(server) => server,
            Err(e) => {
                tracing::warn!("scripts cannot control this app: {e}");
                return;
            }
        };
        tracing::info!("control channel: {}", server.path().display());
        let handler_app = app.clone();
        let handler: Handler = std::sync::Arc::new(move |request| {
            let app = handler_app.clone();
            Box::pin(async move { answer(&app, request).await })
        });
        server
            .serve(handler, tokio_util::sync::CancellationToken::new())
            .await;
    });
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
        assert!(matches!(
            pause_command(PauseMode::Resume, now),
            AlertCommand::ResumeAll
        ));
    }
}
