//! AgentWatch for Windows, run for real under Wine: the end-to-end part of `cargo xtask test`'s
//! Windows lane (xtask/src/windows/). The lane builds both Windows programs once, wraps those
//! very files in the NSIS installer and makes a fresh Wine prefix; this test drives them
//! against the simulators running here on Linux, on loopback:
//!
//! - [`the_cli_under_wine`]: `agentwatch.exe` check (exit codes), secret set/status/delete
//!   through Windows Credential Manager, watch, the control channel (a named pipe) between two
//!   Windows processes, serve with `/metrics` scraped from Linux, history, and the config and
//!   data folders under `%APPDATA%`;
//! - [`the_installer_and_the_installed_tray_app_under_wine`]: the installer silent and by hand
//!   (with its WebView2 question), the installed files, Start-menu shortcut and uninstall key,
//!   the installed desktop app in Wine's tray (demo, then a real config): it starts, shows its
//!   icon and polls, says in a message box that the dashboard needs WebView2, answers the
//!   control channel, and shows notifications as tray balloons (Wine has no toast server);
//!   then the silent uninstall, which keeps the user's config, history and secrets.
//!
//! Both share the lane's prefix (its registry, `%APPDATA%`, Credential Manager): one at a time.
#![cfg(target_os = "linux")]

#[path = "windows/lane.rs"]
mod lane;
#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_sim::demo::{DemoSims, AGORA_ACCOUNT, HUAWEI_ACCOUNT, SEGURA_ACCOUNT};
use lane::{Background, Lane, Window};
use session::{wait_for, Procs};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Wine starts a program in a second or two; a loaded CI machine takes longer.
const LIMIT: Duration = Duration::from_secs(60);
/// An Agora demo agent that is RUNNING at the start.
const TRIAGE: &str = "1234567890ABCDE1CVGZNU80BEIN56XF";

/// One test at a time: they share the prefix.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `agentwatch.exe ARGS` (the lane's build, as the installer ships it) under Wine, to its end.
fn cli(lane: &Lane, args: &[&str]) -> Output {
    lane.run(&lane.program("agentwatch.exe"), args)
}

/// The folders AgentWatch keeps for the user: `%APPDATA%\agentwatch\config` and `...\data`.
fn user_folders(lane: &Lane) -> (PathBuf, PathBuf) {
    let base = lane.appdata().join("agentwatch");
    (base.join("config"), base.join("data"))
}

/// Stores the simulators' secrets in Credential Manager with `cli secret set --stdin`.
fn store_secrets(lane: &Lane, cli: &Path) {
    for (account, secret) in DemoSims::secrets() {
        let mut cmd = lane.command(cli, None);
        cmd.args(["secret", "set", account, "--stdin"]);
        let out = lane::finish_with_input(&mut cmd, Some(&secret));
        assert!(out.status.success(), "secret set {account}: {}", text(&out));
        assert!(
            text(&out).contains(&format!("stored the secret of {account} in the keyring")),
            "{}",
            text(&out)
        );
    }
}

/// What Wine's Credential Manager holds (its registry key), for the generic credentials the
/// keyring crate writes.
fn credential_manager(lane: &Lane) -> String {
    lane.reg_query(r"HKCU\Software\Wine\Credential Manager", None)
        .unwrap_or_default()
}

/// The simulators, on a runtime of their own (this test's threads block on Wine).
fn start_simulators() -> (tokio::runtime::Runtime, DemoSims) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sims = runtime.block_on(DemoSims::start(None, None)).unwrap();
    (runtime, sims)
}

