//! End-to-end test of the desktop app in a real desktop session that the test builds itself:
//! Xvfb, the D-Bus session and unlocked gnome-keyring of `cargo xtask test`, dunst recording
//! every notification, Xfce's panel as the tray host (StatusNotifierItem), and the real app driven through tauri-driver +
//! WebKitWebDriver against the vendor simulators (in-process here, on loopback).
//!
//! Skipped (with a message) unless AGENTWATCH_TEST_KEYRING is set, i.e. outside `cargo xtask test`.
//! Artifacts (screenshots, logs) go to target/artifacts/desktop/.
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

// Shared with tests/notify.rs and tests/alerts.rs: each uses part of it.
#[path = "desktop/access.rs"]
mod access;
#[path = "desktop/account_form.rs"]
mod account_form;
#[path = "desktop/control.rs"]
mod control;
#[path = "desktop/driver.rs"]
mod driver;
#[path = "desktop/first_run.rs"]
mod first_run;
#[path = "desktop/limits.rs"]
mod limits;
#[path = "desktop/live.rs"]
mod live;
#[path = "desktop/names.rs"]
mod names;
#[path = "desktop/queues.rs"]
mod queues;
#[path = "desktop/reregistration.rs"]
mod reregistration;
#[path = "desktop/routing.rs"]
mod routing;
#[path = "desktop/screen_text.rs"]
mod screen_text;
#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;
#[path = "desktop/sounds.rs"]
mod sounds;
#[path = "desktop/team.rs"]
mod team;
#[path = "desktop/web.rs"]
mod web;
#[path = "desktop/x11.rs"]
mod x11;

use agentwatch_sim::agora::AgoraSim;
use agentwatch_sim::demo::DemoSims;
use agentwatch_sim::{Fault, FaultRule};
use agentwatch_tests::secret_tool_search;
use serde_json::json;
use session::{wait_for, Procs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use web::{click, find, invoke, property, text, texts, type_into, until, R};

const POLL_SECS: u64 = 2;
const CONFIRM_WORSE: u32 = 3;
const AGORA_ID: &str = "e2e-agora";
/// The tray-only app's memory ceilings (debug build), checked in step 5.
const MAX_PSS_WITHOUT_WINDOW_MIB: f64 = 200.0;
const MAX_ANON_WITHOUT_WINDOW_MIB: f64 = 80.0;
const HUAWEI_ID: &str = "e2e-huawei";
const SEGURA_ID: &str = "e2e-segura";

fn clear_test_secrets() {
    for id in [AGORA_ID, HUAWEI_ID, SEGURA_ID] {
        let _ = Command::new("secret-tool")
            .args(["clear", "service", "agentwatch", "username", id])
            .status();
    }
}

#[test]
fn desktop_app_end_to_end() {
    if !session::in_test_session() {
        return;
    }
    for tool in [
        "Xvfb",
        "dunst",
        "xfce4-panel",
        "busctl",
        "xdotool",
        "import",
        "convert",
        "secret-tool",
        "WebKitWebDriver",
        "dbus-send",
    ] {
        assert!(
            session::have(tool),
            "{tool} is missing: run `cargo xtask setup`"
        );
    }
    assert!(
        session::app_binary().exists(),
        "{} is missing: `cargo build -p agentwatch-desktop`",
        session::app_binary().display()
    );
    assert!(
        driver::tauri_driver().exists(),
        "{} is missing: `cargo xtask test` installs it",
        driver::tauri_driver().display()
    );

    let artifacts = session::fresh_artifacts("desktop");
    let tmp = tempfile::tempdir().unwrap();
    clear_test_secrets();

    let runtime = session_runtime();
    // Released after the session's processes (dropped in reverse order of declaration).
    let _one = runtime.block_on(session::one_session_at_a_time());
    let mut procs = Procs::default();
    let result = runtime.block_on(run(&mut procs, tmp.path(), &artifacts));
    drop(procs);
    clear_test_secrets();
    if let Err(e) = result {
        panic!(
            "desktop end-to-end test failed: {e}\n(logs and screenshots in {})",
            artifacts.display()
        );
    }
}

/// The runtime a desktop session's test drives its WebDriver client and simulators on.
fn session_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The Live view with a team of 2,000 agents (tests/desktop/live.rs), in a session of its own.
#[test]
fn live_view_of_a_big_team() {
    if !session::in_test_session() {
        return;
    }
    let artifacts = session::fresh_artifacts("desktop-live");
    let runtime = session_runtime();
    let _one = runtime.block_on(session::one_session_at_a_time());
    let mut procs = Procs::default();
    let result = runtime.block_on(live::big_team(&mut procs, &artifacts));
    drop(procs);
    if let Err(e) = result {
        panic!(
            "the live view of a big team failed: {e}\n(logs and screenshots in {})",
            artifacts.display()
        );
    }
}

async fn run(procs: &mut Procs, tmp: &Path, artifacts: &Path) -> R<()> {
    // The app's own profile: a fresh HOME and XDG folders, and a config with a short interval.
    let home = tmp.join("home");
    let config_path = home.join(".config/agentwatch/config.toml");
    let desktop = session::start(
        procs,
        artifacts,
        &home,
        &config_path,
        session::TrayHost::StatusNotifier,
    );
    let display = desktop.display.clone();
    let sims = DemoSims::start(None, None).await?;

    std::fs::create_dir_all(config_path.parent().unwrap())?;
    // Three polls confirm a worsening here, so that the pending state is on screen long enough
    // to be seen (and proven not to notify).
    std::fs::write(
        &config_path,
        format!(
            "poll_interval_secs = {POLL_SECS}\n\n[alerts]\nconfirm_worse_polls = {CONFIRM_WORSE}\n{}",
            routing::config()
        ),
    )?;
    let port = driver::start(procs, &desktop, artifacts, "app-and-driver.log", &[])?;
    let c = web::connect(port, session::app_binary().to_str().unwrap()).await?;
    let info = driver::until_dashboard_ready(&c).await;
    let app_pid = info["pid"].as_u64().ok_or("app_info has no pid")? as u32;
    procs.adopt("agentwatch-desktop", app_pid);
    assert_eq!(
        info["keyring"],
        json!(true),
        "the app must use the real keyring"
    );
    println!("desktop test: app pid {app_pid}, display {display}");
    // Everything the page shows from here on is read for null, undefined and NaN.
    screen_text::watch(&c).await?;

    let step = |name: &'static str| {
        move |e: Box<dyn std::error::Error>| -> Box<dyn std::error::Error> {
            format!("{name}: {e}").into()
        }
    };
    let flows = async {
        first_run::step0_first_run(&c, &config_path, artifacts)
            .await
            .map_err(step("0 (first-run view)"))?;
        screen_text::read_every_view(&c, "empty profile")
            .await
            .map_err(step("0 (every view of an empty profile)"))?;
        step1_agora_account_and_secret(&c, &sims, &config_path)
            .await
            .map_err(step("1 (agora account)"))?;
        first_run::first_run_gone(&c)
            .await
            .map_err(step("1 (first-run view gone)"))?;
        step2_watch_all_three_vendors(&c, &sims)
            .await
            .map_err(step("2 (three vendors)"))?;
        step2b_http_json_account_from_its_form(&c, &config_path)
            .await
            .map_err(step("2b (http-json form)"))?;
        account_form::the_form_guides_the_user(&c, &sims.segura_url(), artifacts)
            .await
            .map_err(step("2e (account form)"))?;
        limits::step_limit_breach_reaches_dunst(&c, &sims, &desktop)
            .await
            .map_err(step("2c (time-in-state limit)"))?;
        names::names_ranges_and_the_picker(&c, &config_path, SEGURA_ID, HUAWEI_ID)
            .await
            .map_err(step("2d (names, ranges, picker)"))?;
        queues::step_queue_strip(&c, &sims, &config_path, HUAWEI_ID, artifacts)
            .await
            .map_err(step("2e (queue strip and thresholds)"))?;
        keyboard_and_light_theme(&c)
            .await
            .map_err(step("keyboard and light theme"))?;
        settings_start_at_login(&c, &desktop)
            .await
            .map_err(step("settings (start at login)"))?;
        sounds::sounds_in_settings(&c, &desktop, &config_path)
            .await
            .map_err(step("settings (sounds)"))?;
        step3_failed_agent(&c, &sims, &desktop, artifacts)
            .await
            .map_err(step("3 (failed agent)"))?;
        reregistration::pending_re_registration_says_what(
            &c,
            &sims.segura,
            SEGURA_ID,
            POLL_SECS,
            artifacts,
        )
        .await
        .map_err(step("3e (a pending re-registration)"))?;
        step3b_snooze_keeps_dunst_silent(&c, &sims, &desktop, artifacts)
            .await
            .map_err(step("3b (snooze)"))?;
        control::maintenance_and_snooze_from_a_script(&c, AGORA_ID)
            .await
            .map_err(step("3c (maintenance, snooze from a script)"))?;
        routing::step_routes(&c)
            .await
            .map_err(step("3d (routing)"))?;
        step4_unreachable_account(&c, &sims, &desktop)
            .await
            .map_err(step("4 (unreachable)"))?;
        step4b_history_tab(&c, &desktop, artifacts)
            .await
            .map_err(step("4b (history tab)"))?;
        step4c_hostile_text_stays_text(&c, &sims, artifacts)
            .await
            .map_err(step("4c (hostile vendor text)"))?;
        step4d_network_unavailable(&c, &sims, &desktop)
            .await
            .map_err(step("4d (network unavailable)"))?;
        step6_screenshots(&c, &desktop, artifacts)
            .await
            .map_err(step("6 (screenshots)"))?;
        screen_text::read_every_view(&c, "three vendors")
            .await
            .map_err(step("6b (every view with three vendors)"))?;
        screen_text::assert_none_seen(&c, "the main run")
            .await
            .map_err(step("6c (nothing shown was null, undefined or NaN)"))
    };
    let result: R<()> = flows.await;
    if result.is_err() {
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(artifacts.join("failure-webview.png"), png);
        }
        session::screenshot_root(&display, &artifacts.join("failure-screen.png"));
        return result;
    }
    app_log_is_plain_and_tells_each_change_once(&artifacts.join("app-and-driver.log"))
        .map_err(step("the app's log"))?;
    let result = step5_close_window(c, &sims, &desktop, app_pid, artifacts)
        .await
        .map_err(step("5 (close window)"));
    if result.is_err() {
        session::screenshot_root(&display, &artifacts.join("failure-screen.png"));
        return result;
    }
    step7_history_survives_kill9(&home, app_pid).map_err(step("7 (kill -9)"))?;
    dark_theme(procs, &desktop, artifacts)
        .await
        .map_err(step("dark theme"))?;
    first_run::try_the_demo(procs, &desktop, tmp, artifacts)
        .await
        .map_err(step("8 (start the demo from the first-run view)"))
}

