//! Tells the engine the moment the machine wakes: logind's `PrepareForSleep(false)` on the
//! system bus. Without logind (other init systems, containers) the engine still notices a
//! sleep from its clocks, a couple of seconds later.

use crate::state::AppState;
use futures::StreamExt;
use tauri::{AppHandle, Manager, Runtime};

#[zbus::proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
trait Login1Manager {
    #[zbus(signal)]
    fn prepare_for_sleep(&self, start: bool) -> zbus::Result<()>;
}

/// Listens in the background for as long as the app runs.
pub fn watch<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = listen(&app).await {
            tracing::info!(
                "no sleep signals from logind ({e}); sleeps are noticed from the clocks"
            );
        }
    });
}

async fn listen<R: Runtime>(app: &AppHandle<R>) -> zbus::Result<()> {
    let bus = zbus::Connection::system().await?;
    let manager = Login1ManagerProxy::new(&bus).await?;
    let mut signals = manager.receive_prepare_for_sleep().await?;
    while let Some(signal) = signals.next().await {
        if !signal.args()?.start {
            app.state::<AppState>().resumed().await;
        }
    }
    Ok(())
}
