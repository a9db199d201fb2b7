//! The installed app: the Debian package that `cargo xtask package` writes, installed onto this
//! machine with `apt-get install ./agentwatch_….deb` (what README "Install" tells a supervisor to
//! run), checked through the installed files only, then purged — also when a check fails.
//!
//! Why this machine and not a clean root (mmdebstrap + chroot): the app needs WebKitGTK, GTK and
//! their stack inside the root, a few hundred MB fetched from the registry on every run, and a
//! chroot has no desktop session of its own. The test machine already has that stack (the build
//! needs it), so installing here checks what is ours: the files, their places, the Depends apt
//! resolves, the programs run from /usr/bin, and a removal that leaves nothing behind.
//!
//! Runs only inside `cargo xtask test` (private D-Bus session, unlocked keyring), as root or with
//! passwordless sudo, and never over an agentwatch package already installed. `cargo xtask test`
//! hands over the package it built (AGENTWATCH_DEB); alone, the test runs `cargo xtask package`.

#[path = "desktop/access.rs"]
#[allow(dead_code)]
mod access;
#[path = "desktop/driver.rs"]
mod driver;
#[path = "desktop/first_run.rs"]
#[allow(dead_code)]
mod first_run;
#[path = "desktop/screen_text.rs"]
#[allow(dead_code)]
mod screen_text;
#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;
#[path = "desktop/web.rs"]
#[allow(dead_code)]
mod web;

use serde_json::json;
use session::{wait_for, Procs};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use web::{invoke, R};

const PACKAGE: &str = "agentwatch";
const DESKTOP_FILE: &str = "/usr/share/applications/agentwatch-desktop.desktop";
const DESKTOP_BIN: &str = "/usr/bin/agentwatch-desktop";
const CLI_BIN: &str = "/usr/bin/agentwatch";
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Where the package puts the examples `man agentwatch` and the messages name.
const EXAMPLES: &str = "/usr/share/doc/agentwatch/examples";
/// Each installed example and the file of the source tree it must be, byte for byte.
const EXAMPLE_FILES: [(&str, &[u8]); 6] = [
    ("config.toml", include_bytes!("../docs/config.example.toml")),
    (
        "agentwatch.service",
        include_bytes!("../deploy/agentwatch.service"),
    ),
    ("prometheus.yml", include_bytes!("../deploy/prometheus.yml")),
    ("alerts.yml", include_bytes!("../deploy/alerts.yml")),
    (
        "alerts.test.yml",
        include_bytes!("../deploy/alerts.test.yml"),
    ),
    (
        "grafana-dashboard.json",
        include_bytes!("../deploy/grafana-dashboard.json"),
    ),
];

#[test]
fn installed_package() {
    if !session::in_test_session() {
        return;
    }
    for tool in ["dpkg", "apt-get", "man", "bash", "xprop", "Xvfb", "dunst"] {
        assert!(
            session::have(tool),
            "{tool} is missing: run `cargo xtask setup`"
        );
    }
    assert!(
        driver::tauri_driver().exists(),
        "tauri-driver is missing: `cargo xtask test` installs it"
    );
    assert!(
        can_be_root(),
        "installing the package needs root or passwordless sudo"
    );
    assert!(
        !is_installed(),
        "{PACKAGE} is already installed here: remove it first (this test installs and purges its own)"
    );
    let deb = package_path();
    // What the package brings, and which of its folders were there before it.
    let shipped = contents(&deb);
    let existed_before: BTreeSet<PathBuf> =
        shipped.iter().filter(|p| p.exists()).cloned().collect();

    let installed = Installed::install(&deb);
    let listed = dpkg_list();
    assert!(
        listed.contains(Path::new(DESKTOP_BIN)) && listed.contains(Path::new(CLI_BIN)),
        "dpkg -L {PACKAGE} lacks the programs: {listed:#?}"
    );

    commands_from_the_shell();
    the_man_pages_name_what_is_installed();
    the_examples_are_installed_and_sound();
    messages_point_at_what_is_installed();

    let artifacts = session::fresh_artifacts("installed");
    let tmp = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut procs = Procs::default();
    let result = runtime.block_on(in_the_desktop(&mut procs, tmp.path(), &artifacts));
    drop(procs);
    if let Err(e) = result {
        panic!(
            "installed-app test failed: {e}\n(logs and screenshots in {})",
            artifacts.display()
        );
    }

    installed.purge();
    assert!(
        !is_installed(),
        "{PACKAGE} is still installed after the purge"
    );
    let left: Vec<&PathBuf> = listed
        .iter()
        .filter(|p| p.starts_with("/usr") && !existed_before.contains(*p))
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    assert!(
        left.is_empty(),
        "left under /usr after the purge: {left:#?}"
    );
}

