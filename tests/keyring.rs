//! Secrets through the real Secret Service (gnome-keyring in the private D-Bus session that
//! `cargo xtask test` builds). Without that session (AGENTWATCH_TEST_KEYRING unset) these tests
//! say so and pass, so that a plain `cargo test` on a desktop never touches the user's keyring.
//!
//! One of them locks the keyring: they take turns (`KEYRING`).
//!
//! Linux only: the session it builds is Linux's (Xvfb, D-Bus, gnome-keyring, dunst).
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_core::condition::Condition;
use agentwatch_core::config::Config;
use agentwatch_core::policy::DecisionKind;
use agentwatch_core::secrets::{env_var_name, SecretSource, SecretSourceKind, SecretStore};
use agentwatch_core::status::AccountHealth;
use agentwatch_core::{Engine, Error, ErrorKind, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::SimServer;
use agentwatch_tests::{account, secret_tool_search, wait_for};
use secrecy::{ExposeSecret, SecretString};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// The tests share one keyring, and one of them locks it.
static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn keyring_session() -> bool {
    let on = std::env::var_os("AGENTWATCH_TEST_KEYRING").is_some();
    if !on {
        eprintln!("skipped: run through `cargo xtask test` for the real Secret Service");
    }
    on
}

#[tokio::test]
async fn a_secret_is_stored_read_and_deleted_in_the_secret_service() {
    if !keyring_session() {
        return;
    }
    let _turn = KEYRING.lock().await;
    let store = SecretStore::default();
    let account = format!("kr-test-{}", std::process::id());
    let secret = SecretString::from("correct horse battery staple".to_string());

    assert_eq!(
        store.status(&account).await.unwrap(),
        SecretSourceKind::Missing
    );
    store.set(&account, &secret).await.unwrap();

    let found = secret_tool_search();
    assert!(
        found.contains(&account),
        "secret-tool sees the entry: {found}"
    );
    assert!(
        found.contains("correct horse battery staple"),
        "and its value: {found}"
    );

    assert_eq!(
        store.status(&account).await.unwrap(),
        SecretSourceKind::Keyring
    );
    let read = store.secret(&account).await.unwrap();
    assert_eq!(read.expose_secret(), "correct horse battery staple");

    assert!(store.delete(&account).await.unwrap());
    assert!(!secret_tool_search().contains(&account));
    assert!(
        !store.delete(&account).await.unwrap(),
        "a second delete finds nothing"
    );
    assert!(matches!(
        store.secret(&account).await,
        Err(Error::MissingSecret(_))
    ));
}

#[tokio::test]
async fn the_environment_variable_wins_and_is_not_written_to_the_keyring() {
    if !keyring_session() {
        return;
    }
    let _turn = KEYRING.lock().await;
    let account = format!("env-test-{}", std::process::id());
    std::env::set_var(env_var_name(&account), "from-env");
    let store = SecretStore::default();
    assert_eq!(
        store.secret(&account).await.unwrap().expose_secret(),
        "from-env"
    );
    assert_eq!(
        store.status(&account).await.unwrap(),
        SecretSourceKind::Environment
    );
    assert!(store.keyring_get(&account).await.unwrap().is_none());
    std::env::remove_var(env_var_name(&account));
}

#[tokio::test]
async fn no_secret_service_is_reported_plainly() {
    // A bus address where nothing listens: the store must say the Secret Service is not
    // available, not hang and not fall back to anything.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "probe_without_bus",
            "--nocapture",
            "--include-ignored",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/agentwatch-bus",
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("KEYRING-ERROR kind=keyring"), "{text}");
}

/// Run by the test above in a child process with a dead bus address.
#[tokio::test]
#[ignore = "run by no_secret_service_is_reported_plainly"]
async fn probe_without_bus() {
    let err = SecretStore::default()
        .secret("nobody-home")
        .await
        .expect_err("no Secret Service");
    assert_eq!(err.kind(), ErrorKind::Keyring, "{err}");
    println!("KEYRING-ERROR kind={} message={err}", err.kind());
}

/// The login collection, where the keyring crate stores its entries (the default alias).
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";

