//! The dashboard's commands through Tauri's real IPC layer with the mock runtime (no display):
//! the same JSON in and out as the webview, against an in-process Agora simulator.

use agentwatch_desktop::secrets::Secrets;
use agentwatch_desktop::state::AppState;
use agentwatch_sim::agora::AgoraSim;
use agentwatch_sim::SimServer;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn app(config: &Path, secrets: Secrets) -> Harness {
    let app = agentwatch_desktop::with_commands(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    app.manage(AppState::new(config.to_path_buf(), secrets, None, false));
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("mock webview");
    Harness { _app: app, webview }
}

/// Invokes a command as the page does; Ok(answer) or Err({kind, message, field?}).
fn invoke(h: &Harness, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        &h.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("JSON answer"))
}

fn start_agora() -> (AgoraSim, SimServer) {
    let sim = AgoraSim::demo();
    let server = tauri::async_runtime::block_on(SimServer::start(sim.router(), 0, None))
        .expect("sim starts");
    (sim, server)
}

fn agora_account(sim: &AgoraSim, server: &SimServer) -> Value {
    let s = sim.settings();
    json!({
        "id": "ai",
        "vendor": "agora",
        "name": "AI agents",
        "base_url": server.base_url(),
        "app_id": s.app_id,
        "customer_id": s.customer_id,
    })
}

#[test]
fn a_fresh_dashboard_has_no_accounts_and_an_unknown_face() {
    let dir = tempfile::tempdir().unwrap();
    let h = app(&dir.path().join("config.toml"), Secrets::memory([]));
    let d = invoke(&h, "dashboard", json!({})).unwrap();
    assert_eq!(d["status"]["accounts"], json!([]));
    assert_eq!(d["status"]["tray"], "unknown");
    assert_eq!(d["config_error"], Value::Null);
    let info = invoke(&h, "app_info", json!({})).unwrap();
    assert_eq!(info["keyring"], false);
    assert_eq!(info["vendors"], json!(["huawei", "agora", "segura"]));
}

