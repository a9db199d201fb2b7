//! Benchmark: the desktop app's Live view with a big team (issue 19). The Huawei simulator lists
//! 2,000 and then 10,000 agents of one account to the real app (the release build, as shipped),
//! driven through WebDriver in a 1280×800 window; before each of 10 polls 5 % of the team
//! changes. It prints, for the view as shipped (a window of the rows in view) and for the same
//! view drawing every row:
//! - from the poll's status (`updated_ms`, set when the engine publishes it) to the page: when
//!   the event arrived, the script time of the update, and when the next frame was painted;
//! - the WebKit web process's memory (PSS, RSS) with the view open, against the demo's (three
//!   accounts, a dozen agents) in the same session;
//! - frames while scrolling through the table (3 rows a frame for 300 frames): the gaps between
//!   frames and the longest script task among the window's redraws.
//!
//! Run it with `cargo xtask bench --live`, which builds the release app and runs this inside
//! the private D-Bus session (`AGENTWATCH_DESKTOP_BIN` picks another binary). Artifacts in
//! target/artifacts/live-bench/.
#![cfg(target_os = "linux")]

#[path = "desktop/driver.rs"]
mod driver;
#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;
#[path = "desktop/team.rs"]
#[allow(dead_code)]
mod team;
#[path = "desktop/web.rs"]
#[allow(dead_code)]
mod web;

use serde_json::Value;
use session::{Procs, TrayHost};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;
use team::BigTeam;
use web::{until, R};

const POLLS: usize = 10;
const POLL_SECS: u64 = 2;
const CHANGING: f64 = 0.05;

#[derive(Default)]
struct Figures {
    label: String,
    agents: usize,
    arrived: Vec<f64>,
    script: Vec<f64>,
    painted: Vec<f64>,
    webkit_pss: f64,
    webkit_rss: f64,
    frame_gaps: Vec<f64>,
    longest_redraw: f64,
}

