//! The Live view with a team of 2,000 (issue 19), in a session of its own on a 1920×1080 screen:
//! the Huawei simulator lists the team to the real app, driven through WebDriver in a 1280×800
//! window. Dense rows (at least 20 visible), rows updated in place across a poll (the same
//! elements, the changed ones marked), a severity chip that filters, "only problems", the sort by
//! time in state, a collapsed account that stays collapsed across a poll, the keyboard (move,
//! acknowledge, details), the wallboard full screen (every account's counts and at least 12
//! problem rows at 1920×1080), then the same profile restarted in a dark theme: the filter and
//! the sort are still there. Screenshots of the dense view and the wallboard, light and dark.

use crate::access;
use crate::driver;
use crate::session::{self, Procs, TrayHost};
use crate::team::{self, BigTeam};
use crate::web::{self, click, find, press, press_text, property, until, R};
use fantoccini::key::Key;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const TEAM: usize = 2000;
const POLL_SECS: u64 = 2;
const WAIT: Duration = Duration::from_secs(30);
/// Two polls and some: what an update may take to reach the page.
const NEXT_POLL: Duration = Duration::from_secs(3 * POLL_SECS + 10);

pub async fn big_team(procs: &mut Procs, artifacts: &Path) -> R<()> {
    let tmp = tempfile::tempdir()?;
    let home = tmp.path().join("home");
    let config = home.join(".config/agentwatch/config.toml");
    let desktop = session::start_sized(
        procs,
        artifacts,
        &home,
        &config,
        TrayHost::None,
        "1920x1080x24",
    );
    let mut team = BigTeam::start(TEAM).await?;
    std::fs::create_dir_all(config.parent().ok_or("no config folder")?)?;
    std::fs::write(&config, team.config(POLL_SECS))?;
    let secret = (team::SECRET_VAR, agentwatch_sim::huawei::DEFAULT_PASSWORD);

    let c = open(procs, &desktop, artifacts, "app-team.log", &[secret]).await?;
    dense_rows_fit(&c, artifacts, "live-dense.png").await?;
    access::assert_readable(&c, "light theme, live view of 2,000 agents").await?;
    rows_update_in_place(&c, &mut team).await?;
    chips_and_only_problems_filter(&c, &team).await?;
    sort_by_time_in_state(&c, &mut team).await?;
    collapse_survives_a_poll(&c).await?;
    keyboard(&c).await?;
    wallboard(&c, artifacts, "wallboard.png").await?;
    // What the next start must find again: a filter and the sort by time in state.
    web::type_into(&c, "#filter", "sofia").await?;
    until("the filter to apply", WAIT, || async {
        shown_rows(&c).await.ok().filter(|rows| {
            !rows.is_empty() && rows.iter().all(|r| r.text.to_lowercase().contains("sofia"))
        })
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;

    // The same profile started again under a dark desktop theme.
    let c = open(
        procs,
        &desktop,
        artifacts,
        "app-team-dark.log",
        &[secret, ("GTK_THEME", "Adwaita:dark")],
    )
    .await?;
    let kept = property(&c, "#filter", "value").await?;
    assert_eq!(kept, "sofia", "the filter did not survive the restart");
    let sorted = web::attr(&c, "#agents-table th.c-time", "aria-sort").await;
    assert_eq!(
        sorted.as_deref(),
        Some("ascending"),
        "the sort did not survive the restart"
    );
    until("the filtered rows after the restart", WAIT, || async {
        shown_rows(&c).await.ok().filter(|rows| {
            !rows.is_empty() && rows.iter().all(|r| r.text.to_lowercase().contains("sofia"))
        })
    })
    .await;
    // Back to the first view (no filter, worst first) for the pictures.
    c.execute("const f = document.querySelector('#filter'); f.value = ''; f.dispatchEvent(new Event('input'));", vec![])
        .await?;
    click(&c, "#agents-table th.c-sev button").await?;
    dense_rows_fit(&c, artifacts, "live-dense-dark.png").await?;
    if !access::assert_readable(&c, "dark theme, live view of 2,000 agents").await? {
        return Err("the live view did not follow the dark theme".into());
    }
    wallboard(&c, artifacts, "wallboard-dark.png").await?;
    let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
    Ok(())
}

/// Starts the app through tauri-driver with the team's profile and waits for the team's rows.
async fn open(
    procs: &mut Procs,
    desktop: &session::Desktop,
    artifacts: &Path,
    log: &str,
    env: &[(&str, &str)],
) -> R<fantoccini::Client> {
    let port = driver::start(procs, desktop, artifacts, log, env)?;
    let c = web::connect(port, session::app_binary().to_str().ok_or("app path")?).await?;
    let info = driver::until_dashboard_ready(&c).await;
    if let Some(pid) = info["pid"].as_u64() {
        procs.adopt("agentwatch-desktop (team)", pid as u32);
    }
    c.set_window_rect(0, 0, 1280, 800).await?;
    until("the window at 1280×800", WAIT, || async {
        let size = c
            .execute("return [innerWidth, innerHeight]", vec![])
            .await
            .ok()?;
        (size == json!([1280, 800])).then_some(())
    })
    .await;
    let header = format!("#agents-body tr[data-group=\"{}\"]", team::ACCOUNT);
    until(
        "the team's 2,000 agents listed",
        Duration::from_secs(60),
        || async {
            let text = property(&c, &header, "textContent").await.ok()?;
            (digits(&text).contains(&TEAM.to_string())).then_some(())
        },
    )
    .await;
    Ok(c)
}

/// A rendered agent row: its account/agent key, severity, text, and whether it is in view.
#[derive(Debug)]
struct Row {
    key: String,
    severity: String,
    text: String,
    visible: bool,
}

/// The agent rows in the document, in order, each said visible when wholly in view under the
/// sticky header.
async fn shown_rows(c: &fantoccini::Client) -> R<Vec<Row>> {
    let rows = c
        .execute(
            "const head = document.querySelector('#agents-table thead').getBoundingClientRect().bottom;
             const bottom = Math.min(innerHeight, document.querySelector('#main').getBoundingClientRect().bottom);
             return Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).map((r) => {
               const b = r.getBoundingClientRect();
               return [r.dataset.account + '/' + r.dataset.agent, r.dataset.severity, r.textContent,
                       b.top >= head - 0.5 && b.bottom <= bottom + 0.5 && b.height > 0];
             })",
            vec![],
        )
        .await?;
    let rows: Vec<(String, String, String, bool)> = serde_json::from_value(rows)?;
    Ok(rows
        .into_iter()
        .map(|(key, severity, text, visible)| Row {
            key,
            severity,
            text,
            visible,
        })
        .collect())
}

fn digits(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || c.is_whitespace())
        .collect()
}