#[test]
fn accounts_round_trip_without_the_secret_ever_coming_back() {
    let (sim, server) = start_agora();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let h = app(&config, Secrets::memory([]));
    let secret = sim.settings().customer_secret;
    let account = agora_account(&sim, &server);

    // Test connection: a wrong typed secret is an auth failure; the right one lists agents.
    let bad = invoke(
        &h,
        "test_connection",
        json!({"account": account, "secret": "wrong"}),
    )
    .unwrap();
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["error"]["kind"], "auth", "{bad}");
    let good = invoke(
        &h,
        "test_connection",
        json!({"account": account, "secret": secret}),
    )
    .unwrap();
    assert_eq!(good["ok"], true, "{good}");
    assert!(good["agents"].as_u64().unwrap() > 0);

    let list = invoke(
        &h,
        "save_account",
        json!({"account": account, "secret": secret, "isNew": true}),
    )
    .unwrap();
    assert_eq!(list[0]["id"], "ai");
    // Memory secrets (as in demo mode) say so: they are not in the keyring.
    assert_eq!(list[0]["secret"], "memory");
    assert!(
        !list.to_string().contains(&secret),
        "the secret came back over IPC"
    );
    let on_disk = std::fs::read_to_string(&config).unwrap();
    assert!(
        on_disk.contains("ai") && !on_disk.contains(&secret),
        "{on_disk}"
    );

    // Adding it twice is refused on the id field.
    let dup = invoke(
        &h,
        "save_account",
        json!({"account": account, "secret": secret, "isNew": true}),
    )
    .unwrap_err();
    assert_eq!(dup["field"], "id");

    // The engine restarted with the account: agents reach the dashboard.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = invoke(&h, "dashboard", json!({})).unwrap();
        if d["status"]["agents"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            // The demo agents include one FAILED: the face and summary say so.
            assert_eq!(d["status"]["tray"], "critical", "{}", d["status"]);
            let summary = d["status"]["summary"].as_str().unwrap();
            assert!(
                summary.contains("1 failed") && summary.contains("1 account"),
                "{summary}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no agents after 20 s: {d}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Editing keeps the stored secret when none is typed.
    let mut renamed = account.clone();
    renamed["name"] = json!("Renamed");
    let list = invoke(
        &h,
        "save_account",
        json!({"account": renamed, "secret": null, "isNew": false}),
    )
    .unwrap();
    assert_eq!(list[0]["name"], "Renamed");
    assert_eq!(list[0]["secret"], "memory");

    let list = invoke(&h, "delete_account", json!({"id": "ai"})).unwrap();
    assert_eq!(list, json!([]));
    let gone = invoke(&h, "delete_account", json!({"id": "ai"})).unwrap_err();
    assert_eq!(gone["kind"], "not_found");
}

#[test]
fn invalid_input_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let h = app(&dir.path().join("config.toml"), Secrets::memory([]));
    let huawei = json!({
        "id": "cc", "vendor": "huawei", "base_url": "https://10.1.2.3:8043",
        "auth": "signin", "workno": "5001", "watch": ["101", "12a"],
    });
    let e = invoke(
        &h,
        "save_account",
        json!({"account": huawei, "secret": "x", "isNew": true}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "invalid");
    assert_eq!(e["field"], "watch");
    assert!(
        e["message"].as_str().unwrap().contains("101 and 999999"),
        "{e}"
    );

    let http = json!({"id": "nc", "vendor": "segura", "base_url": "http://10.0.0.5:9000", "client_id": "c"});
    let e = invoke(
        &h,
        "test_connection",
        json!({"account": http, "secret": "x"}),
    )
    .unwrap_err();
    assert_eq!(e["field"], "base_url");
    assert!(e["message"].as_str().unwrap().contains("https"), "{e}");

    let settings = json!({"poll_interval_secs": 0, "notifications": {"enabled": true, "ok": true, "info": true, "warning": true, "critical": true, "unknown": true}, "start_at_login": false});
    let e = invoke(&h, "save_settings", json!({"settings": settings})).unwrap_err();
    assert_eq!(e["field"], "poll_interval_secs");
}

#[test]
fn a_config_that_does_not_load_is_reported_and_never_overwritten() {
    let (sim, server) = start_agora();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let broken = "poll_interval_secs = 15\n[[accounts]]\nid = \"x\"\nvendor = \"nope\"\n";
    std::fs::write(&config, broken).unwrap();
    let h = app(&config, Secrets::memory([]));
    let d = invoke(&h, "dashboard", json!({})).unwrap();
    assert_eq!(d["config_error"]["kind"], "config", "{d}");
    let account = agora_account(&sim, &server);
    let e = invoke(
        &h,
        "save_account",
        json!({"account": account, "secret": "s", "isNew": true}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "config");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);
}

#[test]
fn settings_and_pause() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let h = app(&config, Secrets::memory([]));
    let s = invoke(&h, "get_settings", json!({})).unwrap();
    assert_eq!(s["poll_interval_secs"], 15);
    // No autostart plugin under the mock runtime: said so, not hidden.
    assert!(s["autostart_error"].is_string());
    let mut settings = s.clone();
    settings["poll_interval_secs"] = json!(7);
    settings["notifications"]["info"] = json!(false);
    let saved = invoke(&h, "save_settings", json!({"settings": settings})).unwrap();
    assert_eq!(saved["poll_interval_secs"], 7);
    let on_disk = std::fs::read_to_string(&config).unwrap();
    assert!(on_disk.contains("poll_interval_secs = 7"), "{on_disk}");

    let until = invoke(&h, "pause_notifications", json!({"mode": "hour"})).unwrap();
    assert!(until.as_i64().unwrap() > agentwatch_core::clock::now_ms());
    let d = invoke(&h, "dashboard", json!({})).unwrap();
    assert_eq!(d["status"]["paused_until_ms"], until);
    let resumed = invoke(&h, "pause_notifications", json!({"mode": "resume"})).unwrap();
    assert_eq!(resumed, Value::Null);
    assert!(invoke(&h, "pause_notifications", json!({"mode": "forever"})).is_err());
}
