//! Desktop notifications. Where the notification service supports actions, a click on a
//! notification opens the dashboard; elsewhere the core's `DesktopNotifier` is used as it is.
//! Either way sending has its own time limit (notify-rust has none).
//!
//! Where the system cannot show a notification and the app has a second way (on Windows, the
//! tray icon's balloon when a toast fails), that way is taken, and [`Delivery`] remembers which
//! one works, for the dashboard's notification-service check.

use agentwatch_core::desktop_services::ServiceCheck;
use agentwatch_core::notifier::{DesktopNotifier, Notification, Notifier};
use agentwatch_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const SEND_LIMIT: Duration = Duration::from_secs(5);
/// Notifications whose click we wait for at once; past this they are sent without an action.
const MAX_WAITING: usize = 8;

type OnClick = Arc<dyn Fn() + Send + Sync>;
/// The second way to show a notification (blocking; run on its own thread).
pub type Fallback = Arc<dyn Fn(&Notification) -> std::result::Result<(), String> + Send + Sync>;

/// Which way notifications reach the user, as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Nothing was shown yet.
    #[default]
    NotYet,
    /// The system's notifications (toasts on Windows) show them.
    System,
    /// The system's notifications failed (`why`); the second way shows them.
    Fallback { why: String },
}

/// The [`Delivery`] of the app's notifier, shared with the dashboard's check.
#[derive(Clone, Default)]
pub struct DeliveryRecord(Arc<Mutex<Delivery>>);

impl DeliveryRecord {
    pub fn get(&self) -> Delivery {
        self.0.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// Records `now`; what was recorded before.
    fn set(&self, now: Delivery) -> Delivery {
        match self.0.lock() {
            Ok(mut d) => std::mem::replace(&mut *d, now),
            Err(_) => Delivery::NotYet,
        }
    }
}

/// What the dashboard's notification-service check says on Windows: toasts, or the tray
/// balloons that stand in for them and why.
pub fn windows_delivery_detail(delivery: &Delivery) -> String {
    match delivery {
        Delivery::NotYet => "Windows notifications (toasts); none shown yet".into(),
        Delivery::System => "Windows notifications (toasts)".into(),
        Delivery::Fallback { why } => format!(
            "tray balloons: Windows could not show a toast ({why}), so notifications appear as \
             balloons at the tray icon"
        ),
    }
}

/// The desktop services check as the dashboard shows it: on Windows the notification line says
/// which way shows the notifications (toasts or tray balloons); elsewhere as the bus said.
pub fn with_delivery(
    #[cfg_attr(not(windows), allow(unused_mut))] mut checks: Vec<ServiceCheck>,
    delivery: Option<Delivery>,
) -> Vec<ServiceCheck> {
    #[cfg(windows)]
    if let Some(check) = checks.iter_mut().find(|c| c.id == "notifications") {
        check.detail = windows_delivery_detail(&delivery.unwrap_or_default());
    }
    #[cfg(not(windows))]
    let _ = delivery;
    checks
}

pub struct ClickableNotifier {
    on_click: OnClick,
    actions: Arc<OnceLock<bool>>,
    waiting: Arc<AtomicUsize>,
    plain: DesktopNotifier,
    fallback: Option<Fallback>,
    delivery: DeliveryRecord,
}

impl ClickableNotifier {
    pub fn new(on_click: impl Fn() + Send + Sync + 'static) -> Self {
        ClickableNotifier {
            on_click: Arc::new(on_click),
            actions: Arc::new(OnceLock::new()),
            waiting: Arc::new(AtomicUsize::new(0)),
            plain: DesktopNotifier::with_timeout(SEND_LIMIT),
            fallback: None,
            delivery: DeliveryRecord::default(),
        }
    }

    /// Shows a notification the system could not show this other way instead.
    pub fn with_fallback(mut self, fallback: Fallback) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// Where the way notifications reach the user is kept.
    pub fn delivery(&self) -> DeliveryRecord {
        self.delivery.clone()
    }

