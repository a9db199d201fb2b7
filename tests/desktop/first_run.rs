//! The first start of the app: the first-run view of an empty profile, its desktop services
//! check, its way into the account form, About's version, and "Start the demo" (under "Try the
//! demo"), which restarts the app in demo mode (followed for real: the new process is found and
//! its dashboard driven).

use crate::session::{self, wait_for, Procs};
use crate::web::{self, click, find, text, until, R};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The workspace's version: this crate takes it (`version.workspace = true`) like every other.
const WORKSPACE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The services list, once checked: (service id, state, text) of each line.
async fn services(c: &fantoccini::Client) -> Vec<(String, String, String)> {
    until(
        "the desktop services check",
        Duration::from_secs(20),
        || async {
            let rows = c
                .execute(
                    "return Array.from(document.querySelectorAll('#fr-services li[data-service]'))
                       .map((li) => [li.dataset.service, li.dataset.state, li.innerText])",
                    vec![],
                )
                .await
                .ok()?;
            let rows: Vec<(String, String, String)> = serde_json::from_value(rows).ok()?;
            (rows.len() >= 2).then_some(rows)
        },
    )
    .await
}

/// The first-run view is up, its checks say "found" for the Secret Service and notifications
/// of this session, and the header does not send the user to the dashboard they are in.
pub async fn assert_first_run_shown(c: &fantoccini::Client, config: &Path) -> R<()> {
    find(c, "#first-run:not([hidden])").await?;
    // The header's text is read as the page holds it (WebDriver's visible text of this ellipsed
    // span can be empty).
    let header = web::property(c, "#overall-text", "textContent").await?;
    let header = header.as_str();
    if header.contains("open the dashboard") || !header.starts_with("No accounts yet") {
        let page = c
            .execute(
                "return [document.readyState, document.body.dataset.ready, document.querySelector('#first-run').hidden,
                         performance.getEntriesByType('navigation').map((n) => n.type), performance.timeOrigin, location.href]",
                vec![],
            )
            .await?;
        return Err(format!("the header with no accounts reads {header:?} (page {page})").into());
    }
    let shown = text(c, "#fr-config-path").await?;
    if shown != config.display().to_string() {
        return Err(format!("the view names {shown:?} as the config, not {config:?}").into());
    }
    let secrets = text(c, "#fr-secrets").await?;
    if !secrets.contains("keyring") {
        return Err(format!("the view does not say secrets go to the keyring: {secrets:?}").into());
    }
    let rows = services(c).await;
    for id in ["secret_service", "notifications"] {
        let (_, state, words) = rows
            .iter()
            .find(|(s, _, _)| s == id)
            .ok_or(format!("no line for {id}: {rows:?}"))?;
        if state != "found"
            || !words.to_lowercase().contains("found")
            || words.contains("not found")
        {
            return Err(format!("{id} is not found in the test session: {words:?}").into());
        }
    }
    println!("desktop test: first-run view: {rows:?}");
    Ok(())
}

/// Step 0, on the empty profile of the main run: the first-run view in the light theme, its
/// vendor choice opening the account form with that vendor chosen, and About's version.
pub async fn step0_first_run(c: &fantoccini::Client, config: &Path, artifacts: &Path) -> R<()> {
    assert_first_run_shown(c, config).await?;
    let dark = crate::access::assert_readable(c, "light theme, first-run view").await?;
    if dark {
        return Err("the first-run view is dark in the light session".into());
    }
    std::fs::write(artifacts.join("first-run.png"), web::painted(c).await?)?;

    // The vendor buttons are the account form's vendors, in its order.
    let offered = c
        .execute(
            "return [Array.from(document.querySelectorAll('#fr-vendors [data-vendor]')).map((b) => b.dataset.vendor),
                     Array.from(document.querySelector('#acc-vendor').options).map((o) => o.value)]",
            vec![],
        )
        .await?;
    if offered[0] != offered[1] || offered[0].as_array().is_none_or(|v| v.len() < 3) {
        return Err(format!("the vendors offered differ from the form's: {offered}").into());
    }
    click(c, "#fr-vendors [data-vendor=\"agora\"]").await?;
    find(c, "#account-dialog[open]").await?;
    let chosen = c
        .execute(
            "return [document.querySelector('#acc-vendor').value,
                     document.querySelector('#acc-app-id')?.offsetParent != null,
                     document.querySelector('#acc-workno')?.offsetParent != null]",
            vec![],
        )
        .await?;
    if chosen != json!(["agora", true, false]) {
        return Err(format!("the form did not open on Agora's fields: {chosen}").into());
    }
    std::fs::write(artifacts.join("first-run-form.png"), web::painted(c).await?)?;
    web::close_dialog(c, "#account-dialog", "#acc-cancel").await?;
    find(c, "#first-run:not([hidden])").await?;

    // About: the package's version, which is the workspace's.
    click(c, "#tab-settings").await?;
    let about = text(c, "#about-version").await?;
    if about != format!("version {WORKSPACE_VERSION}") {
        return Err(format!("About shows {about:?}, the workspace is {WORKSPACE_VERSION}").into());
    }
    click(c, "#tab-live").await?;
    println!("desktop test: About shows {about}");
    Ok(())
}