/// The app's log, written to a file here: no terminal colour codes, and each change the
/// engine saw logged once (the shell used to log them a second time).
fn app_log_is_plain_and_tells_each_change_once(log: &Path) -> R<()> {
    let text = std::fs::read_to_string(log)?;
    let app_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("agentwatch_core") || l.contains("agentwatch_desktop"))
        .collect();
    if let Some(coloured) = app_lines.iter().find(|l| l.contains('\u{1b}')) {
        return Err(format!("a colour code in the app's log: {coloured:?}").into());
    }
    // "HH:MM:SS vendor account agent old -> new severity", after the log line's own prefix.
    let mut changes: Vec<&str> = app_lines
        .iter()
        .filter_map(|l| l.split_once(": ").map(|(_, message)| message))
        .filter(|m| m.len() > 9 && m.as_bytes()[2] == b':' && m.contains(" -> "))
        .collect();
    if changes.is_empty() {
        return Err("no change was logged".into());
    }
    let logged = changes.len();
    changes.sort_unstable();
    changes.dedup();
    if changes.len() != logged {
        return Err(format!("{} changes logged more than once", logged - changes.len()).into());
    }
    Ok(())
}

/// The dashboard used with the keyboard alone, and readable in the light theme.
async fn keyboard_and_light_theme(c: &fantoccini::Client) -> R<()> {
    access::keyboard_only(c).await?;
    access::assert_theme_readable(c, false).await
}

/// The same profile started again with a dark desktop theme (GTK_THEME=Adwaita:dark, as a dark
/// GNOME or Xfce session sets it): the dashboard follows it and every text stays readable.
async fn dark_theme(procs: &mut Procs, desktop: &session::Desktop, artifacts: &Path) -> R<()> {
    let port = driver::start(
        procs,
        desktop,
        artifacts,
        "app-dark.log",
        &[("GTK_THEME", "Adwaita:dark")],
    )?;
    let c = web::connect(port, session::app_binary().to_str().unwrap()).await?;
    let info = driver::until_dashboard_ready(&c).await;
    if let Some(pid) = info["pid"].as_u64() {
        procs.adopt("agentwatch-desktop (dark)", pid as u32);
    }
    until(
        "the live view to list agents",
        Duration::from_secs(30),
        || async { (texts(&c, "#agents-body tr").await.len() >= 3).then_some(()) },
    )
    .await;
    std::fs::write(artifacts.join("dashboard-dark.png"), c.screenshot().await?)?;
    access::assert_theme_readable(&c, true).await?;
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    Ok(())
}

/// The live view's row of an agent of the e2e Agora account.
fn agora_row(agent_id: &str) -> String {
    format!("#agents-body tr[data-account=\"{AGORA_ID}\"][data-agent=\"{agent_id}\"]")
}