    /// The second way, on its own thread and within the time limit; the error names both
    /// failures.
    async fn fall_back(&self, fallback: &Fallback, n: &Notification, why: Error) -> Result<()> {
        let (fallback, n) = (fallback.clone(), n.clone());
        let task = tokio::task::spawn_blocking(move || fallback(&n));
        let shown = match tokio::time::timeout(SEND_LIMIT, task).await {
            Ok(Ok(shown)) => shown,
            Ok(Err(join)) => Err(join.to_string()),
            Err(_) => Err(format!("no answer within {} s", SEND_LIMIT.as_secs())),
        };
        if let Err(second) = shown {
            return Err(Error::Io(format!(
                "{why}; the tray balloon instead failed too: {second}"
            )));
        }
        let why = why.to_string();
        if !matches!(
            self.delivery.set(Delivery::Fallback { why: why.clone() }),
            Delivery::Fallback { .. }
        ) {
            tracing::warn!("notifications: {why}; showing them as tray balloons instead");
        }
        Ok(())
    }
}

#[async_trait]
impl Notifier for ClickableNotifier {
    async fn notify(&self, n: &Notification) -> Result<()> {
        match (self.show(n).await, &self.fallback) {
            (Ok(()), _) => {
                if let Delivery::Fallback { .. } = self.delivery.set(Delivery::System) {
                    tracing::info!("notifications: the system shows them again");
                }
                Ok(())
            }
            (Err(why), Some(fallback)) => self.fall_back(fallback, n, why).await,
            (Err(why), None) => Err(why),
        }
    }
}

impl ClickableNotifier {
    /// Shows `n` through the system, with the "Open dashboard" action where it has actions.
    async fn show(&self, n: &Notification) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use agentwatch_core::notifier::Urgency;
    use std::sync::atomic::AtomicUsize;

    fn failed() -> Notification {
        Notification {
            summary: "Li Wei (101): FAILED".into(),
            body: "Huawei CC-Gateway · Contact centre · was IDLE".into(),
            urgency: Urgency::Critical,
            sound: None,
        }
    }

    fn toast_error() -> Error {
        Error::Io("cannot show a notification: Os(Error { code: HRESULT(0x80040154) })".into())
    }

    #[tokio::test]
    async fn a_notification_the_system_cannot_show_goes_the_second_way_and_is_recorded() {
        let shown = Arc::new(AtomicUsize::new(0));
        let counter = shown.clone();
        let fallback: Fallback = Arc::new(move |n: &Notification| {
            assert_eq!(n.summary, "Li Wei (101): FAILED");
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let notifier = ClickableNotifier::new(|| {}).with_fallback(fallback.clone());
        assert_eq!(notifier.delivery().get(), Delivery::NotYet);
        notifier
            .fall_back(&fallback, &failed(), toast_error())
            .await
            .unwrap();
        assert_eq!(shown.load(Ordering::SeqCst), 1);
        let Delivery::Fallback { why } = notifier.delivery().get() else {
            panic!("not recorded: {:?}", notifier.delivery().get());
        };
        assert!(why.contains("0x80040154"), "{why}");
        let detail = windows_delivery_detail(&notifier.delivery().get());
        assert!(
            detail.starts_with("tray balloons: Windows could not show a toast (cannot show"),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn when_the_second_way_fails_too_the_error_names_both() {
        let fallback: Fallback = Arc::new(|_: &Notification| Err("no tray icon".into()));
        let notifier = ClickableNotifier::new(|| {}).with_fallback(fallback.clone());
        let err = notifier
            .fall_back(&fallback, &failed(), toast_error())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("0x80040154")
                && err.contains("the tray balloon instead failed too: no tray icon"),
            "{err}"
        );
        assert_eq!(notifier.delivery().get(), Delivery::NotYet);
    }

    #[test]
    fn the_check_says_toasts_while_they_work() {
        assert_eq!(
            windows_delivery_detail(&Delivery::System),
            "Windows notifications (toasts)"
        );
        assert!(windows_delivery_detail(&Delivery::NotYet).contains("none shown yet"));
    }
}
