//! The account form as a supervisor meets it: the shared fields show each vendor's own
//! examples, "Type the secret once" goes once the secret is typed and stays gone after a
//! successful test, and Test connection's answer is in sight wherever the form was scrolled.

use crate::web::{self, click, find, property, text, type_into, until, R};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Whether the test's answer is on screen inside the dialog: below its top, above its sticky
/// button row, and not empty.
const RESULT_IN_SIGHT: &str = "
  const d = document.querySelector('#account-dialog').getBoundingClientRect();
  const footer = document.querySelector('#account-dialog .actions').getBoundingClientRect();
  const r = document.querySelector('#test-result').getBoundingClientRect();
  return { inSight: r.height > 0 && r.top >= d.top && r.bottom <= footer.top + 1,
           result: [r.top, r.bottom], dialog: [d.top, d.bottom], footer: footer.top };";

/// Adds nothing: a Segura account is filled, checked, tested and cancelled. Every check runs
/// and every failure is reported; the dialog is closed whatever happened.
pub async fn the_form_guides_the_user(
    c: &fantoccini::Client,
    segura_url: &str,
    artifacts: &Path,
) -> R<()> {
    click(c, "#tab-accounts").await?;
    click(c, "#btn-add-account").await?;
    find(c, "#account-dialog[open]").await?;
    let mut failed = Vec::new();
    for check in [
        each_vendor_shows_its_own_examples(c).await,
        typing_the_secret_ends_the_request(c, segura_url).await,
        the_tests_answer_is_in_sight(c, artifacts).await,
    ] {
        if let Err(e) = check {
            failed.push(e.to_string());
        }
    }
    web::close_dialog(c, "#account-dialog", "#acc-cancel").await?;
    click(c, "#tab-live").await?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n").into())
    }
}

/// The placeholders of the id, name and base URL fields now.
async fn placeholders(c: &fantoccini::Client) -> R<[String; 3]> {
    Ok([
        property(c, "#acc-id", "placeholder").await?,
        property(c, "#acc-name", "placeholder").await?,
        property(c, "#acc-base-url", "placeholder").await?,
    ])
}

/// Each vendor's own examples, as its form description gives them, and no two alike.
async fn each_vendor_shows_its_own_examples(c: &fantoccini::Client) -> R<()> {
    let info = web::invoke(c, "app_info", json!({})).await?;
    let forms = info["vendors"]
        .as_array()
        .ok_or("app_info lists no vendors")?;
    let mut seen: Vec<[String; 3]> = Vec::new();
    for form in forms {
        let vendor = form["id"].as_str().ok_or("a vendor without an id")?;
        web::choose(c, "#acc-vendor", vendor).await?;
        let shown = placeholders(c).await?;
        let p = &form["placeholders"];
        let wanted = [&p["id"], &p["name"], &p["base_url"]]
            .map(|v| v.as_str().unwrap_or_default().to_string());
        if shown != wanted || wanted.iter().any(String::is_empty) {
            return Err(format!(
                "{vendor}'s form shows the examples {shown:?}; its own are {wanted:?}"
            )
            .into());
        }
        if let Some(same) = seen.iter().find(|s| s[0] == shown[0] || s[1] == shown[1]) {
            return Err(format!("{vendor}'s form shows another vendor's examples {same:?}").into());
        }
        seen.push(shown);
    }
    println!("desktop test: each vendor's examples in the account form: {seen:?}");
    Ok(())
}

/// A Segura account saved before its secret is typed: the form asks for it, and stops asking
/// as soon as it is typed.
async fn typing_the_secret_ends_the_request(c: &fantoccini::Client, segura_url: &str) -> R<()> {
    web::choose(c, "#acc-vendor", "segura").await?;
    type_into(c, "#acc-id", "e2e-form-check").await?;
    type_into(c, "#acc-name", "Form check (e2e)").await?;
    type_into(c, "#acc-base-url", segura_url).await?;
    type_into(
        c,
        "#acc-client-id",
        agentwatch_sim::segura::DEFAULT_CLIENT_ID,
    )
    .await?;
    click(c, "#acc-save").await?;
    let asked = until(
        "the form to ask for the secret",
        Duration::from_secs(5),
        || async {
            let t = text(c, "#acc-secret-msg").await.ok()?;
            (!t.is_empty()).then_some(t)
        },
    )
    .await;
    if !asked.contains("Type the secret") {
        return Err(format!("the secret field says {asked:?}").into());
    }
    type_into(
        c,
        "#acc-secret",
        agentwatch_sim::segura::DEFAULT_CLIENT_SECRET,
    )
    .await?;
    let still = property(c, "#acc-secret-msg", "textContent").await?;
    if !still.is_empty() || web::attr(c, "#acc-secret", "aria-invalid").await.is_some() {
        return Err(format!("the typed secret is still marked: {still:?}").into());
    }
    Ok(())
}

/// Test connection with the form scrolled to its top: the answer comes into sight, and the
/// secret it used is not marked missing.
async fn the_tests_answer_is_in_sight(c: &fantoccini::Client, artifacts: &Path) -> R<()> {
    if property(c, "#acc-secret", "value").await?.is_empty() {
        type_into(
            c,
            "#acc-secret",
            agentwatch_sim::segura::DEFAULT_CLIENT_SECRET,
        )
        .await?;
    }
    let scrolls = c
        .execute(
            "const d = document.querySelector('#account-dialog'); d.scrollTop = 0; return d.scrollHeight > d.clientHeight;",
            vec![],
        )
        .await?;
    if scrolls != Value::Bool(true) {
        return Err("the Segura form fits the dialog: the fold cannot be checked".into());
    }
    click(c, "#acc-test").await?;
    let answer = until(
        "the connection test's answer",
        Duration::from_secs(30),
        || async {
            let t = text(c, "#test-result").await.ok()?;
            (t.starts_with("Connected") || t.starts_with("Failed")).then_some(t)
        },
    )
    .await;
    if !answer.starts_with("Connected") {
        return Err(format!("the Segura test failed: {answer}").into());
    }
    // Scrolled at once, or smoothly within a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let sight = loop {
        let v = c.execute(RESULT_IN_SIGHT, vec![]).await?;
        if v["inSight"] == Value::Bool(true) {
            break v;
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("Test connection's answer is out of sight: {v}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let still = property(c, "#acc-secret-msg", "textContent").await?;
    if !still.is_empty() {
        return Err(format!("after a successful test the secret field says {still:?}").into());
    }
    std::fs::write(
        artifacts.join("account-form-tested.png"),
        web::painted(c).await?,
    )?;
    println!("desktop test: Test connection's answer in sight ({sight}): {answer}");
    Ok(())
}
