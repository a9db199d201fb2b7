//! The account card's maintenance actions: *Maintenance 1 h / 4 h / until…* and *End
//! maintenance*. Parse, call `control`, map the error.

use crate::control;
use crate::error::{Error, Result};
use agentwatch_core::alerts::AlertCommand;
use agentwatch_core::maintenance::MaintenanceTarget;
use serde::Deserialize;
use tauri::{AppHandle, Runtime};

#[derive(Debug, Clone, Deserialize)]
pub struct MaintenanceRequest {
    pub account_id: String,
    /// For this many minutes...
    #[serde(default)]
    pub minutes: Option<u32>,
    /// ...or until this instant (Unix ms).
    #[serde(default)]
    pub until_ms: Option<i64>,
}

/// The policy command a request stands for, or why it is refused.
pub fn start_command(r: &MaintenanceRequest, now_ms: i64) -> Result<AlertCommand> {
    if r.account_id.trim().is_empty() {
        return Err(Error::invalid("account_id", "an account is needed"));
    }
    let secs = match (r.minutes, r.until_ms) {
        (Some(minutes), None) => u64::from(minutes) * 60,
        (None, Some(until_ms)) => (until_ms.saturating_sub(now_ms).max(0) / 1000) as u64,
        _ => return Err(Error::invalid("minutes", "give minutes or an end time")),
    };
    let until = agentwatch_core::control::ends_after(control::instant(now_ms)?, Some(secs))
        .map_err(|why| Error::invalid("until_ms", why))?;
    Ok(AlertCommand::StartMaintenance(
        MaintenanceTarget::account(r.account_id.trim()),
        until,
    ))
}

#[tauri::command]
pub async fn start_maintenance<R: Runtime>(
    app: AppHandle<R>,
    request: MaintenanceRequest,
) -> Result<()> {
    let command = start_command(&request, agentwatch_core::clock::now_ms())?;
    control::apply(&app, command).await
}

#[tauri::command]
pub async fn end_maintenance<R: Runtime>(app: AppHandle<R>, account_id: String) -> Result<()> {
    let target = MaintenanceTarget::account(account_id.trim());
    control::apply(&app, AlertCommand::EndMaintenance(target)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000_000;

    fn request(minutes: Option<u32>, until_ms: Option<i64>) -> MaintenanceRequest {
        MaintenanceRequest {
            account_id: "cc".into(),
            minutes,
            until_ms,
        }
    }

    #[test]
    fn a_window_lasts_the_minutes_given_or_until_the_time_chosen() {
        let Ok(AlertCommand::StartMaintenance(target, until)) =
            start_command(&request(Some(240), None), NOW)
        else {
            panic!("a start");
        };
        assert_eq!(target, MaintenanceTarget::account("cc"));
        assert_eq!(
            (until.unix_timestamp_nanos() / 1_000_000) as i64,
            NOW + 4 * 3_600_000
        );
        assert!(start_command(&request(None, Some(NOW + 90 * 60_000)), NOW).is_ok());
        for bad in [
            request(None, Some(NOW - 1)),
            request(Some(8 * 24 * 60), None),
            request(None, None),
        ] {
            assert!(start_command(&bad, NOW).is_err(), "{bad:?}");
        }
    }
}