/// Step 3b: "Snooze 1 h" on an agent's row, then that agent fails: the policy decides, the
/// "why" list says it was snoozed, and dunst receives nothing about it.
async fn step3b_snooze_keeps_dunst_silent(
    c: &fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
    artifacts: &Path,
) -> R<()> {
    let agent = AgoraSim::demo_agents()[1].clone();
    let row = agora_row(&agent.agent_id);
    click(c, "#tab-live").await?;
    click(c, &format!("{row} button[data-action=\"snooze\"]")).await?;
    until(
        "the row to say snoozed",
        Duration::from_secs(10),
        || async {
            let t = property(c, &format!("{row} .chip.snoozed"), "textContent")
                .await
                .ok()?;
            t.contains("snoozed").then_some(())
        },
    )
    .await;
    let listed = text(
        c,
        &format!(
            "#snoozes-list li[data-agent=\"{}\"][data-account=\"{AGORA_ID}\"]",
            agent.agent_id
        ),
    )
    .await?;
    assert!(listed.contains(&agent.agent_id), "{listed}");
    let before = session::notifications(&desktop.notifications).len();
    assert!(sims.agora.set_status(&agent.agent_id, "FAILED"));
    // The confirmed change is decided (quietly) within the confirmation polls.
    let decision = format!(
        "#why-list li[data-agent=\"{}\"][data-kind=\"changed\"]",
        agent.agent_id
    );
    let why = until(
        "a quiet decision about the snoozed agent",
        Duration::from_secs(POLL_SECS * u64::from(CONFIRM_WORSE + 3)),
        || async {
            let outcome = web::attr(c, &decision, "data-outcome").await?;
            let t = text(c, &decision).await.ok()?;
            Some((outcome, t))
        },
    )
    .await;
    assert_eq!(why.0, "quiet", "the snoozed agent notified: {}", why.1);
    assert!(why.1.to_lowercase().contains("snooze"), "why: {}", why.1);
    // Clicking the agent opens its details, with the same decision among its own.
    click(c, &format!("{row} .agent-name")).await?;
    find(c, "#agent-dialog[open]").await?;
    let own = until(
        "the agent's decisions in its details",
        Duration::from_secs(10),
        || async {
            let t = property(c, "#agent-why", "textContent").await.ok()?;
            t.to_lowercase().contains("snooze").then_some(t)
        },
    )
    .await;
    let title = property(c, "#agent-title", "textContent").await?;
    assert!(
        title.contains(&agent.name) || title.contains(&agent.agent_id),
        "details of {title:?}"
    );
    println!("desktop test: the details of the snoozed agent list: {own}");
    click(c, "#agent-close").await?;
    // Anything sent about the snoozed agent has reached dunst once a marker sent after it has.
    session::notified_before_marker(&desktop.notifications).await;
    let about: Vec<_> = session::notifications(&desktop.notifications)
        .into_iter()
        .skip(before)
        .filter(|(_, summary, body, _)| {
            [&agent.agent_id, &agent.name].iter().any(|n| {
                !n.is_empty() && (summary.contains(n.as_str()) || body.contains(n.as_str()))
            })
        })
        .collect();
    assert!(about.is_empty(), "dunst received {about:?}");
    println!("desktop test: snoozed agent failed quietly: {}", why.1);
    c.execute(
        "document.querySelector('.alert-panels').scrollIntoView({block: 'end'})",
        vec![],
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(artifacts.join("dashboard-why.png"), c.screenshot().await?)?;
    Ok(())
}

/// Step 4b: the History tab draws the timeline in the real webview, with bands of the real
/// states (the FAILED agent in red), fills the table and exports CSV to the Downloads folder.
async fn step4b_history_tab(
    c: &fantoccini::Client,
    desktop: &session::Desktop,
    artifacts: &Path,
) -> R<()> {
    click(c, "#tab-history").await?;
    click(c, "#history-filters input[value=\"1h\"]").await?;
    let failed = AgoraSim::demo_agents()[0].agent_id.clone();
    let band = format!(
        "#timeline g.lane[data-account=\"{AGORA_ID}\"][data-agent=\"{failed}\"] .band[data-severity=\"critical\"]"
    );
    until(
        "a critical band on the timeline",
        Duration::from_secs(20),
        || async {
            if c.find(fantoccini::Locator::Css(&band)).await.is_ok() {
                Some(())
            } else {
                let _ = click(c, "#hist-refresh").await;
                None
            }
        },
    )
    .await;
    let bands = c
        .find_all(fantoccini::Locator::Css("#timeline .band"))
        .await?
        .len();
    assert!(bands >= 2, "only {bands} bands on the timeline");
    // The band really is drawn: a real width on screen, and its details on keyboard focus.
    let width = c
        .execute(
            "return document.querySelector(arguments[0]).getBoundingClientRect().width",
            vec![json!(band)],
        )
        .await?;
    assert!(width.as_f64().unwrap_or(0.0) > 1.0, "band width {width}");
    // Focus it (again, should a refresh have redrawn the timeline) until its details show.
    let tip = until(
        "the band's details on keyboard focus",
        Duration::from_secs(10),
        || async {
            c.execute(
                "document.querySelector(arguments[0]).focus()",
                vec![json!(band)],
            )
            .await
            .ok()?;
            text(c, "#timeline-tip")
                .await
                .ok()
                .filter(|tip| tip.contains("FAILED"))
        },
    )
    .await;
    let rows = texts(c, "#history-body tr[data-kind=\"changed\"]").await;
    assert!(
        rows.iter()
            .any(|r| r.contains(&failed) && r.contains("FAILED")),
        "history table: {rows:?}"
    );
    let notes = texts(c, "#history-body tr[data-kind=\"notification\"]").await;
    assert!(
        !notes.is_empty(),
        "no notification rows in the history table"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(artifacts.join("history.png"), c.screenshot().await?)?;
    println!("desktop test: timeline with {bands} bands; tooltip {tip:?}");

    // Filters: only this account's notifications.
    web::select(c, "#hist-account", AGORA_ID).await?;
    web::select(c, "#hist-kind", "notification").await?;
    until("the filtered table", Duration::from_secs(10), || async {
        let all = texts(c, "#history-body tr").await;
        let kinds = c
            .execute(
                "return Array.from(document.querySelectorAll('#history-body tr')).map(r => r.dataset.kind + '/' + r.dataset.account)",
                vec![],
            )
            .await
            .ok()?;
        let kinds: Vec<String> = serde_json::from_value(kinds).ok()?;
        (!all.is_empty() && kinds.iter().all(|k| k == &format!("notification/{AGORA_ID}")))
            .then_some(())
    })
    .await;
    // Each notification row names its vendor and account, and shows the severity of what it
    // told as a badge (not the notification server's urgency).
    let cells = c
        .execute(
            "return Array.from(document.querySelectorAll('#history-body tr')).map(r => [r.dataset.vendor, r.cells[2].textContent, r.cells[5].querySelector('.badge') ? r.cells[5].textContent : '(no badge) ' + r.cells[5].textContent])",
            vec![],
        )
        .await?;
    let cells: Vec<[String; 3]> = serde_json::from_value(cells)?;
    for [vendor, account, severity] in &cells {
        assert_eq!(vendor, "agora", "notification rows: {cells:?}");
        assert_eq!(account, "AI agents (e2e)", "notification rows: {cells:?}");
        assert!(
            ["ok", "info", "warning", "critical", "unknown"].contains(&severity.as_str()),
            "notification rows: {cells:?}"
        );
    }

    // Export: a CSV file in the Downloads folder, named in the message.
    click(c, "#hist-export").await?;
    let msg = until("the export message", Duration::from_secs(15), || async {
        let t = text(c, "#hist-export-msg").await.ok()?;
        t.starts_with("Exported to").then_some(t)
    })
    .await;
    let file = PathBuf::from(msg.trim_start_matches("Exported to ").trim());
    assert!(
        file.starts_with(&desktop.home),
        "exported outside the test HOME: {}",
        file.display()
    );
    let csv = std::fs::read_to_string(&file)?;
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.contains("kind"), "CSV header: {header}");
    // The export follows the filters: this account's notifications, each with its vendor,
    // account name and severity (columns 4, 6 and 12).
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(!rows.is_empty(), "CSV has no rows:\n{csv}");
    for row in &rows {
        assert_eq!(
            row.get(2..6),
            Some(&["notification", "agora", AGORA_ID, "AI agents (e2e)"][..]),
            "CSV:\n{csv}"
        );
        assert!(
            ["ok", "info", "warning", "critical", "unknown"].contains(&row[11]),
            "CSV:\n{csv}"
        );
    }
    std::fs::copy(&file, artifacts.join("history-export.csv"))?;
    web::select(c, "#hist-kind", "").await?;
    web::select(c, "#hist-account", "").await?;
    click(c, "#tab-live").await?;
    Ok(())
}

/// Step 4c: vendor text is shown as text. Agora agents whose ids hold markup, a right-to-left
/// override and 2,000 characters appear in the live view, the timeline's tooltip and the
/// history table as the very characters the vendor sent: no element is made of them, and the
/// page does not grow sideways.
async fn step4c_hostile_text_stays_text(
    c: &fantoccini::Client,
    sims: &DemoSims,
    artifacts: &Path,
) -> R<()> {
    use agentwatch_sim::agora::SimAgent;
    let markup = r#"<b>x</b><a href="http://a">y</a>"#.to_string();
    let rtl = "rtl-\u{202e}gnp.exe".to_string();
    let long = format!("long-{}", "w".repeat(1995));
    let ids = vec![markup.clone(), rtl.clone(), long.clone()];
    let channel = AgoraSim::demo_agents()[0].channel.clone();
    for id in &ids {
        sims.agora
            .add_agent(SimAgent::new(id, &channel, "RUNNING").named(&format!("{id} (name)")));
    }
    click(c, "#tab-live").await?;
    let rows = until(
        "the hostile agents in the live view",
        Duration::from_secs(30),
        || async {
            let found = c
                .execute(
                    "const rows = Array.from(document.querySelectorAll('#agents-body tr'));\
                     return arguments[0].map(id => { const r = rows.find(r => r.dataset.agent === id); return r ? r.textContent : null; });",
                    vec![json!(ids)],
                )
                .await
                .ok()?;
            let found: Vec<Option<String>> = serde_json::from_value(found).ok()?;
            found.into_iter().collect::<Option<Vec<String>>>()
        },
    )
    .await;
    for (id, row) in ids.iter().zip(&rows) {
        assert!(
            row.contains(id.as_str()),
            "the row shows {id:?} as written: {row:?}"
        );
    }
    assert_no_markup_made(c, "#agents-body").await?;
    // Neither the page nor its scrolling part (main) grows sideways.
    let overflow = c
        .execute(
            "const main = document.querySelector('#main');
             const by = Math.max(document.documentElement.scrollWidth - window.innerWidth, main.scrollWidth - main.clientWidth);
             // The element reaching furthest to the right, to name the culprit.
             let widest = '';
             let right = window.innerWidth + 1;
             for (const el of document.querySelectorAll('#main *')) {
               const r = el.getBoundingClientRect().right;
               if (r > right) { right = r; widest = `${el.tagName.toLowerCase()}#${el.id}.${el.className}`; }
             }
             return [by, widest]",
            vec![],
        )
        .await?;
    assert!(
        overflow[0].as_f64().unwrap_or(f64::MAX) <= 1.0,
        "a 2,000-character id pushed the page sideways by {} px (furthest: {})",
        overflow[0],
        overflow[1]
    );
    // One line per agent, whatever its id (the spacers of the rows out of view aside).
    let tallest = c
        .execute(
            "let tallest = [0, ''];
             for (const r of document.querySelectorAll('#agents-body tr[data-agent]')) {
               const height = r.getBoundingClientRect().height;
               if (height > tallest[0]) tallest = [height, r.dataset.agent.slice(0, 40)];
             }
             return tallest",
            vec![],
        )
        .await?;
    assert!(
        tallest[0].as_f64().unwrap_or(f64::MAX) <= 40.0,
        "a long id made the row of {} {} px tall",
        tallest[1],
        tallest[0]
    );
    c.execute(
        "Array.from(document.querySelectorAll('#agents-body tr')).find(r => r.dataset.agent === arguments[0]).scrollIntoView({block: 'center'})",
        vec![json!(markup)],
    )
    .await?;
    std::fs::write(
        artifacts.join("hostile-text-live.png"),
        c.screenshot().await?,
    )?;

    // The timeline's tooltip and the history table, for the markup id.
    click(c, "#tab-history").await?;
    let tip = until(
        "the hostile agent's band details",
        Duration::from_secs(20),
        || async {
            let _ = click(c, "#hist-refresh").await;
            c.execute(
                "const lane = Array.from(document.querySelectorAll('#timeline g.lane')).find(l => l.dataset.agent === arguments[0]);\
                 const band = lane && lane.querySelector('.band'); if (!band) return null; band.focus();\
                 return document.querySelector('#timeline-tip').textContent;",
                vec![json!(markup)],
            )
            .await
            .ok()?
            .as_str()
            .filter(|t| t.contains(markup.as_str()))
            .map(str::to_string)
        },
    )
    .await;
    assert_no_markup_made(c, "#timeline-tip").await?;
    let row = until(
        "the hostile agent's row in the history table",
        Duration::from_secs(20),
        || async {
            c.execute(
                "const r = Array.from(document.querySelectorAll('#history-body tr')).find(r => r.dataset.agent === arguments[0]);\
                 return r ? r.textContent : null;",
                vec![json!(markup)],
            )
            .await
            .ok()?
            .as_str()
            .map(str::to_string)
        },
    )
    .await;
    assert!(row.contains(markup.as_str()), "history row: {row:?}");
    assert_no_markup_made(c, "#history-body").await?;
    println!("desktop test: hostile ids shown as text (tooltip {tip:?})");
    for id in &ids {
        sims.agora.remove_agent(id);
    }
    click(c, "#tab-live").await?;
    Ok(())
}

/// Step 4d: the network goes away for every account at once (every simulator drops every
/// connection): the tray's tooltip and the dashboard lead with "Network unavailable", dunst gets
/// one notification for it and none per account, and the network's return is quiet.
async fn step4d_network_unavailable(
    c: &fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
) -> R<()> {
    let before = session::notifications(&desktop.notifications).len();
    let switches = [
        sims.agora.faults(),
        sims.huawei.faults(),
        sims.segura.faults(),
    ];
    for faults in switches {
        faults.set(FaultRule::always(Fault::Reset));
    }
    let tip = until(
        "the tray's tooltip to lead with the network",
        Duration::from_secs(60),
        || async { session::tray_tooltip().filter(|t| t.starts_with("Network unavailable")) },
    )
    .await;
    let banner = until(
        "the dashboard's banner",
        Duration::from_secs(20),
        || async {
            text(c, "#condition-text")
                .await
                .ok()
                .filter(|t| t.starts_with("Network unavailable"))
        },
    )
    .await;
    until(
        "the network notification",
        Duration::from_secs(60),
        || async {
            session::notifications(&desktop.notifications)
                .into_iter()
                .skip(before)
                .find(|(_, summary, _, _)| summary == "Network unavailable")
        },
    )
    .await;
    for faults in switches {
        faults.clear();
    }
    click(c, "#btn-poll").await?;
    until(
        "the tooltip without the network condition",
        Duration::from_secs(60),
        || async {
            session::tray_tooltip()
                .filter(|t| !t.contains("Network unavailable") && !t.contains("unreachable"))
        },
    )
    .await;
    // (The agents step 4c removed may still be told gone meanwhile: not about the network.)
    let told: Vec<String> = session::notified_before_marker(&desktop.notifications)
        .await
        .into_iter()
        .skip(before)
        .map(|(_, summary, _, _)| summary)
        .filter(|s| s.contains("Network") || s.contains("reachable"))
        .collect();
    assert_eq!(
        told,
        ["Network unavailable"],
        "one notification for the three accounts, none per account, and a quiet return"
    );
    println!("desktop test: network down for every account: {tip:?}; banner {banner:?}");
    Ok(())
}

/// No bold text or link made from the vendor's markup (`<b>x</b><a href="http://a">y</a>`)
/// inside `scope`; the page's own bold figures (the counts by state) are not the vendor's.
async fn assert_no_markup_made(c: &fantoccini::Client, scope: &str) -> R<()> {
    let made = c
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0] + ' b, ' + arguments[0] + ' a[href]'))
               .filter((el) => el.tagName === 'A' || el.textContent === 'x').length",
            vec![json!(scope)],
        )
        .await?;
    assert_eq!(
        made,
        json!(0),
        "markup from vendor text became elements in {scope}"
    );
    Ok(())
}