/// The last update the page drew: the status's time (`updated_ms`), once it is painted.
async fn last_update(c: &fantoccini::Client) -> i64 {
    c.execute(
        "const t = window.agentwatchLiveTimings; const last = t[t.length - 1]; return last && last.painted_ms ? last.updated_ms : 0",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_i64())
    .unwrap_or(0)
}

/// Waits for an update newer than `after` (a poll's status drawn and painted).
async fn next_update(c: &fantoccini::Client, after: i64) -> i64 {
    until("the next poll's update", NEXT_POLL, || async {
        let now = last_update(c).await;
        (now > after).then_some(now)
    })
    .await
}

/// At 1280×800 with the account cards above the table, at least 20 agents are in view.
async fn dense_rows_fit(c: &fantoccini::Client, artifacts: &Path, shot: &str) -> R<()> {
    c.execute("document.querySelector('#main').scrollTop = 0", vec![])
        .await?;
    let visible = until("rows in view", WAIT, || async {
        let n = shown_rows(c)
            .await
            .ok()?
            .iter()
            .filter(|r| r.visible)
            .count();
        (n > 0).then_some(n)
    })
    .await;
    if visible < 20 {
        return Err(
            format!("only {visible} agents visible at 1280×800 (at least 20 wanted)").into(),
        );
    }
    let tallest = c
        .execute(
            "return Math.max(...Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).map((r) => r.getBoundingClientRect().height))",
            vec![],
        )
        .await?;
    let tallest = tallest.as_f64().unwrap_or(f64::MAX);
    if !(26.0..=33.0).contains(&tallest) {
        return Err(format!("rows are {tallest} px high (about 28 to 32 wanted)").into());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(artifacts.join(shot), c.screenshot().await?)?;
    println!("desktop test: {visible} of 2,000 agents visible at 1280×800, rows {tallest} px high");
    Ok(())
}

/// Sorted by agent (rows keep their places), 5 % of the team changes, some of them in view: after
/// the poll every row that was in the document before is the very same element, the changed ones
/// in view show their new state and are marked.
async fn rows_update_in_place(c: &fantoccini::Client, team: &mut BigTeam) -> R<()> {
    click(c, "#agents-table th.c-agent button").await?;
    until("the sort by agent", WAIT, || async {
        (web::attr(c, "#agents-table th.c-agent", "aria-sort")
            .await
            .as_deref()
            == Some("ascending"))
        .then_some(())
    })
    .await;
    let before_update = next_update(c, last_update(c).await).await;
    let before = c
        .execute(
            "window.__before = new Map(Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).map((r) => [r.dataset.agent, r]));
             return Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).filter((r) => r.getBoundingClientRect().top > 0 && r.getBoundingClientRect().bottom < innerHeight).map((r) => r.dataset.agent)",
            vec![],
        )
        .await?;
    let in_view: Vec<String> = serde_json::from_value(before)?;
    // Six agents in view change (not signed out: their severity stays, so do their places),
    // and 5 % of the team in all.
    let picked: Vec<usize> = in_view
        .iter()
        .filter_map(|id| id.parse::<usize>().ok().map(|n| n - 10001))
        .filter(|i| team.state(*i) != team::SIGNED_OUT)
        .take(6)
        .collect();
    // The 5 % first, then the six in view (whatever the 5 % did to them, this is their state).
    team.change(0.05 - picked.len() as f64 / TEAM as f64);
    let mut changed: Vec<(String, i64)> = Vec::new();
    for &i in &picked {
        let next = if team.state(i) == 7 { 4 } else { 7 };
        team.set(i, next);
        changed.push((team::agent_id(i), next));
    }
    let words = |state: i64| if state == 7 { "talking" } else { "idle" };
    let expected: Vec<(String, &str)> = changed
        .iter()
        .map(|(id, s)| (id.clone(), words(*s)))
        .collect();
    let seen = until("the changed rows in view to show their new state", NEXT_POLL, || async {
        let out = c
            .execute(
                "return arguments[0].map(([id, word]) => { const r = document.querySelector(`#agents-body tr[data-agent=\"${id}\"]`);
                   return r ? [r.querySelector('.state').textContent === word, /flash-[ab]/.test(r.className)] : null; })",
                vec![json!(expected)],
            )
            .await
            .ok()?;
        let out: Vec<Option<(bool, bool)>> = serde_json::from_value(out).ok()?;
        out.iter().all(|o| o.is_some_and(|(shows, _)| shows)).then_some(out)
    })
    .await;
    let marked = seen
        .iter()
        .filter(|o| o.is_some_and(|(_, flash)| flash))
        .count();
    let identity = c
        .execute(
            "let same = 0; const rebuilt = [];
             for (const r of document.querySelectorAll('#agents-body tr[data-agent]')) {
               const was = window.__before.get(r.dataset.agent);
               if (was === r) same += 1; else if (was) rebuilt.push(r.dataset.agent);
             }
             return [same, rebuilt]",
            vec![],
        )
        .await?;
    let (same, rebuilt): (usize, Vec<String>) = serde_json::from_value(identity)?;
    assert!(rebuilt.is_empty(), "rows rebuilt by a poll: {rebuilt:?}");
    assert!(same >= 20, "only {same} rows compared across the poll");
    assert!(marked > 0, "no changed row was marked: {seen:?}");
    // The update is timed once painted, a frame after the rows change: waited for, not read.
    next_update(c, before_update).await;
    println!("desktop test: a poll changed 100 agents: {same} rows kept their elements, {marked} of 6 changed rows in view marked");
    Ok(())
}