/// After the first account is saved the view gives way to the live view.
pub async fn first_run_gone(c: &fantoccini::Client) -> R<()> {
    find(c, "#first-run[hidden]").await?;
    Ok(())
}

/// The running app (our binary) with this HOME and `--demo` (or not), other than `except`: its
/// PID.
fn app_process(home: &Path, demo: bool, except: &[u32]) -> Option<u32> {
    let binary = session::app_binary().canonicalize().ok()?;
    let want_home = format!("HOME={}", home.display());
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            if except.contains(&pid)
                || std::fs::read_link(format!("/proc/{pid}/exe")).ok()? != binary
            {
                return None;
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            if args.contains(&b"--demo".as_slice()) != demo {
                return None;
            }
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            if stat.contains(") Z") {
                return None;
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            environ
                .split(|b| *b == 0)
                .any(|v| v == want_home.as_bytes())
                .then_some(pid)
        })
}

/// The address of the WebKit inspector a process listens on (inherited from WebKitWebDriver's
/// launch of its parent), through which a driver can attach to it.
fn inspector_address(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ.split(|b| *b == 0).find_map(|v| {
        let v = std::str::from_utf8(v).ok()?;
        v.strip_prefix("WEBKIT_INSPECTOR_SERVER=")
            .map(str::to_string)
    })
}

fn gone(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.is_empty() || stat.contains(") Z")
}