#[test]
fn the_cli_under_wine() {
    let Some(lane) = Lane::from_env() else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (config_dir, data_dir) = user_folders(&lane);
    let _ = fs::remove_dir_all(config_dir.parent().unwrap());
    // Secrets an earlier run of this test left (the lane's prefix is fresh; a developer's rerun
    // may not be).
    for (account, _) in DemoSims::secrets() {
        cli(&lane, &["secret", "delete", account]);
    }

    let out = cli(&lane, &["--version"]);
    assert!(
        out.status.success() && text(&out).contains(VERSION),
        "{}",
        text(&out)
    );

    // No config yet: unknown (Nagios' 3), naming the file where it is looked for, under
    // %APPDATA%.
    let out = cli(&lane, &["check"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains(r"AppData\Roaming\agentwatch\config\config.toml"),
        "{}",
        text(&out)
    );

    let (runtime, sims) = start_simulators();
    fs::create_dir_all(&config_dir).unwrap();
    fs::write(config_dir.join("config.toml"), sims.config_toml(1, None)).unwrap();

    // No secrets yet: every account is unknown (exit 3), each saying how to give its secret.
    let out = cli(&lane, &["check"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("agentwatch secret set {HUAWEI_ACCOUNT}")),
        "{}",
        text(&out)
    );

    // The secrets go to Credential Manager, and are read back from there.
    store_secrets(&lane, &lane.program("agentwatch.exe"));
    let out = cli(&lane, &["secret", "status", AGORA_ACCOUNT]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{AGORA_ACCOUNT}: secret stored in the keyring")),
        "{}",
        text(&out)
    );
    let vault = credential_manager(&lane);
    assert!(
        vault.contains(AGORA_ACCOUNT),
        "Credential Manager holds: {vault}"
    );
    for (_, secret) in DemoSims::secrets() {
        assert!(
            !vault.contains(&secret),
            "a secret in the clear in: {vault}"
        );
    }

    // One poll of every account: a table and the Nagios exit code of the worst severity.
    let out = cli(&lane, &["check", "--json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let worst = report["worst"].as_str().unwrap().to_string();
    let expected = match worst.as_str() {
        "ok" | "info" => 0,
        "warning" => 1,
        "critical" => 2,
        _ => 3,
    };
    assert_eq!(
        out.status.code(),
        Some(expected),
        "worst {worst}: {}",
        text(&out)
    );
    let out = cli(&lane, &["check"]);
    assert_eq!(out.status.code(), Some(expected), "{}", text(&out));
    for expected in [
        HUAWEI_ACCOUNT,
        AGORA_ACCOUNT,
        SEGURA_ACCOUNT,
        TRIAGE,
        "RUNNING",
    ] {
        assert!(
            text(&out).contains(expected),
            "no {expected}: {}",
            text(&out)
        );
    }
    assert!(
        text(&out).contains(&format!("worst: {worst}")),
        "{}",
        text(&out)
    );

    let script = runtime.block_on(async { sims.spawn_script() });
    watch_and_control(&lane);
    serve_and_scrape(&lane, &runtime);
    drop(script);

    // What watch and serve recorded, in the data folder under %APPDATA%.
    assert!(
        data_dir.join("history.sqlite3").is_file(),
        "no history in {}",
        data_dir.display()
    );
    let out = cli(&lane, &["history", "--csv"]);
    assert!(out.status.success(), "{}", text(&out));
    let csv = String::from_utf8_lossy(&out.stdout);
    // Confirmed changes only: which account's agents the script changed long enough to be
    // confirmed while watching is up to its timing.
    assert!(
        csv.lines().count() > 1
            && [HUAWEI_ACCOUNT, AGORA_ACCOUNT, SEGURA_ACCOUNT]
                .iter()
                .any(|account| csv.contains(account)),
        "history --csv printed:\n{csv}"
    );

    // An account that cannot be reached is unknown, with the host, the port and what failed
    // in words, as on Linux.
    let closed = session::free_port();
    fs::write(
        config_dir.join("config.toml"),
        format!(
            "[[accounts]]\nid = \"{AGORA_ACCOUNT}\"\nvendor = \"agora\"\nbase_url = \
             \"http://127.0.0.1:{closed}\"\napp_id = \"a\"\ncustomer_id = \"c\"\n"
        ),
    )
    .unwrap();
    let out = cli(&lane, &["check"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("127.0.0.1:{closed} refused the connection")),
        "{}",
        text(&out)
    );

    // Deleted from Credential Manager: gone for good.
    for (account, _) in DemoSims::secrets() {
        let out = cli(&lane, &["secret", "delete", account]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = cli(&lane, &["secret", "status", AGORA_ACCOUNT]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !credential_manager(&lane).contains(AGORA_ACCOUNT),
        "still in Credential Manager: {}",
        credential_manager(&lane)
    );
    lane.stop_all();
}

/// `watch` while the script changes agents; scripts act on it over the named pipe.
fn watch_and_control(lane: &Lane) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = lane.command(&lane.program("agentwatch.exe"), None);
    cmd.args(["watch", "--duration", "60s"]);
    let watch = Background::start(cmd, dir.path().join("watch.log"));
    // A change the script makes, printed as `HH:MM:SS vendor account agent old -> new`.
    watch.until_output(" -> ", LIMIT);

    // Another Windows process asks the running watch, through the pipe.
    let agent = format!("{AGORA_ACCOUNT}/{TRIAGE}");
    let out = until_done(lane, &["snooze", &agent, "--for", "2h"]);
    assert!(
        out.contains(&format!("snoozed agent {agent} until")),
        "{out}"
    );
    watch.until_output(&format!("control: snoozed agent {agent}"), LIMIT);
    let out = cli(lane, &["ack", "no-such-agent"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("refused: no agent \"no-such-agent\""),
        "{}",
        text(&out)
    );
    // A second watch finds the channel taken and says so; the first keeps it.
    let out = cli(lane, &["watch", "--duration", "2s"]);
    assert!(
        text(&out)
            .contains("scripts cannot control this watch: another AgentWatch already answers"),
        "{}",
        text(&out)
    );
    assert!(until_done(lane, &["pause", "--for", "1h"]).contains("notifications paused until"));
    drop(watch);
    lane.stop_all();
    let out = cli(lane, &["pause", "--for", "1h"]);
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
    assert!(
        text(&out).contains("no AgentWatch is running"),
        "{}",
        text(&out)
    );
}

/// Runs a control command until it is done (exit 0): the first polls may not have listed the
/// agent it names yet. Returns what it printed.
fn until_done(lane: &Lane, args: &[&str]) -> String {
    let mut last = None;
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(&format!("{args:?} to be done"), LIMIT, || {
            let out = cli(lane, args);
            let done = out.status.success().then(|| text(&out));
            last = Some(out);
            done
        })
    }));
    done.unwrap_or_else(|_| {
        let out = last.expect("tried once");
        panic!(
            "{args:?} never succeeded: {:?} {}",
            out.status.code(),
            text(&out)
        )
    })
}

/// `serve` on loopback, scraped from Linux as Prometheus does.
fn serve_and_scrape(lane: &Lane, runtime: &tokio::runtime::Runtime) {
    let port = session::free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = lane.command(&lane.program("agentwatch.exe"), None);
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    let serve = Background::start(cmd, dir.path().join("serve.log"));
    let url = format!("http://127.0.0.1:{port}/metrics");
    let listed = format!("agentwatch_agent_severity{{vendor=\"agora\",account=\"{AGORA_ACCOUNT}\"");
    let scrape = || {
        runtime.block_on(async {
            let answer = reqwest::get(&url).await.ok()?;
            answer.text().await.ok()
        })
    };
    let body = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("/metrics to list the agents", LIMIT, || {
            scrape().filter(|body| body.contains(&listed))
        })
    }))
    .unwrap_or_else(|_| {
        panic!(
            "{url} never listed the agents; serve printed:\n{}",
            serve.output()
        )
    });
    assert!(body.contains("agentwatch_account_up"), "{body}");
    // Prometheus' text format, the default answer (OpenMetrics only when asked for).
    assert!(
        body.contains("# HELP agentwatch_account_up") && !body.trim_end().ends_with("# EOF"),
        "not the Prometheus text format: {body}"
    );
    drop(serve);
    lane.stop_all();
}

