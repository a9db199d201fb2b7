//! The tray icon: its face (five shapes and colours), its summary and its menu. On Linux the
//! tray has no tooltips (AppIndicator), so the summary is also the menu's first line.

use crate::state::AppState;
use crate::view::{TrayKind, TrayView};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "agentwatch";

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let view = TrayView::new(&Default::default(), None);
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(view.kind)?)
        .tooltip(&view.tooltip)
        .menu(&menu(app, &view)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
        .on_tray_icon_event(|tray, event| {
            // Windows and macOS: a left click opens the dashboard (Linux trays open the menu).
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::window::show_dashboard(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

fn icon(kind: TrayKind) -> tauri::Result<Image<'static>> {
    Image::from_bytes(kind.png())
}

fn menu<R: Runtime>(app: &AppHandle<R>, view: &TrayView) -> tauri::Result<Menu<R>> {
    let info = |id: &str, text: &str| MenuItem::with_id(app, id, text, false, None::<&str>);
    let action = |id: &str, text: &str| MenuItem::with_id(app, id, text, true, None::<&str>);
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = vec![Box::new(info("summary", &view.tooltip)?)];
    if let Some(paused) = &view.paused {
        items.push(Box::new(info("paused", paused)?));
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(action("open", "Open dashboard")?));
    items.push(Box::new(action("poll", "Poll now")?));
    let pause = Submenu::with_id_and_items(
        app,
        "pause",
        "Pause notifications",
        true,
        &[
            &action("pause-hour", "For 1 hour")?,
            &action("pause-tomorrow", "Until tomorrow 08:00")?,
            &MenuItem::with_id(app, "resume", "Resume", view.paused.is_some(), None::<&str>)?,
        ],
    )?;
    items.push(Box::new(pause));
    if !view.accounts.is_empty() {
        items.push(Box::new(PredefinedMenuItem::separator(app)?));
        for (i, line) in view.accounts.iter().enumerate() {
            items.push(Box::new(info(&format!("account-{i}"), line)?));
        }
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(action("quit", "Quit AgentWatch")?));
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|b| b.as_ref()).collect();
    Menu::with_items(app, &refs)
}

/// Shows a new face, summary and menu. Does nothing where there is no tray (command tests).
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

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" => crate::window::show_dashboard(app),
        "poll" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                app.state::<AppState>().poll_now().await;
            });
        }
        "pause-hour" => crate::commands::pause(app, crate::commands::PauseMode::Hour),
        "pause-tomorrow" => crate::commands::pause(app, crate::commands::PauseMode::Tomorrow),
        "resume" => crate::commands::pause(app, crate::commands::PauseMode::Resume),
        "quit" => app.exit(0),
        _ => {}
    }
}
