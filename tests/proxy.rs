//! An account's `proxy` key through a real proxy on loopback (the simulator crate's HTTP CONNECT
//! and SOCKS5 proxies) to the Segura simulator over TLS and plain http. The checks go through
//! `check_account`, which connects exactly as the engine's pollers do.

use agentwatch_core::check::{check_account, AccountCheck, CheckOutcome};
use agentwatch_core::config::AccountConfig;
use agentwatch_core::secrets::{SecretSlot, SecretSource, SecretStore, StaticSecrets};
use agentwatch_core::{ErrorKind, ErrorReport, Vendor};
use agentwatch_sim::proxy::{ProxyKind, TestProxy};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::{SimServer, TestCa};
use agentwatch_tests::account;

const PROXY_USER: &str = "alice";
const PROXY_PASSWORD: &str = "proxy-pw-7Qx";

/// The Segura demo simulator, over TLS (with its CA file written) or plain http.
struct Sim {
    _sim: SeguraSim,
    server: SimServer,
    _dir: tempfile::TempDir,
    ca_file: Option<std::path::PathBuf>,
}

async fn segura(tls: bool) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let ca = tls.then(TestCa::generate);
    let ca_file = ca.as_ref().map(|ca| {
        let path = dir.path().join("ca.pem");
        ca.write_ca_pem(&path).unwrap();
        path
    });
    let sim = SeguraSim::demo();
    let server = SimServer::start(sim.router(), 0, ca.as_ref())
        .await
        .unwrap();
    Sim {
        _sim: sim,
        server,
        _dir: dir,
        ca_file,
    }
}

fn account_via(sim: &Sim, id: &str, proxy: &str) -> AccountConfig {
    let mut a = account(id, Vendor::Segura, &sim.server.base_url());
    a.set_option("client_id", DEFAULT_CLIENT_ID.to_string());
    a.ca_file = sim.ca_file.clone();
    a.proxy = Some(proxy.to_string());
    a.validate().expect("test account is valid");
    a
}

fn agents(check: &AccountCheck) -> usize {
    match &check.outcome {
        CheckOutcome::Agents(list) => list.len(),
        CheckOutcome::Error(e) => panic!("{}: {} ({})", check.account_id, e.message, e.kind),
    }
}

fn error(check: &AccountCheck) -> &ErrorReport {
    match &check.outcome {
        CheckOutcome::Error(e) => e,
        CheckOutcome::Agents(list) => panic!("expected an error, got {} agents", list.len()),
    }
}

#[tokio::test]
async fn polls_go_through_an_http_proxy_to_tls_and_plain_http_simulators() {
    for tls in [true, false] {
        let sim = segura(tls).await;
        let proxy = TestProxy::start(ProxyKind::Http, None).await.unwrap();
        let account = account_via(&sim, "via-http", &proxy.url());
        let secrets = StaticSecrets::new().with(&account.id, DEFAULT_CLIENT_SECRET);

        let check = check_account(&account, &secrets).await;
        assert_eq!(agents(&check), 3, "tls {tls}");
        assert!(proxy.relayed() > 0, "tls {tls}: nothing went through");
        assert_eq!(check.route, format!("via proxy {}", proxy.url()));
        let port = sim.server.addr().port();
        let expected = if tls {
            // A CONNECT tunnel to the name the certificate carries.
            format!("localhost:{port}")
        } else {
            format!("127.0.0.1:{port}")
        };
        assert!(
            proxy.destinations().iter().all(|d| *d == expected),
            "tls {tls}: {:?}",
            proxy.destinations()
        );
    }
}

#[tokio::test]
async fn a_proxy_user_gets_its_password_from_the_secret_source_and_a_wrong_one_is_refused() {
    for tls in [true, false] {
        let sim = segura(tls).await;
        let proxy = TestProxy::start(ProxyKind::Http, Some((PROXY_USER, PROXY_PASSWORD)))
            .await
            .unwrap();
        let account = account_via(&sim, "via-auth", &proxy.url_with_user(PROXY_USER));
        let vendor_only = StaticSecrets::new().with(&account.id, DEFAULT_CLIENT_SECRET);

        let right = vendor_only.with_proxy(&account.id, PROXY_PASSWORD);
        let check = check_account(&account, &right).await;
        assert_eq!(agents(&check), 3, "tls {tls}");
        assert!(proxy.relayed() > 0);
        assert_eq!(proxy.refused(), 0);
        assert_eq!(
            check.route,
            format!("via proxy {}", proxy.url_with_user(PROXY_USER))
        );

        let relayed = proxy.relayed();
        let wrong = StaticSecrets::new()
            .with(&account.id, DEFAULT_CLIENT_SECRET)
            .with_proxy(&account.id, "not-the-password");
        let check = check_account(&account, &wrong).await;
        let e = error(&check);
        assert_eq!(e.kind, ErrorKind::Auth, "tls {tls}: {}", e.message);
        assert!(e.message.contains("proxy refused"), "{}", e.message);
        assert!(!e.message.contains("not-the-password"), "{}", e.message);
        assert!(proxy.refused() > 0);
        assert_eq!(
            proxy.relayed(),
            relayed,
            "nothing relayed for a wrong password"
        );

        let none = StaticSecrets::new().with(&account.id, DEFAULT_CLIENT_SECRET);
        let check = check_account(&account, &none).await;
        let e = error(&check);
        assert_eq!(e.kind, ErrorKind::MissingSecret, "{}", e.message);
        assert!(e.message.contains("--proxy"), "{}", e.message);
    }
}

