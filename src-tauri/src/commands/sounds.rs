//! The Settings page's sound preview.

use crate::error::{Error, Result};
use agentwatch_core::notifier::{DesktopNotifier, Notification, Notifier};
use agentwatch_core::sounds::Sound;

/// Plays a sound the way an alert would: a notification carrying it, through the desktop's
/// notification service (AgentWatch has no audio player of its own). The sound is checked first
/// as the config's are; `field` names the form's input for the message.
#[tauri::command]
pub async fn preview_sound(sound: String, field: Option<String>) -> Result<()> {
    let sound = Sound::parse(&sound);
    let field = field.as_deref().unwrap_or("sound");
    sound
        .validate()
        .map_err(|message| Error::invalid(field, message))?;
    DesktopNotifier::default()
        .notify(&Notification::sound_check(sound))
        .await?;
    Ok(())
}
