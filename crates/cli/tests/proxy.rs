//! `agentwatch check` with the `proxy` key, as a user runs it: the binary against the Segura
//! simulator over TLS, through the simulator crate's HTTP proxy on loopback. The proxy
//! variables (`HTTPS_PROXY`, `NO_PROXY`) are set for the child process only.

mod common;

use agentwatch_core::secrets::{env_var_name, proxy_env_var_name};
use agentwatch_sim::proxy::{ProxyKind, TestProxy};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::{SimServer, TestCa};
use common::{run, text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PROXY_USER: &str = "alice";
const PROXY_PASSWORD: &str = "proxy-pw-Zt4";
const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// `agentwatch` with none of the proxy variables this test process may have inherited.
fn agentwatch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    for name in PROXY_VARIABLES {
        cmd.env_remove(name);
    }
    cmd
}

/// A Segura simulator over TLS; the CA file goes into `dir`.
async fn segura(dir: &Path, name: &str) -> (SeguraSim, SimServer, PathBuf) {
    let ca = TestCa::generate();
    let ca_file = dir.join(format!("{name}-ca.pem"));
    ca.write_ca_pem(&ca_file).unwrap();
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, Some(&ca)).await.unwrap();
    (sim, server, ca_file)
}

/// One `[[accounts]]` table for a Segura simulator; `proxy` is the key's value, if any.
fn account_toml(id: &str, server: &SimServer, ca_file: &Path, proxy: Option<&str>) -> String {
    let proxy = proxy
        .map(|p| format!("proxy = {p:?}\n"))
        .unwrap_or_default();
    format!(
        "[[accounts]]\nid = {id:?}\nvendor = \"segura\"\nbase_url = {:?}\nca_file = {:?}\n\
         client_id = {DEFAULT_CLIENT_ID:?}\ntimeout_secs = 5\n{proxy}\n",
        server.base_url(),
        ca_file.display().to_string()
    )
}

fn write_config(dir: &Path, accounts: &[String]) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, accounts.concat()).unwrap();
    path
}

fn check(config: &Path, ids: &[&str]) -> Command {
    let mut cmd = agentwatch();
    cmd.args(["check", "--config"]).arg(config);
    for id in ids {
        cmd.env(env_var_name(id), DEFAULT_CLIENT_SECRET);
    }
    cmd
}