#[tokio::test]
async fn socks5h_lets_the_proxy_resolve_the_vendor_host_and_checks_the_user() {
    let sim = segura(true).await;
    let proxy = TestProxy::start(ProxyKind::Socks5, Some((PROXY_USER, PROXY_PASSWORD)))
        .await
        .unwrap();
    let url = proxy.url_with_user(PROXY_USER);
    assert!(url.starts_with("socks5h://alice@127.0.0.1:"), "{url}");
    let account = account_via(&sim, "via-socks", &url);

    let right = StaticSecrets::new()
        .with(&account.id, DEFAULT_CLIENT_SECRET)
        .with_proxy(&account.id, PROXY_PASSWORD);
    let check = check_account(&account, &right).await;
    assert_eq!(agents(&check), 3);
    assert!(proxy.relayed() > 0);
    assert_eq!(check.route, format!("via proxy {url}"));
    let by_name = format!("localhost:{}", sim.server.addr().port());
    assert!(
        proxy.destinations().iter().all(|d| *d == by_name),
        "the host name, not an address, went to the proxy: {:?}",
        proxy.destinations()
    );

    let wrong = StaticSecrets::new()
        .with(&account.id, DEFAULT_CLIENT_SECRET)
        .with_proxy(&account.id, "nope");
    let check = check_account(&account, &wrong).await;
    let e = error(&check);
    assert_eq!(e.kind, ErrorKind::Auth, "{}", e.message);
    assert!(proxy.refused() > 0);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_a_connection_error_naming_no_password() {
    let sim = segura(false).await;
    let proxy = TestProxy::start(ProxyKind::Http, None).await.unwrap();
    let url = proxy.url_with_user(PROXY_USER);
    drop(proxy);
    let account = account_via(&sim, "via-down", &url);
    let secrets = StaticSecrets::new()
        .with(&account.id, DEFAULT_CLIENT_SECRET)
        .with_proxy(&account.id, PROXY_PASSWORD);
    let check = check_account(&account, &secrets).await;
    let e = error(&check);
    assert_eq!(e.kind, ErrorKind::Connect, "{}", e.message);
    assert!(!e.message.contains(PROXY_PASSWORD), "{}", e.message);
}

/// The proxy password in the real Secret Service, under its own entry beside the vendor secret.
#[tokio::test]
async fn the_proxy_password_is_read_from_its_own_keyring_entry() {
    if std::env::var_os("AGENTWATCH_TEST_KEYRING").is_none() {
        eprintln!("skipped: run through `cargo xtask test` for the real Secret Service");
        return;
    }
    let sim = segura(true).await;
    let proxy = TestProxy::start(ProxyKind::Http, Some((PROXY_USER, PROXY_PASSWORD)))
        .await
        .unwrap();
    let id = format!("kr-proxy-{}", std::process::id());
    let account = account_via(&sim, &id, &proxy.url_with_user(PROXY_USER));
    let store = SecretStore::default();
    store
        .set(&id, &DEFAULT_CLIENT_SECRET.to_string().into())
        .await
        .unwrap();
    store
        .set_in(SecretSlot::Proxy, &id, &PROXY_PASSWORD.to_string().into())
        .await
        .unwrap();

    let found = agentwatch_tests::secret_tool_search();
    assert!(found.contains(&format!("{id}:proxy")), "{found}");
    let check = check_account(&account, &store).await;
    assert_eq!(agents(&check), 3);
    assert!(proxy.relayed() > 0);

    assert!(store.delete_in(SecretSlot::Proxy, &id).await.unwrap());
    let check = check_account(&account, &store as &dyn SecretSource).await;
    assert_eq!(error(&check).kind, ErrorKind::MissingSecret);
    assert!(store.delete(&id).await.unwrap());
}
