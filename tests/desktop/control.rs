//! Maintenance windows and control from scripts in the running app: a window started and ended
//! from an account card (the card and the tray's summary say "in maintenance until …"), and an
//! agent snoozed by `agentwatch snooze` from another process while the app runs (the dashboard
//! shows the snooze at once).

use super::session;
use super::web::{click, property, texts, until, R};
use agentwatch_sim::agora::AgoraSim;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(15);

pub async fn maintenance_and_snooze_from_a_script(
    c: &fantoccini::Client,
    account_id: &str,
) -> R<()> {
    click(c, "#tab-live").await?;
    let card = format!(".acard[data-account=\"{account_id}\"]");
    // The card's actions are in its menu.
    click(c, &format!("{card} button[data-action=\"account-menu\"]")).await?;
    click(c, &format!("{card} button[data-action=\"maintenance-60\"]")).await?;
    // (The page's text: the chip is cut short with an ellipsis when the card is narrow.)
    let chip = until("the card to say it is in maintenance", LIMIT, || async {
        let t = property(c, &format!("{card} .chip.maint"), "textContent")
            .await
            .ok()?;
        t.contains("in maintenance until").then_some(t)
    })
    .await;
    let tooltip = until("the tray to say it is in maintenance", LIMIT, || async {
        session::tray_tooltip().filter(|t| t.contains("in maintenance until"))
    })
    .await;
    println!("desktop test: card {chip:?}, tray {tooltip:?}");

    click(c, &format!("{card} button[data-action=\"account-menu\"]")).await?;
    click(
        c,
        &format!("{card} button[data-action=\"maintenance-end\"]"),
    )
    .await?;
    until("the card to leave maintenance", LIMIT, || async {
        texts(c, &format!("{card} .chip.maint"))
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    until("the tray to leave maintenance", LIMIT, || async {
        session::tray_tooltip().filter(|t| !t.contains("maintenance"))
    })
    .await;

    // A script snoozes an agent of the running app.
    let agent = AgoraSim::demo_agents()
        .pop()
        .ok_or("no demo agent")?
        .agent_id;
    let out = Command::new(agentwatch_tests::agentwatch_binary())
        .args(["snooze", &format!("{account_id}/{agent}"), "--for", "30m"])
        .output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "agentwatch snooze failed ({:?}): {said} {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    assert!(said.starts_with("snoozed agent "), "{said}");
    let row = format!("#agents-body tr[data-account=\"{account_id}\"][data-agent=\"{agent}\"]");
    until(
        "the dashboard to show the script's snooze",
        LIMIT,
        || async {
            let t = property(c, &format!("{row} .chip.snoozed"), "textContent")
                .await
                .ok()?;
            t.contains("snoozed").then_some(())
        },
    )
    .await;
    // Cleared from the dashboard, so that the steps after this one start from no snooze.
    click(c, &format!("{row} button[data-action=\"clear\"]")).await?;
    until("the snooze to be cleared", LIMIT, || async {
        texts(c, &format!("{row} .chip.snoozed"))
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    Ok(())
}