#[test]
fn the_installer_and_the_installed_tray_app_under_wine() {
    let Some(lane) = Lane::from_env() else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for tool in ["Xvfb", "xdotool", "import", "convert"] {
        assert!(
            session::have(tool),
            "{tool} is missing: run `cargo xtask setup`"
        );
    }
    // A user new to AgentWatch: no config or history (the CLI's test may have left some).
    let (config_dir, _) = user_folders(&lane);
    let _ = fs::remove_dir_all(config_dir.parent().unwrap());
    let artifacts = session::fresh_artifacts("windows");
    let mut procs = Procs::default();
    let display = session::start_xvfb(&mut procs, &artifacts);
    let install_dir = silent_install(&lane, &display);
    install_by_hand(&lane, &display, &install_dir);

    let (runtime, sims) = start_simulators();
    let script = runtime.block_on(async { sims.spawn_script() });
    demo_in_the_tray(&lane, &display, &install_dir, &artifacts);
    configured_app_in_the_tray(&lane, &display, &install_dir, &artifacts, &sims);
    drop(script);

    silent_uninstall(&lane, &install_dir);
    lane.stop_all();
    drop(procs);
}

const UNINSTALL_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\AgentWatch";

/// `setup.exe /S`: the programs in %LOCALAPPDATA%\Programs\AgentWatch, the Start-menu shortcut,
/// the uninstall key; the installed agentwatch.exe runs. Returns the install folder.
fn silent_install(lane: &Lane, display: &str) -> PathBuf {
    let out = lane::finish(lane.command(&lane.installer, Some(display)).arg("/S"));
    assert!(out.status.success(), "silent install: {}", text(&out));
    let install_dir = lane.local_appdata().join("Programs/AgentWatch");
    for file in [
        "agentwatch-desktop.exe",
        "agentwatch.exe",
        "WebView2Loader.dll",
        "uninstall.exe",
    ] {
        assert!(install_dir.join(file).is_file(), "{file} not installed");
    }
    // The very files the lane built and tested.
    for file in [
        "agentwatch-desktop.exe",
        "agentwatch.exe",
        "WebView2Loader.dll",
    ] {
        assert_eq!(
            fs::read(install_dir.join(file)).unwrap(),
            fs::read(lane.program(file)).unwrap(),
            "{file} differs from the build"
        );
    }
    assert!(
        lane.start_menu().join("AgentWatch.lnk").is_file(),
        "no Start-menu shortcut in {}",
        lane.start_menu().display()
    );
    let key = lane
        .reg_query(UNINSTALL_KEY, None)
        .expect("the uninstall key");
    for expected in [
        "DisplayName",
        "AgentWatch",
        "DisplayVersion",
        VERSION,
        r#""C:\users\"#,
        r#"\AppData\Local\Programs\AgentWatch\uninstall.exe" /S"#,
        "QuietUninstallString",
    ] {
        assert!(
            key.contains(expected),
            "no {expected} in the uninstall key:\n{key}"
        );
    }
    let out = lane::finish(
        lane.command(&install_dir.join("agentwatch.exe"), None)
            .arg("--version"),
    );
    assert!(
        out.status.success() && text(&out).contains(VERSION),
        "installed agentwatch.exe --version: {}",
        text(&out)
    );
    install_dir
}