fn secret_service(
    bus: &dbus::blocking::Connection,
) -> dbus::blocking::Proxy<'_, &dbus::blocking::Connection> {
    bus.with_proxy(
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        Duration::from_secs(10),
    )
}

fn login_locked(bus: &dbus::blocking::Connection) -> bool {
    use dbus::blocking::stdintf::org_freedesktop_dbus::Properties;
    bus.with_proxy("org.freedesktop.secrets", LOGIN, Duration::from_secs(10))
        .get("org.freedesktop.Secret.Collection", "Locked")
        .expect("the login collection answers")
}

/// Locks the login keyring, as a screen lock or an idle timeout does.
fn lock_login(bus: &dbus::blocking::Connection) {
    let (_locked, _prompt): (Vec<dbus::Path>, dbus::Path) = secret_service(bus)
        .method_call(
            "org.freedesktop.Secret.Service",
            "Lock",
            (vec![dbus::Path::from(LOGIN)],),
        )
        .expect("Lock");
    assert!(login_locked(bus), "the keyring is locked");
}

/// Unlocks it with its password over D-Bus, as the desktop's login does (gnome-keyring's
/// interface for that; the standard `Unlock` needs a person at a prompt).
fn unlock_login(bus: &dbus::blocking::Connection) {
    let password = std::env::var("AGENTWATCH_TEST_KEYRING_PASSWORD")
        .expect("cargo xtask test names the test keyring's password");
    let service = secret_service(bus);
    let (_, session): (dbus::arg::Variant<String>, dbus::Path) = service
        .method_call(
            "org.freedesktop.Secret.Service",
            "OpenSession",
            ("plain", dbus::arg::Variant(String::new())),
        )
        .expect("OpenSession");
    let secret = (
        session,
        Vec::<u8>::new(),
        password.into_bytes(),
        "text/plain",
    );
    let () = service
        .method_call(
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            "UnlockWithMasterPassword",
            (dbus::Path::from(LOGIN), secret),
        )
        .expect("UnlockWithMasterPassword");
    assert!(!login_locked(bus), "the keyring is unlocked");
}

