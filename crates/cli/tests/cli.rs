//! The `agentwatch` binary as a user runs it: against the simulators over loopback, with config
//! files on disk and secrets from the environment (or the real keyring under `cargo xtask test`).

mod common;

use agentwatch_sim::demo::{DemoSims, AGORA_ACCOUNT, HUAWEI_ACCOUNT, SEGURA_ACCOUNT};
use common::{run, text};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn agentwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agentwatch"))
}

fn with_demo_secrets(cmd: &mut Command) -> &mut Command {
    for (id, secret) in DemoSims::secrets() {
        cmd.env(agentwatch_core::secrets::env_var_name(id), secret);
    }
    cmd
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_prints_every_agent_and_exits_with_the_worst_severity() {
    let sims = DemoSims::start(None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sims.config_toml(15, None));

    let mut cmd = agentwatch();
    with_demo_secrets(cmd.args(["check", "--config"]).arg(&config));
    let out = run(cmd).await;
    let shown = text(&out);
    // The Agora demo project has a FAILED agent: critical, exit 2.
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("ACCOUNT"), "{shown}");
    for needle in [
        HUAWEI_ACCOUNT,
        AGORA_ACCOUNT,
        SEGURA_ACCOUNT,
        "FAILED",
        "Default",
        "101",
    ] {
        assert!(shown.contains(needle), "{needle} missing from:\n{shown}");
    }
    assert!(shown.contains("worst: critical"), "{shown}");
    for (_, secret) in DemoSims::secrets() {
        assert!(!shown.contains(&secret), "a secret was printed:\n{shown}");
    }

    let mut cmd = agentwatch();
    with_demo_secrets(cmd.args(["check", "--json", "--config"]).arg(&config));
    let out = run(cmd).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["worst"], "critical");
    assert_eq!(json["accounts"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_exits_0_when_all_is_well_and_3_when_an_account_is_unreachable() {
    let sims = DemoSims::start(None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The Segura demo agents are all registered: ok.
    let only_segura = format!(
        "[[accounts]]\nid = \"{SEGURA_ACCOUNT}\"\nvendor = \"segura\"\nbase_url = \"{}\"\nclient_id = \"{}\"\n",
        sims.segura_url(),
        agentwatch_sim::segura::DEFAULT_CLIENT_ID
    );
    let config = write_config(dir.path(), &only_segura);
    let mut cmd = agentwatch();
    with_demo_secrets(cmd.args(["check", "--config"]).arg(&config));
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Nothing listens on this port: unknown, with the reason in the error table.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = write_config(
        dir.path(),
        &only_segura.replace(&sims.segura_url(), &format!("http://127.0.0.1:{closed}")),
    );
    let mut cmd = agentwatch();
    with_demo_secrets(cmd.args(["check", "--config"]).arg(&config));
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("connect"), "{}", text(&out));
}

#[test]
fn a_bad_config_is_reported_with_file_line_and_key_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "poll_interval_secs = 15\n[[accounts]]\nid = \"cc\"\nvendor = \"huawei\"\nbase_url = \"http://10.0.0.1:8043\"\nwatch = [\"101\"]\nworkno = \"5001\"\n";
    let path = write_config(dir.path(), bad);
    let out = agentwatch()
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let shown = text(&out);
    // A Nagios plugin that cannot check says UNKNOWN.
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(shown.contains(&format!("{}:5:", path.display())), "{shown}");
    assert!(
        shown.contains("base_url") && shown.contains("https"),
        "{shown}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        bad,
        "the file is kept as it was"
    );
}

#[test]
fn secret_status_names_the_source_and_never_prints_the_secret() {
    let account = "cli-env-account";
    let out = agentwatch()
        .args(["secret", "status", account])
        .env(
            agentwatch_core::secrets::env_var_name(account),
            "hunter2-very-secret",
        )
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("AGENTWATCH_SECRET_CLI_ENV_ACCOUNT"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn secret_set_reads_stdin_and_stores_in_the_real_keyring() {
    if std::env::var_os("AGENTWATCH_TEST_KEYRING").is_none() {
        eprintln!("skipped: run through `cargo xtask test` for the real Secret Service");
        return;
    }
    let account = format!("cli-kr-{}", std::process::id());
    let mut child = agentwatch()
        .args(["secret", "set", &account, "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"typed-secret-42\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("typed-secret-42"));

    let out = agentwatch()
        .args(["secret", "status", &account])
        .output()
        .unwrap();
    assert!(
        text(&out).contains("stored in the keyring"),
        "{}",
        text(&out)
    );
    let out = agentwatch()
        .args(["secret", "delete", &account])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = agentwatch()
        .args(["secret", "status", &account])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("no secret"), "{}", text(&out));
}

#[test]
fn the_demo_prints_changes_from_all_three_vendors() {
    let out = agentwatch()
        .args(["demo", "--duration", "20s"])
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for vendor in ["huawei", "agora", "segura"] {
        let changed = shown
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some(vendor) && l.contains(" -> "));
        assert!(changed, "no {vendor} change in the demo output:\n{shown}");
    }
}

#[test]
fn sim_serves_the_three_vendors_over_tls_with_a_printed_config_that_works() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("sim-ca.pem");
    let mut sim = agentwatch()
        .args(["sim", "--tls-ca"])
        .arg(&ca)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the simulators whatever happens below.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = sim.stdout.take().unwrap();
    let _guard = KillOnDrop(sim);

    // Read what it prints up to the last export line (it then serves until killed): all of
    // it is the config, as `agentwatch sim > config.toml` would write it.
    let mut config = String::new();
    let mut exports = Vec::new();
    let mut urls = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        config.push_str(&line);
        config.push('\n');
        if let Some(export) = line.strip_prefix("# export ") {
            let (key, value) = export.split_once('=').unwrap();
            exports.push((key.to_string(), value.to_string()));
            if exports.len() == 3 {
                break;
            }
        } else if let Some(url) = ["huawei", "agora", "segura"]
            .iter()
            .find_map(|v| line.strip_prefix("#   ")?.strip_prefix(v))
        {
            urls.push(url.trim().to_string());
        }
    }
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert!(
        urls.iter().all(|u| u.starts_with("https://localhost:")),
        "{urls:?}"
    );
    assert!(std::fs::read_to_string(&ca)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    assert!(config.contains("ca_file"), "{config}");

    let path = write_config(dir.path(), &config);
    let out = agentwatch()
        .args(["check", "--config"])
        .arg(&path)
        .envs(exports)
        .output()
        .unwrap();
    let shown = text(&out);
    // Every account answers over TLS (the Agora demo has a FAILED agent: exit 2, not 3).
    assert_eq!(out.status.code(), Some(2), "{shown}");
    for needle in [HUAWEI_ACCOUNT, AGORA_ACCOUNT, SEGURA_ACCOUNT] {
        assert!(shown.contains(needle), "{needle} missing:\n{shown}");
    }
    assert!(!shown.contains("ERROR"), "no account failed:\n{shown}");
}
