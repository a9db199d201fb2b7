//! Driving the app's webview through tauri-driver + WebKitWebDriver with fantoccini.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub type R<T> = Result<T, Box<dyn std::error::Error>>;

pub async fn connect(port: u16, application: &str) -> R<Client> {
    connect_with_args(port, application, &[]).await
}

/// A WebDriver session with the app started with these command-line arguments.
pub async fn connect_with_args(port: u16, application: &str, args: &[&str]) -> R<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert(
        "tauri:options".into(),
        json!({ "application": application, "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    // An app that stops at start (its log says why) never opens the session: not a hang.
    let limit = Duration::from_secs(90);
    let mut builder = ClientBuilder::new(connector);
    builder.capabilities(caps);
    let url = format!("http://127.0.0.1:{port}");
    match tokio::time::timeout(limit, builder.connect(&url)).await {
        Ok(client) => Ok(client?),
        Err(_) => Err(format!(
            "{application} opened no WebDriver session within {limit:?}: see its log"
        )
        .into()),
    }
}

/// Polls an async check until it yields, with a deadline.
pub async fn until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Calls one of the app's commands from the page, as the dashboard does.
pub async fn invoke(c: &Client, command: &str, args: Value) -> R<Value> {
    let script = "const done = arguments[arguments.length - 1];
        window.__TAURI__.core.invoke(arguments[0], arguments[1])
          .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: e }));";
    let out = c.execute_async(script, vec![json!(command), args]).await?;
    match out.get("ok") {
        Some(v) => Ok(v.clone()),
        None => Err(format!("{command} failed: {}", out["err"]).into()),
    }
}

fn ctx<T, E: std::fmt::Debug>(what: &str, css: &str, r: Result<T, E>) -> R<T> {
    r.map_err(|e| format!("{what} {css:?}: {e:?}").into())
}

pub async fn find(c: &Client, css: &str) -> R<Element> {
    let found = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await;
    ctx("find", css, found)
}

/// Clicks the element, finding it again when a re-render made the first find stale and
/// scrolling it into view when something lies over it.
pub async fn click(c: &Client, css: &str) -> R<()> {
    let mut tries = 0;
    loop {
        // A re-render between finding and handing over the node also makes the find stale.
        let el = match find(c, css).await {
            Ok(el) => el,
            Err(e) if tries < 10 && e.to_string().contains("Stale") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        match el.click().await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 10 && e.is_stale_element_reference() => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // In a scrolling dialog a sticky footer can lie over the element: bring it to the
            // middle of its scroller, as a person would scroll to it, and click again.
            Err(e) if tries < 10 && format!("{e:?}").contains("ElementClickIntercepted") => {
                tries += 1;
                c.execute(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
                    vec![json!(css)],
                )
                .await?;
            }
            Err(e) => return ctx("click", css, Err(e)),
        }
    }
}

/// Replaces the field's text, finding it again when a re-render made the first find stale
/// (as `click` does): a list redrawn by its own refresh replaces its inputs.
pub async fn type_into(c: &Client, css: &str, text: &str) -> R<()> {
    let mut tries = 0;
    loop {
        let el = find(c, css).await?;
        let typed = match el.clear().await {
            Ok(()) => el.send_keys(text).await,
            Err(e) => Err(e),
        };
        match typed {
            Ok(()) => return Ok(()),
            Err(e) if tries < 10 && e.is_stale_element_reference() => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return ctx("type into", css, Err(e)),
        }
    }
}

/// Picks `value` in a `<select>` as the page sees a choice made: the value set and its
/// `change` event sent. Clicking the option (`select`) can leave WebKitGTK's own drop-down
/// open over the page, which then takes no click until it is dismissed.
pub async fn choose(c: &Client, css: &str, value: &str) -> R<()> {
    let done = c
        .execute(
            "const s = document.querySelector(arguments[0]);
             if (!s || !Array.from(s.options).some((o) => o.value === arguments[1])) return false;
             s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![json!(css), json!(value)],
        )
        .await?;
    if done != json!(true) {
        return Err(format!("{css} has no option {value:?}").into());
    }
    Ok(())
}

