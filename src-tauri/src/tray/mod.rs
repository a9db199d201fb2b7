//! The tray icon: its face (five shapes and colours), its summary and its menu.
//!
//! Three backends draw the same [`entries`], each with the summary as its tooltip and a left
//! click that opens the dashboard:
//! - on Linux, our own StatusNotifierItem ([`sni`]), shown by the desktop's tray host where it
//!   speaks the protocol (KDE, GNOME with the AppIndicator extension, Xfce, Cinnamon, MATE,
//!   waybar...), and registered as soon as such a host appears;
//! - on Linux under X11 while no such host is there, a GtkStatusIcon ([`xembed`]) for
//!   XEmbed-only trays;
//! - elsewhere ([`native`]): Tauri's tray (Windows, macOS; on Linux, Wayland without a
//!   StatusNotifierItem host, where no tray shows anyway).
//!
//! Tauri's own Linux tray (AppIndicator) has neither a tooltip nor a left click, which is why it
//! is the last choice there, and why the summary is also the menu's first line.

pub mod balloon;
pub mod native;
#[cfg(target_os = "linux")]
pub mod sni;
#[cfg(target_os = "linux")]
pub mod xembed;

use crate::control::{self, PauseMode};
use crate::state::AppState;
use crate::view::TrayView;
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "agentwatch";

/// One line of the tray menu, whichever backend draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A line to read, not to click (the summary, an account's state).
    Info {
        id: String,
        text: String,
    },
    Action {
        id: &'static str,
        text: &'static str,
        enabled: bool,
    },
    Submenu {
        id: &'static str,
        text: &'static str,
        entries: Vec<Entry>,
    },
    Separator,
}

/// The menu for a tray view: summary, open, poll, pause, a line per account, quit.
pub fn entries(view: &TrayView) -> Vec<Entry> {
    entries_with(view, crate::webview_runtime::missing().is_some())
}

/// The menu, with `dashboard_missing` when the dashboard's web engine is not there: its line
/// then says what the dashboard needs (and opens the message that says where to get it).
fn entries_with(view: &TrayView, dashboard_missing: bool) -> Vec<Entry> {
    let info = |id: &str, text: &str| Entry::Info {
        id: id.to_string(),
        text: text.to_string(),
    };
    let action = |id, text| Entry::Action {
        id,
        text,
        enabled: true,
    };
    let mut menu = vec![info("summary", &view.tooltip)];
    if let Some(paused) = &view.paused {
        menu.push(info("paused", paused));
    }
    menu.push(Entry::Separator);
    if view.keyring_locked {
        menu.push(action("unlock", "Unlock the keyring…"));
    }
    menu.push(action(
        "open",
        if dashboard_missing {
            crate::webview_runtime::MENU_TEXT
        } else {
            "Open dashboard"
        },
    ));
    menu.push(action("poll", "Poll now"));
    menu.push(Entry::Submenu {
        id: "pause",
        text: "Pause notifications",
        entries: vec![
            action("pause-hour", "For 1 hour"),
            action("pause-tomorrow", "Until tomorrow 08:00"),
            Entry::Action {
                id: "resume",
                text: "Resume",
                enabled: view.paused.is_some(),
            },
        ],
    });
    if !view.accounts.is_empty() {
        menu.push(Entry::Separator);
        for (i, line) in view.accounts.iter().enumerate() {
            menu.push(info(&format!("account-{i}"), line));
        }
    }
    menu.push(Entry::Separator);
    menu.push(action("quit", "Quit AgentWatch"));
    menu
}

/// Which tray this app shows, so that updates go to it.
enum Backend {
    #[cfg(target_os = "linux")]
    StatusNotifier(sni::Handle),
    #[cfg(target_os = "linux")]
    XEmbed,
    Native,
}

/// Shows the tray: on Linux the StatusNotifierItem, with an XEmbed icon on X11 for as long as
/// no host shows the item; else Tauri's tray. Call on the main thread (the app's setup).
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let view = TrayView::new(&Default::default(), None, &[]);
    #[cfg(target_os = "linux")]
    match sni::spawn(app, view.clone(), xembed_fallback(app)) {
        Ok(handle) => {
            tracing::info!("tray: StatusNotifierItem");
            app.manage(Backend::StatusNotifier(handle));
            return Ok(());
        }
        Err(why) if xembed::available() => {
            tracing::info!("tray: no session bus for a StatusNotifierItem ({why}); XEmbed icon");
            xembed::create(app, &view);
            app.manage(Backend::XEmbed);
            return Ok(());
        }
        Err(why) => tracing::info!("tray: no StatusNotifierItem ({why}); using AppIndicator"),
    }
    native::create(app, &view)?;
    app.manage(Backend::Native);
    Ok(())
}

