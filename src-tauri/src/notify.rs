//! Desktop notifications. Where the notification service supports actions, a click on a
//! notification opens the dashboard; elsewhere the core's `DesktopNotifier` is used as it is.
//! Either way sending has its own time limit (notify-rust has none).

use agentwatch_core::notifier::{DesktopNotifier, Notification, Notifier};
use agentwatch_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const SEND_LIMIT: Duration = Duration::from_secs(5);
/// Notifications whose click we wait for at once; past this they are sent without an action.
const MAX_WAITING: usize = 8;

type OnClick = Arc<dyn Fn() + Send + Sync>;

pub struct ClickableNotifier {
    on_click: OnClick,
    actions: Arc<OnceLock<bool>>,
    waiting: Arc<AtomicUsize>,
    plain: DesktopNotifier,
}

impl ClickableNotifier {
    pub fn new(on_click: impl Fn() + Send + Sync + 'static) -> Self {
        ClickableNotifier {
            on_click: Arc::new(on_click),
            actions: Arc::new(OnceLock::new()),
            waiting: Arc::new(AtomicUsize::new(0)),
            plain: DesktopNotifier::with_timeout(SEND_LIMIT),
        }
    }
}

#[async_trait]
impl Notifier for ClickableNotifier {
    async fn notify(&self, n: &Notification) -> Result<()> {
        let actions = self.actions.clone();
        let probe =
            tokio::task::spawn_blocking(move || *actions.get_or_init(service_supports_actions));
        let supports_actions =
            matches!(tokio::time::timeout(SEND_LIMIT, probe).await, Ok(Ok(true)));
        if !supports_actions || self.waiting.load(Ordering::Relaxed) >= MAX_WAITING {
            return self.plain.notify(n).await;
        }
        let n = n.clone();
        let (on_click, waiting) = (self.on_click.clone(), self.waiting.clone());
        let task = tokio::task::spawn_blocking(move || {
            // The core's desktop form: vendor text in the body escaped for servers that
            // render markup.
            let handle = n
                .to_desktop()
                .action("default", "Open dashboard")
                .show()
                .map_err(|e| e.to_string())?;
            // Waiting for the click blocks until the notification closes: on its own thread,
            // bounded by MAX_WAITING.
            waiting.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || {
                wait_for_click(handle, &*on_click);
                waiting.fetch_sub(1, Ordering::Relaxed);
            });
            Ok::<(), String>(())
        });
        match tokio::time::timeout(SEND_LIMIT, task).await {
            Err(_) => Err(Error::poll(
                ErrorKind::Timeout,
                format!(
                    "the notification service did not answer within {} s",
                    SEND_LIMIT.as_secs()
                ),
            )),
            Ok(Err(join)) => Err(Error::Io(format!("notification task failed: {join}"))),
            Ok(Ok(Err(e))) => Err(Error::Io(format!("cannot show a notification: {e}"))),
            Ok(Ok(Ok(()))) => Ok(()),
        }
    }
}

/// Whether a notification can carry the "Open dashboard" action.
#[cfg(all(unix, not(target_os = "macos")))]
fn service_supports_actions() -> bool {
    // The freedesktop notification service says so itself.
    notify_rust::get_capabilities()
        .map(|caps| caps.iter().any(|c| c == "actions"))
        .unwrap_or(false)
}

/// Whether a notification can carry the "Open dashboard" action.
#[cfg(target_os = "windows")]
fn service_supports_actions() -> bool {
    // Every Windows toast can carry buttons and report clicks.
    true
}

/// Whether a notification can carry the "Open dashboard" action.
#[cfg(target_os = "macos")]
fn service_supports_actions() -> bool {
    // notify-rust's default macOS backend sends the notification again to wait for its click
    // and needs the main run loop for that: plain notifications there.
    false
}

/// Blocks until the notification closes; `on_click` runs if the user clicked it.
#[cfg(not(target_os = "windows"))]
fn wait_for_click(handle: notify_rust::NotificationHandle, on_click: &(dyn Fn() + Send + Sync)) {
    // The freedesktop service names a click on the body "default", as our button.
    handle.wait_for_action(|action| {
        if action == "default" {
            on_click();
        }
    });
}

/// Blocks until the notification closes; `on_click` runs if the user clicked it.
#[cfg(target_os = "windows")]
fn wait_for_click(handle: notify_rust::NotificationHandle, on_click: &(dyn Fn() + Send + Sync)) {
    use notify_rust::NotificationResponse;
    // A toast tells a click on its body from one on the "Open dashboard" button: both open it.
    let answered = handle.wait_for_response(|response: &NotificationResponse| match response {
        NotificationResponse::Default => on_click(),
        NotificationResponse::Action(id) if id == "default" => on_click(),
        _ => {}
    });
    if let Err(e) = answered {
        tracing::debug!("no answer from the toast: {e}");
    }
}
