//! The first hour of a new user, as `agentwatch` prints it: every message says what happened
//! and what to do (the config file's line and key, the host and port of a connection, how to
//! give a secret without a keyring), exit codes that monitoring reads right, and no watched
//! agent silently absent. Against the simulators over loopback, with config files on disk.

mod common;

use agentwatch_core::secrets::env_var_name;
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::segura::{
    ErrorShape, ListError, SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
};
use agentwatch_sim::{SimServer, TestCa};
use common::{run, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `agentwatch` with a home, config and data folders of the test's own, and no config variable
/// or keyring variables from the environment running the tests.
fn agentwatch(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("AGENTWATCH_CONFIG");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A Segura account on `base_url` watching `watch` (TOML array items), with `extra` lines.
fn segura_config(base_url: &str, watch: &str, extra: &str) -> String {
    format!(
        "poll_interval_secs = 1\n\n[[accounts]]\nid = \"nc\"\nvendor = \"segura\"\nbase_url = \"{base_url}\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nwatch = [{watch}]\n{extra}"
    )
}

async fn segura_sim() -> (SeguraSim, SimServer) {
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    (sim, server)
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_broken_config_names_file_line_and_key_in_every_command() {
    let home = tempfile::tempdir().unwrap();
    for (file, line, key, says) in [
        (
            "[[accounts]]\nid = \"cc\"\nvendor = \"huawei\"\nbase_url = \"https://10.0.0.1:8043\"\nworkno = 5001\n",
            5,
            "accounts[cc].workno",
            "must be text in quotes, not integer `5001`",
        ),
        (
            "[[accounts]]\nid = \"nc\"\nvendor = \"segura\"\nbase_ulr = \"https://s.example\"\nclient_id = \"c\"\n",
            4,
            "accounts[nc].base_ulr",
            "unknown key (did you mean base_url?)",
        ),
        (
            "[[accounts]]\nid = \"cc\"\nvendor = \"huawei\"\nbase_url = \"https://10.0.0.1:8043\"\nworkno = \"5001\"\n\n[accounts.severity]\n\"2\" = \"critcal\"\n",
            8,
            "accounts[cc].severity.2",
            "did you mean critical?",
        ),
    ] {
        let config = write(home.path(), "config.toml", file);
        for (command, exit) in [("check", 3), ("watch", 64), ("serve", 64)] {
            let out = agentwatch(home.path())
                .args([command, "--config"])
                .arg(&config)
                .output()
                .unwrap();
            let shown = text(&out);
            let expected = format!("{}:{line}: {key}: ", config.display());
            assert!(shown.contains(&expected), "{command}: wanted {expected}…\n{shown}");
            assert!(shown.contains(says), "{command}: wanted {says}\n{shown}");
            assert_eq!(out.status.code(), Some(exit), "{command}: {shown}");
        }
        assert_eq!(std::fs::read_to_string(&config).unwrap(), file, "kept as it was");
    }
}

#[test]
fn a_toml_syntax_error_is_one_readable_line() {
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "config.toml",
        "poll_interval_secs = 5\n[[accounts]\nid = \"x\"\n",
    );
    let out = agentwatch(home.path())
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(
        shown.contains(&format!("{}:2: ", config.display())),
        "{shown}"
    );
    assert!(!shown.contains("\\n"), "a literal \\n: {shown}");
    assert_eq!(shown.trim_end().lines().count(), 1, "{shown}");
    assert_eq!(out.status.code(), Some(3), "{shown}");
}

#[test]
fn a_named_config_file_must_exist_and_the_default_one_says_how_to_start() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.toml");
    for (command, exit) in [
        (&["check"][..], 3),
        (&["watch"][..], 64),
        (&["serve"][..], 64),
        (&["secret", "set", "nc", "--stdin"][..], 64),
    ] {
        let out = agentwatch(home.path())
            .args(command)
            .arg("--config")
            .arg(&missing)
            .output()
            .unwrap();
        let shown = text(&out);
        assert!(
            shown.contains(&format!(
                "{}: the configuration file does not exist (named by --config)",
                missing.display()
            )),
            "{command:?}: {shown}"
        );
        assert_eq!(out.status.code(), Some(exit), "{command:?}: {shown}");

        let out = agentwatch(home.path())
            .args(command)
            .env("AGENTWATCH_CONFIG", &missing)
            .output()
            .unwrap();
        let shown = text(&out);
        assert!(
            shown.contains("does not exist (named by $AGENTWATCH_CONFIG)"),
            "{command:?}: {shown}"
        );
        assert_eq!(out.status.code(), Some(exit), "{command:?}: {shown}");
    }

    // Nothing named and nothing at the default path: where to create it, and from what (the
    // default path and the man page are Linux's; Windows finds %APPDATA% through the shell).
    if cfg!(not(target_os = "linux")) {
        return;
    }
    let out = agentwatch(home.path()).arg("check").output().unwrap();
    let shown = text(&out);
    let default = home.path().join("config/agentwatch/config.toml");
    assert!(
        shown.contains(&format!(
            "no configuration file yet: create {}",
            default.display()
        )),
        "{shown}"
    );
    assert!(shown.contains("man agentwatch"), "{shown}");
    assert_eq!(out.status.code(), Some(3), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_variable_is_honoured() {
    let (_sim, server) = segura_sim().await;
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "from-the-variable.toml",
        &segura_config(&server.base_url(), "", ""),
    );
    let mut cmd = agentwatch(home.path());
    cmd.arg("check")
        .env("AGENTWATCH_CONFIG", &config)
        .env(env_var_name("nc"), DEFAULT_CLIENT_SECRET);
    let out = run(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("Default"), "the simulator's agent: {shown}");

    // The flag wins over the variable.
    let other = write(home.path(), "flag.toml", "poll_interval_secs = 0\n");
    let mut cmd = agentwatch(home.path());
    cmd.args(["check", "--config"])
        .arg(&other)
        .env("AGENTWATCH_CONFIG", &config);
    let shown = text(&run(cmd).await);
    assert!(
        shown.contains(&format!("{}:1: poll_interval_secs", other.display())),
        "{shown}"
    );
}

#[test]
fn check_usage_errors_are_unknown_for_nagios_and_64_elsewhere() {
    let home = tempfile::tempdir().unwrap();
    for (args, exit) in [
        (&["check", "--jsn"][..], 3),
        (&["--config", "x.toml", "check", "--jsn"][..], 3),
        (&["watch", "--jsn"][..], 64),
        (&["history", "--since", "soon"][..], 64),
        (&["nonsense"][..], 64),
        (&["check", "--help"][..], 0),
    ] {
        let out = agentwatch(home.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(exit), "{args:?}: {}", text(&out));
    }
}

/// Linux only: the keyring is the Secret Service, which a session may lack; Windows' Credential
/// Manager is always there.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_the_account_error_says_how_to_give_the_secret() {
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "config.toml",
        &segura_config(&format!("http://127.0.0.1:{}", closed_port()), "", ""),
    );
    // An SSH session or a container: no session bus, no display to start one for.
    let no_keyring = |cmd: &mut Command| {
        for var in [
            "DBUS_SESSION_BUS_ADDRESS",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "XDG_RUNTIME_DIR",
            "CREDENTIALS_DIRECTORY",
            &env_var_name("nc"),
        ] {
            cmd.env_remove(var);
        }
    };
    let mut cmd = agentwatch(home.path());
    cmd.args(["check", "--config"]).arg(&config);
    no_keyring(&mut cmd);
    let out = run(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    for needle in [
        "no keyring was found",
        "AGENTWATCH_SECRET_NC",
        "LoadCredential=nc:",
    ] {
        assert!(shown.contains(needle), "{needle} missing:\n{shown}");
    }

    let mut cmd = agentwatch(home.path());
    cmd.args(["check", "--json", "--config"]).arg(&config);
    no_keyring(&mut cmd);
    let out = run(cmd).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let error = &json["accounts"][0]["error"];
    assert_eq!(error["kind"], "keyring", "{json}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no keyring was found"), "{message}");
    assert!(message.contains("AGENTWATCH_SECRET_NC"), "{message}");
}

