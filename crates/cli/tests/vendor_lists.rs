//! Every registered vendor reaches every list a user sees: `agentwatch history --help` and its
//! `--vendor` filter, the history's vendor column (table and CSV), and the dashboard's vendor
//! choice (the forms app info sends). Registering a vendor is one line in the core's registry;
//! if any of these lists were kept by hand, a new vendor would be missing and this test fails.

use agentwatch_core::clock::now_ms;
use agentwatch_core::history::History;
use agentwatch_core::vendors::registry::forms;
use agentwatch_core::{Event, EventKind, Severity, Vendor};
use std::process::Command;

fn agentwatch(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_agentwatch"))
        .args(args)
        .output()
        .expect("agentwatch runs");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_help_offers_every_registered_vendor() {
    let help = agentwatch(&["history", "--help"]);
    assert!(Vendor::all().len() >= 4, "the registry lists the vendors");
    for vendor in Vendor::all() {
        assert!(
            help.contains(&format!("- {}:", vendor.as_str())) && help.contains(vendor.label()),
            "{vendor} missing from `agentwatch history --help`:\n{help}"
        );
    }
}

#[test]
fn history_records_and_filters_every_registered_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let now = now_ms();
    let mut history = History::open(&db).unwrap();
    for (i, vendor) in Vendor::all().into_iter().enumerate() {
        history
            .record_event(&Event {
                at_ms: now - 1000 * (i as i64 + 1),
                vendor,
                account_id: format!("acct-{vendor}"),
                account_name: format!("Account of {vendor}"),
                severity: Severity::Critical,
                kind: EventKind::Changed {
                    agent_id: format!("agent-{vendor}"),
                    name: None,
                    old_state: "up".into(),
                    old_severity: Severity::Ok,
                    new_state: "down".into(),
                    finding: None,
                },
            })
            .unwrap();
    }
    drop(history);
    let db = db.to_str().unwrap();
    for vendor in Vendor::all() {
        let csv = agentwatch(&[
            "history",
            "--history-db",
            db,
            "--csv",
            "--vendor",
            vendor.as_str(),
        ]);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{vendor}: {csv}");
        assert!(
            rows[0].contains(&format!(",{vendor},")),
            "vendor column: {csv}"
        );
        assert!(rows[0].contains(&format!("agent-{vendor}")), "{csv}");
    }
}

#[test]
fn the_dashboard_is_offered_every_registered_vendor_with_a_form() {
    let offered: Vec<&str> = forms().iter().map(|f| f.id).collect();
    let registered: Vec<&str> = Vendor::all().into_iter().map(|v| v.as_str()).collect();
    assert_eq!(offered, registered);
    for form in forms() {
        assert!(
            !form.label.is_empty() && !form.secret_labels.is_empty(),
            "{form:?}"
        );
        let vendor: Vendor = form.id.parse().unwrap();
        assert_eq!(vendor.label(), form.label);
    }
}
