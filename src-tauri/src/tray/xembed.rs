//! The Linux tray for desktops whose tray speaks only XEmbed (the freedesktop system tray of
//! i3bar, trayer, stalonetray, older panels): a GtkStatusIcon, which there has a tooltip, a left
//! click and a right-click menu. Tauri's AppIndicator tray falls back to the same protocol, but
//! with neither a tooltip nor a left click.
//!
//! GTK objects belong to the main thread (Tauri's event loop is GTK's main loop on Linux): the
//! icon lives in a thread-local there and updates are sent to it.

use super::{entries, Entry};
use crate::view::{TrayKind, TrayView};
use gtk::glib::{self, translate::from_glib_full};
use gtk::prelude::*;
use std::cell::RefCell;
use std::sync::Arc;
use tauri::{AppHandle, Runtime};

type MenuAction = Arc<dyn Fn(&str) + Send + Sync>;

thread_local! {
    static ICON: RefCell<Option<StatusIcon>> = const { RefCell::new(None) };
}

struct StatusIcon {
    object: glib::Object,
    view: TrayView,
    menu: gtk::Menu,
    on_menu: MenuAction,
}

/// True when GTK draws on X11, where GtkStatusIcon can be embedded in a tray.
pub fn available() -> bool {
    gtk::gdk::Display::default().is_some_and(|d| d.type_().name() == "GdkX11Display")
}

/// Shows the icon. Call on the main thread.
pub fn create<R: Runtime>(app: &AppHandle<R>, view: &TrayView) {
    let menu_app = app.clone();
    let on_menu: MenuAction = Arc::new(move |id| super::on_menu(&menu_app, id));
    // SAFETY: gtk_status_icon_new returns a new GObject reference that we take over.
    let object: glib::Object = unsafe {
        from_glib_full(gtk::ffi::gtk_status_icon_new() as *mut glib::gobject_ffi::GObject)
    };
    let open = on_menu.clone();
    object.connect_local("activate", false, move |_| {
        open("open");
        None
    });
    object.connect_local("popup-menu", false, |args| {
        let button = args.get(1).and_then(|v| v.get::<u32>().ok()).unwrap_or(3);
        let time = args.get(2).and_then(|v| v.get::<u32>().ok()).unwrap_or(0);
        ICON.with(|icon| {
            if let Some(icon) = icon.borrow().as_ref() {
                icon.menu.popup_easy(button, time);
            }
        });
        None
    });
    object.set_property("title", "AgentWatch");
    let icon = StatusIcon {
        object,
        view: view.clone(),
        menu: build_menu(&entries(view), &on_menu),
        on_menu,
    };
    icon.draw(true);
    ICON.with(|slot| *slot.borrow_mut() = Some(icon));
}

/// Sends a new view to the icon on the main thread.
pub fn apply<R: Runtime>(app: &AppHandle<R>, view: &TrayView) {
    let view = view.clone();
    let sent = app.run_on_main_thread(move || {
        ICON.with(|slot| {
            if let Some(icon) = slot.borrow_mut().as_mut() {
                icon.show(view);
            }
        });
    });
    if let Err(e) = sent {
        tracing::warn!("tray not updated: {e}");
    }
}

/// Takes the icon away (a StatusNotifierItem host appeared). Call on the main thread.
pub fn remove() {
    if let Some(icon) = ICON.with(|slot| slot.borrow_mut().take()) {
        icon.object.set_property("visible", false);
    }
}

/// True while the icon is shown. Call on the main thread.
pub fn shown() -> bool {
    ICON.with(|slot| slot.borrow().is_some())
}

impl StatusIcon {
    fn show(&mut self, view: TrayView) {
        let new_face = view.kind != self.view.kind;
        self.menu = build_menu(&entries(&view), &self.on_menu);
        self.view = view;
        self.draw(new_face);
    }

    fn draw(&self, face: bool) {
        if face {
            match pixbuf(self.view.kind) {
                Ok(pixbuf) => self.object.set_property("pixbuf", &pixbuf),
                Err(e) => tracing::warn!("tray icon {:?} cannot be decoded: {e}", self.view.kind),
            }
        }
        let mut tip = vec![self.view.tooltip.as_str()];
        tip.extend(self.view.paused.as_deref());
        tip.extend(self.view.accounts.iter().map(String::as_str));
        self.object.set_property("tooltip-text", tip.join("\n"));
        self.object.set_property("visible", true);
    }
}

fn pixbuf(kind: TrayKind) -> Result<gtk::gdk_pixbuf::Pixbuf, glib::Error> {
    gtk::gdk_pixbuf::Pixbuf::from_read(std::io::Cursor::new(kind.png()))
}

fn build_menu(entries: &[Entry], on_menu: &MenuAction) -> gtk::Menu {
    let menu = gtk::Menu::new();
    for entry in entries {
        let item: gtk::MenuItem = match entry {
            Entry::Info { text, .. } => {
                let item = gtk::MenuItem::with_label(text);
                item.set_sensitive(false);
                item
            }
            Entry::Action { id, text, enabled } => {
                let item = gtk::MenuItem::with_label(text);
                item.set_sensitive(*enabled);
                let (on_menu, id) = (on_menu.clone(), *id);
                item.connect_activate(move |_| on_menu(id));
                item
            }
            Entry::Submenu { text, entries, .. } => {
                let item = gtk::MenuItem::with_label(text);
                item.set_submenu(Some(&build_menu(entries, on_menu)));
                item
            }
            Entry::Separator => gtk::SeparatorMenuItem::new().upcast(),
        };
        menu.append(&item);
    }
    menu.show_all();
    menu
}
