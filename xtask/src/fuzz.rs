//! `cargo xtask fuzz --minutes N`: the property-based fuzz targets of `tests/fuzz.rs` for N
//! minutes each, all at once, then the cases run and the panics found, added up per target.
//! (`cargo xtask test` runs the same targets for about a minute in all.)

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// The environment variable the fuzz targets read their time budget from (seconds each).
pub const SECONDS_VAR: &str = "AGENTWATCH_FUZZ_SECONDS";
/// Under `cargo xtask test`: six targets of ten seconds, about a minute in all.
pub const TEST_SECONDS_PER_TARGET: &str = "10";
/// How many targets tests/fuzz.rs has: all run at the same time.
const TARGETS: usize = 6;

pub fn run(args: &[String]) -> Result<(), String> {
    let minutes = crate::minutes_arg(args, 10)?;
    crate::setup::install_missing(crate::setup::Purpose::Build)?;
    println!("xtask: building the fuzz targets");
    crate::run(crate::cargo().args([
        "test",
        "--quiet",
        "-p",
        "agentwatch-tests",
        "--test",
        "fuzz",
        "--no-run",
    ]))?;
    println!("xtask: fuzzing for {minutes} minute(s), every target at once");
    let mut child = crate::cargo()
        .args([
            "test",
            "--quiet",
            "-p",
            "agentwatch-tests",
            "--test",
            "fuzz",
            "--",
        ])
        .args(["--nocapture", "--test-threads", &TARGETS.to_string()])
        .env(SECONDS_VAR, (minutes * 60).to_string())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    let mut totals: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        // Anywhere in the line: the test harness's progress dots may come before it.
        if let Some(summary) = line
            .find("fuzz-summary ")
            .map(|at| &line[at + "fuzz-summary ".len()..])
        {
            let field = |name: &str| -> u64 {
                summary
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let target = summary
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("target="))
                .unwrap_or("?")
                .to_string();
            let total = totals.entry(target).or_default();
            total.0 += field("cases");
            total.1 += field("panics");
            total.2 += field("failures");
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    println!(
        "\n{:<10} {:>10} {:>8} {:>9}",
        "target", "cases", "panics", "failures"
    );
    for (target, (cases, panics, failures)) in &totals {
        println!("{target:<10} {cases:>10} {panics:>8} {failures:>9}");
    }
    let (cases, panics, failures) = totals
        .values()
        .fold((0, 0, 0), |t, v| (t.0 + v.0, t.1 + v.1, t.2 + v.2));
    println!("{:<10} {cases:>10} {panics:>8} {failures:>9}", "all");
    if status.success() && panics == 0 && failures == 0 {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found {panics} panic(s) and {failures} failing target(s) ({status})"
        ))
    }
}