/// `--version` of both programs, the man page, and a completion script, as a shell user meets
/// them.
fn commands_from_the_shell() {
    for (bin, name) in [(CLI_BIN, "agentwatch"), (DESKTOP_BIN, "agentwatch-desktop")] {
        // No display needed: the desktop app answers --version before it looks for one.
        let out = checked(Command::new(bin).arg("--version").env_remove("DISPLAY"));
        assert_eq!(
            stdout(&out).trim(),
            format!("{name} {VERSION}"),
            "{bin} --version"
        );
    }

    let page = checked(Command::new("man").args(["-w", "agentwatch"]));
    assert_eq!(
        stdout(&page).trim(),
        "/usr/share/man/man1/agentwatch.1.gz",
        "man finds the installed page"
    );
    let rendered = checked(
        Command::new("man")
            .arg("agentwatch")
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100"),
    );
    let text = stdout(&rendered);
    for expected in [
        "NAME",
        "agentwatch - Watch contact-centre",
        "SUBCOMMANDS",
        "secret",
    ] {
        assert!(
            text.contains(expected),
            "man agentwatch lacks {expected:?}:\n{text}"
        );
    }
    let desktop_page = checked(
        Command::new("man")
            .arg("agentwatch-desktop")
            .env("MANPAGER", "cat"),
    );
    assert!(
        stdout(&desktop_page).contains("--hidden"),
        "man agentwatch-desktop"
    );

    // bash: the script loads, registers itself, and completes a subcommand from its start.
    let script = r#"
        source /usr/share/bash-completion/completions/agentwatch || exit 10
        complete -p agentwatch || exit 11
        COMP_WORDS=(agentwatch sec); COMP_CWORD=1
        COMP_LINE="agentwatch sec"; COMP_POINT=${#COMP_LINE}
        _agentwatch agentwatch sec agentwatch
        printf 'reply: %s\n' "${COMPREPLY[@]}"
    "#;
    let out = checked(Command::new("bash").args(["--norc", "-c", script]));
    let text = stdout(&out);
    assert!(
        text.contains("-F _agentwatch agentwatch") && text.contains("reply: secret"),
        "bash completion: {text}"
    );
    for file in [
        "/usr/share/zsh/vendor-completions/_agentwatch",
        "/usr/share/fish/vendor_completions.d/agentwatch.fish",
        "/usr/share/bash-completion/completions/agentwatch-desktop",
    ] {
        assert!(Path::new(file).is_file(), "{file} is not installed");
    }
}

/// The installed desktop app in the test's desktop session: started as the menu's demo action
/// starts it, its tray item, first poll, a notification and its window's WM_CLASS; then, driven
/// through WebDriver, the first-run view and start at login.
async fn in_the_desktop(procs: &mut Procs, tmp: &Path, artifacts: &Path) -> R<()> {
    let _one = session::one_session_at_a_time().await;
    let home = tmp.join("home");
    let config = home.join(".config/agentwatch/config.toml");
    std::fs::create_dir_all(&home)?;
    let desktop = session::start(
        procs,
        artifacts,
        &home,
        &config,
        session::TrayHost::StatusNotifier,
    );
    let entry = std::fs::read_to_string(DESKTOP_FILE)?;
    let wm_class = desktop_key(&entry, "Desktop Entry", "StartupWMClass")
        .ok_or("the desktop file has no StartupWMClass")?;
    let demo_exec = desktop_key(&entry, "Desktop Action demo", "Exec")
        .ok_or("the desktop file has no demo action")?;
    let demo_args = exec_args(&demo_exec, "agentwatch-desktop")?;

    // The menu's "AgentWatch demo", from /usr/bin.
    let started = Instant::now();
    let mut app = spawn_installed(&desktop, &demo_args, &artifacts.join("app-demo.log"))?;
    procs.adopt("agentwatch-desktop (demo)", app.id());
    let tray = wait_for(
        "the tray item",
        Duration::from_secs(30),
        session::tray_tooltip,
    );
    let to_tray = started.elapsed();
    let polled = wait_for(
        "the first poll in the tray tooltip",
        Duration::from_secs(30),
        || session::tray_tooltip().filter(|t| agent_count(t) > 0),
    );
    let to_poll = started.elapsed();
    println!(
        "installed app: tray item after {} ms ({tray:?}), first poll after {} ms ({polled:?})",
        to_tray.as_millis(),
        to_poll.as_millis()
    );
    session::until_notified(
        &desktop.notifications,
        "a notification from the demo",
        |n| n.0 == "AgentWatch",
    )
    .await;

    let window = wait_for("the dashboard window", Duration::from_secs(30), || {
        session::window_ids(
            &desktop.display,
            &["--onlyvisible", "--name", "^AgentWatch$"],
        )
        .into_iter()
        .next()
    });
    session::screenshot_root(&desktop.display, &artifacts.join("installed-demo.png"));
    let class = window_class(&desktop.display, &window)?;
    assert_eq!(
        class, wm_class,
        "the window's WM_CLASS class must be the desktop file's StartupWMClass"
    );
    stop(&mut app)?;
    wait_for(
        "the demo's tray item to go",
        Duration::from_secs(15),
        || session::tray_tooltip().is_none().then_some(()),
    );

    // The first start from the menu, driven through WebDriver: an empty profile meets the
    // first-run view, with the Secret Service and the notification service found. Then start at
    // login, turned on through the app's own settings command (as the dashboard's checkbox does).
    let port = driver::start(procs, &desktop, artifacts, "app-webdriver.log", &[])?;
    let c = web::connect_with_args(port, DESKTOP_BIN, &[]).await?;
    let info = driver::until_dashboard_ready(&c).await;
    let pid = info["pid"].as_u64().ok_or("app_info has no pid")? as u32;
    procs.adopt("agentwatch-desktop (webdriver)", pid);
    first_run::assert_first_run_shown(&c, &config).await?;
    screen_text::watch(&c).await?;
    screen_text::read_every_view(&c, "installed app, empty profile").await?;
    screen_text::assert_none_seen(&c, "installed app, empty profile").await?;
    let mut settings = invoke(&c, "get_settings", json!({})).await?;
    assert_eq!(
        settings["start_at_login"],
        json!(false),
        "start at login is on in a fresh HOME"
    );
    settings["start_at_login"] = json!(true);
    settings.as_object_mut().unwrap().remove("autostart_error");
    invoke(&c, "save_settings", json!({ "settings": settings })).await?;
    let autostart = home.join(".config/autostart");
    let file = wait_for("the autostart entry", Duration::from_secs(10), || {
        std::fs::read_dir(&autostart)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "desktop"))
    });
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    wait_for(
        "the WebDriver app's tray item to go",
        Duration::from_secs(15),
        || session::tray_tooltip().is_none().then_some(()),
    );
    let text = std::fs::read_to_string(&file)?;
    let exec =
        desktop_key(&text, "Desktop Entry", "Exec").ok_or("no Exec in the autostart entry")?;
    assert_eq!(
        exec.split_whitespace()
            .map(|w| w.trim_matches('"'))
            .collect::<Vec<_>>(),
        [DESKTOP_BIN, "--hidden"],
        "autostart entry {}",
        file.display()
    );
    // And that line starts the app in the tray, as a login would.
    let args = exec_args(&exec, DESKTOP_BIN)?;
    let mut at_login = spawn_installed(&desktop, &args, &artifacts.join("app-login.log"))?;
    procs.adopt("agentwatch-desktop (at login)", at_login.id());
    wait_for(
        "the tray item of the login start",
        Duration::from_secs(30),
        session::tray_tooltip,
    );
    stop(&mut at_login)?;
    Ok(())
}