pub async fn select(c: &Client, css: &str, value: &str) -> R<()> {
    let el = find(c, css).await?;
    ctx("select in", css, el.select_by_value(value).await)
}

/// The element's text; the live view re-renders its rows on every update, so a row found a
/// moment ago can be stale: find it again then.
pub async fn text(c: &Client, css: &str) -> R<String> {
    let mut tries = 0;
    loop {
        let el = match find(c, css).await {
            Ok(el) => el,
            Err(e) if tries < 10 && e.to_string().contains("Stale") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        match el.text().await {
            Ok(t) => return Ok(t),
            Err(e) if tries < 10 && e.is_stale_element_reference() => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return ctx("text of", css, Err(e)),
        }
    }
}

/// A DOM property of the element (`value`, `textContent`) as the page holds it; "" when it is
/// not a string. WebDriver's visible text of an ellipsed or line-clamped element can be empty,
/// and a field's value is no text at all.
pub async fn property(c: &Client, css: &str, name: &str) -> R<String> {
    let value = c
        .execute(
            "return document.querySelector(arguments[0])[arguments[1]]",
            vec![json!(css), json!(name)],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_string())
}

/// A screenshot of what the page shows now: taken after two animation frames, since WebKit's
/// snapshot is of the last paint.
pub async fn painted(c: &Client) -> R<Vec<u8>> {
    next_paint(c).await?;
    Ok(c.screenshot().await?)
}

/// Waits until the page has drawn what it holds now (two animation frames).
pub async fn next_paint(c: &Client) -> R<()> {
    c.execute_async(
        "const done = arguments[arguments.length - 1];
         requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
        vec![],
    )
    .await?;
    Ok(())
}

/// Closes a dialog with one of its buttons, as a person does, and waits until the page under
/// it takes clicks again (the dialog gone, and drawn away).
pub async fn close_dialog(c: &Client, dialog: &str, button: &str) -> R<()> {
    click(c, button).await?;
    until(
        &format!("{dialog} to close"),
        Duration::from_secs(5),
        || async { attr(c, dialog, "open").await.is_none().then_some(()) },
    )
    .await;
    next_paint(c).await
}

/// Text of every element matching `css` (empty when none).
pub async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(list) = c.find_all(Locator::Css(css)).await {
        for el in list {
            if let Ok(t) = el.text().await {
                out.push(t);
            }
        }
    }
    out
}

pub async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .ok()?
        .attr(name)
        .await
        .ok()?
}

/// Presses keys on the keyboard, as a user would, to whatever has the focus.
pub async fn press(c: &Client, keys: &[fantoccini::key::Key]) -> R<()> {
    let text: String = keys
        .iter()
        .map(|key| key.chars().next().expect("a key code"))
        .collect();
    press_text(c, &text).await
}

/// Presses the keys of `text` one after the other (`"jj"`, `"a"`), to whatever has the focus.
pub async fn press_text(c: &Client, text: &str) -> R<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for value in text.chars() {
        actions = actions
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
    }
    c.perform_actions(actions).await?;
    Ok(())
}

/// Holds `modifier` while pressing `key` (Shift+Tab).
pub async fn chord(c: &Client, modifier: fantoccini::key::Key, key: fantoccini::key::Key) -> R<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let m = modifier.chars().next().expect("a key code");
    let k = key.chars().next().expect("a key code");
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: m })
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k })
        .then(KeyAction::Up { value: m });
    c.perform_actions(actions).await?;
    Ok(())
}

/// The id of the focused element ("" for one without an id, "BODY" when nothing has focus).
pub async fn focused(c: &Client) -> R<String> {
    let id = c
        .execute(
            "const e = document.activeElement; return !e || e === document.body ? 'BODY' : e.id",
            vec![],
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_string())
}
