//! Shared helpers for the end-to-end tests: accounts pointed at a simulator, clients built the
//! way the engine builds them, and waiting for a condition with a deadline.

use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::notifier::DesktopNotifier;
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::vendors::{build_client, ClientContext, VendorClient};
use agentwatch_core::{Engine, EngineOptions};
use agentwatch_core::{Result, Vendor};
use agentwatch_sim::agora::AgoraSimConfig;
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A blank account of `vendor` pointed at `base_url`, with a short time limit so that the
/// "slow answer" faults trip it quickly.
pub fn account(id: &str, vendor: Vendor, base_url: &str) -> AccountConfig {
    let mut a = AccountConfig::new(id, vendor, Some(base_url));
    a.name = format!("{vendor} test");
    a.timeout_secs = Some(2);
    a
}

/// Builds the account's client exactly as the engine does (validated config, real HTTP client).
pub fn client(account: &AccountConfig, secret: &str) -> Result<Arc<dyn VendorClient>> {
    account
        .validate()
        .unwrap_or_else(|(k, m)| panic!("test account invalid: {k}: {m}"));
    let http = agentwatch_core::http::client_for(&account.client_settings())?;
    build_client(ClientContext {
        account: account.clone(),
        secret: SecretString::from(secret.to_string()),
        http,
    })
}

/// Polls `check` until it returns `Some` or the deadline passes.
pub async fn wait_for<T, F, Fut>(deadline: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What `secret-tool` finds in the Secret Service for the agentwatch service: attributes (stdout)
/// and labels and secrets (stderr) together.
pub fn secret_tool_search() -> String {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", "agentwatch"])
        .output()
        .expect("secret-tool runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An engine watching the Agora simulator behind `server` ("AI agents", 1 s polls), sending
/// its notifications to the desktop's service; returned once it has polled. For the tests that
/// run inside a desktop session (tests/notify.rs, tests/sounds.rs).
pub async fn notifying_agora_engine(
    server: &agentwatch_sim::SimServer,
    adjust: impl FnOnce(&mut Config),
) -> Engine {
    let defaults = AgoraSimConfig::default();
    let mut account = AccountConfig::new("ai", Vendor::Agora, Some(&server.base_url()));
    account.name = "AI agents".into();
    account.set_option("app_id", defaults.app_id.clone());
    account.set_option("customer_id", defaults.customer_id.clone());
    account.timeout_secs = Some(2);
    let mut config = Config {
        poll_interval_secs: 1,
        accounts: vec![account],
        ..Config::default()
    };
    adjust(&mut config);
    let engine = Engine::start_with(
        &config,
        Arc::new(StaticSecrets::new().with("ai", &defaults.customer_secret)),
        EngineOptions {
            notifier: Some(Arc::new(DesktopNotifier::default())),
            history: None,
            ..Default::default()
        },
    );
    let mut status = engine.status();
    tokio::time::timeout(
        Duration::from_secs(15),
        status.wait_for(|s| !s.agents.is_empty()),
    )
    .await
    .expect("first poll")
    .unwrap();
    engine
}

/// The `agentwatch` binary cargo built in this target dir (`cargo xtask test` builds the
/// workspace first; alone: `cargo build -p agentwatch-cli`), or `AGENTWATCH_BIN`.
pub fn agentwatch_binary() -> std::path::PathBuf {
    use std::path::{Path, PathBuf};
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf();
    let bin = std::env::var_os("AGENTWATCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace.join("target"))
                .join("debug/agentwatch")
        });
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p agentwatch-cli` (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// Asks every account of `engine` for a poll now and waits until each has finished one (its
/// result on the board, its events published). Counts the engine's poll records rather than
/// comparing wall-clock times, which a clock stepped back (as virtual machines' are) would fool.
pub async fn poll_all(engine: &Engine, deadline: Duration) {
    use std::collections::HashSet;
    use tokio::sync::broadcast::error::RecvError;
    let accounts: HashSet<String> = engine
        .current()
        .accounts
        .iter()
        .map(|a| a.id.clone())
        .collect();
    let mut polls = engine.polls();
    engine.poll_now();
    let mut polled = HashSet::new();
    let _ = tokio::time::timeout(deadline, async {
        while !accounts.is_subset(&polled) {
            match polls.recv().await {
                Ok(record) => {
                    polled.insert(record.account_id);
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    })
    .await;
    assert!(
        accounts.is_subset(&polled),
        "no poll of every account within {deadline:?}: {polled:?} of {accounts:?}"
    );
}

/// Waits until the engine's status passes `check` and returns that status; past `deadline`,
/// panics naming `what` and showing the status as it stands.
pub async fn wait_status(
    engine: &Engine,
    deadline: Duration,
    what: &str,
    check: impl Fn(&agentwatch_core::Status) -> bool,
) -> Arc<agentwatch_core::Status> {
    let mut rx = engine.status();
    let found = match tokio::time::timeout(deadline, rx.wait_for(|s| check(s))).await {
        Ok(Ok(status)) => Some(status.clone()),
        _ => None,
    };
    found.unwrap_or_else(|| panic!("timed out waiting for {what}: {:#?}", engine.current()))
}
