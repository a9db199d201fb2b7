//! Property-based fuzzing on stable Rust (proptest) of what AgentWatch reads from outside: the
//! three vendor clients' answers (through a `VendorClient` polling a loopback server that sends
//! the generated answer), the configuration parser and the history reader. Each target runs for
//! `AGENTWATCH_FUZZ_SECONDS` (default 3); `cargo xtask fuzz --minutes N` runs them for longer
//! and adds up the summary lines each target prints.

#[path = "fuzz/answer_server.rs"]
mod answer_server;
#[path = "fuzz/answers.rs"]
mod answers;
#[path = "fuzz/config.rs"]
mod config;
#[path = "fuzz/harness.rs"]
mod harness;
#[path = "fuzz/history.rs"]
mod history;
#[path = "fuzz/vendors.rs"]
mod vendors;

use agentwatch_core::config::AccountConfig;
use agentwatch_core::Vendor;

// Each test's name holds its target's name: panics are charged by thread name (see harness).

#[test]
fn huawei_answers_never_panic_and_fail_with_a_reason() {
    vendors::fuzz_vendor(vendors::huawei(), |url| {
        let mut a = AccountConfig::new("fz-huawei", Vendor::Huawei, Some(url));
        a.set_option("workno", "5001");
        a.watch = vec!["101".into(), "102".into(), "103".into()];
        a.timeout_secs = Some(2);
        a
    });
}

#[test]
fn agora_answers_never_panic_and_fail_with_a_reason() {
    vendors::fuzz_vendor(vendors::agora(), |url| {
        let mut a = AccountConfig::new("fz-agora", Vendor::Agora, Some(url));
        a.set_option("app_id", "fuzz-app");
        a.set_option("customer_id", "fuzz-customer");
        a.timeout_secs = Some(2);
        a
    });
}

#[test]
fn agora_watched_agents_answers_never_panic() {
    // With a watch list Agora queries each agent: the per-agent answer is reached too.
    vendors::fuzz_vendor(vendors::agora(), |url| {
        let mut a = AccountConfig::new("fz-agora-watch", Vendor::Agora, Some(url));
        a.set_option("app_id", "fuzz-app");
        a.set_option("customer_id", "fuzz-customer");
        // The agent of the documented answer: an answer about another agent is an error.
        a.watch = vec!["1234567890ABCDE1CVGZNU80BEIN56XF".into()];
        a.timeout_secs = Some(2);
        a
    });
}

#[test]
fn segura_answers_never_panic_and_fail_with_a_reason() {
    vendors::fuzz_vendor(vendors::segura(), |url| {
        let mut a = AccountConfig::new("fz-segura", Vendor::Segura, Some(url));
        a.set_option("client_id", "fuzz-client");
        a.timeout_secs = Some(2);
        a
    });
}

#[test]
fn config_text_never_panics_and_errors_name_the_file() {
    config::fuzz_config();
}

#[test]
fn history_rows_read_back_equal_and_damaged_files_give_errors() {
    history::fuzz_history();
}
