//! The desktop app's tray on a desktop whose tray speaks only XEmbed (trayer, as i3bar or
//! stalonetray): with no StatusNotifierItem host on the bus the app shows a GtkStatusIcon, which
//! must still have the tooltip, open the dashboard on a left click, show its menu on a right
//! click, and quit from that menu. The app runs in demo mode (in-process simulators).
//!
//! Skipped (with a message) outside `cargo xtask test`. Screenshots go to
//! target/artifacts/tray-xembed/.
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use session::{wait_for, Procs, TrayHost};

use std::time::Duration;

#[test]
fn xembed_tray_has_a_tooltip_a_left_click_a_menu_and_quit() {
    if !session::in_test_session() {
        return;
    }
    let app = session::app_binary();
    assert!(
        app.exists(),
        "{} is missing: `cargo build -p agentwatch-desktop`",
        app.display()
    );
    assert!(
        session::have("trayer"),
        "trayer is missing: run `cargo xtask setup`"
    );
    let mut procs = Procs::default();
    let profile = session::start_demo_profile(&mut procs, "tray-xembed", TrayHost::XEmbed);
    let (artifacts, home) = (&profile.artifacts, &profile.desktop.home);
    let display = profile.desktop.display.as_str();
    assert!(
        !session::bus_name_has_owner("org.kde.StatusNotifierWatcher"),
        "a StatusNotifierItem host is on the bus: this test needs an XEmbed-only desktop"
    );

    let mut child = session::spawn_hidden_demo(display, home, &artifacts.join("app.log"));
    let pid = child.id();
    procs.adopt("agentwatch-desktop", pid);

    // The icon is embedded: a window of ours inside the tray (which grows to hold it).
    let icon = wait_for(
        "the app's icon to be embedded in the tray",
        Duration::from_secs(30),
        || {
            let tray = session::window_ids(display, &["--class", "trayer"])
                .iter()
                .filter_map(|id| session::geometry(display, id))
                .max_by_key(|(_, _, w, h)| w * h)?;
            app_windows(display, pid)
                .into_iter()
                .map(|(_, g)| g)
                .find(|g| inside(*g, tray))
        },
    );
    let (x, y, w, h) = icon;
    let (cx, cy) = ((x + w / 2).to_string(), (y + h / 2).to_string());

    // Hovering shows the summary as a tooltip: a popup of ours, wider than the icon.
    session::xdotool(display, &["mousemove", &cx, &cy]);
    let tip = wait_for("the tray tooltip", Duration::from_secs(15), || {
        app_windows(display, pid)
            .into_iter()
            .find(|(_, (_, ty, tw, _))| *tw > 150 && *ty >= y + h - 2)
    });
    session::screenshot_root(display, &artifacts.join("tray-tooltip.png"));
    println!("tray (XEmbed): tooltip window {:?}", tip.1);

    // A left click opens the dashboard.
    session::xdotool(display, &["click", "1"]);
    let dashboard = wait_for(
        "the dashboard to open on a left click",
        Duration::from_secs(30),
        || dashboard_window(display, pid),
    );
    println!("tray (XEmbed): left click opened the dashboard (window {dashboard})");

    // A right click shows the menu; Up then Return picks its last line, Quit.
    session::xdotool(display, &["mousemove", &cx, &cy, "click", "3"]);
    let menu = wait_for("the tray menu", Duration::from_secs(15), || {
        app_windows(display, pid)
            .into_iter()
            .find(|(id, (_, _, mw, mh))| *mh > 150 && *mw > 150 && *mw < 900 && id != &dashboard)
    });
    session::screenshot_root(display, &artifacts.join("tray-menu.png"));
    println!("tray (XEmbed): menu window {:?}", menu.1);
    session::xdotool(display, &["key", "Up", "Return"]);
    let status = wait_for(
        "the app to quit from its menu",
        Duration::from_secs(20),
        || child.try_wait().ok().flatten(),
    );
    assert!(status.success(), "Quit ended the app with {status}");
    let profile = std::env::temp_dir().join(format!("agentwatch-demo-{pid}"));
    assert!(
        !profile.exists(),
        "the demo's temporary profile {} was left behind",
        profile.display()
    );
}

/// Visible windows of the app: (id, (x, y, width, height)).
fn app_windows(display: &str, pid: u32) -> Vec<(String, (i32, i32, i32, i32))> {
    session::window_ids(display, &["--onlyvisible", "--pid", &pid.to_string()])
        .into_iter()
        .filter_map(|id| session::geometry(display, &id).map(|g| (id, g)))
        .collect()
}

fn dashboard_window(display: &str, pid: u32) -> Option<String> {
    session::window_ids(
        display,
        &[
            "--onlyvisible",
            "--pid",
            &pid.to_string(),
            "--name",
            "AgentWatch",
        ],
    )
    .into_iter()
    .find(|id| session::geometry(display, id).is_some_and(|(_, _, w, h)| w > 400 && h > 300))
}

fn inside(g: (i32, i32, i32, i32), area: (i32, i32, i32, i32)) -> bool {
    let ((x, y, w, h), (ax, ay, aw, ah)) = (g, area);
    w > 0 && h > 0 && x >= ax && y >= ay && x + w <= ax + aw && y + h <= ay + ah
}
