//! The soak's row check, short, inside `cargo xtask test` so that it cannot rot: the engine for
//! two minutes against the churning simulators (fewer Huawei agents than the full soak, as this
//! is a debug build), history on; every row the engine handed to the history must be in the
//! file exactly as handed. The memory verdict is the full soak's (`cargo xtask soak`, release).
//! It runs the `agentwatch-soak` program this package already builds for the tests.

use std::process::Command;

#[test]
fn two_minutes_of_churn_and_faults_keep_every_history_row_as_handed() {
    // Output goes straight to the test log: the per-minute table, the row counts and, on a
    // failure, the first rows that differ.
    let status = Command::new(env!("CARGO_BIN_EXE_agentwatch-soak"))
        .args([
            "--minutes",
            "2",
            "--huawei-agents",
            "1000",
            "--interval",
            "2",
            "--rows-only",
        ])
        .status()
        .expect("agentwatch-soak runs");
    assert!(
        status.success(),
        "the short soak failed ({status}): its output above names the rows that differ"
    );
}
