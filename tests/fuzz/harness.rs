//! Running a property for a time budget instead of a fixed number of cases, and counting
//! panics wherever they happen: a panic inside a task the client spawned (the Huawei heartbeat)
//! is caught by tokio and would otherwise go unseen.
//!
//! The budget per target is `AGENTWATCH_FUZZ_SECONDS` (default 3, so that a plain `cargo test`
//! stays quick; `cargo xtask test` sets about 12, `cargo xtask fuzz --minutes N` sets N × 60).

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

/// The fuzz targets. A panic is charged to the target whose name its thread's name contains:
/// each target's test function and its runtime's worker threads carry the target's name.
pub const TARGETS: [&str; 5] = ["huawei", "agora", "segura", "config", "history"];
static PANICS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
const DEFAULT_SECONDS: f64 = 3.0;
/// Cases per proptest round; rounds repeat until the budget is spent.
const CASES_PER_ROUND: u32 = 8;

pub fn budget() -> Duration {
    let seconds = std::env::var("AGENTWATCH_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs_f64(seconds)
}

fn target_index(target: &str) -> usize {
    TARGETS
        .iter()
        .position(|t| *t == target)
        .unwrap_or_else(|| panic!("unknown fuzz target {target}"))
}

fn install_panic_counter() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("");
            if let Some(i) = TARGETS.iter().position(|t| name.contains(t)) {
                PANICS[i].fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// Panics charged to `target` so far.
pub fn panics(target: &str) -> u64 {
    PANICS[target_index(target)].load(Ordering::SeqCst)
}

/// A multi-threaded runtime whose threads carry the target's name (see [`TARGETS`]).
pub fn runtime(target: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(format!("fuzz-{target}"))
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `property` on cases from `strategy` until the budget is spent (at least one round),
/// then prints a summary line that `cargo xtask fuzz` collects. Fails on the first case that
/// breaks the property or panics, after proptest has shrunk it to a small example.
pub fn fuzz<S: Strategy>(
    target: &str,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    install_panic_counter();
    let budget = budget();
    let started = Instant::now();
    let panics_before = panics(target);
    let mut cases = 0u64;
    let mut failure = None;
    while failure.is_none() && (cases == 0 || started.elapsed() < budget) {
        let mut runner = TestRunner::new(Config {
            cases: CASES_PER_ROUND,
            failure_persistence: None,
            max_shrink_time: 60_000,
            ..Config::default()
        });
        match runner.run(&strategy, |value| {
            let before = panics(target);
            let outcome = property(value);
            let after = panics(target);
            if after != before {
                return Err(TestCaseError::fail(format!(
                    "{} panic(s) while handling this case (see the panic message above)",
                    after - before
                )));
            }
            outcome
        }) {
            Ok(()) => cases += u64::from(CASES_PER_ROUND),
            Err(TestError::Fail(reason, value)) => {
                failure = Some(format!("{reason}\nminimal failing input: {value:#?}"))
            }
            Err(TestError::Abort(reason)) => failure = Some(format!("aborted: {reason}")),
        }
    }
    let panicked = panics(target) - panics_before;
    println!(
        "fuzz-summary target={target} cases={cases} panics={panicked} failures={} seconds={:.1}",
        u8::from(failure.is_some()),
        started.elapsed().as_secs_f64()
    );
    if let Some(failure) = failure {
        panic!("fuzz target {target}: {failure}");
    }
}
