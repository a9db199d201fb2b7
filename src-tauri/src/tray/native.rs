//! Tauri's own tray: Windows and macOS (and Linux where neither of our own trays can show; there
//! it is libayatana-appindicator, with no tooltip or click events).

use super::{entries, on_menu, open_dashboard, Entry, TRAY_ID};
use crate::view::{TrayKind, TrayView};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Runtime};

pub fn create<R: Runtime>(app: &AppHandle<R>, view: &TrayView) -> tauri::Result<()> {
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(view.kind)?)
        .tooltip(&view.tooltip)
        .menu(&menu(app, view)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                open_dashboard(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

fn icon(kind: TrayKind) -> tauri::Result<Image<'static>> {
    Image::from_bytes(kind.png())
}

fn menu<R: Runtime>(app: &AppHandle<R>, view: &TrayView) -> tauri::Result<Menu<R>> {
    let items = items(app, &entries(view))?;
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|b| b.as_ref()).collect();
    Menu::with_items(app, &refs)
}

fn items<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[Entry],
) -> tauri::Result<Vec<Box<dyn IsMenuItem<R>>>> {
    let mut built: Vec<Box<dyn IsMenuItem<R>>> = Vec::with_capacity(entries.len());
    for entry in entries {
        built.push(match entry {
            Entry::Info { id, text } => {
                Box::new(MenuItem::with_id(app, id, text, false, None::<&str>)?)
            }
            Entry::Action { id, text, enabled } => {
                Box::new(MenuItem::with_id(app, *id, text, *enabled, None::<&str>)?)
            }
            Entry::Submenu { id, text, entries } => {
                let children = items(app, entries)?;
                let refs: Vec<&dyn IsMenuItem<R>> = children.iter().map(|b| b.as_ref()).collect();
                Box::new(Submenu::with_id_and_items(app, *id, text, true, &refs)?)
            }
            Entry::Separator => Box::new(PredefinedMenuItem::separator(app)?),
        });
    }
    Ok(built)
}

pub fn apply<R: Runtime>(app: &AppHandle<R>, view: &TrayView) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let result = icon(view.kind)
        .and_then(|i| tray.set_icon(Some(i)))
        .and_then(|_| tray.set_tooltip(Some(&view.tooltip)))
        .and_then(|_| menu(app, view))
        .and_then(|m| tray.set_menu(Some(m)));
    if let Err(e) = result {
        tracing::warn!("tray not updated: {e}");
    }
}
