//! `agentwatch check`: one poll of every account, a table (or JSON), a Nagios exit code.

use super::load_accounts;
use crate::table::Table;
use crate::terminal;
use agentwatch_core::check::{check_all_with_history, AccountCheck, CheckOutcome};
use agentwatch_core::config::ConfigFile;
use agentwatch_core::events::limit_reason;
use agentwatch_core::history::History;
use agentwatch_core::secrets::headless_secrets;
use agentwatch_core::{Observation, Severity};

/// A Nagios plugin exits 0..3 whatever happens: a config it cannot use is UNKNOWN.
pub async fn run(config_file: &ConfigFile, json: bool) -> u8 {
    let config = match load_accounts(config_file, Severity::Unknown.exit_code() as u8) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The history knows since when agents have been in their states (for time limits).
    let history = History::default_path();
    let checks = check_all_with_history(&config, headless_secrets().as_ref(), Some(&history)).await;
    let worst = Severity::worst(checks.iter().map(AccountCheck::worst));
    if json {
        let out = serde_json::json!({ "worst": worst, "accounts": checks });
        let json = serde_json::to_string_pretty(&out).expect("JSON");
        println!("{}", terminal::inert_json(&json));
    } else {
        print!("{}", render(&checks));
        terminal::say(format_args!("worst: {worst}"));
    }
    worst.exit_code() as u8
}

/// The account's status line about entries it could not attribute to any agent.
fn skipped_note(account_id: &str, skipped: usize) -> String {
    let entries = if skipped == 1 { "entry" } else { "entries" };
    format!("{account_id}: {skipped} {entries} of the answer skipped (no usable agent id)\n")
}

/// The agent's detail, led by the time limit it is past ("rest for 16 min, limit 15 min") and
/// what the poll found (a queue's "4 waiting for 3 min 20 s, no agent free").
fn detail_of(o: &Observation) -> String {
    let over = o.over_limit().map(|(_, limit_secs, for_secs)| {
        let approximate = o.time_in_state.as_ref().is_some_and(|t| t.approximate);
        limit_reason(&o.state, for_secs, limit_secs, approximate)
    });
    [over, o.finding.clone(), o.detail.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn render(checks: &[AccountCheck]) -> String {
    let mut agents = Table::new([
        "ACCOUNT", "VENDOR", "AGENT", "NAME", "STATE", "SEVERITY", "DETAIL",
    ])
    .text_column(6);
    let mut errors = Table::new(["ACCOUNT", "VENDOR", "ERROR", "REASON"]).text_column(3);
    // Which proxy each account went through, so that a proxy problem is told from a vendor one.
    let mut routes = Table::new(["ACCOUNT", "CONNECTION"]).text_column(1);
    let mut notes = String::new();
    for check in checks {
        routes.row([check.account_id.clone(), check.route.clone()]);
        if check.skipped_entries > 0 {
            notes.push_str(&skipped_note(&check.account_id, check.skipped_entries));
        }
        match &check.outcome {
            CheckOutcome::Agents(list) => {
                for o in list {
                    agents.row([
                        check.account_id.clone(),
                        check.vendor.to_string(),
                        o.agent_id.clone(),
                        o.name.clone().unwrap_or_default(),
                        o.state.clone(),
                        o.severity.to_string(),
                        detail_of(o),
                    ]);
                }
            }
            CheckOutcome::Error(e) => errors.row([
                check.account_id.clone(),
                check.vendor.to_string(),
                e.kind.to_string(),
                e.message.clone(),
            ]),
        }
    }
    let mut out = agents.render();
    out.push_str(&notes);
    if !errors.is_empty() {
        out.push('\n');
        out.push_str(&errors.render());
    }
    out.push('\n');
    out.push_str(&routes.render());
    out
}