/// The "warning" chip shows only the signed-out agents (and says how many); "only problems"
/// shows warning, critical and unknown ones; both are undone by a second click.
async fn chips_and_only_problems_filter(c: &fantoccini::Client, team: &BigTeam) -> R<()> {
    let chip = "#sev-chips button[data-severity=\"warning\"]";
    click(c, chip).await?;
    let rows = until("only warnings in the table", WAIT, || async {
        let rows = shown_rows(c).await.ok()?;
        (!rows.is_empty() && rows.iter().all(|r| r.severity == "warning")).then_some(rows)
    })
    .await;
    assert_eq!(
        web::attr(c, chip, "aria-pressed").await.as_deref(),
        Some("true")
    );
    let count = property(c, "#live-count", "textContent").await?;
    let shown: String = count
        .split(" of ")
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(
        shown,
        team.signed_out().to_string(),
        "the count says {count:?}"
    );
    click(c, chip).await?;
    click(c, "#only-problems").await?;
    let problems = team.signed_out() + team.unknown();
    until("only problems in the table", WAIT, || async {
        let rows = shown_rows(c).await.ok()?;
        let only = rows
            .iter()
            .all(|r| ["warning", "critical", "unknown"].contains(&r.severity.as_str()));
        let count = property(c, "#live-count", "textContent").await.ok()?;
        let shown: String = count
            .split(" of ")
            .next()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (only && !rows.is_empty() && shown == problems.to_string()).then_some(())
    })
    .await;
    click(c, "#only-problems").await?;
    until("every severity again", WAIT, || async {
        shown_rows(c)
            .await
            .ok()?
            .iter()
            .any(|r| r.severity == "ok")
            .then_some(())
    })
    .await;
    println!(
        "desktop test: the warning chip showed {} rows ({count}), only problems too",
        rows.len()
    );
    Ok(())
}

