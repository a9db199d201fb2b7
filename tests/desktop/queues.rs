//! Skill queues and team counts in the dashboard (issue 20), on the Huawei account step 2 made:
//! the account form edits the queue thresholds and picks skills from those the account lists
//! (*Pick skills…*), and a team limit; the saved file holds them; the live view shows the
//! account's queue strip (calls waiting, the longest wait, free of signed in) coloured by
//! severity, and the team's counts. A queue that fills up turns its tile critical within a
//! poll; it is calmed again before its change could be confirmed, so that the later steps
//! hear nothing from it.

use crate::web::{click, find, text, texts, type_into, until, R};
use agentwatch_core::config::Config;
use agentwatch_sim::demo::DemoSims;
use agentwatch_sim::huawei::SimQueue;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

pub async fn step_queue_strip(
    c: &fantoccini::Client,
    sims: &DemoSims,
    config_path: &Path,
    huawei: &str,
    artifacts: &Path,
) -> R<()> {
    thresholds_and_skills_from_the_form(c, config_path, huawei).await?;
    the_strip_shows_the_queues_by_severity(c, sims, huawei, artifacts).await
}

async fn thresholds_and_skills_from_the_form(
    c: &fantoccini::Client,
    config_path: &Path,
    huawei: &str,
) -> R<()> {
    click(c, "#tab-accounts").await?;
    click(
        c,
        &format!(".arow[data-account=\"{huawei}\"] button[aria-label^=\"Edit\"]"),
    )
    .await?;
    find(c, "#account-dialog[open]").await?;
    // Offered for Huawei (its form lists the "queues" section), off until switched on.
    assert!(
        crate::web::attr(c, "#acc-queues", "hidden").await.is_none(),
        "the queues section is shown for a Huawei account"
    );
    click(c, "#acc-queues-on").await?;
    type_into(c, "[aria-label=\"Calls waiting: warning at\"]", "2").await?;
    type_into(c, "[aria-label=\"Calls waiting: critical at\"]", "1").await?;
    click(c, "#acc-save").await?;
    // A critical level below the warning is named in place; nothing is saved.
    let said = until("the queues message", WAIT, || async {
        let t = text(c, "#acc-queues-msg").await.ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(said.contains("higher than the warning"), "{said}");
    type_into(c, "[aria-label=\"Calls waiting: critical at\"]", "5").await?;
    type_into(c, "[aria-label=\"Longest wait: warning at\"]", "60s").await?;
    type_into(c, "[aria-label=\"Longest wait: critical at\"]", "3m").await?;

    // The skills the account lists, picked: vip and voice.
    click(c, "#acc-queues-pick").await?;
    let listed = until("the skill picker's list", WAIT, || async {
        let rows = texts(c, "#acc-queues-picker .skill-list li").await;
        (rows.len() == 3).then_some(rows)
    })
    .await;
    for (name, id) in [("voice", "1"), ("vip", "2"), ("web chat", "3")] {
        assert!(
            listed.iter().any(|r| r.contains(name) && r.contains(id)),
            "{name} ({id}) not listed: {listed:?}"
        );
    }
    click(c, "#acc-queues-picker input[value=\"2\"]").await?;
    click(c, "#acc-queues-picker input[value=\"1\"]").await?;
    click(c, "#acc-queues-use").await?;
    let chips = texts(c, "#acc-queues-skills li").await;
    assert_eq!(chips.len(), 2, "{chips:?}");

    // A team limit the watched agents meet (one idle): shown, never notified.
    click(c, "#acc-team-add").await?;
    type_into(
        c,
        "#acc-team-list li:last-child [aria-label^=\"State\"]",
        "idle",
    )
    .await?;
    type_into(
        c,
        "#acc-team-list li:last-child [aria-label^=\"Warning level\"]",
        "1",
    )
    .await?;

    click(c, "#acc-save").await?;
    let saved = until("the saved queues", WAIT, || async {
        let closed = crate::web::attr(c, "#account-dialog", "open")
            .await
            .is_none();
        let config = Config::load(config_path).ok()?;
        let account = config.account(huawei)?.clone();
        (closed && account.options.contains_key("queues")).then_some(account)
    })
    .await;
    let queues = &saved.options["queues"];
    assert_eq!(
        queues["skills"].as_array().map(|a| a.len()),
        Some(2),
        "{queues}"
    );
    assert_eq!(queues["waiting"]["critical"].as_integer(), Some(5));
    assert_eq!(queues["longest_wait"]["warning"].as_str(), Some("60s"));
    let team = saved.team.expect("the team limit is saved");
    assert_eq!(team.min_in_state["idle"].warning, Some(1));
    Ok(())
}

async fn the_strip_shows_the_queues_by_severity(
    c: &fantoccini::Client,
    sims: &DemoSims,
    huawei: &str,
    artifacts: &Path,
) -> R<()> {
    click(c, "#tab-live").await?;
    let tile = format!("#agents-body tr[data-group=\"{huawei}\"] .qtile[data-queue=\"queue:2\"]");
    until("the vip queue's tile", Duration::from_secs(40), || async {
        find(c, &tile).await.ok().map(|_| ())
    })
    .await;
    let tiles = texts(
        c,
        &format!("#agents-body tr[data-group=\"{huawei}\"] .queue-strip .qtile"),
    )
    .await;
    assert_eq!(tiles.len(), 2, "the two picked queues: {tiles:?}");
    let team = text(
        c,
        &format!("#agents-body tr[data-group=\"{huawei}\"] .team-line"),
    )
    .await?;
    assert!(team.contains("Team") && team.contains("idle"), "{team}");
    // The queues are not agents: not in the agents' table.
    let rows = c
        .find_all(fantoccini::Locator::Css(
            "#agents-body tr[data-agent^=\"queue:\"], #agents-body tr[data-agent=\"team\"]",
        ))
        .await?;
    assert!(rows.is_empty(), "items listed as agents");

    // Calls build up with nobody free: the tile turns critical and says so.
    sims.huawei.set_queue(2, SimQueue::new("vip", 4, 200, 0, 3));
    let critical = until("the vip tile to turn critical", WAIT, || async {
        let severity = crate::web::attr(c, &tile, "data-severity").await?;
        (severity == "critical").then_some(())
    });
    critical.await;
    std::fs::write(artifacts.join("queues.png"), crate::web::painted(c).await?)?;
    // The page's own rendered text: WebKit's WebDriver leaves out the name, an ellipsised
    // grid item, although it is on screen (queues.png).
    let shown = crate::web::property(c, &tile, "innerText").await?;
    for part in ["vip", "4", "waiting", "longest 3 min 20 s", "0/3 free"] {
        assert!(
            shown.contains(part),
            "{part} missing from the tile: {shown:?}"
        );
    }
    // Calm again before a third poll could confirm it.
    sims.huawei.set_queue(2, SimQueue::new("vip", 0, 0, 3, 3));
    until("the vip tile to calm down", WAIT, || async {
        let severity = crate::web::attr(c, &tile, "data-severity").await?;
        (severity == "ok").then_some(())
    })
    .await;
    Ok(())
}