/// The installer as a user runs it (over the silent install: an upgrade): Next, Install, the
/// WebView2 question (Wine has no WebView2), Finish with "Start AgentWatch" ticked; the app
/// starts from the install folder and says in a message box that the dashboard needs WebView2,
/// and keeps running in the tray.
fn install_by_hand(lane: &Lane, display: &str, install_dir: &Path) {
    let mut installer = lane
        .command(&lane.installer, Some(display))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the installer starts");
    let setup = format!("AgentWatch {VERSION} Setup");
    let page = |text: &str| {
        lane.wait_window(
            display,
            &format!("the installer page {text:?}"),
            LIMIT,
            |w| w.is_dialog() && w.visible && w.title.trim() == setup && w.text.contains(text),
        )
    };
    let welcome = page("Welcome to");
    lane.press(display, &welcome, 1);
    let folder = page("Destination Folder");
    assert!(
        folder.text.contains(r"\AppData\Local\Programs\AgentWatch"),
        "the proposed folder: {}",
        folder.text
    );
    lane.press(display, &folder, 1);
    let question = lane.wait_window(display, "the installer's WebView2 question", LIMIT, |w| {
        w.is_dialog() && w.visible && w.text.contains("WebView2")
    });
    for expected in [
        "needs Microsoft's WebView2 Runtime",
        "works without it from the tray",
        "https://developer.microsoft.com/microsoft-edge/webview2/",
        "Open that page now?",
    ] {
        assert!(question.text.contains(expected), "{}", question.text);
    }
    lane.press(display, &question, 7); // No
    let finish = page("Completing");
    lane.press(display, &finish, 1);
    let ended = wait_for("the installer to end", LIMIT, || {
        installer.try_wait().ok().flatten()
    });
    assert!(ended.success(), "the installer ended with {ended}");

    // Started by the installer from the install folder, not hidden: no dashboard without
    // WebView2, said plainly, and the tray icon stays.
    let message = lane.wait_window(display, "the app's WebView2 message", LIMIT, |w| {
        w.is_dialog() && w.visible && w.title == "AgentWatch: the dashboard cannot open"
    });
    for expected in [
        "AgentWatch's dashboard needs Microsoft's WebView2 Runtime",
        "keeps watching from the tray",
        "https://developer.microsoft.com/microsoft-edge/webview2/",
    ] {
        assert!(message.text.contains(expected), "{}", message.text);
    }
    lane.press(display, &message, 7); // No: no browser
    let tip = tray_tooltip(lane, display, "AgentWatch: no accounts yet");
    assert!(tip.contains("open the dashboard to add one"), "{tip}");
    assert!(install_dir.join("agentwatch-desktop.exe").is_file());
    lane.stop_all();
}