/// `man agentwatch` has the sections a user looks for; every AgentWatch page any installed page
/// names (`agentwatch-check(1)`) is installed; every file under /usr its FILES name is there.
fn the_man_pages_name_what_is_installed() {
    let main = rendered_man_page("agentwatch");
    for section in [
        "CONFIGURATION",
        "SECRETS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "SEE ALSO",
    ] {
        assert!(
            main.lines().any(|l| l.trim_end() == section),
            "man agentwatch has no {section} section:\n{main}"
        );
    }
    // The complete example, shown whole.
    assert!(
        main.contains("[[accounts]]") && main.contains("[[webhooks]]"),
        "man agentwatch's CONFIGURATION lacks the example:\n{main}"
    );
    let pages: Vec<String> = std::fs::read_dir("/usr/share/man/man1")
        .expect("/usr/share/man/man1")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("agentwatch"))
        .filter_map(|n| n.strip_suffix(".1.gz").map(str::to_string))
        .collect();
    assert!(
        pages.iter().any(|p| p == "agentwatch-check"),
        "no page per subcommand: {pages:?}"
    );
    let mut named = BTreeSet::new();
    for page in &pages {
        for reference in page_references(&rendered_man_page(page)) {
            named.insert((page.clone(), reference));
        }
    }
    for (page, reference) in &named {
        let found = Command::new("man")
            .args(["-w", reference])
            .output()
            .expect("man");
        assert!(
            found.status.success(),
            "man {page} names {reference}(1), which is not installed"
        );
    }
    for path in installed_paths_named(&main) {
        assert!(
            Path::new(&path).exists(),
            "man agentwatch names {path}, which is not installed"
        );
    }
    println!(
        "installed app: {} man pages, {} references to AgentWatch pages, all installed",
        pages.len(),
        named.len()
    );
}

