//! A Segura connector re-registers on another port. Its state stays "registered", so while the
//! change waits for confirmation the dashboard must say what is pending: the row's mark and the
//! Why list name the re-registration and the port it moved to, never "registered pending".

use crate::web::{until, R};
use agentwatch_sim::segura::SeguraSim;
use std::time::Duration;

/// `account` watches every agent of `sim`; its first agent moves to another port and back.
pub async fn pending_re_registration_says_what(
    c: &fantoccini::Client,
    sim: &SeguraSim,
    account: &str,
    poll_secs: u64,
    artifacts: &std::path::Path,
) -> R<()> {
    crate::web::click(c, "#tab-live").await?;
    let agent = sim
        .agents()
        .into_iter()
        .next()
        .ok_or("the Segura simulator has no agent")?;
    let row = format!(
        "#agents-body tr[data-account=\"{account}\"][data-agent=\"{}\"]",
        agent.id
    );
    crate::web::find(c, &row).await?;
    let moved = agent.port + 1000;
    assert!(sim.set_port(&agent.id, moved));
    let deadline = std::time::Instant::now() + Duration::from_secs(4 * poll_secs);
    let mark = loop {
        let shown = c
            .execute(
                "const chip = document.querySelector(arguments[0] + ' .chip.pending');
                 return chip ? chip.textContent : null;",
                vec![serde_json::json!(row)],
            )
            .await?;
        if let Some(t) = shown.as_str().filter(|t| !t.is_empty()) {
            break t.to_string();
        }
        if std::time::Instant::now() > deadline {
            sim.set_port(&agent.id, agent.port);
            let policy = crate::web::invoke(c, "alerts", serde_json::json!({})).await?;
            return Err(format!(
                "the re-registration never showed as pending in its row; the policy holds {}",
                policy["pending"]
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
        vec![serde_json::json!(row)],
    )
    .await?;
    std::fs::write(
        artifacts.join("pending-re-registration.png"),
        crate::web::painted(c).await?,
    )?;
    let why = until(
        "the pending re-registration in the Why list",
        Duration::from_secs(3 * poll_secs),
        || async {
            // As the page holds it: the list may lie below the window's fold.
            let shown = c
                .execute(
                    "const li = document.querySelector(arguments[0]); return li ? li.textContent : null;",
                    vec![serde_json::json!(format!(
                        "#why-list li[data-agent=\"{}\"][data-account=\"{account}\"][data-kind=\"pending\"]",
                        agent.id
                    ))],
                )
                .await
                .ok()?;
            shown.as_str().filter(|t| !t.is_empty()).map(str::to_string)
        },
    )
    .await;
    // Back to its port: the change never lasted (a blip), whatever was confirmed meanwhile.
    assert!(sim.set_port(&agent.id, agent.port));
    let ports = format!("port {} → port {moved}", agent.port);
    if !mark.contains("re-registered") || !mark.contains(&ports) || mark.starts_with("registered") {
        return Err(format!("the pending mark of a re-registration reads {mark:?}").into());
    }
    if !why.contains("re-registered") || !why.contains(&ports) {
        return Err(format!("the Why list's pending re-registration reads {why:?}").into());
    }
    println!("desktop test: a pending re-registration reads {mark:?}; why: {why:?}");
    Ok(())
}
