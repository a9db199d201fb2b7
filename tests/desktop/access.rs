//! Keyboard-only use and readability of the dashboard, through the real webview: keys are
//! pressed with WebDriver actions (real key events in WebKit), colours are the computed ones.

use crate::web::{chord, click, find, focused, press, until, R};
use fantoccini::key::Key;
use serde_json::Value;
use std::time::Duration;

/// Every visible text's contrast with its background (WCAG AA), measured in the page.
async fn readability(c: &fantoccini::Client) -> R<Value> {
    Ok(c.execute(include_str!("contrast.js"), vec![]).await?)
}

/// The page follows the desktop's theme (dark or not) and every visible text of its Live,
/// Accounts and Settings tabs is readable in it; ends back on Live.
pub async fn assert_theme_readable(c: &fantoccini::Client, dark: bool) -> R<()> {
    let theme = if dark { "dark theme" } else { "light theme" };
    if assert_readable(c, &format!("{theme}, live view")).await? != dark {
        return Err(format!("the dashboard did not follow the {theme} of the desktop").into());
    }
    click(c, "#tab-accounts").await?;
    find(c, "#accounts-list .arow").await?;
    assert_readable(c, &format!("{theme}, accounts")).await?;
    click(c, "#tab-settings").await?;
    find(c, "#panel-settings:not([hidden]) input").await?;
    assert_readable(c, &format!("{theme}, settings")).await?;
    click(c, "#tab-live").await
}

/// Fails with the offending texts when any visible text is under WCAG AA contrast; tells
/// whether the page is in its dark theme.
pub async fn assert_readable(c: &fantoccini::Client, where_: &str) -> R<bool> {
    let report = readability(c).await?;
    let checked = report["checked"].as_u64().unwrap_or(0);
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    if checked < 20 {
        return Err(format!("{where_}: only {checked} texts found to check").into());
    }
    if !failures.is_empty() {
        return Err(format!("{where_}: texts under WCAG AA contrast: {failures:#?}").into());
    }
    println!("desktop test: {where_}: {checked} texts, all readable (WCAG AA)");
    Ok(report["dark"].as_bool().unwrap_or(false))
}

/// A supervisor without a mouse: Tab reaches the section tabs, arrows switch sections, Enter
/// opens the add-account form with the focus in it, Escape closes it, and the focus is always
/// drawn.
pub async fn keyboard_only(c: &fantoccini::Client) -> R<()> {
    c.execute(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)",
        vec![],
    )
    .await?;
    let mut path = Vec::new();
    for _ in 0..15 {
        press(c, &[Key::Tab]).await?;
        let now = focused(c).await?;
        path.push(now.clone());
        if now == "tab-live" {
            break;
        }
    }
    if path.last().map(String::as_str) != Some("tab-live") {
        return Err(format!("Tab never reached the Live tab: {path:?}").into());
    }
    if !path.iter().any(|id| id == "btn-poll") {
        return Err(format!("Tab skipped the Poll now button: {path:?}").into());
    }
    assert_focus_drawn(c).await?;

    press(c, &[Key::Right]).await?;
    expect_focus(c, "tab-accounts").await?;
    find(c, "#tab-accounts[aria-selected='true']").await?;
    find(c, "#panel-accounts:not([hidden])").await?;

    // Into the section: its first control is "Add account".
    press(c, &[Key::Tab]).await?;
    expect_focus(c, "btn-add-account").await?;
    assert_focus_drawn(c).await?;
    press(c, &[Key::Enter]).await?;
    find(c, "#account-dialog[open]").await?;
    let inside = c
        .execute(
            "return document.querySelector('#account-dialog').contains(document.activeElement)",
            vec![],
        )
        .await?;
    if inside != Value::Bool(true) {
        return Err("the account form opened without the focus in it".into());
    }
    press(c, &[Key::Escape]).await?;
    until(
        "Escape to close the account form",
        Duration::from_secs(5),
        || async {
            c.execute(
                "return !document.querySelector('#account-dialog').open",
                vec![],
            )
            .await
            .ok()
            .filter(|closed| closed == &Value::Bool(true))
        },
    )
    .await;
    expect_focus(c, "btn-add-account").await?;

    // Back to the tabs and Home: the Live view again.
    chord(c, Key::Shift, Key::Tab).await?;
    expect_focus(c, "tab-accounts").await?;
    press(c, &[Key::Home]).await?;
    expect_focus(c, "tab-live").await?;
    find(c, "#panel-live:not([hidden])").await?;
    println!(
        "desktop test: keyboard only: {} Tab presses to the sections, then arrows, Enter, Escape",
        path.len()
    );
    Ok(())
}

async fn expect_focus(c: &fantoccini::Client, id: &str) -> R<()> {
    let mut now = String::new();
    for _ in 0..20 {
        now = focused(c).await?;
        if now == id {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("expected the focus on #{id}, it is on {now:?}").into())
}

/// The focused control shows a focus ring (an outline of its own).
async fn assert_focus_drawn(c: &fantoccini::Client) -> R<()> {
    let ring = c
        .execute(
            "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]",
            vec![],
        )
        .await?;
    let style = ring[0].as_str().unwrap_or_default();
    let width: f64 = ring[1]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches("px")
        .parse()
        .unwrap_or(0.0);
    if style == "none" || width < 1.0 {
        return Err(format!("the focused control has no visible focus ring: {ring}").into());
    }
    Ok(())
}