#[test]
#[ignore = "benchmark of the release app: run by `cargo xtask bench --live`"]
fn live_view_with_thousands_of_agents() {
    if !session::in_test_session() {
        return;
    }
    let artifacts = session::fresh_artifacts("live-bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut procs = Procs::default();
    let result = runtime.block_on(run(&mut procs, &artifacts));
    drop(procs);
    if let Err(e) = result {
        panic!(
            "the live view benchmark failed: {e} (logs in {})",
            artifacts.display()
        );
    }
}

async fn run(procs: &mut Procs, artifacts: &Path) -> R<()> {
    let tmp = tempfile::tempdir()?;
    let screen = session::start_sized(
        procs,
        artifacts,
        &tmp.path().join("unused"),
        &tmp.path().join("unused.toml"),
        TrayHost::None,
        "1920x1080x24",
    );
    let demo = demo_memory(procs, &screen, tmp.path(), artifacts).await?;
    let mut all = Vec::new();
    for (label, every_row) in [("window (as shipped)", false), ("every row drawn", true)] {
        for agents in [2000, 10000] {
            let measured = measure(
                procs,
                &screen,
                tmp.path(),
                artifacts,
                agents,
                label,
                every_row,
            )
            .await;
            let f = match measured {
                Ok(f) => f,
                Err(e) => {
                    // What was measured before stays on record.
                    print!("{}", report(&demo, &all));
                    return Err(format!("{label}, {agents} agents: {e}").into());
                }
            };
            println!("live bench: {label}, {agents} agents measured");
            all.push(f);
        }
    }
    let report = report(&demo, &all);
    print!("{report}");
    std::fs::write(artifacts.join("live-bench.txt"), report)?;
    Ok(())
}

/// A fresh profile (HOME, config) for one run.
fn profile(screen: &session::Desktop, tmp: &Path, name: &str, config: &str) -> R<session::Desktop> {
    let home = tmp.join(name);
    let path = home.join(".config/agentwatch/config.toml");
    std::fs::create_dir_all(path.parent().ok_or("no config folder")?)?;
    std::fs::write(&path, config)?;
    Ok(session::Desktop {
        display: screen.display.clone(),
        notifications: screen.notifications.clone(),
        home,
        config: path,
    })
}

async fn connect(
    procs: &mut Procs,
    desktop: &session::Desktop,
    artifacts: &Path,
    log: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> R<(fantoccini::Client, u32)> {
    let port = driver::start(procs, desktop, artifacts, log, env)?;
    let c = web::connect_with_args(
        port,
        session::app_binary().to_str().ok_or("app path")?,
        args,
    )
    .await?;
    let info = driver::until_dashboard_ready(&c).await;
    let pid = info["pid"].as_u64().ok_or("app_info has no pid")? as u32;
    procs.adopt("agentwatch-desktop", pid);
    c.set_window_rect(0, 0, 1280, 800).await?;
    Ok((c, pid))
}

/// The WebKit web process's memory (PSS, RSS in MiB) once it has stopped growing.
fn webkit_memory(pid: u32) -> (f64, f64) {
    let read = || {
        let web = session::children_named(pid, "WebKitWebProces");
        let pss: f64 = web.iter().filter_map(|p| session::pss_mib(*p)).sum();
        let rss: f64 = web.iter().filter_map(|p| session::rss_mib(*p)).sum();
        (pss, rss)
    };
    session::wait_for(
        "the web process's memory to settle",
        Duration::from_secs(60),
        || {
            let (first, _) = read();
            std::thread::sleep(Duration::from_secs(2));
            let (second, rss) = read();
            (first > 0.0 && (first - second).abs() < 1.0).then_some((second, rss))
        },
    )
}

/// The demo's web process with the live view open: what the big team is compared with.
async fn demo_memory(
    procs: &mut Procs,
    screen: &session::Desktop,
    tmp: &Path,
    artifacts: &Path,
) -> R<(f64, f64)> {
    let desktop = profile(screen, tmp, "demo", "")?;
    let (c, pid) = connect(procs, &desktop, artifacts, "app-demo.log", &[], &["--demo"]).await?;
    until("the demo's agents", Duration::from_secs(60), || async {
        let n = c
            .execute(
                "return document.querySelectorAll('#agents-body tr[data-agent]').length",
                vec![],
            )
            .await
            .ok()?;
        (n.as_u64()? >= 10).then_some(())
    })
    .await;
    let memory = webkit_memory(pid);
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    Ok(memory)
}

async fn last_timing(c: &fantoccini::Client) -> Value {
    c.execute(
        "const t = window.agentwatchLiveTimings; const last = t[t.length - 1]; return last && last.painted_ms ? last : null",
        vec![],
    )
    .await
    .unwrap_or(Value::Null)
}

async fn measure(
    procs: &mut Procs,
    screen: &session::Desktop,
    tmp: &Path,
    artifacts: &Path,
    agents: usize,
    label: &str,
    every_row: bool,
) -> R<Figures> {
    let mut team = BigTeam::start(agents).await?;
    let name = format!("team-{agents}-{}", if every_row { "all" } else { "window" });
    let desktop = profile(screen, tmp, &name, &team.config(POLL_SECS))?;
    let secret = (team::SECRET_VAR, agentwatch_sim::huawei::DEFAULT_PASSWORD);
    let (c, pid) = connect(
        procs,
        &desktop,
        artifacts,
        &format!("app-{name}.log"),
        &[secret],
        &[],
    )
    .await?;
    if every_row {
        c.execute(
            "localStorage.setItem('agentwatch.live.window', 'all'); location.reload()",
            vec![],
        )
        .await?;
        driver::until_dashboard_ready(&c).await;
    }
    let listed = format!("{agents}");
    until(
        "the team in the table",
        Duration::from_secs(120),
        || async {
            let text = web::property(
                &c,
                &format!("#agents-body tr[data-group=\"{}\"]", team::ACCOUNT),
                "textContent",
            )
            .await
            .ok()?;
            let digits: String = text
                .chars()
                .filter(|c| c.is_ascii_digit() || c.is_whitespace())
                .collect();
            digits.contains(&listed).then_some(())
        },
    )
    .await;
    let mut f = Figures {
        label: label.to_string(),
        agents,
        ..Figures::default()
    };
    let mut after = last_timing(&c).await["updated_ms"].as_i64().unwrap_or(0);
    for _ in 0..POLLS {
        // The change lands before the next poll: the update after it carries 5 % changed agents.
        let changed_at = agentwatch_core::clock::now_ms();
        team.change(CHANGING);
        // Not `until`, which panics: a view too slow to update is a figure to report.
        let limit = Duration::from_secs(4 * POLL_SECS + 20);
        let deadline = std::time::Instant::now() + limit;
        let t = loop {
            let t = last_timing(&c).await;
            if t["updated_ms"]
                .as_i64()
                .is_some_and(|at| at > after && at > changed_at)
            {
                break t;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "no update of the table within {limit:?} of a poll's change ({} updates done)",
                    f.painted.len()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let at = t["updated_ms"].as_f64().unwrap_or(0.0);
        after = at as i64;
        f.arrived
            .push(t["received_ms"].as_f64().unwrap_or(0.0) - at);
        f.script.push(t["script_ms"].as_f64().unwrap_or(0.0));
        f.painted.push(t["painted_ms"].as_f64().unwrap_or(0.0) - at);
    }
    (f.webkit_pss, f.webkit_rss) = webkit_memory(pid);
    let scroll = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const main = document.querySelector('#main');
             const draws = window.agentwatchWindowDraws; draws.length = 0;
             const row = document.querySelector('#agents-body tr[data-agent]').getBoundingClientRect().height;
             const gaps = []; let last = 0; const until = performance.now() + 20000;
             const frame = (t) => {
               if (last) gaps.push(t - last);
               last = t;
               // 300 frames, the table's end or 20 s (a loaded machine draws slowly): the
               // script's own time limit is 30 s.
               if (gaps.length >= 300 || t > until || main.scrollTop + main.clientHeight >= main.scrollHeight - 1) return done({ gaps, draws: draws.slice() });
               main.scrollTop += 3 * row;
               requestAnimationFrame(frame);
             };
             main.scrollTop = 0;
             requestAnimationFrame(frame);",
            vec![],
        )
        .await?;
    f.frame_gaps = serde_json::from_value(scroll["gaps"].clone())?;
    let draws: Vec<f64> = serde_json::from_value(scroll["draws"].clone())?;
    f.longest_redraw = draws.iter().cloned().fold(0.0, f64::max);
    std::fs::write(artifacts.join(format!("{name}.png")), c.screenshot().await?)?;
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    // The app ends with its WebDriver session; wait for it so the next run has the cores.
    session::wait_for("the app to end", Duration::from_secs(20), || {
        (!Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z")))
        .then_some(())
    });
    Ok(f)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(((s.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(0.0, f64::max)
}

fn report(demo: &(f64, f64), all: &[Figures]) -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "live view with a big team: {} in a 1280x800 window, {} % of the team changing before each of {POLLS} polls (poll every {POLL_SECS} s)",
        session::app_binary().display(),
        CHANGING * 100.0
    );
    let _ = writeln!(out, "load average at the end: {}", load.trim());
    let _ = writeln!(
        out,
        "from the poll's status to the page, ms (median / max):"
    );
    let _ = writeln!(
        out,
        "  {:<22} {:>7}  {:>15}  {:>15}  {:>15}",
        "view", "agents", "event arrived", "script", "frame painted"
    );
    for f in all {
        let _ = writeln!(
            out,
            "  {:<22} {:>7}  {:>7.0} / {:<5.0}  {:>7.0} / {:<5.0}  {:>7.0} / {:<5.0}",
            f.label,
            f.agents,
            median(&f.arrived),
            max(&f.arrived),
            median(&f.script),
            max(&f.script),
            median(&f.painted),
            max(&f.painted)
        );
    }
    let _ = writeln!(
        out,
        "WebKit web process with the view open, MiB (demo: PSS {:.1}, RSS {:.1}):",
        demo.0, demo.1
    );
    for f in all {
        let _ = writeln!(
            out,
            "  {:<22} {:>7}  PSS {:>6.1} ({:+.1} over the demo)  RSS {:>6.1}",
            f.label,
            f.agents,
            f.webkit_pss,
            f.webkit_pss - demo.0,
            f.webkit_rss
        );
    }
    let _ = writeln!(out, "scrolling 3 rows a frame, ms between frames (median / 95th / max, frames over 50 ms), longest redraw script:");
    for f in all {
        let over = f.frame_gaps.iter().filter(|g| **g > 50.0).count();
        let _ = writeln!(
            out,
            "  {:<22} {:>7}  {:>5.0} / {:>4.0} / {:<5.0} {:>3} of {:<3}  redraw {:.0}",
            f.label,
            f.agents,
            median(&f.frame_gaps),
            percentile(&f.frame_gaps, 0.95),
            max(&f.frame_gaps),
            over,
            f.frame_gaps.len(),
            f.longest_redraw
        );
    }
    out
}
