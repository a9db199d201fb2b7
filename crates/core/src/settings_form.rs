//! The Settings view's form: the poll interval, the notifications, the `[alerts]` keys that
//! matter most and the history's retention, read from a config and written back into it with
//! the checks a hand-written file gets (the other keys stay as the file has them).

use crate::config::{Config, NotificationSettings};
use crate::policy::{AlertSettings, QuietHours};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct SettingsForm {
    pub poll_interval_secs: u64,
    pub notifications: NotificationSettings,
    /// The desktop's start-at-login switch (not a config key: the shell applies it).
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

impl SettingsForm {
    /// The form of `config`, with the shell's start-at-login state.
    pub fn of(config: &Config, start_at_login: bool) -> SettingsForm {
        SettingsForm {
            poll_interval_secs: config.poll_interval_secs,
            notifications: config.notifications.clone(),
            start_at_login,
            alerts: Some(AlertForm::of(&config.alerts)),
            retention_days: Some(config.history.retention_days),
        }
    }

    /// The form's keys written into the config; the rest stays as it is.
    pub fn apply(&self, config: &mut Config) {
        config.poll_interval_secs = self.poll_interval_secs;
        config.notifications = self.notifications.clone();
        if let Some(form) = &self.alerts {
            form.apply(&mut config.alerts);
        }
        if let Some(days) = self.retention_days {
            config.history.retention_days = days;
        }
    }

    /// Checks the form against `current` as the config file's checks would: whether it changes
    /// anything, or the form input that is wrong and why (nothing is written on an error).
    pub fn check(&self, current: &Config) -> Result<bool, (String, String)> {
        let mut next = current.clone();
        self.apply(&mut next);
        next.validate_settings()
            .map_err(|(key, message)| (form_field(&key).to_string(), message))?;
        Ok(next != *current)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_name_the_form_input() {
        assert_eq!(form_field("alerts.quiet_hours.days"), "days");
        assert_eq!(
            form_field("notifications.sounds.critical"),
            "sounds.critical"
        );
        assert_eq!(form_field("poll_interval_secs"), "poll_interval_secs");
    }

    #[test]
    fn a_form_changes_only_its_keys_and_says_whether_anything_changed() {
        let current = Config::default();
        let same = SettingsForm::of(&current, false);
        assert_eq!(same.check(&current), Ok(false));
        let mut faster = same.clone();
        faster.poll_interval_secs = current.poll_interval_secs + 5;
        assert_eq!(faster.check(&current), Ok(true));
        let mut broken = same;
        broken.poll_interval_secs = 0;
        let (field, _) = broken.check(&current).unwrap_err();
        assert_eq!(field, "poll_interval_secs");
    }
}