fn went_to(proxy: &TestProxy, server: &SimServer) -> bool {
    let wanted = format!("localhost:{}", server.addr().port());
    proxy.destinations().contains(&wanted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_takes_https_proxy_from_the_environment_and_none_bypasses_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_s1, by_system, ca1) = segura(dir.path(), "system").await;
    let (_s2, by_none, ca2) = segura(dir.path(), "none").await;
    let proxy = TestProxy::start(ProxyKind::Http, None).await.unwrap();
    let config = write_config(
        dir.path(),
        &[
            account_toml("sys", &by_system, &ca1, None),
            account_toml("direct", &by_none, &ca2, Some("none")),
        ],
    );

    let mut cmd = check(&config, &["sys", "direct"]);
    cmd.env("HTTPS_PROXY", proxy.url());
    let out = run(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(went_to(&proxy, &by_system), "{:?}", proxy.destinations());
    assert!(!went_to(&proxy, &by_none), "{:?}", proxy.destinations());
    let route_of = |id: &str, route: &str| {
        shown
            .lines()
            .any(|l| l.starts_with(&format!("{id} ")) && l.trim_end().ends_with(route))
    };
    assert!(
        route_of(
            "sys",
            &format!("system proxy {} (from the environment)", proxy.url())
        ),
        "{shown}"
    );
    assert!(route_of("direct", "direct (proxy = \"none\")"), "{shown}");

    // NO_PROXY is honoured as reqwest always did: the same account goes direct.
    let relayed = proxy.relayed();
    let mut cmd = check(&config, &["sys", "direct"]);
    cmd.env("HTTPS_PROXY", proxy.url())
        .env("NO_PROXY", "localhost");
    let out = run(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(proxy.relayed(), relayed, "{:?}", proxy.destinations());
    assert!(
        shown.contains("direct (no system proxy for this address)"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_user_password_comes_from_the_environment_and_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, server, ca) = segura(dir.path(), "auth").await;
    let proxy = TestProxy::start(ProxyKind::Http, Some((PROXY_USER, PROXY_PASSWORD)))
        .await
        .unwrap();
    let url = proxy.url_with_user(PROXY_USER);
    let config = write_config(
        dir.path(),
        &[account_toml("behind", &server, &ca, Some(&url))],
    );

    for json in [false, true] {
        let mut cmd = check(&config, &["behind"]);
        if json {
            cmd.arg("--json");
        }
        cmd.env(proxy_env_var_name("behind"), PROXY_PASSWORD);
        let out = run(cmd).await;
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(0), "{shown}");
        assert!(shown.contains(&format!("via proxy {url}")), "{shown}");
        assert!(!shown.contains(PROXY_PASSWORD), "{shown}");
    }
    assert!(proxy.relayed() > 0);

    let mut cmd = check(&config, &["behind"]);
    cmd.env(proxy_env_var_name("behind"), "wrong-pw-991");
    let out = run(cmd).await;
    let shown = text(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "unreachable is unknown: {shown}"
    );
    let error_line = shown
        .lines()
        .find(|l| l.starts_with("behind ") && l.contains(" auth "))
        .unwrap_or_else(|| panic!("an auth error row: {shown}"));
    assert!(error_line.contains("proxy refused"), "{shown}");
    assert!(!shown.contains("wrong-pw-991"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_proxy_url_is_a_config_error_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, server, ca) = segura(dir.path(), "bad").await;
    let config = write_config(
        dir.path(),
        &[account_toml(
            "leaky",
            &server,
            &ca,
            Some("http://alice:pw-in-config-55@127.0.0.1:3128"),
        )],
    );
    let line = std::fs::read_to_string(&config)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("proxy ="))
        .unwrap()
        + 1;
    let out = run(check(&config, &["leaky"])).await;
    let shown = text(&out);
    // `check` cannot check: UNKNOWN, as a Nagios plugin says it.
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains(&format!(
            "{}:{line}: accounts[leaky].proxy: ",
            config.display()
        )),
        "{shown}"
    );
    assert!(shown.contains("must not hold a password"), "{shown}");
    assert!(!shown.contains("pw-in-config-55"), "{shown}");
}

/// `secret set --proxy` stores the proxy password in the real Secret Service, beside and apart
/// from the vendor secret, and `check` uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_set_proxy_stores_the_proxy_password_in_the_keyring() {
    if std::env::var_os("AGENTWATCH_TEST_KEYRING").is_none() {
        eprintln!("skipped: run through `cargo xtask test` for the real Secret Service");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_sim, server, ca) = segura(dir.path(), "kr").await;
    let proxy = TestProxy::start(ProxyKind::Http, Some((PROXY_USER, PROXY_PASSWORD)))
        .await
        .unwrap();
    let id = format!("cli-proxy-{}", std::process::id());
    let config = write_config(
        dir.path(),
        &[account_toml(
            &id,
            &server,
            &ca,
            Some(&proxy.url_with_user(PROXY_USER)),
        )],
    );

    let mut set = agentwatch();
    set.args(["secret", "set", &id, "--proxy", "--stdin", "--config"])
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = set.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(format!("{PROXY_PASSWORD}\n").as_bytes())
            .unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("stored the proxy password"),
        "{}",
        text(&out)
    );

    let status = |proxy_flag: bool| {
        let mut cmd = agentwatch();
        cmd.args(["secret", "status", &id]);
        if proxy_flag {
            cmd.arg("--proxy");
        }
        cmd
    };
    let out = run(status(true)).await;
    assert!(
        text(&out).contains("proxy password stored in the keyring"),
        "{}",
        text(&out)
    );
    let out = run(status(false)).await;
    assert_eq!(out.status.code(), Some(1), "the vendor secret is apart");

    let out = run(check(&config, &[&id])).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(proxy.relayed() > 0);
    assert!(!shown.contains(PROXY_PASSWORD), "{shown}");

    let mut delete = agentwatch();
    delete.args(["secret", "delete", &id, "--proxy"]);
    let out = run(delete).await;
    assert!(
        text(&out).contains("deleted the proxy password"),
        "{}",
        text(&out)
    );
}
