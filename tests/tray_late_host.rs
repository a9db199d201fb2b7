//! The usual race at login: the app starts (hidden, from autostart) before the panel that hosts
//! the tray. The app must register its StatusNotifierItem as soon as the panel's watcher
//! appears, with its tooltip, and leave the fallback XEmbed icon it showed meanwhile (else the
//! panel, which also hosts XEmbed icons, would show two).
//!
//! Skipped (with a message) outside `cargo xtask test`. Logs go to
//! target/artifacts/tray-late-host/.
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use session::{wait_for, Procs, TrayHost};

use std::time::Duration;

/// How long after the app the panel starts: the seconds a login session takes.
const PANEL_LATE_BY: Duration = Duration::from_secs(5);

#[test]
fn the_tray_item_appears_when_the_panel_starts_after_the_app() {
    if !session::in_test_session() {
        return;
    }
    let app = session::app_binary();
    assert!(
        app.exists(),
        "{} is missing: `cargo build -p agentwatch-desktop`",
        app.display()
    );
    let mut procs = Procs::default();
    let profile = session::start_demo_profile(&mut procs, "tray-late-host", TrayHost::None);
    let (artifacts, home) = (&profile.artifacts, &profile.desktop.home);
    let display = profile.desktop.display.as_str();
    assert!(
        !session::bus_name_has_owner("org.kde.StatusNotifierWatcher"),
        "a tray host is already on the bus"
    );

    let log_path = artifacts.join("app.log");
    let mut child = session::spawn_hidden_demo(display, home, &log_path);
    let pid = child.id();
    procs.adopt("agentwatch-desktop", pid);

    wait_for(
        "the app to wait for a tray host",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&log_path)
                .ok()
                .filter(|log| log.contains("no StatusNotifierItem host"))
        },
    );
    // Not a wait for a condition: the panel coming late is the scenario.
    std::thread::sleep(PANEL_LATE_BY);
    session::start_status_notifier_host(&mut procs, artifacts, display);

    let tip = wait_for(
        "the app's item to be registered, with its tooltip",
        Duration::from_secs(30),
        || session::tray_tooltip().filter(|t| t.contains("agents")),
    );
    println!("tray (late host): tooltip {tip:?}");
    let panel = wait_for("the panel's window", Duration::from_secs(15), || {
        session::window_ids(display, &["--class", "xfce4-panel"])
            .iter()
            .filter_map(|id| session::geometry(display, id))
            .max_by_key(|(_, _, w, h)| w * h)
    });
    // The fallback icon is gone: no window of the app sits in the panel (the item is drawn by
    // the panel itself).
    wait_for(
        "the fallback XEmbed icon to leave the panel",
        Duration::from_secs(15),
        || {
            let ours = session::window_ids(display, &["--onlyvisible", "--pid", &pid.to_string()])
                .into_iter()
                .filter_map(|id| session::geometry(display, &id))
                .filter(|g| inside(*g, panel))
                .count();
            (ours == 0).then_some(())
        },
    );
    session::screenshot_root(display, &artifacts.join("panel.png"));
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        log.contains("a StatusNotifierItem host appeared"),
        "the app saw the host arrive: {log}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn inside(g: (i32, i32, i32, i32), area: (i32, i32, i32, i32)) -> bool {
    let ((x, y, w, h), (ax, ay, aw, ah)) = (g, area);
    w > 0 && h > 0 && x >= ax && y >= ay && x + w <= ax + aw && y + h <= ay + ah
}