/// The tooltip of our tray icon once it contains `expected` (Wine keeps it in a tooltip window
/// of the tray's).
fn tray_tooltip(lane: &Lane, display: &str, expected: &str) -> String {
    lane.wait_window(
        display,
        &format!("a tray tooltip with {expected:?}"),
        LIMIT,
        |w| w.class == "tooltips_class32" && !w.is_balloon() && w.text.contains(expected),
    )
    .text
}

/// The installed app started as at login, `--hidden`, with the given arguments; its log in
/// `log`.
fn start_installed_app(
    lane: &Lane,
    display: &str,
    install_dir: &Path,
    args: &[&str],
    log: PathBuf,
) -> Background {
    let mut cmd = lane.command(&install_dir.join("agentwatch-desktop.exe"), Some(display));
    cmd.args(args).env("AGENTWATCH_LOG", "info");
    Background::start(cmd, log)
}

/// `--demo --hidden`: in the tray, polling its in-process simulators.
fn demo_in_the_tray(lane: &Lane, display: &str, install_dir: &Path, artifacts: &Path) {
    let app = start_installed_app(
        lane,
        display,
        install_dir,
        &["--demo", "--hidden"],
        artifacts.join("demo.log"),
    );
    let tip = tray_tooltip(lane, display, "agents:");
    assert!(tip.contains("accounts"), "{tip}");
    tray_window_shows_icon(lane, display, artifacts, "demo");
    app.until_output(
        "the dashboard cannot open: the WebView2 Runtime is missing",
        LIMIT,
    );
    drop(app);
    lane.stop_all();
}

/// Wine's tray window is on screen with our icon in it (a screenshot, for people too).
fn tray_window_shows_icon(lane: &Lane, display: &str, artifacts: &Path, name: &str) -> Window {
    let tray = lane.wait_window(display, "Wine's tray window", LIMIT, |w| {
        w.is_tray() && w.visible
    });
    let icon = lane.wait_window(display, "our icon in Wine's tray", LIMIT, |w| {
        w.kind == "child" && w.visible && w.rect.2 > 0
    });
    let shot = artifacts.join(format!("tray-{name}.png"));
    session::screenshot_root(display, &shot);
    assert!(
        session::count_distinct_colours(&shot, icon.rect) > 4,
        "the tray icon at {:?} is blank (see {})",
        icon.rect,
        shot.display()
    );
    tray
}