/// Whether the process ends (or is a zombie) within `limit`.
fn quits_within(pid: u32, limit: Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while !gone(pid) {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// Attaches a WebDriver session to the app process `pid` that restarted itself: a
/// WebKitWebDriver of our own pointed at the inspector the process serves.
async fn attach(procs: &mut Procs, pid: u32, artifacts: &Path, log: &str) -> R<fantoccini::Client> {
    let target = inspector_address(pid).ok_or("the restarted app has no inspector address")?;
    let port = session::free_port();
    procs.spawn(
        "WebKitWebDriver (attached)",
        Command::new("WebKitWebDriver")
            .args([format!("--port={port}"), format!("--target={target}")]),
        &artifacts.join(log),
    );
    wait_for(
        "the attached WebKitWebDriver",
        Duration::from_secs(20),
        || std::net::TcpStream::connect(("127.0.0.1", port)).ok(),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = until(
        "a session on the restarted app",
        Duration::from_secs(40),
        || {
            let connector = connector.clone();
            async move {
                fantoccini::ClientBuilder::new(connector)
                    .connect(&format!("http://127.0.0.1:{port}"))
                    .await
                    .ok()
            }
        },
    )
    .await;
    Ok(c)
}

/// The last step, on a second empty profile in the dark theme: the first-run view is readable
/// there too, and "Start the demo" restarts the app in demo mode: the old process leaves, a new
/// one runs `--demo`, its dashboard lists the simulated agents, and neither the profile's
/// config nor the keyring gained anything. "Leave the demo" brings the first-run view back.
pub async fn try_the_demo(
    procs: &mut Procs,
    desktop: &session::Desktop,
    tmp: &Path,
    artifacts: &Path,
) -> R<()> {
    let home = tmp.join("home-first-run");
    let config: PathBuf = home.join(".config/agentwatch/config.toml");
    std::fs::create_dir_all(&home)?;
    let fresh = session::Desktop {
        display: desktop.display.clone(),
        notifications: desktop.notifications.clone(),
        home: home.clone(),
        config: config.clone(),
    };
    let dark = [("GTK_THEME", "Adwaita:dark")];
    let port = crate::driver::start(procs, &fresh, artifacts, "app-first-run.log", &dark)?;
    let c = web::connect(port, session::app_binary().to_str().unwrap()).await?;
    let info = crate::driver::until_dashboard_ready(&c).await;
    let first_pid = info["pid"].as_u64().ok_or("app_info has no pid")? as u32;
    procs.adopt("agentwatch-desktop (first run)", first_pid);
    assert_first_run_shown(&c, &config).await?;
    if !crate::access::assert_readable(&c, "dark theme, first-run view").await? {
        return Err("the first-run view did not follow the dark theme".into());
    }
    std::fs::write(
        artifacts.join("first-run-dark.png"),
        web::painted(&c).await?,
    )?;
    // No routes, no accounts, no history: every view and dialog still reads as words.
    crate::screen_text::watch(&c).await?;
    crate::screen_text::read_every_view(&c, "empty profile, dark theme").await?;
    crate::screen_text::assert_none_seen(&c, "empty profile, dark theme").await?;
    crate::screen_text::screenshot_every_view(&c, artifacts, "empty").await?;
    let keyring_before = agentwatch_tests::secret_tool_search();

    // The app quits under the click: WebDriver may call the click failed for that alone.
    let clicked = click(&c, "#fr-demo").await;
    if !quits_within(first_pid, Duration::from_secs(30)) {
        clicked?;
        return Err("the app did not quit to start the demo".into());
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    let demo_pid = wait_for(
        "the app to start again in demo mode",
        Duration::from_secs(30),
        || app_process(&home, true, &[first_pid]),
    );
    procs.adopt("agentwatch-desktop (demo after restart)", demo_pid);
    println!("desktop test: Start the demo: pid {first_pid} quit, demo runs as pid {demo_pid}");

    let demo = attach(procs, demo_pid, artifacts, "attach-demo.log").await?;
    let info = crate::driver::until_dashboard_ready(&demo).await;
    if info["demo"] != json!(true) || info["pid"] != json!(demo_pid) {
        return Err(format!("the attached app is not the demo: {info}").into());
    }
    find(&demo, "#demo-banner:not([hidden])").await?;
    find(&demo, "#first-run[hidden]").await?;
    let accounts = until(
        "agents of the three demo accounts on the dashboard",
        Duration::from_secs(40),
        || async {
            let accounts = demo
                .execute(
                    "return [...new Set(Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).map((r) => r.dataset.account))]",
                    vec![],
                )
                .await
                .ok()?;
            (accounts.as_array()?.len() >= 3).then_some(accounts)
        },
    )
    .await;
    std::fs::write(
        artifacts.join("demo-after-restart.png"),
        web::painted(&demo).await?,
    )?;
    println!("desktop test: the restarted demo shows agents of {accounts}");
    crate::screen_text::watch(&demo).await?;
    crate::screen_text::read_every_view(&demo, "demo").await?;
    crate::screen_text::assert_none_seen(&demo, "demo").await?;
    crate::screen_text::screenshot_every_view(&demo, artifacts, "demo").await?;

    // Nothing of the demo reached the profile's config or the keyring.
    if config.exists() {
        return Err(format!("the demo wrote the profile's config {}", config.display()).into());
    }
    let keyring_after = agentwatch_tests::secret_tool_search();
    for id in agentwatch_sim::demo::DemoSims::secrets().map(|(id, _)| id) {
        if keyring_after.contains(id) && !keyring_before.contains(id) {
            return Err(format!("the demo stored a secret for {id} in the keyring").into());
        }
    }

    // And back: the same profile, with its first-run view.
    let clicked = click(&demo, "#btn-leave-demo").await;
    if !quits_within(demo_pid, Duration::from_secs(30)) {
        clicked?;
        return Err("the demo did not quit when left".into());
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), demo.close()).await;
    let back_pid = wait_for(
        "the app to start again without the demo",
        Duration::from_secs(30),
        || app_process(&home, false, &[first_pid, demo_pid]),
    );
    procs.adopt("agentwatch-desktop (after the demo)", back_pid);
    let back = attach(procs, back_pid, artifacts, "attach-back.log").await?;
    let info = crate::driver::until_dashboard_ready(&back).await;
    if info["demo"] != json!(false) {
        return Err(format!("leaving the demo started another demo: {info}").into());
    }
    assert_first_run_shown(&back, &config).await?;
    println!("desktop test: Leave the demo: pid {back_pid} shows the first-run view again");
    let _ = tokio::time::timeout(Duration::from_secs(5), back.close()).await;
    Ok(())
}
