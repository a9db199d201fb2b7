//! A throw-away desktop session built by the test: Xvfb on a free display, dunst recording every
//! notification to a file, trayer as the tray host. Every process started here is killed by PID
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

/// Starts Xvfb, dunst (recording to a file) and trayer.
pub fn start(procs: &mut Procs, dir: &Path, home: &Path, config: &Path) -> Desktop {
    let n = free_display();
    let display = format!(":{n}");
    procs.spawn(
        "Xvfb",
        Command::new("Xvfb").args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]),
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

    // dunst: every notification goes through a script that appends it to a file.
    let notifications = dir.join("notifications.tsv");
    fs::write(&notifications, "").unwrap();
    let script = dir.join("record-notification.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n# appname summary body icon urgency\nprintf '%s\\t%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" \"$5\" >> '{}'\n",
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
            .env("DISPLAY", &display),
        &dir.join("trayer.log"),
    );
    wait_for("the trayer panel window", Duration::from_secs(15), || {
        window_ids(&display, &["--class", "trayer"])
            .into_iter()
            .next()
    });
    Desktop {
        display,
        notifications,
        home: home.to_path_buf(),
        config: config.to_path_buf(),
    }
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
    let (x, y, w, h) = region;
    let out = Command::new("convert")
        .arg(file)
        .args([
            "-crop",
            &format!("{w}x{h}+{x}+{y}"),
            "+repage",
            "-fuzz",
            "15%",
            "-fill",
            "black",
            "+opaque",
            colour,
            "-fill",
            "white",
            "-opaque",
            colour,
            "-format",
            "%[fx:round(mean*w*h)]",
            "info:",
        ])
        .output()
        .expect("convert runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// One notification as dunst recorded it: (appname, summary, body, urgency).
pub type Received = (String, String, String, String);

/// True inside `cargo xtask test`'s private D-Bus session with dunst installed; says so when not,
/// so that a plain `cargo test` never pops notifications on a developer's desktop.
pub fn in_test_session() -> bool {
    let on = std::env::var_os("AGENTWATCH_TEST_KEYRING").is_some() && have("dunst");
    if !on {
        eprintln!("skipped: run through `cargo xtask test` (private D-Bus session with dunst)");
    }
    on
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
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut p = l.split('\t').map(str::to_string);
            Some((p.next()?, p.next()?, p.next()?, p.next()?))
        })
        .collect()
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

/// A memory line of /proc/PID/status ("VmRSS:", "RssAnon:", "RssFile:") in MiB.
pub fn status_mib(pid: u32, key: &str) -> Option<f64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