/// The installed app with the user's own config (the simulators on loopback, secrets in
/// Credential Manager): it polls, answers `agentwatch.exe` over the control channel, and shows
/// notifications as tray balloons.
fn configured_app_in_the_tray(
    lane: &Lane,
    display: &str,
    install_dir: &Path,
    artifacts: &Path,
    sims: &DemoSims,
) {
    let (config_dir, data_dir) = user_folders(lane);
    fs::create_dir_all(&config_dir).unwrap();
    fs::write(config_dir.join("config.toml"), sims.config_toml(1, None)).unwrap();
    let installed_cli = install_dir.join("agentwatch.exe");
    store_secrets(lane, &installed_cli);
    // Those started the prefix's Wine session (its explorer) without a display, where a tray
    // icon cannot be made: the app starts a session of its own, on the display.
    lane.stop_all();
    let app = start_installed_app(
        lane,
        display,
        install_dir,
        &["--hidden"],
        artifacts.join("app.log"),
    );
    // It polls the simulators: the tooltip counts their agents once the first polls are in.
    let tip = tray_tooltip(lane, display, "agents:");
    assert!(tip.contains("3 accounts"), "{tip}");
    let shot = artifacts.join("tray-configured.png");
    tray_window_shows_icon(lane, display, artifacts, "configured");
    session::screenshot_root(display, &shot);

    // A change becomes a notification; with no toast server it is a balloon at the tray icon.
    let balloon = lane.wait_window(display, "a notification balloon", LIMIT * 2, |w| {
        w.is_balloon() && w.visible && !w.text.is_empty()
    });
    session::screenshot_root(display, &artifacts.join("balloon.png"));
    assert!(
        balloon.text.contains(" · ") && balloon.text.contains("(simulated)"),
        "the balloon says: {}",
        balloon.text
    );
    app.until_output("showing them as tray balloons instead", LIMIT);

    // Scripts act on the running app through the named pipe.
    let out = lane::finish(lane.command(&installed_cli, None).args([
        "snooze",
        &format!("{AGORA_ACCOUNT}/{TRIAGE}"),
        "--for",
        "2h",
    ]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("snoozed agent"), "{}", text(&out));
    app.until_output("control: snoozed agent", LIMIT);
    let out = lane::finish(
        lane.command(&installed_cli, None)
            .args(["pause", "--for", "1h"]),
    );
    assert!(out.status.success(), "{}", text(&out));
    app.until_output("control: notifications paused until", LIMIT);

    // The tray-only app's memory, as Linux sees the Wine process (see BENCHMARKS.md).
    if let (Some(rss), Some(pss)) = (session::rss_mib(app.pid()), session::pss_mib(app.pid())) {
        println!("windows lane: the installed tray app under Wine (real config, 3 accounts): RSS {rss:.1} MiB, PSS {pss:.1} MiB");
    }
    assert!(
        data_dir.join("history.sqlite3").is_file(),
        "no history under %APPDATA%"
    );
    drop(app);
    lane.stop_all();
}

/// The uninstaller as the uninstall key says (`"...\uninstall.exe" /S`): the programs, the
/// shortcut and the key go; the user's config, history and secrets stay.
fn silent_uninstall(lane: &Lane, install_dir: &Path) {
    let out = lane::finish(
        lane.command(&install_dir.join("uninstall.exe"), None)
            .arg("/S"),
    );
    assert!(out.status.success(), "{}", text(&out));
    // The uninstaller runs on from a copy in %TEMP%: wait until the folder has gone.
    wait_for("the install folder to be removed", LIMIT, || {
        (!install_dir.exists()).then_some(())
    });
    assert!(
        !lane.start_menu().join("AgentWatch.lnk").exists(),
        "the shortcut stayed"
    );
    assert!(
        lane.reg_query(UNINSTALL_KEY, None).is_none(),
        "the uninstall key stayed"
    );
    let (config_dir, data_dir) = user_folders(lane);
    assert!(config_dir.join("config.toml").is_file(), "the config went");
    assert!(
        data_dir.join("history.sqlite3").is_file(),
        "the history went"
    );
    let out = lane::finish(lane.command(&lane.program("agentwatch.exe"), None).args([
        "secret",
        "status",
        AGORA_ACCOUNT,
    ]));
    assert!(
        out.status.success() && text(&out).contains("stored in the keyring"),
        "the secret went: {}",
        text(&out)
    );
}