/// Five agents change; sorted by time in state, shortest first, they lead the table.
async fn sort_by_time_in_state(c: &fantoccini::Client, team: &mut BigTeam) -> R<()> {
    let after = last_update(c).await;
    let fresh: Vec<String> = team
        .change(5.0 / TEAM as f64)
        .into_iter()
        .map(team::agent_id)
        .collect();
    // Twice: the first click sorts the longest in state first, the second the shortest.
    click(c, "#agents-table th.c-time button").await?;
    click(c, "#agents-table th.c-time button").await?;
    next_update(c, after).await;
    let first = until("the agents that just changed first", NEXT_POLL, || async {
        let rows = shown_rows(c).await.ok()?;
        let first: Vec<String> = rows
            .iter()
            .take(5)
            .map(|r| r.key.rsplit('/').next().unwrap_or_default().to_string())
            .collect();
        let mut sorted = first.clone();
        sorted.sort();
        let mut wanted = fresh.clone();
        wanted.sort();
        (sorted == wanted).then_some(first)
    })
    .await;
    assert_eq!(
        web::attr(c, "#agents-table th.c-time", "aria-sort")
            .await
            .as_deref(),
        Some("ascending")
    );
    println!("desktop test: sorted by time in state, shortest first: {first:?}");
    Ok(())
}

/// The account collapsed from its header stays collapsed across a poll, and opens again with
/// the right arrow key on its header.
async fn collapse_survives_a_poll(c: &fantoccini::Client) -> R<()> {
    let header = format!("#agents-body tr[data-group=\"{}\"]", team::ACCOUNT);
    click(c, &format!("{header} button[data-action=\"toggle-group\"]")).await?;
    until("the account collapsed", WAIT, || async {
        let rows = shown_rows(c).await.ok()?;
        (rows.is_empty()
            && web::attr(c, &header, "aria-expanded").await.as_deref() == Some("false"))
        .then_some(())
    })
    .await;
    let after = last_update(c).await;
    next_update(c, after).await;
    assert!(
        shown_rows(c).await?.is_empty(),
        "a poll opened the collapsed account"
    );
    assert_eq!(
        web::attr(c, &header, "aria-expanded").await.as_deref(),
        Some("false")
    );
    c.execute(
        "document.querySelector(arguments[0]).focus()",
        vec![json!(header)],
    )
    .await?;
    press(c, &[Key::Right]).await?;
    until("the account open again", WAIT, || async {
        (!shown_rows(c).await.ok()?.is_empty()).then_some(())
    })
    .await;
    Ok(())
}