#[tokio::test]
async fn a_locked_keyring_is_one_condition_and_polling_resumes_once_it_is_unlocked() {
    if !keyring_session() {
        return;
    }
    let _turn = KEYRING.lock().await;
    let store = SecretStore::default();
    let agora = AgoraSim::demo();
    let segura = SeguraSim::demo();
    let agora_server = SimServer::start(agora.router(), 0, None).await.unwrap();
    let segura_server = SimServer::start(segura.router(), 0, None).await.unwrap();
    let defaults = AgoraSimConfig::default();
    let pid = std::process::id();
    let (ai_id, nc_id) = (format!("locked-ai-{pid}"), format!("locked-nc-{pid}"));
    let mut ai = account(&ai_id, Vendor::Agora, &agora_server.base_url());
    ai.set_option("app_id", defaults.app_id.clone());
    ai.set_option("customer_id", defaults.customer_id.clone());
    let mut nc = account(&nc_id, Vendor::Segura, &segura_server.base_url());
    nc.set_option("client_id", DEFAULT_CLIENT_ID.to_string());
    for (id, secret) in [
        (&ai_id, defaults.customer_secret.as_str()),
        (&nc_id, DEFAULT_CLIENT_SECRET),
    ] {
        store
            .set(id, &SecretString::from(secret.to_string()))
            .await
            .unwrap();
    }
    let bus = dbus::blocking::Connection::new_session().expect("session bus");
    lock_login(&bus);

    let config = Config {
        poll_interval_secs: 1,
        accounts: vec![ai, nc],
        ..Config::default()
    };
    let engine = Engine::start(&config, Arc::new(store.clone()));
    let mut decisions = engine.decisions();
    let mut status = engine.status();
    let locked = tokio::time::timeout(DEADLINE, async {
        loop {
            let s = status.borrow_and_update().clone();
            if s.condition == Some(Condition::KeyringLocked)
                && s.accounts
                    .iter()
                    .all(|a| a.health == AccountHealth::Unreachable)
            {
                return s;
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no keyring-locked state: {:#?}", engine.current()));
    for a in &locked.accounts {
        let error = a.error.as_ref().unwrap();
        assert_eq!(
            error.kind,
            ErrorKind::KeyringLocked,
            "not an auth failure: {error:?}"
        );
    }
    assert!(
        locked
            .summary()
            .starts_with("Keyring locked — unlock it to resume polling"),
        "{}",
        locked.summary()
    );
    // Both outages confirmed (two polls each): one notification for the two.
    let mut seen = Vec::new();
    let confirmed = wait_for(DEADLINE, || {
        while let Ok(d) = decisions.try_recv() {
            seen.push(d);
        }
        let both = [&ai_id, &nc_id].iter().all(|id| {
            seen.iter()
                .any(|d| &&d.account_id == id && matches!(d.kind, DecisionKind::Changed { .. }))
        });
        async move { both.then_some(()) }
    })
    .await;
    assert!(confirmed.is_some(), "both outages confirmed: {seen:#?}");
    let told: Vec<_> = seen.iter().filter_map(|d| d.notification()).collect();
    assert_eq!(told.len(), 1, "one notification: {told:#?}");
    assert_eq!(told[0].summary, Condition::KeyringLocked.headline());
    assert!(
        login_locked(&bus),
        "polling never unlocked it (no prompt at each poll)"
    );

    unlock_login(&bus);
    let resumed = tokio::time::timeout(DEADLINE, async {
        loop {
            let s = status.borrow_and_update().clone();
            if s.condition.is_none() && s.accounts.iter().all(|a| a.health == AccountHealth::Ok) {
                return s;
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("polling did not resume: {:#?}", engine.current()));
    assert!(
        resumed.agents.len() >= 2,
        "agents of both accounts: {resumed:#?}"
    );
    engine.shutdown().await;
    for id in [&ai_id, &nc_id] {
        store.delete(id).await.unwrap();
    }
}

/// The keyring's own prompt, as the dashboard's *Unlock the keyring* and the tray entry show it
/// (`SecretStore::unlock`): gnome-keyring's prompter opens a window on the display, the
/// password typed there unlocks the keyring, and the secret reads again.
// Two workers: the unlock runs on one while this test waits for the prompt (blocking).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyrings_own_prompt_unlocks_it() {
    if !keyring_session() {
        return;
    }
    let _turn = KEYRING.lock().await;
    let password = std::env::var("AGENTWATCH_TEST_KEYRING_PASSWORD")
        .expect("cargo xtask test names the test keyring's password");
    let store = SecretStore::default();
    let id = format!("prompt-{}", std::process::id());
    store
        .set(&id, &SecretString::from("behind the prompt".to_string()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut procs = session::Procs::default();
    let display = session::start_xvfb(&mut procs, dir.path());
    // The prompter is started by D-Bus activation: it takes the display from there.
    let told = Command::new("dbus-update-activation-environment")
        .arg(format!("DISPLAY={display}"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(told, "dbus-update-activation-environment failed");
    let bus = dbus::blocking::Connection::new_session().expect("session bus");
    lock_login(&bus);
    assert!(matches!(store.secret(&id).await, Err(Error::KeyringLocked)));

    let unlocking = tokio::spawn(async { SecretStore::default().unlock().await });
    let prompt = session::wait_for(
        "the keyring's unlock prompt",
        Duration::from_secs(30),
        || {
            session::window_ids(&display, &["--onlyvisible", "--name", "Unlock"])
                .into_iter()
                .next()
        },
    );
    session::xdotool(&display, &["windowfocus", "--sync", &prompt]);
    session::xdotool(&display, &["type", "--delay", "20", &password]);
    session::xdotool(&display, &["key", "Return"]);
    let unlocked = tokio::time::timeout(DEADLINE, unlocking)
        .await
        .expect("the prompt was answered")
        .unwrap()
        .expect("unlock ran");
    assert!(unlocked, "the prompt unlocked the keyring");
    assert!(!login_locked(&bus), "the keyring is unlocked");
    assert_eq!(
        store.secret(&id).await.unwrap().expose_secret(),
        "behind the prompt"
    );
    store.delete(&id).await.unwrap();
}