/// `agentwatch ARGS --config CONFIG` with the secret of the account `nc` given, run to its end.
async fn with_secret(home: &Path, args: &[&str], config: &Path) -> Output {
    let mut cmd = agentwatch(home);
    cmd.args(args)
        .arg("--config")
        .arg(config)
        .env(env_var_name("nc"), DEFAULT_CLIENT_SECRET);
    run(cmd).await
}

/// The reason `check` gives for the account `nc` of `config`.
async fn reason(home: &Path, config: &Path) -> String {
    let out = with_secret(home, &["check", "--json"], config).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out.status.code(), Some(3), "{json}");
    json["accounts"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_name_host_and_port_and_what_failed() {
    let home = tempfile::tempdir().unwrap();
    let config = |base_url: &str, extra: &str| {
        write(
            home.path(),
            "config.toml",
            &segura_config(base_url, "", extra),
        )
    };

    let port = closed_port();
    let said = reason(
        home.path(),
        &config(&format!("http://127.0.0.1:{port}"), ""),
    )
    .await;
    assert!(
        said.contains(&format!("127.0.0.1:{port} refused the connection")),
        "{said}"
    );

    // TLS asked of a plain HTTP server.
    let (_sim, plain) = segura_sim().await;
    let https = plain.base_url().replace("http://", "https://");
    let said = reason(home.path(), &config(&https, "")).await;
    assert!(
        said.contains(&format!("{} answered in plain HTTP", plain.addr())),
        "{said}"
    );
    assert!(said.contains("use http://"), "{said}");

    // A certificate from an authority this machine does not know.
    let ca = TestCa::generate();
    let sim = SeguraSim::demo();
    let tls = SimServer::start(sim.router(), 0, Some(&ca)).await.unwrap();
    let said = reason(home.path(), &config(&tls.base_url(), "")).await;
    assert!(
        said.contains(&format!("localhost:{}", tls.addr().port())),
        "{said}"
    );
    assert!(said.contains("ca_file"), "{said}");

    // A server that takes the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap();
    let said = reason(
        home.path(),
        &config(&format!("http://{address}"), "timeout_secs = 1\n"),
    )
    .await;
    assert!(
        said.contains(&format!("no answer from {address} within the time limit")),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segura_error_body_is_read_whatever_its_status() {
    let (sim, server) = segura_sim().await;
    sim.fail_list_with(Some(ListError {
        status: 403,
        shape: ErrorShape::Exception,
        code: 4031,
        message: "Access denied to the System resource".into(),
        detail: "the A2A authorization lacks the write permission".into(),
    }));
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "config.toml",
        &segura_config(&server.base_url(), "", ""),
    );
    let said = reason(home.path(), &config).await;
    assert_eq!(
        said,
        "Segura agent list: access forbidden (HTTP 403): Access denied to the System resource: \
         the A2A authorization lacks the write permission (4031)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_agent_the_vendor_does_not_list_is_shown_not_found() {
    let (_sim, server) = segura_sim().await;
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "config.toml",
        &segura_config(&server.base_url(), "\"1\", \"99\"", ""),
    );
    let out = with_secret(home.path(), &["check"], &config).await;
    let shown = text(&out);
    let row = shown
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some("99"))
        .unwrap_or_else(|| panic!("99 is not shown:\n{shown}"));
    assert!(
        row.contains("not found") && row.contains("unknown"),
        "{row}"
    );
    assert!(
        row.contains("Segura does not list this watched agent"),
        "{row}"
    );
    assert_eq!(out.status.code(), Some(3), "unknown: {shown}");

    // An override may make it critical.
    let config = write(
        home.path(),
        "config.toml",
        &segura_config(
            &server.base_url(),
            "\"1\", \"99\"",
            "[accounts.severity]\n\"not found\" = \"critical\"\n",
        ),
    );
    let out = with_secret(home.path(), &["check"], &config).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // `watch` says so too, once.
    let out = with_secret(home.path(), &["watch", "--duration", "4s"], &config).await;
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = shown.lines().filter(|l| l.contains(" 99 ")).collect();
    assert_eq!(lines.len(), 1, "{shown}");
    assert!(
        lines[0].contains("segura nc 99 not found critical (Segura does not list"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agora_status_given_as_digits_is_read_through_the_state_table() {
    let sim = AgoraSim::demo();
    let agent = AgoraSim::demo_agents()[0].agent_id.clone();
    assert!(sim.set_status(&agent, "6"));
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let agora = AgoraSimConfig::default();
    let home = tempfile::tempdir().unwrap();
    let config = write(
        home.path(),
        "config.toml",
        &format!(
            "[[accounts]]\nid = \"ai\"\nvendor = \"agora\"\nbase_url = \"{}\"\napp_id = \"{}\"\ncustomer_id = \"{}\"\nwatch = [\"{agent}\"]\n",
            server.base_url(),
            agora.app_id,
            agora.customer_id
        ),
    );
    let mut cmd = agentwatch(home.path());
    cmd.args(["check", "--json", "--config"])
        .arg(&config)
        .env(env_var_name("ai"), &agora.customer_secret);
    let out = run(cmd).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let seen = &json["accounts"][0]["agents"][0];
    assert_eq!(seen["state"], "FAILED", "{json}");
    assert_eq!(seen["native"], "6", "{json}");
    assert_eq!(seen["severity"], "critical", "{json}");
    assert_eq!(out.status.code(), Some(2), "{json}");
}