/// A page as `man` shows it, without formatting (hyphens as '-').
fn rendered_man_page(name: &str) -> String {
    let out = checked(
        Command::new("man")
            .arg(name)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "200"),
    );
    stdout(&out).replace(['\u{2010}', '\u{2212}'], "-")
}

/// `agentwatch-check(1)` and the like: the AgentWatch pages a rendered page names.
fn page_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("(1)") {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |s| s + 1);
        let name = &text[start..at];
        if name.starts_with("agentwatch") {
            out.push(name.to_string());
        }
    }
    out
}

/// The absolute paths under /usr (`/usr/share/doc/agentwatch/examples/config.toml`) a text
/// names, trailing punctuation and a `, name` list of the same folder read as paths too.
fn installed_paths_named(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("/usr/") {
        if at > 0 && !text[..at].ends_with(|c: char| c.is_whitespace() || "(\"'`:".contains(c)) {
            continue;
        }
        let path: String = text[at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !"),;\"'`".contains(*c))
            .collect();
        out.push(path.trim_end_matches(['.', ':']).to_string());
    }
    out
}

/// The examples are the source tree's files; the Prometheus files pass promtool where they
/// lie, and the unit passes systemd-analyze with the installed binary.
fn the_examples_are_installed_and_sound() {
    let dir = Path::new(EXAMPLES);
    for (name, source) in EXAMPLE_FILES {
        let installed = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{EXAMPLES}/{name} is not installed: {e}"));
        assert!(
            installed == source,
            "{EXAMPLES}/{name} differs from the source tree's"
        );
    }
    assert_eq!(
        agentwatch_core::docs::EXAMPLE_CONFIG_PATH,
        format!("{EXAMPLES}/config.toml"),
        "the messages name another example than the package installs"
    );
    if session::have("promtool") {
        let rules = checked(
            Command::new("promtool")
                .args(["check", "rules", "alerts.yml"])
                .current_dir(dir),
        );
        assert!(
            stdout(&rules).contains("SUCCESS"),
            "promtool check rules: {}",
            stdout(&rules)
        );
        checked(
            Command::new("promtool")
                .args(["test", "rules", "alerts.test.yml"])
                .current_dir(dir),
        );
        checked(
            Command::new("promtool")
                .args(["check", "config", "prometheus.yml"])
                .current_dir(dir),
        );
    }
    if session::have("systemd-analyze") {
        checked(
            Command::new("systemd-analyze")
                .args(["verify", "--man=no"])
                .arg(dir.join("agentwatch.service")),
        );
    }
    let dashboard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("grafana-dashboard.json")).unwrap())
            .expect("the Grafana dashboard is JSON");
    assert!(
        dashboard["panels"].is_array(),
        "the Grafana dashboard has no panels"
    );
}

/// What the programs tell a user to read is installed: the files they name exist and the man
/// pages they name are found.
fn messages_point_at_what_is_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("config.toml");
    std::fs::write(&empty, "poll_interval_secs = 30\n").unwrap();
    let no_accounts = Command::new(CLI_BIN)
        .args(["check", "--config"])
        .arg(&empty)
        .env("HOME", tmp.path())
        .output()
        .expect("agentwatch check");
    let no_display = Command::new(DESKTOP_BIN)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("agentwatch-desktop");
    for (what, out) in [
        ("check with no accounts", no_accounts),
        ("the desktop app with no display", no_display),
    ] {
        let message = String::from_utf8_lossy(&out.stderr).into_owned();
        let paths = installed_paths_named(&message);
        let pages: Vec<&str> = message
            .split("man ")
            .skip(1)
            .filter_map(|rest| {
                rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .next()
            })
            .filter(|name| name.starts_with("agentwatch"))
            .collect();
        assert!(
            !paths.is_empty() || !pages.is_empty(),
            "{what} points at nothing to read: {message}"
        );
        for path in &paths {
            assert!(
                Path::new(path).exists(),
                "{what} names {path}, not installed: {message}"
            );
        }
        for page in &pages {
            checked(Command::new("man").args(["-w", page]));
        }
        println!("installed app: {what} points at {paths:?} and man {pages:?}");
    }
}

