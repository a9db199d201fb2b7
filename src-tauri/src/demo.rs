//! Demo mode: the three vendor simulators run in-process, a temporary profile holds a config
//! with one account per vendor, and the simulators' throw-away credentials live in memory (the
//! keyring is not touched). A script keeps agents changing so that the tray changes colour and
//! notifications arrive within a minute.

use crate::secrets::Secrets;
use crate::state::AppState;
use agentwatch_core::notifier::Notifier;
use agentwatch_sim::demo::{DemoSims, DEMO_POLL_INTERVAL_SECS};
use std::path::PathBuf;
use std::sync::Arc;

/// Starts the simulators and returns the app state and the webview's data folder.
pub fn start(
    notifier: Arc<dyn Notifier>,
) -> Result<(AppState, PathBuf), Box<dyn std::error::Error>> {
    let profile = std::env::temp_dir().join(format!("agentwatch-demo-{}", std::process::id()));
    std::fs::create_dir_all(&profile)?;
    let config_path = profile.join("config.toml");
    let (sims, script) = tauri::async_runtime::block_on(async {
        let sims = DemoSims::start(None, None).await?;
        let script = sims.spawn_script();
        Ok::<_, std::io::Error>((sims, script))
    })?;
    std::fs::write(
        &config_path,
        sims.config_toml(DEMO_POLL_INTERVAL_SECS, None),
    )?;
    eprintln!(
        "agentwatch-desktop: demo mode — simulators at {}, {}, {}; profile {}",
        sims.huawei_url(),
        sims.agora_url(),
        sims.segura_url(),
        profile.display()
    );
    let secrets = Secrets::memory(
        DemoSims::secrets()
            .into_iter()
            .map(|(id, secret)| (id.to_string(), secret)),
    );
    let state = AppState::new(config_path, secrets, Some(notifier), true)
        .with_history(profile.join("history.sqlite3"))
        .with_alert_memory(profile.join(crate::ALERT_MEMORY_FILE));
    state.keep_alive(Box::new(sims));
    state.keep_alive(Box::new(script));
    Ok((state, profile.join("webview")))
}
