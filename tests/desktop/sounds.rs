//! Settings › Sounds through the real webview: a preset, a sound file that does not exist refused
//! beside its field by the core's check, the saved `[notifications.sounds]`, and *Play* reaching
//! the notification service as a notification carrying the sound.

use crate::session::{self, Desktop};
use crate::web::{click, property, select, text, type_into, until, R};
use std::path::Path;
use std::time::Duration;

pub async fn sounds_in_settings(c: &fantoccini::Client, desktop: &Desktop, config: &Path) -> R<()> {
    super::open_settings(c).await?;
    let chosen =
        |sev: &'static str| async move { property(c, &format!("#set-sound-{sev}"), "value").await };
    assert_eq!(chosen("critical").await?, "", "silent by default");

    // A preset fills the form; a file that does not exist is refused beside its field.
    click(c, "#sound-settings button[data-preset='critical']").await?;
    assert_eq!(chosen("critical").await?, "alarm-clock-elapsed");
    select(c, "#set-sound-unknown", "file").await?;
    let missing = desktop.home.join("no-such-sound.oga");
    type_into(
        c,
        "#sound-settings input[name='sound_file_unknown']",
        &missing.display().to_string(),
    )
    .await?;
    click(c, "#settings-form button[type=submit]").await?;
    let refusal = until(
        "the sound file's refusal",
        Duration::from_secs(10),
        || async {
            let t = text(c, ".msg[data-for='sounds.unknown']").await.ok()?;
            (!t.is_empty()).then_some(t)
        },
    )
    .await;
    assert!(refusal.contains("cannot read the sound file"), "{refusal}");
    let on_disk = std::fs::read_to_string(config)?;
    assert!(
        !on_disk.contains("sounds"),
        "a refused save wrote: {on_disk}"
    );

    // Without it the preset saves.
    select(c, "#set-sound-unknown", "").await?;
    crate::save_settings(c).await?;
    let saved = agentwatch_core::config::Config::load(config)?;
    let sounds = &saved.notifications.sounds;
    assert_eq!(
        sounds.critical.as_ref().map(|s| s.to_string()).as_deref(),
        Some("alarm-clock-elapsed")
    );
    assert!(
        sounds.repeat_critical && sounds.unknown.is_none(),
        "{sounds:?}"
    );

    // Play: the notification service receives a notification carrying the sound.
    click(c, "#sound-settings button[data-play='critical']").await?;
    session::until_notified(&desktop.notifications, "the sound check", |n| {
        n.1 == "Sound check: alarm-clock-elapsed"
    })
    .await;

    // Back to silent for the steps after this one.
    click(c, "#sound-settings button[data-preset='silent']").await?;
    crate::save_settings(c).await?;
    let saved = agentwatch_core::config::Config::load(config)?;
    assert!(saved.notifications.sounds.is_silent(), "{saved:?}");
    click(c, "#tab-live").await
}