/// Step 7: the history survives `kill -9` of the app while it polls every two seconds: the
/// rows are there and SQLite finds the file intact.
fn step7_history_survives_kill9(home: &Path, app_pid: u32) -> R<()> {
    use agentwatch_core::history::{History, HistoryFilter};
    let path = home.join(".local/share/agentwatch/history.sqlite3");
    let count = || -> Option<usize> {
        let h = History::open_existing(&path).ok()??;
        Some(h.query(&HistoryFilter::default()).ok()?.len())
    };
    let before = wait_for("history rows on disk", Duration::from_secs(20), || {
        count().filter(|n| *n > 0)
    });
    // Mid-poll: the app polls every POLL_SECS; kill it between two of them at a random point.
    std::thread::sleep(Duration::from_millis(700));
    let status = Command::new("kill")
        .args(["-9", &app_pid.to_string()])
        .status()?;
    assert!(status.success(), "kill -9 failed");
    wait_for("the app to die", Duration::from_secs(10), || {
        let stat = std::fs::read_to_string(format!("/proc/{app_pid}/stat")).unwrap_or_default();
        (stat.is_empty() || stat.contains(") Z")).then_some(())
    });
    // The bus lets the dead app's single-instance name go a moment later; an app started
    // before that forwards its start to nobody and stops ("NoReply").
    wait_for(
        "the bus to release the dead app's single-instance name",
        Duration::from_secs(10),
        || (!single_instance_name_owned()).then_some(()),
    );
    let h = History::open_existing(&path)?.ok_or("the history file is gone")?;
    h.check_integrity()?;
    let after = h.query(&HistoryFilter::default())?;
    assert!(
        after.len() >= before,
        "rows lost: {before} before kill -9, {} after",
        after.len()
    );
    println!(
        "desktop test: after kill -9 the history has {} rows and passes the integrity check",
        after.len()
    );
    Ok(())
}

/// Whether a running AgentWatch holds its single-instance name on the session bus.
fn single_instance_name_owned() -> bool {
    let names = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--type=method_call",
            "--print-reply",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    names.contains("io.agentwatch.desktop.SingleInstance")
}

/// Opens the add-account dialog and picks a vendor.
async fn open_add_form(c: &fantoccini::Client, vendor: &str) -> R<()> {
    click(c, "#tab-accounts").await?;
    click(c, "#btn-add-account").await?;
    find(c, "#account-dialog[open]").await?;
    web::select(c, "#acc-vendor", vendor).await?;
    Ok(())
}

async fn save_form_and_wait(c: &fantoccini::Client, id: &str) -> R<()> {
    click(c, "#acc-save").await?;
    until(
        "the dialog to close after saving",
        Duration::from_secs(20),
        || async {
            let open = web::attr(c, "#account-dialog", "open").await;
            if open.is_none() {
                Some(())
            } else {
                let msgs: Vec<String> = texts(c, "#account-form .msg")
                    .await
                    .into_iter()
                    .filter(|m| !m.trim().is_empty())
                    .collect();
                let msg = msgs.join(" | ");
                if !msg.is_empty() {
                    eprintln!("desktop test: form says: {msg}");
                }
                None
            }
        },
    )
    .await;
    find(c, &format!(".arow[data-account=\"{id}\"]")).await?;
    Ok(())
}