/// The installed desktop app with the session's display and the test's HOME.
fn spawn_installed(desktop: &session::Desktop, args: &[String], log: &Path) -> R<Child> {
    let log = std::fs::File::create(log)?;
    Ok(desktop
        .app_environment(Command::new(DESKTOP_BIN).args(args))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()?)
}

/// Ends the app (TERM) and waits for it, so that the next start is not a second instance.
fn stop(app: &mut Child) -> R<()> {
    let _ = Command::new("kill").arg(app.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if app.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    app.kill()?;
    Err("the app ignored TERM for 10 s".into())
}

/// "3 agents: …" → 3; "0 agents · 3 accounts" (before the first poll) → 0.
fn agent_count(tooltip: &str) -> u32 {
    tooltip
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A key of one group of a desktop entry file.
fn desktop_key(text: &str, group: &str, key: &str) -> Option<String> {
    let mut in_group = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_group = line == format!("[{group}]");
        } else if in_group {
            if let Some(value) = line.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
                return Some(value.trim().to_string());
            }
        }
    }
    None
}

/// The arguments of an `Exec` line whose program must be `program`.
fn exec_args(exec: &str, program: &str) -> R<Vec<String>> {
    let words: Vec<String> = exec
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect();
    match words.split_first() {
        Some((first, rest)) if first == program => Ok(rest.to_vec()),
        _ => Err(format!("Exec={exec} does not start {program}").into()),
    }
}

/// The class part of a window's WM_CLASS (`WM_CLASS(STRING) = "name", "Class"`).
fn window_class(display: &str, window: &str) -> R<String> {
    let out = checked(
        Command::new("xprop")
            .args(["-id", window, "WM_CLASS"])
            .env("DISPLAY", display),
    );
    let text = stdout(&out);
    let quoted: Vec<&str> = text.split('"').skip(1).step_by(2).collect();
    match quoted.as_slice() {
        [_, class] => Ok(class.to_string()),
        _ => Err(format!("xprop WM_CLASS: {text}").into()),
    }
}

/// Purges the package when dropped, so a failed check does not leave it installed.
struct Installed {
    purged: bool,
}

impl Installed {
    fn install(deb: &Path) -> Installed {
        // Armed before apt runs: a half-finished install is removed too.
        let guard = Installed { purged: false };
        let out = as_root("apt-get")
            .args(["install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"])
            .arg(deb)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .expect("apt-get runs");
        assert!(
            out.status.success(),
            "apt-get install {} failed: {}{}",
            deb.display(),
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        guard
    }

    fn purge(mut self) {
        self.purged = true;
        checked(as_root("dpkg").args(["--purge", PACKAGE]));
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if !self.purged && is_installed() {
            eprintln!("installed-app test: purging {PACKAGE}");
            let _ = as_root("dpkg").args(["--purge", PACKAGE]).status();
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| stdout(&o).trim() == "0")
}

fn can_be_root() -> bool {
    is_root()
        || Command::new("sudo")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success())
}

fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", program]);
        c
    }
}

fn is_installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .is_ok_and(|o| stdout(&o).contains("install ok installed"))
}

/// Every path the installed package owns (`dpkg -L`).
fn dpkg_list() -> BTreeSet<PathBuf> {
    let out = checked(Command::new("dpkg").args(["-L", PACKAGE]));
    stdout(&out)
        .lines()
        .filter(|l| l.starts_with('/') && *l != "/.")
        .map(PathBuf::from)
        .collect()
}

/// Every path in the .deb, as installed (`dpkg-deb -c`: `./usr/bin/x` → `/usr/bin/x`).
fn contents(deb: &Path) -> BTreeSet<PathBuf> {
    let out = checked(Command::new("dpkg-deb").arg("-c").arg(deb));
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| PathBuf::from(p.trim_start_matches('.').trim_end_matches('/')))
        .filter(|p| p.as_os_str().len() > 1)
        .collect()
}

/// The package `cargo xtask test` built, or a fresh `cargo xtask package`.
fn package_path() -> PathBuf {
    if let Some(deb) = std::env::var_os("AGENTWATCH_DEB") {
        return PathBuf::from(deb);
    }
    let out = checked(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["run", "--quiet", "-p", "xtask", "--", "package"])
            .current_dir(session::workspace())
            .stderr(Stdio::inherit()),
    );
    let text = stdout(&out);
    PathBuf::from(
        text.lines()
            .last()
            .expect("cargo xtask package prints the path"),
    )
}

fn checked(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}{}",
        out.status,
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
