//! Names, watch ranges and the agent picker in the dashboard (issue 10 §2, §3), on the accounts
//! step 2 made: the live view shows the vendor's name with the id under it and its filter finds
//! agents by name; the Segura account's picker lists the simulator's agents with their names,
//! saving a picked subset writes exactly that watch list, and "All agents" empties it again;
//! the Huawei form expands a typed range and names a reversed one in place.

use crate::web::{click, find, text, texts, type_into, until, R};
use agentwatch_core::config::Config;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

pub async fn names_ranges_and_the_picker(
    c: &fantoccini::Client,
    config_path: &Path,
    segura_id: &str,
    huawei_id: &str,
) -> R<()> {
    live_view_shows_names(c, segura_id).await?;
    picker_writes_the_picked_agents(c, config_path, segura_id).await?;
    ranges_expand_and_bad_ones_are_named(c, huawei_id).await?;
    // Back on the live view, where step 2 left the dashboard for the steps after this one.
    click(c, "#tab-live").await
}

/// Every agent row of the live view as (account/agent, the name cell's text, the id beside it).
async fn live_rows(c: &fantoccini::Client) -> Vec<(String, String, String)> {
    let rows = c
        .execute(
            "return Array.from(document.querySelectorAll('#agents-body tr[data-agent]')).map((tr) => [
               tr.dataset.account + '/' + tr.dataset.agent,
               (tr.querySelector('.agent-name') || {}).textContent || '',
               (tr.querySelector('.agent-id') || {}).textContent || ''])",
            vec![],
        )
        .await
        .unwrap_or_default();
    serde_json::from_value(rows).unwrap_or_default()
}

/// The Segura simulator names its agents: the name is the row's title, the id under it.
async fn live_view_shows_names(c: &fantoccini::Client, segura: &str) -> R<()> {
    click(c, "#tab-live").await?;
    let key = format!("{segura}/3");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let rows = live_rows(c).await;
        let row = rows.iter().find(|r| r.0 == key);
        if let Some((_, name, id)) = row {
            if name.trim() == "Branch office Recife" {
                assert_eq!(id.trim(), "3", "the id under the name");
                break;
            }
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("agent 3 is not shown by its name: {rows:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The filter finds the agent by its name: only its row stays.
    type_into(c, "#filter", "recife").await?;
    let rows = until("the filter to keep one row", WAIT, || async {
        let rows: Vec<String> = live_rows(c).await.into_iter().map(|r| r.0).collect();
        (rows.len() == 1).then_some(rows)
    })
    .await;
    assert_eq!(rows, [key]);
    // WebDriver's clear sends no input event: empty the filter the way the page listens for.
    c.execute(
        "const f = document.querySelector('#filter'); f.value = ''; f.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await?;
    Ok(())
}

async fn open_edit_form(c: &fantoccini::Client, account: &str) -> R<()> {
    click(c, "#tab-accounts").await?;
    click(
        c,
        &format!(".arow[data-account=\"{account}\"] button[aria-label^=\"Edit\"]"),
    )
    .await?;
    find(c, "#account-dialog[open]").await?;
    Ok(())
}

fn watch_of(config_path: &Path, account: &str) -> Option<Vec<String>> {
    Config::load(config_path)
        .ok()
        .and_then(|c| c.account(account).map(|a| a.watch.clone()))
}

async fn save_and_wait_for_watch(
    c: &fantoccini::Client,
    config_path: &Path,
    account: &str,
    expected: &[&str],
) -> R<()> {
    click(c, "#acc-save").await?;
    until("the saved watch list", WAIT, || async {
        let closed = crate::web::attr(c, "#account-dialog", "open")
            .await
            .is_none();
        let saved = watch_of(config_path, account)?;
        (closed && saved == expected).then_some(())
    })
    .await;
    Ok(())
}

/// The picker lists the three Segura agents with their names; agents 1 and 3 picked (3 found
/// through the filter) become the watch list; "All agents" makes it empty again.
async fn picker_writes_the_picked_agents(
    c: &fantoccini::Client,
    config_path: &Path,
    segura: &str,
) -> R<()> {
    open_edit_form(c, segura).await?;
    click(c, "#acc-pick").await?;
    let listed = until("the picker's list", WAIT, || async {
        let rows = texts(c, "#pick-list li").await;
        (rows.len() == 3).then_some(rows)
    })
    .await;
    for (name, id) in [
        ("Default", "1"),
        ("Datacenter Sao Paulo", "2"),
        ("Branch office Recife", "3"),
    ] {
        assert!(
            listed.iter().any(|r| r.contains(name) && r.contains(id)),
            "{name} ({id}) not listed: {listed:?}"
        );
    }
    type_into(c, "#pick-filter", "recife").await?;
    until("the filtered picker", WAIT, || async {
        (texts(c, "#pick-list li").await.len() == 1).then_some(())
    })
    .await;
    click(c, "#pick-list input[value=\"3\"]").await?;
    c.execute(
        "const f = document.querySelector('#pick-filter'); f.value = ''; f.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await?;
    click(c, "#pick-list input[value=\"1\"]").await?;
    let counted = text(c, "#pick-msg").await?;
    assert!(counted.contains("2 picked"), "{counted}");
    click(c, "#pick-use").await?;
    let chips = texts(c, "#acc-watch-list li").await;
    assert!(chips.len() >= 2, "{chips:?}");
    save_and_wait_for_watch(c, config_path, segura, &["1", "3"]).await?;

    // "All agents" from the picker: the watch list is empty again (as the later steps expect).
    open_edit_form(c, segura).await?;
    click(c, "#acc-pick").await?;
    until("the picker's list", WAIT, || async {
        (texts(c, "#pick-list li").await.len() == 3).then_some(())
    })
    .await;
    let checked = c
        .execute(
            "return Array.from(document.querySelectorAll('#pick-list input:checked')).map((i) => i.value)",
            vec![],
        )
        .await?;
    assert_eq!(checked, serde_json::json!(["1", "3"]), "the saved picks");
    click(c, "#pick-all").await?;
    save_and_wait_for_watch(c, config_path, segura, &[]).await
}

/// A typed range becomes its ids; a reversed one is named beside the field, and nothing is
/// added. The form is cancelled: the Huawei account keeps its list.
async fn ranges_expand_and_bad_ones_are_named(c: &fantoccini::Client, huawei: &str) -> R<()> {
    open_edit_form(c, huawei).await?;
    let before = texts(c, "#acc-watch-list li").await.len();
    type_into(c, "#acc-watch-input", "104-106").await?;
    click(c, "#acc-watch-add").await?;
    let chips = until("the range's ids", WAIT, || async {
        let chips = texts(c, "#acc-watch-list li").await;
        chips.iter().any(|t| t.starts_with("106")).then_some(chips)
    })
    .await;
    for id in ["104", "105", "106"] {
        assert!(chips.iter().any(|t| t.starts_with(id)), "{id}: {chips:?}");
    }
    let after_range = chips.len();
    assert!(after_range > before, "{chips:?}");

    type_into(c, "#acc-watch-input", "110-105").await?;
    click(c, "#acc-watch-add").await?;
    let msg = until("the range's message", WAIT, || async {
        let t = text(c, "#acc-watch-msg").await.ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(msg.contains("\"110-105\" is reversed"), "{msg}");
    assert_eq!(
        crate::web::attr(c, "#acc-watch-input", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(texts(c, "#acc-watch-list li").await.len(), after_range);
    click(c, "#acc-cancel").await?;
    until("the form to close", WAIT, || async {
        crate::web::attr(c, "#account-dialog", "open")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    Ok(())
}
