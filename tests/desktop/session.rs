//! A throw-away desktop session built by the test: Xvfb on a free display, dunst recording every
//! notification to a file, and Xfce's panel as the tray host when the test needs a tray. Every process started here is killed by PID
//! when the guard drops, also when the test fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills what it owns, newest first, by PID.
#[derive(Default)]
pub struct Procs {
    children: Vec<(String, Child)>,
    pids: Vec<(String, u32)>,
}

impl Procs {
    pub fn spawn(&mut self, name: &str, cmd: &mut Command, log: &Path) -> u32 {
        let out = fs::File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let pid = child.id();
        self.children.push((name.to_string(), child));
        pid
    }

    /// Also kill this PID at the end (a process someone else started for us: the app).
    pub fn adopt(&mut self, name: &str, pid: u32) {
        self.pids.push((name.to_string(), pid));
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for (name, pid) in self.pids.drain(..).rev() {
            if Path::new(&format!("/proc/{pid}")).exists() {
                eprintln!("desktop test: stopping {name} (pid {pid})");
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
        for (name, mut child) in self.children.drain(..).rev() {
            if matches!(child.try_wait(), Ok(None)) {
                let _ = Command::new("kill").arg(child.id().to_string()).status();
                let deadline = Instant::now() + Duration::from_secs(3);
                while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                if matches!(child.try_wait(), Ok(None)) {
                    eprintln!("desktop test: {name} ignored TERM, killing it");
                    let _ = child.kill();
                }
                let _ = child.wait();
            }
        }
    }
}

/// Polls `check` until it gives a value or the time is up; panics naming what was awaited.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The desktop app as `cargo xtask test` builds it (or `AGENTWATCH_DESKTOP_BIN`).
pub fn app_binary() -> PathBuf {
    std::env::var_os("AGENTWATCH_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/agentwatch-desktop"))
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn free_display() -> u32 {
    (90..400)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Desktop {
    pub display: String,
    pub notifications: PathBuf,
    /// The app's HOME and config file.
    pub home: PathBuf,
    pub config: PathBuf,
}

impl Desktop {
    /// The environment the desktop app gets in this session: its display (X11, never Wayland),
    /// its own HOME with the XDG folders inside it, its config file, info logs, and no
    /// accessibility bus. For the app itself and for tauri-driver, which starts it.
    pub fn app_environment<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        let home = &self.home;
        cmd.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("GDK_BACKEND", "x11")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("AGENTWATCH_CONFIG", &self.config)
            .env("AGENTWATCH_LOG", "info")
            .env("NO_AT_BRIDGE", "1")
    }
}

/// Which tray the session has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayHost {
    /// No tray (tests of notifications alone).
    None,
    /// Xfce's panel with only its tray: a StatusNotifierItem watcher and host (and an XEmbed
    /// tray), as on the desktops our users run.
    StatusNotifier,
    /// trayer: a tray that speaks only XEmbed (the freedesktop system tray), as i3bar,
    /// stalonetray or older panels.
    XEmbed,
}

/// The test screen's size: the issue's 1280×800 of a supervisor's laptop.
const SCREEN: &str = "1280x800x24";

/// Starts Xvfb, dunst (recording to a file) and the tray host asked for.
pub fn start(procs: &mut Procs, dir: &Path, home: &Path, config: &Path, tray: TrayHost) -> Desktop {
    start_sized(procs, dir, home, config, tray, SCREEN)
}

/// [`start`] on a screen of another size (`"1920x1080x24"`: a wall display).
pub fn start_sized(
    procs: &mut Procs,
    dir: &Path,
    home: &Path,
    config: &Path,
    tray: TrayHost,
    screen: &str,
) -> Desktop {
    let display = start_xvfb_sized(procs, dir, screen);

    // dunst: every notification goes through a script that appends it to a file.
    let notifications = dir.join("notifications.tsv");
    fs::write(&notifications, "").unwrap();
    let script = dir.join("record-notification.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n# appname summary body urgency, and dunst's id (in the order it received them)\nprintf '%s\\t%s\\t%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" \"$5\" \"$DUNST_ID\" >> '{}'\n",
            notifications.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let dunstrc = dir.join("dunstrc");
    fs::write(
        &dunstrc,
        format!(
            "[global]\n    font = DejaVu Sans 10\n    origin = top-right\n    offset = 10x40\n    width = 360\n    \
             follow = none\n    stack_duplicates = false\n\n[urgency_low]\n    timeout = 20\n[urgency_normal]\n    timeout = 20\n\
             [urgency_critical]\n    timeout = 30\n    background = \"#d62828\"\n    foreground = \"#ffffff\"\n\n\
             [record]\n    summary = \"*\"\n    script = {}\n",
            script.display()
        ),
    )
    .unwrap();
    let dunst = procs.spawn(
        "dunst",
        Command::new("dunst")
            .args(["-config"])
            .arg(&dunstrc)
            .env("DISPLAY", &display),
        &dir.join("dunst.log"),
    );
    // Our dunst must be the one that owns the name: another notification service on this bus
    // would swallow the notifications this test reads.
    wait_for(
        "our dunst to own org.freedesktop.Notifications",
        Duration::from_secs(15),
        || (notification_service_pid()? == dunst).then_some(()),
    );

    match tray {
        TrayHost::None => {}
        TrayHost::StatusNotifier => start_status_notifier_host(procs, dir, &display),
        TrayHost::XEmbed => start_xembed_host(procs, dir, &display),
    }
    Desktop {
        display,
        notifications,
        home: home.to_path_buf(),
        config: config.to_path_buf(),
    }
}

/// Starts Xvfb on a free display (its log in `dir`) and returns the display once it answers.
pub fn start_xvfb(procs: &mut Procs, dir: &Path) -> String {
    start_xvfb_sized(procs, dir, SCREEN)
}

fn start_xvfb_sized(procs: &mut Procs, dir: &Path, screen: &str) -> String {
    let n = free_display();
    let display = format!(":{n}");
    procs.spawn(
        "Xvfb",
        Command::new("Xvfb").args([&display, "-screen", "0", screen, "-nolisten", "tcp"]),
        &dir.join("xvfb.log"),
    );
    wait_for("the X server socket", Duration::from_secs(15), || {
        Path::new(&format!("/tmp/.X11-unix/X{n}"))
            .exists()
            .then_some(())
    });
    wait_for("the X server to answer", Duration::from_secs(15), || {
        Command::new("xdotool")
            .arg("getdisplaygeometry")
            .env("DISPLAY", &display)
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
    });
    display
}

/// `target/artifacts/NAME`, emptied, for one test's screenshots and logs.
pub fn fresh_artifacts(name: &str) -> PathBuf {
    let artifacts = target_dir().join("artifacts").join(name);
    let _ = fs::remove_dir_all(&artifacts);
    fs::create_dir_all(&artifacts).unwrap();
    artifacts
}

/// A session for the demo as started at login (`--demo --hidden`, see [`spawn_hidden_demo`]):
/// fresh artifacts under `name`, a fresh HOME in a temporary folder that lives as long as this,
/// no config file of its own (the demo keeps its profile elsewhere).
pub struct DemoProfile {
    pub artifacts: PathBuf,
    pub desktop: Desktop,
    _tmp: tempfile::TempDir,
}

pub fn start_demo_profile(procs: &mut Procs, name: &str, tray: TrayHost) -> DemoProfile {
    let artifacts = fresh_artifacts(name);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let desktop = start(procs, &artifacts, &home, &home.join("unused.toml"), tray);
    DemoProfile {
        artifacts,
        desktop,
        _tmp: tmp,
    }
}

/// A session for tests of notifications alone: no tray, no app profile (all in `dir`).
pub fn start_notifications_only(procs: &mut Procs, dir: &Path) -> Desktop {
    start(procs, dir, dir, &dir.join("unused.toml"), TrayHost::None)
}

/// The panel of the session: one small panel at the top left holding the tray alone. Its settings
/// live in the test's own folder (xfconfd is started here with that folder as its config home,
/// not D-Bus-activated with the user's).
const PANEL_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="1"/>
      <property name="length-adjust" type="bool" value="true"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="icon-size" type="uint" value="24"/>
      <property name="background-style" type="uint" value="1"/>
      <property name="background-rgba" type="array">
        <value type="double" value="0.17"/><value type="double" value="0.17"/>
        <value type="double" value="0.17"/><value type="double" value="1"/>
      </property>
      <property name="plugin-ids" type="array"><value type="int" value="1"/></property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"#;

const XFCONFD: &str = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd";

pub fn start_status_notifier_host(procs: &mut Procs, dir: &Path, display: &str) {
    let config_home = dir.join("panel-config");
    let channels = config_home.join("xfce4/xfconf/xfce-perchannel-xml");
    fs::create_dir_all(&channels).unwrap();
    fs::write(channels.join("xfce4-panel.xml"), PANEL_XML).unwrap();
    procs.spawn(
        "xfconfd",
        Command::new(XFCONFD).env("XDG_CONFIG_HOME", &config_home),
        &dir.join("xfconfd.log"),
    );
    wait_for(
        "xfconfd on the session bus",
        Duration::from_secs(15),
        || bus_name_has_owner("org.xfce.Xfconf").then_some(()),
    );
    procs.spawn(
        "xfce4-panel",
        Command::new("xfce4-panel")
            .arg("--disable-wm-check")
            .env("DISPLAY", display)
            .env("XDG_CONFIG_HOME", &config_home)
            .env("NO_AT_BRIDGE", "1"),
        &dir.join("panel.log"),
    );
    wait_for(
        "the panel's tray to host StatusNotifierItems",
        Duration::from_secs(20),
        || {
            (status_notifier_property("IsStatusNotifierHostRegistered")? == serde_json::json!(true))
                .then_some(())
        },
    );
}

fn start_xembed_host(procs: &mut Procs, dir: &Path, display: &str) {
    procs.spawn(
        "trayer",
        Command::new("trayer")
            .args([
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
                "--SetDockType",
                "true",
                "--transparent",
                "false",
                "--tint",
                "0x2b2b2b",
                "--expand",
                "true",
            ])
            .env("DISPLAY", display),
        &dir.join("trayer.log"),
    );
    wait_for("the trayer panel window", Duration::from_secs(15), || {
        window_ids(display, &["--class", "trayer"])
            .into_iter()
            .next()
    });
}

/// Starts the desktop app in demo mode, in the tray only (as at login), with its own HOME and
/// its log in `log`.
pub fn spawn_hidden_demo(display: &str, home: &Path, log: &Path) -> std::process::Child {
    let log = fs::File::create(log).unwrap();
    Command::new(app_binary())
        .args(["--demo", "--hidden"])
        .env("DISPLAY", display)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("AGENTWATCH_LOG", "info")
        .env("NO_AT_BRIDGE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the desktop app starts")
}

pub fn bus_name_has_owner(name: &str) -> bool {
    Command::new("busctl")
        .args(["--user", "status", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Our StatusNotifierItem's tooltip (title, then description lines), read over D-Bus from the
/// item the panel shows.
pub fn tray_tooltip() -> Option<String> {
    let items = status_notifier_property("RegisteredStatusNotifierItems")?;
    items.as_array()?.iter().find_map(|item| {
        // "SERVICE/PATH", the service a unique or well-known bus name.
        let item = item.as_str()?;
        let (service, path) = item.split_at(item.find('/')?);
        let tip = busctl_property(service, path, "org.kde.StatusNotifierItem", "ToolTip")?;
        let title = tip.get(2)?.as_str()?;
        let description = tip.get(3)?.as_str()?;
        Some(format!("{title}\n{description}"))
    })
}

/// A property of the session's StatusNotifierWatcher, as JSON.
pub fn status_notifier_property(name: &str) -> Option<serde_json::Value> {
    busctl_property(
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.kde.StatusNotifierWatcher",
        name,
    )
}

/// A D-Bus property as busctl reads it (`--json=short`): its `data` part.
pub fn busctl_property(
    service: &str,
    path: &str,
    interface: &str,
    name: &str,
) -> Option<serde_json::Value> {
    let out = Command::new("busctl")
        .args([
            "--user",
            "--json=short",
            "get-property",
            service,
            path,
            interface,
            name,
        ])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    value.get("data").cloned()
}

/// The PID of the process owning org.freedesktop.Notifications on the session bus, if any.
pub fn notification_service_pid() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--type=method_call",
            "--print-reply",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.Notifications",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)?
        .parse()
        .ok()
}

/// X window ids matching an `xdotool search` query.
pub fn window_ids(display: &str, query: &[&str]) -> Vec<String> {
    Command::new("xdotool")
        .arg("search")
        .args(query)
        .env("DISPLAY", display)
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// (x, y, width, height) of a window.
pub fn geometry(display: &str, id: &str) -> Option<(i32, i32, i32, i32)> {
    let out = Command::new("xdotool")
        .args(["getwindowgeometry", "--shell", id])
        .env("DISPLAY", display)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim().parse::<i32>().ok())
    };
    Some((get("X")?, get("Y")?, get("WIDTH")?, get("HEIGHT")?))
}

pub fn xdotool(display: &str, args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .status()
        .expect("xdotool runs");
    assert!(status.success(), "xdotool {args:?} failed");
}

/// The whole screen as a PNG (ImageMagick's `import`).
pub fn screenshot_root(display: &str, file: &Path) {
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(file)
        .env("DISPLAY", display)
        .status()
        .expect("import runs");
    assert!(status.success(), "import -window root failed");
}

/// Pixels of a region of a PNG close to a colour (ImageMagick), e.g. the tray icon's red.
pub fn count_colour(file: &Path, region: (i32, i32, i32, i32), colour: &str) -> u64 {
    measure_region(
        file,
        region,
        &[
            "-fuzz", "15%", "-fill", "black", "+opaque", colour, "-fill", "white", "-opaque",
            colour,
        ],
        "%[fx:round(mean*w*h)]",
    )
}

/// How many different colours a region of a PNG has: a blank or unpainted window has a handful.
pub fn count_distinct_colours(file: &Path, region: (i32, i32, i32, i32)) -> u64 {
    measure_region(file, region, &[], "%k")
}

/// A number ImageMagick computes (`format`) over a region of a PNG after `operations`; 0 when
/// it cannot.
fn measure_region(
    file: &Path,
    (x, y, w, h): (i32, i32, i32, i32),
    operations: &[&str],
    format: &str,
) -> u64 {
    let out = Command::new("convert")
        .arg(file)
        .args(["-crop", &format!("{w}x{h}+{x}+{y}"), "+repage"])
        .args(operations)
        .args(["-format", format, "info:"])
        .output()
        .expect("convert runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// One notification as dunst recorded it: (appname, summary, body, urgency).
pub type Received = (String, String, String, String);

/// The tools every desktop session of these tests needs (the tests check their own extras).
pub const SESSION_TOOLS: [&str; 6] = [
    "Xvfb",
    "dunst",
    "dunstctl",
    "xdotool",
    "busctl",
    "dbus-send",
];

/// Set by `cargo xtask test`: there a desktop test must run, never skip.
pub const REQUIRE_DESKTOP_VAR: &str = "AGENTWATCH_REQUIRE_DESKTOP";

/// True inside `cargo xtask test`'s private D-Bus session with the session's tools installed.
/// Otherwise it says why and the test skips, so that a plain `cargo test` never pops
/// notifications on a developer's desktop; but under `cargo xtask test`
/// (`AGENTWATCH_REQUIRE_DESKTOP` set) it panics naming what is missing.
pub fn in_test_session() -> bool {
    let required = std::env::var_os(REQUIRE_DESKTOP_VAR).is_some();
    match missing_for_session() {
        None => true,
        Some(why) if required => panic!("{REQUIRE_DESKTOP_VAR} is set but {why}"),
        Some(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// Why a desktop session cannot run here, if it cannot.
fn missing_for_session() -> Option<String> {
    if std::env::var_os("AGENTWATCH_TEST_KEYRING").is_none() {
        return Some(
            "not inside the private D-Bus session: run through `cargo xtask test`".to_string(),
        );
    }
    let missing: Vec<&str> = SESSION_TOOLS
        .into_iter()
        .filter(|tool| !have(tool))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "missing tools: {} (run `cargo xtask setup`, or install them)",
            missing.join(", ")
        )
    })
}

/// Waits (polling, with a deadline) until dunst has recorded a notification matching `pick`;
/// returns it and everything recorded so far.
pub async fn until_notified(
    file: &Path,
    what: &str,
    pick: impl Fn(&Received) -> bool,
) -> (Received, Vec<Received>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = notifications(file);
        if let Some(found) = all.iter().find(|n| pick(n)).cloned() {
            return (found, all);
        }
        assert!(
            Instant::now() < deadline,
            "dunst never received {what}; it has: {all:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The notifications dunst received so far: (appname, summary, body, urgency).
pub fn notifications(file: &Path) -> Vec<Received> {
    records(file).into_iter().map(|(_, n)| n).collect()
}

/// The notifications dunst recorded so far with the id it gave each: ids count up from 1 in
/// the order it received them, while the records may be written out of that order.
fn records(file: &Path) -> Vec<(u32, Received)> {
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut p = l.split('\t').map(str::to_string);
            let n = (p.next()?, p.next()?, p.next()?, p.next()?);
            Some((p.next()?.trim().parse().ok()?, n))
        })
        .collect()
}

/// One desktop session at a time in a test binary: the tests of one binary run in parallel in
/// one D-Bus session, where only one dunst can own the notification service. Hold the guard for
/// the whole test (declared before the session's `Procs`, so it is released after them).
pub async fn one_session_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SESSION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SESSION.lock().await
}

/// The highest id dunst gives its first notification.
const FIRST_DUNST_ID: u32 = 2;

/// Everything the notification service received before now, and nothing still on its way: sends
/// a marker notification last (the way the app sends its own), waits until dunst has recorded
/// it and every notification it received before it, and returns those, oldest first. A test
/// asserting that something was *not* notified reads this after stopping what could notify,
/// not the record as it happens to be at that moment.
pub async fn notified_before_marker(file: &Path) -> Vec<Received> {
    use agentwatch_core::notifier::{DesktopNotifier, Notification, Notifier, Urgency};
    static MARKERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let summary = format!(
        "test marker {} of {}",
        MARKERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::process::id()
    );
    DesktopNotifier::default()
        .notify(&Notification {
            summary: summary.clone(),
            body: String::new(),
            urgency: Urgency::Low,
            sound: None,
        })
        .await
        .expect("the notification service takes the marker");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = records(file);
        if let Some(marker) = all.iter().find(|(_, n)| n.1 == summary).map(|(id, _)| *id) {
            let mut before: Vec<(u32, Received)> =
                all.into_iter().filter(|(id, _)| *id < marker).collect();
            before.sort_by_key(|(id, _)| *id);
            // dunst's ids run without gaps from its first (2 for dunst 1.9, which keeps 1);
            // a record not written yet leaves a gap, or a first id past that.
            let first = before.first().map_or(marker, |(id, _)| *id);
            if first <= FIRST_DUNST_ID && before.len() == (marker - first) as usize {
                return before.into_iter().map(|(_, n)| n).collect();
            }
        }
        assert!(
            Instant::now() < deadline,
            "dunst never recorded the marker {summary:?} and all before it; it has: {:#?}",
            records(file)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Child processes of `pid` whose command name starts with `prefix` (e.g. WebKitWebProcess).
pub fn children_named(pid: u32, prefix: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let ppid = stat[close + 2..]
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) && comm.starts_with(prefix) {
            out.push(child);
        }
    }
    out
}

/// Resident memory of a process in MiB.
pub fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

/// Proportional set size in MiB: private memory plus a fair share of the shared libraries.
pub fn pss_mib(pid: u32) -> Option<f64> {
    proc_mib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

/// A memory line of /proc/PID/status ("VmRSS:", "RssAnon:", "RssFile:") in MiB.
pub fn status_mib(pid: u32, key: &str) -> Option<f64> {
    proc_mib(&format!("/proc/{pid}/status"), key)
}

/// The "KEY:   1234 kB" line of a /proc file, in MiB.
fn proc_mib(file: &str, key: &str) -> Option<f64> {
    let text = fs::read_to_string(file).ok()?;
    let kb: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
