//! `agentwatch check`: one poll of every account, a table (or JSON), a Nagios exit code.

use super::load_accounts;
use crate::table::Table;
use agentwatch_core::check::{check_all, AccountCheck, CheckOutcome};
use agentwatch_core::secrets::SecretStore;
use agentwatch_core::Severity;
use std::path::Path;

pub async fn run(config_path: &Path, json: bool) -> u8 {
    let config = match load_accounts(config_path, Severity::Unknown.exit_code() as u8) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let checks = check_all(&config, &SecretStore::default()).await;
    let worst = Severity::worst(checks.iter().map(AccountCheck::worst));
    if json {
        let out = serde_json::json!({ "worst": worst, "accounts": checks });
        println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
    } else {
        print!("{}", render(&checks));
        println!("worst: {worst}");
    }
    worst.exit_code() as u8
}

fn render(checks: &[AccountCheck]) -> String {
    let mut agents = Table::new([
        "ACCOUNT", "VENDOR", "AGENT", "NAME", "STATE", "SEVERITY", "DETAIL",
    ]);
    let mut errors = Table::new(["ACCOUNT", "VENDOR", "ERROR", "REASON"]);
    // Which proxy each account went through, so that a proxy problem is told from a vendor one.
    let mut routes = Table::new(["ACCOUNT", "CONNECTION"]);
    for check in checks {
        routes.row([check.account_id.clone(), check.route.clone()]);
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
                        o.detail.clone().unwrap_or_default(),
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
    if !errors.is_empty() {
        out.push('\n');
        out.push_str(&errors.render());
    }
    out.push('\n');
    out.push_str(&routes.render());
    out
}