/// Step 1: An Agora account and its secret, typed in the UI: the secret lands in the Secret Service,
/// never in the config file.
async fn step1_agora_account_and_secret(
    c: &fantoccini::Client,
    sims: &DemoSims,
    config: &Path,
) -> R<()> {
    let agora = sims.agora.settings();
    open_add_form(c, "agora").await?;
    // Validation in place: plain http off loopback is refused beside the field.
    type_into(c, "#acc-id", "bad id!").await?;
    type_into(c, "#acc-base-url", "http://10.1.2.3:8043").await?;
    click(c, "#acc-name").await?;
    let msg = text(c, "#acc-base-url-msg").await?;
    assert!(msg.contains("https"), "base URL message: {msg:?}");
    let msg = text(c, "#acc-id-msg").await?;
    assert!(msg.contains("letters"), "id message: {msg:?}");
    // A prefix the API is served under is a path the core accepts: so does the form.
    type_into(c, "#acc-base-url", "https://10.1.2.3:8043/agora-prefix").await?;
    click(c, "#acc-name").await?;
    let msg = text(c, "#acc-base-url-msg").await?;
    assert_eq!(msg, "", "a base URL with a path prefix is refused");

    type_into(c, "#acc-id", AGORA_ID).await?;
    type_into(c, "#acc-name", "AI agents (e2e)").await?;
    type_into(c, "#acc-base-url", &sims.agora_url()).await?;
    type_into(c, "#acc-app-id", &agora.app_id).await?;
    type_into(c, "#acc-customer-id", &agora.customer_id).await?;
    // A wrong secret first: Test connection names the reason.
    type_into(c, "#acc-secret", "not-the-secret").await?;
    click(c, "#acc-all").await?;
    click(c, "#acc-test").await?;
    let failed = until(
        "a failed connection test",
        Duration::from_secs(30),
        || async {
            let t = text(c, "#test-result").await.ok()?;
            t.starts_with("Failed").then_some(t)
        },
    )
    .await;
    assert!(failed.contains("Credentials refused"), "{failed}");
    type_into(c, "#acc-secret", &agora.customer_secret).await?;
    click(c, "#acc-test").await?;
    let ok = until(
        "a successful connection test",
        Duration::from_secs(30),
        || async {
            let t = text(c, "#test-result").await.ok()?;
            t.starts_with("Connected").then_some(t)
        },
    )
    .await;
    println!("desktop test: agora test connection: {ok}");
    save_form_and_wait(c, AGORA_ID).await?;
    let row = text(c, &format!(".arow[data-account=\"{AGORA_ID}\"]")).await?;
    assert!(row.contains("Secret stored in the keyring"), "{row}");

    let found = secret_tool_search();
    assert!(
        found.contains(AGORA_ID),
        "secret-tool does not show the account: {found}"
    );
    assert!(
        found.contains(&agora.customer_secret),
        "secret-tool does not show the secret for {AGORA_ID}"
    );
    let on_disk = std::fs::read_to_string(config)?;
    assert!(
        on_disk.contains(AGORA_ID),
        "config file lacks the account:\n{on_disk}"
    );
    assert!(
        !on_disk.contains(&agora.customer_secret),
        "the secret leaked into the config file"
    );
    // And the UI was never given it back.
    let listed = invoke(c, "list_accounts", json!({})).await?.to_string();
    assert!(
        !listed.contains(&agora.customer_secret),
        "list_accounts returned the secret"
    );
    Ok(())
}

