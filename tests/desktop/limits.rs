//! Desktop step: a time-in-state limit set in the account form (from the vendor's preset,
//! shortened for the test), an agent held in rest in the simulator past it, the live view
//! showing the time in state against the limit, and the warning reaching dunst.

use super::session;
use super::web::{click, find, property, text, texts, type_into, until, R};
use super::{save_form_and_wait, HUAWEI_ID, POLL_SECS};
use agentwatch_sim::demo::DemoSims;
use agentwatch_sim::huawei::HuaweiSim;
use std::time::Duration;

const REST: i64 = 8;
/// Longer than the confirmation of the change to rest (three polls of two seconds), so that the
/// rest is confirmed first and the crossing is its own change.
const WARNING: &str = "10s";

pub async fn step_limit_breach_reaches_dunst(
    c: &fantoccini::Client,
    sims: &DemoSims,
    desktop: &session::Desktop,
) -> R<()> {
    let agent = HuaweiSim::demo_agent_ids()[1];
    let was = sims
        .huawei
        .agent(agent)
        .ok_or("the demo agent is missing")?;

    // The account form offers the vendor's presets, as the core describes them.
    click(c, "#tab-accounts").await?;
    // Should the form not open, the page's own errors say why.
    let collect_errors = "window.__errs = []; window.addEventListener('error', \
        (e) => window.__errs.push(`${e.message} ${e.filename}:${e.lineno}`)); return 1";
    c.execute(collect_errors, vec![]).await?;
    click(
        c,
        &format!(".arow[data-account=\"{HUAWEI_ID}\"] button[aria-label^=\"Edit\"]"),
    )
    .await?;
    if let Err(e) = find(c, "#account-dialog[open]").await {
        let errs = c.execute("return window.__errs", vec![]).await?;
        return Err(format!("{e}; page errors: {errs}").into());
    }
    let presets = texts(c, "#acc-limits-presets button").await;
    for expected in [
        "Rest 15 min / 30 min",
        "Wrap-up 2 min / 5 min",
        "Busy 10 min / 20 min",
    ] {
        assert!(
            presets.iter().any(|p| p == expected),
            "{expected} not offered: {presets:?}"
        );
    }
    click(c, "#acc-limits-presets button:first-child").await?;
    let row = "#acc-limits-list li:first-child";
    assert_eq!(
        super::web::attr(c, &format!("{row} input:nth-child(1)"), "value")
            .await
            .as_deref(),
        Some("rest")
    );
    // A typo is refused in place; then the test's short limit.
    type_into(c, &format!("{row} input:nth-child(2)"), "10 sec").await?;
    click(c, "#acc-save").await?;
    let msg = until("the limit's message", Duration::from_secs(5), || async {
        text(c, "#acc-limits-msg")
            .await
            .ok()
            .filter(|m| !m.is_empty())
    })
    .await;
    assert!(msg.contains("not a duration"), "{msg}");
    type_into(c, &format!("{row} input:nth-child(2)"), WARNING).await?;
    type_into(c, &format!("{row} input:nth-child(3)"), "1h").await?;
    save_form_and_wait(c, HUAWEI_ID).await?;
    let config = std::fs::read_to_string(&desktop.config)?;
    assert!(
        config.contains("[accounts.time_limits") && config.contains(WARNING),
        "{config}"
    );

    let before = session::notifications(&desktop.notifications).len();
    sims.huawei.set_agent(agent, REST, false);
    click(c, "#tab-live").await?;
    let row = format!("#agents-body tr[data-account=\"{HUAWEI_ID}\"][data-agent=\"{agent}\"]");
    let limit = Duration::from_secs(6 * POLL_SECS + 20);
    let note = until("the time in state with its limit", limit, || async {
        property(c, &format!("{row} .time-in-state"), "textContent")
            .await
            .ok()
            .filter(|t| t.starts_with("rest ") && t.ends_with("/ 10 s limit"))
    })
    .await;
    println!("desktop test: live view says {note:?}");
    until("the limit passed in the live view", limit, || async {
        let over = find(c, &format!("{row} .time-in-state.limit-over"))
            .await
            .ok()?;
        drop(over);
        (super::web::attr(c, &row, "data-severity").await.as_deref() == Some("warning"))
            .then_some(())
    })
    .await;

    let note = session::wait_for("the limit's notification in dunst", limit, || {
        session::notifications(&desktop.notifications)
            .into_iter()
            .skip(before)
            .find(|(_, summary, _, _)| summary.contains(agent) && summary.contains(": rest for "))
    });
    println!("desktop test: limit notification {note:?}");
    assert!(note.2.contains("limit 10 s"), "{note:?}");
    // The account lists its team (no per-agent calls): the name comes from the listing, in
    // the live view with the id under it and in the notification's title.
    let name = HuaweiSim::demo_names()
        .into_iter()
        .find(|(id, _)| *id == agent)
        .map(|(_, name)| name)
        .ok_or("the demo agent has no name")?;
    assert!(
        note.1.starts_with(&format!("{name} ({agent}): rest for ")),
        "{note:?}"
    );
    // textContent: WebKit's driver reads a line-clamped cell's text as empty.
    let shown = c
        .execute(
            "const r = document.querySelector(arguments[0]); \
             return [r.querySelector('.agent-name').textContent, \
                     r.querySelector('.agent-id').textContent]",
            vec![serde_json::json!(row)],
        )
        .await?;
    assert_eq!(shown, serde_json::json!([name, agent]), "the live row");
    assert!(
        sims.huawei.stats().listing_requests > 0,
        "the team was not listed"
    );

    // Back to where the demo had it, so that the later steps start from the usual states.
    sims.huawei.set_agent(agent, was.state, was.working);
    until("the agent out of rest", limit, || async {
        let state = text(c, &format!("{row} .state")).await.ok()?;
        (state != "rest").then_some(())
    })
    .await;
    Ok(())
}
