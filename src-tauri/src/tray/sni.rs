//! The Linux tray as a StatusNotifierItem (the freedesktop/KDE tray protocol over D-Bus), so
//! that the summary is a real tooltip and a left click opens the dashboard. The item and its
//! menu are served by `ksni` on the session bus; the desktop's tray host draws them.
//!
//! The item is served even when no host is there yet: at login the app often starts before the
//! panel. It registers as soon as a StatusNotifierWatcher appears (and again after a panel
//! restart); meanwhile the `fallback` callback shows another tray, and takes it away once the
//! item is registered.

use super::{entries, Entry};
use crate::view::{TrayKind, TrayView};
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tokio::sync::watch;

/// Where a running tray takes its updates.
pub struct Handle {
    views: watch::Sender<TrayView>,
}

type MenuAction = Arc<dyn Fn(&str) + Send + Sync>;
/// Called with the current view while no host shows the item, and with `None` once one does.
pub type Fallback = Arc<dyn Fn(Option<TrayView>) + Send + Sync>;

/// Serves the item and registers it with the desktop's StatusNotifierWatcher, now or whenever
/// one appears. Fails only without a session bus.
pub fn spawn<R: Runtime>(
    app: &AppHandle<R>,
    view: TrayView,
    fallback: Fallback,
) -> Result<Handle, ksni::Error> {
    use ksni::TrayMethods;
    let menu_app = app.clone();
    let tray = Item {
        icon: pixmap(view.kind),
        view: view.clone(),
        on_menu: Arc::new(move |id| super::on_menu(&menu_app, id)),
        fallback,
    };
    tauri::async_runtime::block_on(async move {
        let item = tray.assume_sni_available(true).spawn().await?;
        let (views, mut latest) = watch::channel(view);
        // One task applies the views in order; a burst of updates ends on the newest one.
        tauri::async_runtime::spawn(async move {
            while latest.changed().await.is_ok() {
                let view = latest.borrow_and_update().clone();
                if item.update(|tray| tray.show(view)).await.is_none() {
                    tracing::warn!("tray: the StatusNotifierItem service stopped");
                    break;
                }
            }
        });
        Ok(Handle { views })
    })
}

pub fn apply(handle: &Handle, view: &TrayView) {
    handle.views.send_replace(view.clone());
}

struct Item {
    view: TrayView,
    /// The face, decoded once per change of kind (hosts ask for it often).
    icon: Vec<ksni::Icon>,
    on_menu: MenuAction,
    fallback: Fallback,
}

impl Item {
    fn show(&mut self, view: TrayView) {
        if view.kind != self.view.kind {
            self.icon = pixmap(view.kind);
        }
        self.view = view;
    }
}

impl ksni::Tray for Item {
    fn id(&self) -> String {
        "agentwatch".into()
    }

    fn title(&self) -> String {
        "AgentWatch".into()
    }

    /// A left click opens the dashboard; the menu is on the right button.
    fn activate(&mut self, _x: i32, _y: i32) {
        (self.on_menu)("open");
    }

    fn status(&self) -> ksni::Status {
        // Hosts that fold quiet icons away (KDE) keep a failing one in sight.
        match self.view.kind {
            TrayKind::Critical => ksni::Status::NeedsAttention,
            _ => ksni::Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icon.clone()
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icon.clone()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        let mut lines: Vec<&str> = self.view.paused.iter().map(String::as_str).collect();
        lines.extend(self.view.accounts.iter().map(String::as_str));
        ksni::ToolTip {
            title: self.view.tooltip.clone(),
            // The description is read as markup by some hosts.
            description: escape_markup(&lines.join("\n")),
            ..Default::default()
        }
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        menu_items(&entries(&self.view))
    }

    /// No host yet (or it went away): keep serving, show the fallback meanwhile.
    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::info!("tray: no StatusNotifierItem host ({reason:?}); waiting for one");
        (self.fallback)(Some(self.view.clone()));
        true
    }

    fn watcher_online(&self) {
        tracing::info!("tray: a StatusNotifierItem host appeared; the item is registered");
        (self.fallback)(None);
    }
}

fn menu_items(entries: &[Entry]) -> Vec<ksni::MenuItem<Item>> {
    use ksni::menu::{StandardItem, SubMenu};
    entries
        .iter()
        .map(|entry| match entry {
            Entry::Info { text, .. } => StandardItem {
                label: escape_mnemonics(text),
                enabled: false,
                ..Default::default()
            }
            .into(),
            Entry::Action { id, text, enabled } => {
                let id: &'static str = id;
                StandardItem {
                    label: escape_mnemonics(text),
                    enabled: *enabled,
                    activate: Box::new(move |tray: &mut Item| (tray.on_menu)(id)),
                    ..Default::default()
                }
                .into()
            }
            Entry::Submenu { text, entries, .. } => SubMenu {
                label: escape_mnemonics(text),
                submenu: menu_items(entries),
                ..Default::default()
            }
            .into(),
            Entry::Separator => ksni::MenuItem::Separator,
        })
        .collect()
}

/// The icon as the protocol wants it: ARGB32 in network byte order.
fn pixmap(kind: TrayKind) -> Vec<ksni::Icon> {
    match tauri::image::Image::from_bytes(kind.png()) {
        Ok(image) => vec![ksni::Icon {
            width: image.width() as i32,
            height: image.height() as i32,
            data: image
                .rgba()
                .chunks_exact(4)
                .flat_map(|p| [p[3], p[0], p[1], p[2]])
                .collect(),
        }],
        Err(e) => {
            tracing::warn!("tray icon {kind:?} cannot be decoded: {e}");
            Vec::new()
        }
    }
}

/// Menu labels use `_` for keyboard mnemonics; an account called "lab_1" must read as written.
fn escape_mnemonics(text: &str) -> String {
    text.replace('_', "__")
}

fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_is_argb_in_network_order() {
        let icon = &pixmap(TrayKind::Critical)[0];
        assert_eq!(icon.data.len(), (icon.width * icon.height * 4) as usize);
        // The critical face is a red octagon (with a white cross): read as ARGB, most of its
        // opaque pixels are red. Read as RGBA they would not be.
        let opaque: Vec<&[u8]> = icon.data.chunks_exact(4).filter(|p| p[0] == 255).collect();
        let red = opaque
            .iter()
            .filter(|p| p[1] > 150 && p[2] < 120 && p[3] < 120)
            .count();
        assert!(
            red * 2 > opaque.len(),
            "{red} red of {} opaque pixels",
            opaque.len()
        );
    }

    #[test]
    fn labels_and_tooltips_show_names_as_written() {
        assert_eq!(escape_mnemonics("lab_1 (Agora)"), "lab__1 (Agora)");
        assert_eq!(escape_markup("R&D <east>"), "R&amp;D &lt;east&gt;");
    }
}