/// While no StatusNotifierItem host shows the item: an XEmbed icon, where X11 has a tray for
/// it; gone as soon as a host registers the item (at login the panel often starts later).
#[cfg(target_os = "linux")]
fn xembed_fallback<R: Runtime>(app: &AppHandle<R>) -> sni::Fallback {
    let app = app.clone();
    std::sync::Arc::new(move |view: Option<TrayView>| {
        let handle = app.clone();
        let sent = app.run_on_main_thread(move || match view {
            Some(view) if xembed::available() && !xembed::shown() => xembed::create(&handle, &view),
            Some(_) => {}
            None => xembed::remove(),
        });
        if let Err(e) = sent {
            tracing::warn!("tray fallback not changed: {e}");
        }
    })
}

/// Shows a new face, summary and menu. Does nothing where there is no tray (command tests).
pub fn apply<R: Runtime>(app: &AppHandle<R>, view: &TrayView) {
    match app.try_state::<Backend>().as_deref() {
        #[cfg(target_os = "linux")]
        Some(Backend::StatusNotifier(handle)) => {
            sni::apply(handle, view);
            // The fallback icon, while there is one.
            xembed::apply(app, view);
        }
        #[cfg(target_os = "linux")]
        Some(Backend::XEmbed) => xembed::apply(app, view),
        Some(Backend::Native) => native::apply(app, view),
        None => {}
    }
}

/// What a click on a menu line does.
fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" => open_dashboard(app),
        "poll" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                app.state::<AppState>().poll_now().await;
            });
        }
        "unlock" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = app.state::<AppState>().unlock_keyring().await {
                    tracing::warn!("the keyring was not unlocked: {e}");
                }
            });
        }
        "pause-hour" => control::pause(app, PauseMode::Hour),
        "pause-tomorrow" => control::pause(app, PauseMode::Tomorrow),
        "resume" => control::pause(app, PauseMode::Resume),
        "quit" => app.exit(0),
        _ => {}
    }
}

/// Opens the dashboard from any thread: windows are made on the main thread.
fn open_dashboard<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    if let Err(e) = app.run_on_main_thread(move || crate::window::show_dashboard(&handle)) {
        tracing::warn!("cannot open the dashboard: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::TrayKind;

    fn view(paused: Option<&str>, accounts: &[&str]) -> TrayView {
        TrayView {
            kind: TrayKind::Ok,
            tooltip: "3 agents: 3 ok · 1 account".into(),
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            paused: paused.map(str::to_string),
            keyring_locked: false,
        }
    }

    fn resume_enabled(menu: &[Entry]) -> bool {
        menu.iter()
            .find_map(|e| match e {
                Entry::Submenu { entries, .. } => entries.iter().find_map(|e| match e {
                    Entry::Action {
                        id: "resume",
                        enabled,
                        ..
                    } => Some(*enabled),
                    _ => None,
                }),
                _ => None,
            })
            .expect("a resume entry")
    }

    #[test]
    fn the_menu_starts_with_the_summary_and_ends_with_quit() {
        let menu = entries(&view(None, &["Lab (Agora) — ok, 3 agents"]));
        assert_eq!(
            menu.first(),
            Some(&Entry::Info {
                id: "summary".into(),
                text: "3 agents: 3 ok · 1 account".into()
            })
        );
        assert!(matches!(
            menu.last(),
            Some(Entry::Action { id: "quit", .. })
        ));
        assert!(menu.contains(&Entry::Info {
            id: "account-0".into(),
            text: "Lab (Agora) — ok, 3 agents".into()
        }));
    }

    #[test]
    fn without_the_dashboards_engine_the_menu_says_what_it_needs() {
        let open_text = |missing| {
            entries_with(&view(None, &[]), missing)
                .into_iter()
                .find_map(|e| match e {
                    Entry::Action {
                        id: "open", text, ..
                    } => Some(text),
                    _ => None,
                })
                .expect("an open line")
        };
        assert_eq!(open_text(false), "Open dashboard");
        assert_eq!(open_text(true), "Dashboard needs the WebView2 Runtime…");
    }

    #[test]
    fn resume_is_offered_only_while_paused() {
        assert!(!resume_enabled(&entries(&view(None, &[]))));
        let paused = entries(&view(Some("Notifications paused until 18:30"), &[]));
        assert!(resume_enabled(&paused));
        assert_eq!(
            paused[1],
            Entry::Info {
                id: "paused".into(),
                text: "Notifications paused until 18:30".into()
            }
        );
    }
}
