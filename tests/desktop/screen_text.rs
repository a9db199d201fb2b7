//! No view ever shows `null`, `undefined`, `NaN` or `[object Object]`: what a program left
//! unfilled, never what a supervisor should read. Two ways to catch it in the real webview:
//! a watcher installed in the page reads everything on screen after every change for the
//! whole of a session (every view and dialog the test opens), and `read_every_view` walks
//! through the tabs and the account dialogs itself and reads each one.

use crate::web::{self, click, find, until, R};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Finds the garbage words in what is on screen: the rendered text (hidden tabs and closed
/// dialogs are not rendered), the placeholders, tooltips and labels of rendered elements, and
/// the values of their fields (passwords left out). One line per finding, with where it is.
const SCAN: &str = r#"
window.__awScan = () => {
  // Not inside a word ("annulled"), but also repeated ("nullnullnullnull": no word boundary).
  const bad = /(?:^|[^A-Za-z])(?:null|undefined|NaN)+(?:$|[^a-z])|\[object Object\]/;
  const where = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}`;
  const tab = document.querySelector('[role="tab"][aria-selected="true"]');
  const open = document.querySelector("dialog[open]");
  const context = `[tab ${tab ? tab.id : "?"}${open ? ", dialog #" + open.id : ""}]`;
  const found = [];
  for (const line of document.body.innerText.split("\n")) {
    if (bad.test(line)) found.push(`text "${line.trim().slice(0, 160)}" ${context}`);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], [alt], input, textarea")) {
    if (el.getClientRects().length === 0) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const v = el.getAttribute(name);
      if (v && bad.test(v)) found.push(`${name} of ${where(el)} "${v.slice(0, 160)}" ${context}`);
    }
    const value = el.type === "password" ? "" : el.value;
    if (typeof value === "string" && bad.test(value)) {
      found.push(`value of ${where(el)} "${value.slice(0, 160)}" ${context}`);
    }
  }
  return found;
};
"#;

/// Installs the scanner and a watcher that runs it a moment after every change of the page
/// (debounced), keeping what it finds until `assert_none_seen` reads it.
const WATCH: &str = r#"
if (!window.__awWatch) {
  const seen = new Set();
  window.__awWatch = seen;
  let timer = null;
  const check = () => {
    timer = null;
    for (const f of window.__awScan()) if (seen.size < 50) seen.add(f);
  };
  new MutationObserver(() => { if (!timer) timer = setTimeout(check, 150); })
    .observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });
  check();
}
"#;

/// Starts watching everything this page shows from now on.
pub async fn watch(c: &fantoccini::Client) -> R<()> {
    c.execute(&format!("{SCAN}{WATCH}"), vec![]).await?;
    Ok(())
}

/// Fails with every finding of the watcher since `watch`.
pub async fn assert_none_seen(c: &fantoccini::Client, session: &str) -> R<()> {
    // A change made just now is scanned after the watcher's short delay.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = c
        .execute(
            "return window.__awWatch ? Array.from(window.__awWatch) : null",
            vec![],
        )
        .await?;
    let seen: Option<Vec<String>> = serde_json::from_value(seen)?;
    let seen = seen.ok_or("the screen text watcher is not installed in this page")?;
    if !seen.is_empty() {
        return Err(format!(
            "{session}: the dashboard showed garbage:\n  {}",
            seen.join("\n  ")
        )
        .into());
    }
    Ok(())
}

/// What is on screen now that should not be.
async fn scan(c: &fantoccini::Client) -> R<Vec<String>> {
    let found = c
        .execute(&format!("{SCAN} return window.__awScan();"), vec![])
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// Each tab, once what it loads has arrived: (tab, a script true when it has).
const TABS: [(&str, &str); 5] = [
    ("#tab-live", "return true"),
    (
        "#tab-accounts",
        "return document.querySelector('#accounts-list').children.length > 0",
    ),
    ("#tab-events", "return true"),
    (
        "#tab-history",
        "return document.querySelector('#history-body').children.length > 0 || !document.querySelector('#history-empty').hidden",
    ),
    (
        "#tab-settings",
        "return document.querySelector('#set-interval').value !== '' && !!document.querySelector('#routes h2')",
    ),
];

/// Opens the tab and waits until what it loads has arrived (`loaded` says so).
async fn open_tab(c: &fantoccini::Client, tab: &str, loaded: &str) -> R<()> {
    click(c, tab).await?;
    until(
        &format!("{tab} to load"),
        Duration::from_secs(15),
        || async { (c.execute(loaded, vec![]).await.ok()? == Value::Bool(true)).then_some(()) },
    )
    .await;
    Ok(())
}

/// Reads the text of every tab, and of the account dialog of every vendor (and, when there
/// are accounts, the edit and remove dialogs of the first), failing on the first garbage.
/// Ends on the Live tab.
pub async fn read_every_view(c: &fantoccini::Client, session: &str) -> R<()> {
    let mut findings = Vec::new();
    for (tab, loaded) in TABS {
        open_tab(c, tab, loaded).await?;
        findings.extend(scan(c).await?);
    }
    // The account dialog of each vendor.
    click(c, "#tab-accounts").await?;
    let vendors: Vec<String> = serde_json::from_value(
        c.execute(
            "return Array.from(document.querySelector('#acc-vendor').options).map((o) => o.value)",
            vec![],
        )
        .await?,
    )?;
    click(c, "#btn-add-account").await?;
    find(c, "#account-dialog[open]").await?;
    for vendor in &vendors {
        web::choose(c, "#acc-vendor", vendor).await?;
        findings.extend(scan(c).await?);
    }
    web::close_dialog(c, "#account-dialog", "#acc-cancel").await?;
    if c.find(fantoccini::Locator::Css(".arow button"))
        .await
        .is_ok()
    {
        click(c, ".arow:first-child button[aria-label^='Edit']").await?;
        find(c, "#account-dialog[open]").await?;
        findings.extend(scan(c).await?);
        web::close_dialog(c, "#account-dialog", "#acc-cancel").await?;
        click(c, ".arow:first-child button[aria-label^='Remove']").await?;
        find(c, "#confirm-dialog[open]").await?;
        findings.extend(scan(c).await?);
        web::close_dialog(
            c,
            "#confirm-dialog",
            "#confirm-dialog button[value='cancel']",
        )
        .await?;
    }
    click(c, "#tab-live").await?;
    if !findings.is_empty() {
        return Err(format!(
            "{session}: the dashboard shows garbage:\n  {}",
            findings.join("\n  ")
        )
        .into());
    }
    println!("desktop test: no null, undefined or NaN on any view ({session})");
    Ok(())
}

/// A picture of every tab, and of the account form of the last vendor offered, as
/// `<prefix>-<tab>.png` in `artifacts` (for a person to look at). Ends on the Live tab.
pub async fn screenshot_every_view(
    c: &fantoccini::Client,
    artifacts: &Path,
    prefix: &str,
) -> R<()> {
    for (tab, loaded) in TABS {
        open_tab(c, tab, loaded).await?;
        let name = tab.trim_start_matches("#tab-");
        if name == "settings" {
            // Programs and webhooks, below the settings form.
            c.execute(
                "document.querySelector('#routes').scrollIntoView({block: 'center'})",
                vec![],
            )
            .await?;
        }
        std::fs::write(
            artifacts.join(format!("{prefix}-{name}.png")),
            web::painted(c).await?,
        )?;
    }
    click(c, "#tab-accounts").await?;
    click(c, "#btn-add-account").await?;
    find(c, "#account-dialog[open]").await?;
    web::choose(c, "#acc-vendor", "segura").await?;
    std::fs::write(
        artifacts.join(format!("{prefix}-account-form.png")),
        web::painted(c).await?,
    )?;
    web::close_dialog(c, "#account-dialog", "#acc-cancel").await?;
    click(c, "#tab-live").await?;
    Ok(())
}