/// Without the mouse: j moves to the account's header then its first agent, the arrows move
/// between agents, `a` acknowledges the focused one, Enter opens its details and Escape closes
/// them; the acknowledgement is then cleared from its row.
async fn keyboard(c: &fantoccini::Client) -> R<()> {
    c.execute("document.activeElement && document.activeElement.blur(); document.querySelector('#main').scrollTop = 0", vec![])
        .await?;
    let focused = || async {
        let v = c
            .execute(
                "const r = document.activeElement; if (!r || !r.dataset || r.dataset.agent === undefined) return null;
                 return [r.dataset.agent, r.querySelector('.agent-name').textContent, getComputedStyle(r).outlineStyle]",
                vec![],
            )
            .await
            .ok()?;
        serde_json::from_value::<Option<(String, String, String)>>(v).ok()?
    };
    press_text(c, "jj").await?;
    let (first, name, ring) = until("the focus on the first agent", WAIT, || async {
        focused().await
    })
    .await;
    assert_ne!(ring, "none", "the focused row has no focus ring");
    press(c, &[Key::Down]).await?;
    let (second, _, _) = until("the focus on the next agent", WAIT, || async {
        focused().await.filter(|f| f.0 != first)
    })
    .await;
    press(c, &[Key::Up]).await?;
    until("the focus back on the first agent", WAIT, || async {
        focused().await.filter(|f| f.0 == first)
    })
    .await;
    press_text(c, "a").await?;
    let row = format!("#agents-body tr[data-agent=\"{first}\"]");
    until("the agent acknowledged", WAIT, || async {
        let chip = property(c, &format!("{row} .chip.snoozed"), "textContent")
            .await
            .ok()?;
        chip.contains("acknowledged").then_some(())
    })
    .await;
    assert_eq!(
        focused().await.map(|f| f.0),
        Some(first.clone()),
        "the focus left the row"
    );
    // `c` copies the id: the page says whether the webview let it.
    press_text(c, "c").await?;
    let copied = until("the copy's outcome", WAIT, || async {
        let said = property(c, "#live-msg", "textContent").await.ok()?;
        (!said.is_empty()).then_some(said)
    })
    .await;
    assert!(
        copied.starts_with("Copied the id"),
        "copying the id: {copied:?}"
    );
    press(c, &[Key::Enter]).await?;
    find(c, "#agent-dialog[open]").await?;
    let title = property(c, "#agent-title", "textContent").await?;
    assert!(
        title.contains(name.trim()),
        "the details of {first} are titled {title:?}"
    );
    let facts = property(c, "#agent-facts", "textContent").await?;
    assert!(
        facts.contains(&first) && facts.contains("acknowledged"),
        "details: {facts:?}"
    );
    press(c, &[Key::Escape]).await?;
    until("the details closed", WAIT, || async {
        c.execute(
            "return !document.querySelector('#agent-dialog').open",
            vec![],
        )
        .await
        .ok()
        .filter(|v| v == &json!(true))
    })
    .await;
    click(c, &format!("{row} button[data-action=\"clear\"]")).await?;
    until("the acknowledgement cleared", WAIT, || async {
        web::texts(c, &format!("{row} .chip.snoozed"))
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    println!("desktop test: keyboard: j to {first} ({}), down to {second}, a acknowledged it, Enter showed its details", name.trim());
    Ok(())
}

/// The wallboard opens full screen: at 1920×1080 every account's counts and at least 12 rows of
/// agents that are not ok are on screen; Escape brings the dashboard back.
async fn wallboard(c: &fantoccini::Client, artifacts: &Path, shot: &str) -> R<()> {
    c.execute(
        "document.activeElement && document.activeElement.blur()",
        vec![],
    )
    .await?;
    press_text(c, "w").await?;
    find(c, "#wallboard:not([hidden])").await?;
    // Full screen where the desktop allows it (GTK covers the monitor); otherwise the window is
    // made the screen's size here.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut full = false;
    while !full && std::time::Instant::now() < deadline {
        full = c
            .execute("return [innerWidth, innerHeight]", vec![])
            .await?
            == json!([1920, 1080]);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    if !full {
        c.set_window_rect(0, 0, 1920, 1080).await?;
    }
    println!(
        "desktop test: the wallboard's window {} full screen by itself",
        if full { "went" } else { "did not go" }
    );
    let fit = until("the wallboard at 1920×1080", WAIT, || async {
        let out = c
            .execute(
                "if (innerWidth !== 1920 || innerHeight !== 1080) return null;
                 const inView = (el) => { const b = el.getBoundingClientRect(); return b.height > 0 && b.top >= 0 && b.bottom <= innerHeight + 0.5; };
                 const accounts = Array.from(document.querySelectorAll('.wb-account'));
                 return { rows: Array.from(document.querySelectorAll('.wb-row')).filter(inView).length,
                          accounts: accounts.length,
                          counted: accounts.filter((a) => inView(a) && Array.from(a.querySelectorAll('.wb-count')).every(inView) && a.querySelectorAll('.wb-count').length > 0).length,
                          more: (document.querySelector('.wb-more') || {}).textContent || '' }",
                vec![],
            )
            .await
            .ok()?;
        (out["rows"].as_u64()? > 0).then_some(out)
    })
    .await;
    let rows = fit["rows"].as_u64().unwrap_or(0);
    if rows < 12 || fit["counted"] != fit["accounts"] || fit["accounts"].as_u64() == Some(0) {
        return Err(format!("the wallboard at 1920×1080: {fit}").into());
    }
    let counts = property(
        c,
        &format!(".wb-account[data-account=\"{}\"]", team::ACCOUNT),
        "textContent",
    )
    .await?;
    assert!(
        counts.contains("signed out") && counts.contains("talking"),
        "the account's counts: {counts:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(artifacts.join(shot), c.screenshot().await?)?;
    press(c, &[Key::Escape]).await?;
    find(c, "#wallboard[hidden]").await?;
    c.set_window_rect(0, 0, 1280, 800).await?;
    println!("desktop test: wallboard at 1920×1080: {fit}");
    Ok(())
}
