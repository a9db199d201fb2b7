//! Routing in the desktop app: the app's engine runs the config's `[[actions]]` and
//! `[[webhooks]]` (their outcomes under the notification in the Why list), Settings lists them,
//! and a webhook's URL typed into its write-only field goes to the real keyring
//! (`webhook:<id>`), is refused when not https off loopback, and never comes back to the page.

use crate::web::{click, find, invoke, text, texts, type_into, until, R};
use agentwatch_tests::secret_tool_search;
use serde_json::json;
use std::time::Duration;

pub const WEBHOOK_ID: &str = "e2e-chat";
const TOKEN: &str = "T0KENe2e9f8e7d6c5b4a3928";

/// Appended to the app's first config: a program and a webhook without a URL yet.
pub fn config() -> String {
    format!(
        "\n[[actions]]\ncommand = [\"/bin/true\"]\n\n[[webhooks]]\nid = \"{WEBHOOK_ID}\"\nformat = \"slack\"\n"
    )
}

/// Run after a notification went out (the failed agent of step 3).
pub async fn step_routes(c: &fantoccini::Client) -> R<()> {
    click(c, "#tab-live").await?;
    let outcomes = until(
        "route outcomes under a notified decision in the Why list",
        Duration::from_secs(30),
        || async {
            let all = texts(c, "#why-list li[data-outcome=\"notify\"] .route-outcome").await;
            (all.iter().any(|t| t.contains("action true: exit code 0"))
                && all
                    .iter()
                    .any(|t| t.contains(&format!("webhook {WEBHOOK_ID}: not sent: no URL"))))
            .then_some(all)
        },
    )
    .await;
    println!("desktop test: route outcomes {outcomes:?}");

    click(c, "#tab-settings").await?;
    let row = format!("#routes li[data-webhook=\"{WEBHOOK_ID}\"]");
    find(c, &row).await?;
    assert!(text(c, &row).await?.contains("No URL stored"));
    assert!(text(c, "#route-actions").await?.contains("/bin/true"));

    // Plain http off loopback is refused beside the field; nothing is stored.
    let input = format!("{row} input");
    type_into(c, &input, "http://chat.example.org/hook").await?;
    click(c, &format!("{row} button[type=\"submit\"]")).await?;
    let refused = until("the refusal", Duration::from_secs(10), || async {
        let t = text(c, &format!("{row} .msg")).await.ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(
        refused.contains("https") && !refused.contains("chat.example.org"),
        "{refused}"
    );
    assert!(!secret_tool_search().contains(&format!("webhook:{WEBHOOK_ID}")));

    // A loopback URL holding a token: stored in the keyring, never shown again.
    let url = format!("http://127.0.0.1:9/services/{TOKEN}");
    type_into(c, &input, &url).await?;
    click(c, &format!("{row} button[type=\"submit\"]")).await?;
    until("the URL stored", Duration::from_secs(10), || async {
        let t = text(c, &row).await.ok()?;
        t.contains("URL stored in the keyring").then_some(())
    })
    .await;
    let found = secret_tool_search();
    assert!(found.contains(&format!("webhook:{WEBHOOK_ID}")) && found.contains(TOKEN));
    let page = c.source().await?;
    assert!(!page.contains(TOKEN), "the page holds the webhook URL");
    let routes = invoke(c, "routes", json!({})).await?;
    assert!(
        !routes.to_string().contains(TOKEN),
        "routes answered the URL: {routes}"
    );
    assert_eq!(routes["webhooks"][0]["url"], "keyring");

    // Removing it from the keyring.
    click(c, &format!("{row} button[type=\"button\"]")).await?;
    until("the URL removed", Duration::from_secs(10), || async {
        let t = text(c, &row).await.ok()?;
        t.contains("No URL stored").then_some(())
    })
    .await;
    assert!(!secret_tool_search().contains(&format!("webhook:{WEBHOOK_ID}")));
    click(c, "#tab-live").await
}