/// Step 2: Huawei (sign-in mode) and Segura accounts too, then agents of all three vendors are live.
async fn step2_watch_all_three_vendors(c: &fantoccini::Client, sims: &DemoSims) -> R<()> {
    let huawei_ids = agentwatch_sim::huawei::HuaweiSim::demo_agent_ids();
    open_add_form(c, "huawei").await?;
    type_into(c, "#acc-id", HUAWEI_ID).await?;
    type_into(c, "#acc-name", "Contact centre (e2e)").await?;
    type_into(c, "#acc-base-url", &sims.huawei_url()).await?;
    web::select(c, "#acc-auth", "signin").await?;
    type_into(c, "#acc-workno", agentwatch_sim::huawei::DEFAULT_WORKNO).await?;
    type_into(c, "#acc-secret", agentwatch_sim::huawei::DEFAULT_PASSWORD).await?;
    // Huawei agent ids are digits 101..999999: a bad one is refused in place.
    type_into(c, "#acc-watch-input", "12a").await?;
    click(c, "#acc-watch-add").await?;
    // The field is read by the core (a command): its answer arrives a moment later.
    let msg = until("the watch message", Duration::from_secs(10), || async {
        let t = text(c, "#acc-watch-msg").await.ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(msg.contains("101 and 999999"), "watch message: {msg:?}");
    type_into(c, "#acc-watch-input", &huawei_ids[..3].join(", ")).await?;
    click(c, "#acc-watch-add").await?;
    until("three watched ids", Duration::from_secs(10), || async {
        (texts(c, "#acc-watch-list li").await.len() >= 3).then_some(())
    })
    .await;
    save_form_and_wait(c, HUAWEI_ID).await?;

    open_add_form(c, "segura").await?;
    type_into(c, "#acc-id", SEGURA_ID).await?;
    type_into(c, "#acc-name", "Network connectors (e2e)").await?;
    type_into(c, "#acc-base-url", &sims.segura_url()).await?;
    type_into(
        c,
        "#acc-client-id",
        agentwatch_sim::segura::DEFAULT_CLIENT_ID,
    )
    .await?;
    type_into(
        c,
        "#acc-secret",
        agentwatch_sim::segura::DEFAULT_CLIENT_SECRET,
    )
    .await?;
    click(c, "#acc-all").await?;
    save_form_and_wait(c, SEGURA_ID).await?;

    click(c, "#tab-live").await?;
    for (account, at_least) in [(AGORA_ID, 1), (HUAWEI_ID, 3), (SEGURA_ID, 1)] {
        until(
            &format!("agents of {account} in the live view"),
            Duration::from_secs(40),
            || async {
                let n = c
                    .find_all(fantoccini::Locator::Css(&format!(
                        "#agents-body tr[data-account=\"{account}\"]"
                    )))
                    .await
                    .ok()?
                    .len();
                (n >= at_least).then_some(())
            },
        )
        .await;
    }
    // The Huawei account signed in a supervisor seat.
    assert!(sims
        .huawei
        .is_signed_in(agentwatch_sim::huawei::DEFAULT_WORKNO));
    Ok(())
}

/// Step 2b: the fourth vendor, `http-json`, through the form the dashboard draws from its
/// description: its own fields appear (and the other vendors' do not), a basic-auth user field
/// shows only for `auth = basic`, a bad pointer is refused in place, Test connection pages
/// through its simulator, and the saved account holds `[accounts.fields]` and
/// `[accounts.states]`. It is removed again so that the later steps see the three accounts.
async fn step2b_http_json_account_from_its_form(c: &fantoccini::Client, config: &Path) -> R<()> {
    use agentwatch_sim::http_json::{HttpJsonSim, DEFAULT_TOKEN};
    const ID: &str = "e2e-bots";
    let sim = HttpJsonSim::demo();
    let server = agentwatch_sim::SimServer::start(sim.router(), 0, None).await?;

    open_add_form(c, "http-json").await?;
    // The vendor choice comes from the registry; each vendor's fields from its description.
    let offered = texts(c, "#acc-vendor option").await;
    assert_eq!(offered.len(), 4, "four vendors offered: {offered:?}");
    assert!(
        c.find(fantoccini::Locator::Css("#acc-app-id"))
            .await
            .is_err(),
        "agora's field drawn for http-json"
    );
    for css in [
        "#acc-path",
        "#acc-auth",
        "#acc-fields-list",
        "#acc-fields-id",
        "#acc-fields-state",
        "#acc-states",
    ] {
        find(c, css).await?;
    }
    let secret_label = text(c, "#acc-secret-label").await?;
    assert_eq!(secret_label, "Token or API key");
    type_into(c, "#acc-auth", "basic").await?;
    let user_shown = web::attr(c, "[data-vendor-field=\"user\"]", "hidden")
        .await
        .is_none();
    assert!(user_shown, "the user field shows for basic authentication");
    assert_eq!(text(c, "#acc-secret-label").await?, "Password");
    type_into(c, "#acc-auth", "bearer").await?;
    let user_hidden = web::attr(c, "[data-vendor-field=\"user\"]", "hidden")
        .await
        .is_some();
    assert!(user_hidden, "the user field hides again");

    type_into(c, "#acc-id", ID).await?;
    type_into(c, "#acc-name", "Support bots (e2e)").await?;
    type_into(c, "#acc-base-url", &server.base_url()).await?;
    type_into(c, "#acc-path", agentwatch_sim::http_json::LIST_PATH).await?;
    type_into(c, "#acc-fields-list", "data/items").await?;
    click(c, "#acc-fields-id").await?;
    let msg = text(c, "#acc-fields-list-msg").await?;
    assert!(msg.contains("JSON Pointer"), "pointer message: {msg:?}");
    type_into(c, "#acc-fields-list", "/data/items").await?;
    type_into(c, "#acc-fields-id", "/id").await?;
    type_into(c, "#acc-fields-name", "/displayName").await?;
    type_into(c, "#acc-fields-state", "/presence/state").await?;
    type_into(c, "#acc-fields-next", "/meta/next").await?;
    // One state per line: WebDriver types a line break as the Enter key.
    let states = ["online = ok", "away = warning", "offline = critical"].join("\u{E007}");
    type_into(c, "#acc-states", &states).await?;
    type_into(c, "#acc-secret", DEFAULT_TOKEN).await?;
    // The longer form scrolls: bring the checkbox out from under the dialog's button row.
    c.execute(
        "document.querySelector('#acc-all').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await?;
    click(c, "#acc-all").await?;
    click(c, "#acc-test").await?;
    let ok = until(
        "a successful http-json connection test",
        Duration::from_secs(30),
        || async {
            let t = text(c, "#test-result").await.ok()?;
            (t.starts_with("Connected") || t.starts_with("Failed")).then_some(t)
        },
    )
    .await;
    assert!(ok.starts_with("Connected: 4 agents"), "{ok}");
    println!("desktop test: http-json test connection: {ok}");
    save_form_and_wait(c, ID).await?;

    let on_disk = std::fs::read_to_string(config)?;
    let saved = agentwatch_core::config::Config::parse(&on_disk, config)?;
    let account = saved
        .account(ID)
        .ok_or("the http-json account is not in the file")?;
    let settings = agentwatch_core::vendors::http_json::HttpJsonSettings::of(account)
        .map_err(|(k, m)| format!("{k}: {m}"))?;
    assert_eq!(settings.fields.state, "/presence/state");
    assert_eq!(
        settings.severity_of("away"),
        agentwatch_core::Severity::Warning
    );
    assert!(
        !on_disk.contains(DEFAULT_TOKEN),
        "the token leaked into the config file"
    );
    click(c, "#tab-live").await?;
    until(
        "the bots in the live view",
        Duration::from_secs(40),
        || async {
            let rows = c
                .find_all(fantoccini::Locator::Css(&format!(
                    "#agents-body tr[data-account=\"{ID}\"]"
                )))
                .await
                .ok()?;
            (rows.len() == 4).then_some(())
        },
    )
    .await;

    // Editing refills its fields from the saved account, nested ones included.
    click(c, "#tab-accounts").await?;
    click(
        c,
        &format!(".arow[data-account=\"{ID}\"] button[aria-label^=\"Edit\"]"),
    )
    .await?;
    let state = property(c, "#acc-fields-state", "value").await?;
    assert_eq!(state, "/presence/state");
    click(c, "#acc-cancel").await?;
    click(
        c,
        &format!(".arow[data-account=\"{ID}\"] button[aria-label^=\"Remove\"]"),
    )
    .await?;
    click(c, "#confirm-ok").await?;
    until(
        "the http-json account to go",
        Duration::from_secs(20),
        || async {
            c.find(fantoccini::Locator::Css(&format!(
                ".arow[data-account=\"{ID}\"]"
            )))
            .await
            .is_err()
            .then_some(())
        },
    )
    .await;
    click(c, "#tab-live").await?;
    Ok(())
}

/// Settings: start at login writes the autostart entry (in the app's own HOME) and removes it.
async fn settings_start_at_login(c: &fantoccini::Client, desktop: &session::Desktop) -> R<()> {
    let autostart = desktop.home.join(".config/autostart");
    let entry = || {
        std::fs::read_dir(&autostart)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "desktop"))
    };
    open_settings(c).await?;
    let checkbox = find(c, "#set-autostart").await?;
    assert!(
        !checkbox.is_selected().await?,
        "start at login is on in a fresh HOME"
    );
    checkbox.click().await?;
    save_settings(c).await?;
    let file = wait_for("the autostart entry", Duration::from_secs(10), entry);
    let text = std::fs::read_to_string(&file)?;
    assert!(
        text.contains("agentwatch-desktop") && text.contains("--hidden"),
        "{text}"
    );
    click(c, "#set-autostart").await?;
    save_settings(c).await?;
    wait_for("the autostart entry to go", Duration::from_secs(10), || {
        entry().is_none().then_some(())
    });
    click(c, "#tab-live").await?;
    Ok(())
}

/// Opens the Settings tab and waits until the saved settings are in its form.
async fn open_settings(c: &fantoccini::Client) -> R<()> {
    click(c, "#tab-settings").await?;
    until("the settings to load", Duration::from_secs(10), || async {
        let interval = property(c, "#set-interval", "value").await.ok()?;
        (!interval.is_empty()).then_some(())
    })
    .await;
    Ok(())
}

/// Submits the settings form and waits for the answer to be drawn back into it: clicking a box
/// before that would be undone when the saved settings refill the form.
async fn save_settings(c: &fantoccini::Client) -> R<()> {
    c.execute(
        "document.querySelector('#settings-saved').textContent = ''",
        vec![],
    )
    .await?;
    click(c, "#settings-form button[type=submit]").await?;
    let text = until(
        "the settings to be saved",
        Duration::from_secs(10),
        || async {
            let text = property(c, "#settings-saved", "textContent").await.ok()?;
            (!text.is_empty()).then_some(text)
        },
    )
    .await;
    assert_eq!(text, "Saved.", "saving the settings");
    Ok(())
}

/// Step 3: An agent fails in the simulator: the dashboard shows it within two poll intervals, dunst
/// got a critical notification naming it, and the tray says so.
async fn step3_failed_agent(
    c: &fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
    artifacts: &Path,
) -> R<()> {
    let agent = AgoraSim::demo_agents()[0].clone();
    let row = agora_row(&agent.agent_id);
    find(c, &row).await?;
    let before = session::notifications(&desktop.notifications).len();
    let failed_before = critical_agents(c).await?;
    let flipped = Instant::now();
    assert!(sims.agora.set_status(&agent.agent_id, "FAILED"));
    let limit = Duration::from_secs(2 * POLL_SECS) + Duration::from_millis(1500);
    until("the FAILED agent in the dashboard", limit, || async {
        (web::attr(c, &row, "data-severity").await.as_deref() == Some("critical")).then_some(())
    })
    .await;
    let shown_after = flipped.elapsed();
    println!("desktop test: FAILED shown in the dashboard after {shown_after:?} (poll interval {POLL_SECS} s)");
    // Not confirmed yet: the row says so, and nobody has been notified.
    let pending = until(
        "the change to show as pending",
        Duration::from_secs(2 * POLL_SECS),
        || async {
            // The page's text: a dense row's chip is cut short with an ellipsis.
            let t = property(c, &format!("{row} .chip.pending"), "textContent")
                .await
                .ok()?;
            t.contains("FAILED pending").then_some(t)
        },
    )
    .await;
    assert!(
        pending.contains(&format!("of {CONFIRM_WORSE} polls")),
        "{pending}"
    );
    assert!(
        !session::notifications(&desktop.notifications)
            .into_iter()
            .skip(before)
            .any(|(_, summary, _, _)| summary.contains(&agent.agent_id)),
        "a notification went out before the change was confirmed"
    );
    println!("desktop test: pending shown: {pending:?}");
    let state = text(c, &format!("{row} .state")).await?;
    assert!(state.contains("FAILED"), "{state}");

    let names = [agent.agent_id.clone(), agent.name.clone()];
    let note = wait_for(
        "a critical notification naming the agent",
        Duration::from_secs(15),
        || {
            session::notifications(&desktop.notifications)
                .into_iter()
                .skip(before)
                .find(|(_, summary, _, urgency)| {
                    summary.contains("FAILED")
                        && names
                            .iter()
                            .any(|n| !n.is_empty() && summary.contains(n.as_str()))
                        && urgency.eq_ignore_ascii_case("critical")
                })
        },
    );
    println!("desktop test: notification {note:?}");
    assert_eq!(note.0, "AgentWatch");

    // The tooltip as the desktop's tray host reads it: the item's ToolTip over D-Bus.
    let tooltip = until(
        "the tray tooltip to name a failure",
        Duration::from_secs(10),
        || async { session::tray_tooltip().filter(|t| t.contains("failed")) },
    )
    .await;
    let failed_now = critical_agents(c).await?;
    assert_eq!(failed_now, failed_before + 1);
    assert!(
        tooltip.contains(&format!("{failed_now} failed")),
        "tray tooltip: {tooltip}"
    );
    let summary = tooltip.lines().next().unwrap_or_default().to_string();
    until(
        "the dashboard header to say what the tray says",
        Duration::from_secs(10),
        || async {
            let shown = property(c, "#overall-text", "textContent").await.ok()?;
            (shown == summary).then_some(())
        },
    )
    .await;
    // And the icon drawn in the tray really is the red one.
    let shot = artifacts.join("screen-critical.png");
    let region = tray_region(&desktop.display)?;
    let red = until(
        "red pixels in the tray",
        Duration::from_secs(10),
        || async {
            session::screenshot_root(&desktop.display, &shot);
            let n = session::count_colour(&shot, region, "#d62828");
            (n > 40).then_some(n)
        },
    )
    .await;
    // The panel draws the tooltip when the pointer rests on the icon (its tray plugin runs in
    // the panel's plugin wrapper process, whose popup the tooltip is).
    let (cx, cy) = tray_icon_centre(&desktop.display)?;
    session::xdotool(&desktop.display, &["mousemove", &cx, &cy]);
    let (_, _, tip_width, _) = wait_for(
        "the panel to show the tray tooltip",
        Duration::from_secs(10),
        || {
            session::window_ids(
                &desktop.display,
                &["--onlyvisible", "--class", "wrapper-2.0"],
            )
            .iter()
            .filter_map(|id| session::geometry(&desktop.display, id))
            .find(|(_, _, w, _)| *w > 150)
        },
    );
    session::screenshot_root(&desktop.display, &artifacts.join("screen-tray-tooltip.png"));
    // Away from the tray and from the dashboard (whose hover effects would follow it).
    session::xdotool(&desktop.display, &["mousemove", "1275", "795"]);
    println!(
        "desktop test: tray tooltip {tooltip:?} ({tip_width} px wide on screen); {red} red pixels in the tray area"
    );
    Ok(())
}

/// How many agents are critical now, as the app reports it.
async fn critical_agents(c: &fantoccini::Client) -> R<usize> {
    let d = invoke(c, "dashboard", json!({})).await?;
    Ok(d["status"]["agents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|g| g["severity"] == json!("critical") && g["stale"] == json!(false))
                .count()
        })
        .unwrap_or(0))
}

/// The app's visible dashboard windows (title exactly "AgentWatch").
fn dashboard_windows(display: &str, app_pid: u32) -> Vec<String> {
    session::window_ids(
        display,
        &[
            "--onlyvisible",
            "--pid",
            &app_pid.to_string(),
            "--name",
            "AgentWatch",
        ],
    )
    .into_iter()
    .filter(|id| {
        Command::new("xdotool")
            .args(["getwindowname", id])
            .env("DISPLAY", display)
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "AgentWatch")
    })
    .collect()
}

fn wait_for_exit(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// Where the tray is on screen: the session's panel holds the tray alone.
fn tray_region(display: &str) -> R<(i32, i32, i32, i32)> {
    session::window_ids(display, &["--class", "xfce4-panel"])
        .iter()
        .filter_map(|id| session::geometry(display, id))
        .max_by_key(|(_, _, w, h)| w * h)
        .ok_or_else(|| "no panel window".into())
}

/// The middle of the tray icon, for xdotool.
fn tray_icon_centre(display: &str) -> R<(String, String)> {
    let (x, y, w, h) = tray_region(display)?;
    Ok(((x + w / 2).to_string(), (y + h / 2).to_string()))
}

/// Step 4: An account's simulator fails: one "unreachable" notification, no false agent changes,
/// its agents marked stale; then one recovery.
async fn step4_unreachable_account(
    c: &fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
) -> R<()> {
    let before = session::notifications(&desktop.notifications).len();
    sims.segura.faults().set(FaultRule::always(Fault::Http500));
    let unreachable = wait_for(
        "an unreachable notification",
        Duration::from_secs(30),
        || {
            session::notifications(&desktop.notifications)
                .into_iter()
                .skip(before)
                .find(|(_, summary, _, _)| {
                    summary.contains("Network connectors (e2e)") && summary.contains("unreachable")
                })
        },
    );
    println!("desktop test: {unreachable:?}");
    until(
        "stale Segura agents in the dashboard",
        Duration::from_secs(15),
        || async {
            let rows = c
                .find_all(fantoccini::Locator::Css(&format!(
                    "#agents-body tr.stale[data-account=\"{SEGURA_ID}\"]"
                )))
                .await
                .ok()?;
            (!rows.is_empty()).then_some(())
        },
    )
    .await;
    // More failed polls: still one notification, and no agent "changes". Counted on the
    // simulator's side (two more refused requests: the account backs off, 8 s then 16 s),
    // waiting without blocking the runtime the simulators answer on; then anything sent because
    // of them has reached dunst once a marker sent after them has.
    let refused = sims.segura.faults().hits();
    until("two more failed polls", Duration::from_secs(60), || async {
        (sims.segura.faults().hits() >= refused + 2).then_some(())
    })
    .await;
    session::notified_before_marker(&desktop.notifications).await;
    let during: Vec<_> = session::notifications(&desktop.notifications)
        .into_iter()
        .skip(before)
        .collect();
    let about_segura: Vec<_> = during
        .iter()
        .filter(|(_, s, b, _)| s.contains("Network connectors") || b.contains("Network connectors"))
        .collect();
    assert_eq!(
        about_segura.len(),
        1,
        "one notification for the outage, got {about_segura:#?}"
    );

    sims.segura.faults().clear();
    click(c, "#btn-poll").await?;
    let recovered = wait_for("a recovery notification", Duration::from_secs(60), || {
        session::notifications(&desktop.notifications)
            .into_iter()
            .skip(before)
            .find(|(_, summary, _, _)| {
                summary.contains("Network connectors (e2e)") && summary.contains("reachable again")
            })
    });
    println!("desktop test: {recovered:?}");
    let after: Vec<_> = session::notifications(&desktop.notifications)
        .into_iter()
        .skip(before)
        .collect();
    let about_segura = after
        .iter()
        .filter(|(_, s, b, _)| s.contains("Network connectors") || b.contains("Network connectors"))
        .count();
    assert_eq!(about_segura, 2, "outage + recovery only: {after:#?}");
    // The engine's history recorded it (the app's data folder under its HOME).
    let history = desktop.home.join(".local/share/agentwatch/history.sqlite3");
    assert!(history.exists(), "no history at {}", history.display());
    until(
        "Segura agents no longer stale",
        Duration::from_secs(15),
        || async {
            let rows = c
                .find_all(fantoccini::Locator::Css(&format!(
                    "#agents-body tr.stale[data-account=\"{SEGURA_ID}\"]"
                )))
                .await
                .ok()?;
            rows.is_empty().then_some(())
        },
    )
    .await;
    Ok(())
}

/// Step 6: Screenshots of the dashboard (webview) and the whole screen with the tray.
async fn step6_screenshots(
    c: &fantoccini::Client,
    desktop: &session::Desktop,
    artifacts: &Path,
) -> R<()> {
    click(c, "#tab-live").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(artifacts.join("dashboard.png"), c.screenshot().await?)?;
    click(c, "#tab-accounts").await?;
    find(c, ".arow").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(
        artifacts.join("dashboard-accounts.png"),
        c.screenshot().await?,
    )?;
    click(c, "#tab-events").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(
        artifacts.join("dashboard-events.png"),
        c.screenshot().await?,
    )?;
    click(c, "#tab-settings").await?;
    find(c, "#set-confirm-worse").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let confirm = web::attr(c, "#set-confirm-worse", "value").await;
    std::fs::write(
        artifacts.join("dashboard-settings.png"),
        c.screenshot().await?,
    )?;
    let shown = property(c, "#set-confirm-worse", "value").await?;
    assert_eq!(
        shown,
        CONFIRM_WORSE.to_string(),
        "settings show confirm_worse_polls {shown} ({confirm:?})"
    );
    click(c, "#tab-accounts").await?;
    click(c, &format!(".arow[data-account=\"{HUAWEI_ID}\"] button")).await?;
    find(c, "#account-dialog[open]").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(
        artifacts.join("dashboard-edit-huawei.png"),
        c.screenshot().await?,
    )?;
    click(c, "#acc-cancel").await?;
    click(c, "#tab-live").await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    session::screenshot_root(&desktop.display, &artifacts.join("screen.png"));
    // The tray menu, opened for real with the mouse.
    let (cx, cy) = tray_icon_centre(&desktop.display)?;
    session::xdotool(&desktop.display, &["mousemove", &cx, &cy, "click", "3"]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    session::screenshot_root(&desktop.display, &artifacts.join("tray-menu.png"));
    session::xdotool(&desktop.display, &["key", "Escape"]);
    Ok(())
}

/// Step 5: Closing the window destroys the webview (its WebKit processes exit); the app stays in
/// the tray and opens the dashboard again from there.
async fn step5_close_window(
    c: fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
    app_pid: u32,
    artifacts: &Path,
) -> R<()> {
    let display = &desktop.display;
    let with_window = session::rss_mib(app_pid).unwrap_or(0.0);
    let anon_with = session::status_mib(app_pid, "RssAnon:").unwrap_or(0.0);
    let web_rss: f64 = session::children_named(app_pid, "WebKit")
        .into_iter()
        .filter_map(session::rss_mib)
        .sum();
    let web_before = session::children_named(app_pid, "WebKitWebProces");
    assert!(
        !web_before.is_empty(),
        "no WebKitWebProcess child while the window is open"
    );
    let window = dashboard_windows(display, app_pid)
        .into_iter()
        .next()
        .ok_or("the dashboard window was not found")?;
    x11::close_window(display, window.parse()?);
    wait_for(
        "the dashboard window to be destroyed",
        Duration::from_secs(15),
        || dashboard_windows(display, app_pid).is_empty().then_some(()),
    );
    wait_for(
        "the WebKit web processes to exit",
        Duration::from_secs(20),
        || {
            session::children_named(app_pid, "WebKitWebProces")
                .is_empty()
                .then_some(())
        },
    );
    assert!(
        Path::new(&format!("/proc/{app_pid}")).exists(),
        "the app exited with its window"
    );
    // WebKit keeps its network process while the app lives; the app ends it once no webview is
    // left, so that a tray-only app holds no WebKit process at all.
    wait_for(
        "the WebKit network process to exit",
        Duration::from_secs(20),
        || {
            session::children_named(app_pid, "WebKit")
                .is_empty()
                .then_some(())
        },
    );
    // The app gives freed memory back a second after the window is gone: measure once its
    // resident memory has settled (two readings half a second apart within 1 MiB).
    wait_for(
        "the app's memory to settle",
        Duration::from_secs(20),
        || {
            let first = session::rss_mib(app_pid)?;
            std::thread::sleep(Duration::from_millis(500));
            let second = session::rss_mib(app_pid)?;
            ((first - second).abs() < 1.0).then_some(())
        },
    );
    let without_window = session::rss_mib(app_pid).unwrap_or(0.0);
    let anon_without = session::status_mib(app_pid, "RssAnon:").unwrap_or(0.0);
    let pss_without = session::pss_mib(app_pid).unwrap_or(0.0);
    let web_left = session::children_named(app_pid, "WebKit");
    assert!(
        web_left.is_empty(),
        "WebKit processes came back: {web_left:?}"
    );
    let report = format!(
        "app RSS with the window: {with_window:.0} MiB (anonymous {anon_with:.0} MiB) + WebKit children {web_rss:.0} MiB\n\
         app RSS without the window: {without_window:.0} MiB (anonymous {anon_without:.0} MiB, proportional share {pss_without:.0} MiB), no WebKit process left\n"
    );
    print!(
        "desktop test: {}",
        report
            .replace('\n', "\ndesktop test: ")
            .trim_end_matches("desktop test: ")
    );
    std::fs::write(artifacts.join("memory.txt"), report)?;
    // Ceilings for this debug build (measured: 133 MiB proportional, 39 MiB anonymous without
    // the window; BENCHMARKS.md): a leak, or a webview kept after closing, goes past them.
    assert!(
        pss_without > 0.0 && pss_without < MAX_PSS_WITHOUT_WINDOW_MIB,
        "the tray-only app holds {pss_without:.0} MiB (ceiling {MAX_PSS_WITHOUT_WINDOW_MIB} MiB)"
    );
    assert!(
        anon_without > 0.0 && anon_without < MAX_ANON_WITHOUT_WINDOW_MIB,
        "the tray-only app's own memory is {anon_without:.0} MiB (ceiling {MAX_ANON_WITHOUT_WINDOW_MIB} MiB)"
    );
    // The WebDriver session lost its window; end it without caring how.
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;

    // Still answering from the tray: a left click on the icon builds a new dashboard, which
    // loads in full with a new network process.
    let (cx, cy) = tray_icon_centre(display)?;
    session::xdotool(display, &["mousemove", &cx, &cy, "click", "1"]);
    let window = wait_for(
        "the dashboard to open again on a left click on the tray icon",
        Duration::from_secs(20),
        || {
            let windows = dashboard_windows(display, app_pid);
            let web = session::children_named(app_pid, "WebKitWebProces");
            windows.into_iter().next().filter(|_| !web.is_empty())
        },
    );
    // Drawn means text and badges in the lower left of the window, where no notification
    // popup (top right) can stand in for them; an unloaded webview is one flat colour.
    let _ = Command::new("dunstctl")
        .arg("close-all")
        .env("DISPLAY", display)
        .status();
    let shot = artifacts.join("screen-reopened.png");
    let colours = wait_for(
        "the reopened dashboard to be drawn",
        Duration::from_secs(20),
        || {
            session::screenshot_root(display, &shot);
            let (x, y, w, h) = session::geometry(display, &window)?;
            let n = session::count_distinct_colours(&shot, (x, y + 150, w / 2, h - 150));
            (n > 100).then_some(n)
        },
    );
    println!(
        "desktop test: left click on the tray reopened the dashboard ({colours} colours drawn)"
    );

    // The tray menu's "Open dashboard" does it too.
    x11::close_window(display, window.parse()?);
    wait_for(
        "the reopened dashboard to close",
        Duration::from_secs(15),
        || dashboard_windows(display, app_pid).is_empty().then_some(()),
    );
    session::xdotool(display, &["mousemove", &cx, &cy, "click", "3"]);
    std::thread::sleep(Duration::from_millis(700));
    session::screenshot_root(display, &artifacts.join("tray-menu-after-close.png"));
    // Menu: summary line, separator, Open dashboard (the first item that takes focus).
    session::xdotool(display, &["key", "Down", "Return"]);
    wait_for(
        "the dashboard to open from the tray menu",
        Duration::from_secs(20),
        || (!dashboard_windows(display, app_pid).is_empty()).then_some(()),
    );

    // Clicking a notification opens the dashboard (dunst supports actions): close the window
    // again, make an agent recover, and invoke the new notification's default action.
    let window = dashboard_windows(display, app_pid)
        .into_iter()
        .next()
        .ok_or("no dashboard window")?;
    x11::close_window(display, window.parse()?);
    wait_for(
        "the dashboard window to close again",
        Duration::from_secs(15),
        || dashboard_windows(display, app_pid).is_empty().then_some(()),
    );
    let _ = Command::new("dunstctl")
        .arg("close-all")
        .env("DISPLAY", display)
        .status();
    let before = session::notifications(&desktop.notifications).len();
    let agent = AgoraSim::demo_agents()[0].clone();
    assert!(sims.agora.set_status(&agent.agent_id, "RUNNING"));
    wait_for("the recovery notification", Duration::from_secs(15), || {
        session::notifications(&desktop.notifications)
            .into_iter()
            .skip(before)
            .find(|(_, summary, _, _)| {
                summary.contains(&agent.agent_id) && summary.contains("RUNNING")
            })
    });
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("dunstctl")
        .args(["action", "0"])
        .env("DISPLAY", display)
        .status()?;
    assert!(status.success(), "dunstctl action failed");
    wait_for(
        "the dashboard to open from the notification",
        Duration::from_secs(20),
        || (!dashboard_windows(display, app_pid).is_empty()).then_some(()),
    );
    println!("desktop test: clicking the notification opened the dashboard");

    // A second launch does not start a second app: the running one opens its dashboard.
    let window = dashboard_windows(display, app_pid)
        .into_iter()
        .next()
        .ok_or("no dashboard window")?;
    x11::close_window(display, window.parse()?);
    wait_for(
        "the dashboard window to close once more",
        Duration::from_secs(15),
        || dashboard_windows(display, app_pid).is_empty().then_some(()),
    );
    let mut second = Command::new(session::app_binary())
        .env("DISPLAY", display)
        .env("NO_AT_BRIDGE", "1")
        .env("HOME", &desktop.home)
        .env("AGENTWATCH_CONFIG", &desktop.config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let exited = wait_for_exit(&mut second, Duration::from_secs(20));
    if exited.is_none() {
        let _ = second.kill();
        let _ = second.wait();
        return Err(
            "a second launch kept running beside the first (single instance failed)".into(),
        );
    }
    println!("desktop test: second launch exited with {:?}", exited);
    wait_for(
        "the running instance to open its dashboard",
        Duration::from_secs(20),
        || (!dashboard_windows(display, app_pid).is_empty()).then_some(()),
    );
    assert!(
        Path::new(&format!("/proc/{app_pid}")).exists(),
        "the first instance is gone"
    );
    Ok(())
}
