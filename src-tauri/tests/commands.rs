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
    harness(AppState::new(config.to_path_buf(), secrets, None, false))
}

/// The app's commands over this state, with a webview to call them from.
fn harness(state: AppState) -> Harness {
    let app = agentwatch_desktop::with_commands(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    app.manage(state);
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

/// "Test connection" with a typed secret, as the account form sends it.
fn test_connection(h: &Harness, account: &Value, secret: &str) -> Value {
    invoke(
        h,
        "test_connection",
        json!({"account": account, "secret": secret}),
    )
    .unwrap()
}

/// Adds the simulator's project as account "ai" with its secret, as the account form does.
fn add_agora_account(h: &Harness, sim: &AgoraSim, server: &SimServer) {
    invoke(
        h,
        "save_account",
        json!({"account": agora_account(sim, server), "secret": sim.settings().customer_secret, "isNew": true}),
    )
    .unwrap();
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
    // Every registered vendor is offered, with the form the dashboard draws.
    let offered: Vec<&str> = info["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let registered: Vec<&str> = agentwatch_core::Vendor::all()
        .into_iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(offered, registered);
    for form in info["vendors"].as_array().unwrap() {
        assert!(
            form["label"].as_str().is_some_and(|l| !l.is_empty()),
            "{form}"
        );
        assert!(form["fields"].is_array(), "{form}");
    }
}

#[test]
fn the_desktop_services_check_answers_for_both_services_and_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let h = app(&dir.path().join("config.toml"), Secrets::memory([]));
    let checks = invoke(&h, "desktop_services", json!({})).unwrap();
    let checks = checks.as_array().expect("a list");
    let ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["secret_service", "notifications"]);
    for c in checks {
        // Whatever this machine has: a missing service always comes with what to install.
        assert_eq!(c["found"] == json!(false), c["remedy"].is_string(), "{c}");
        assert!(c["detail"].as_str().is_some_and(|d| !d.is_empty()), "{c}");
    }
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
    let bad = test_connection(&h, &account, "wrong");
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["error"]["kind"], "auth", "{bad}");
    let good = test_connection(&h, &account, &secret);
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

    // The saved account runs: Test connection now asks the engine's session (a second
    // sign-in could end it), with no secret typed, and with the stored one typed again.
    for typed in [json!(null), json!(secret)] {
        let running = invoke(
            &h,
            "test_connection",
            json!({"account": account, "secret": typed}),
        )
        .unwrap();
        assert_eq!(running["ok"], true, "{running}");
        assert_eq!(running["running_session"], true, "{running}");
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
fn the_proxy_field_and_its_password_reach_test_and_save_and_never_come_back() {
    use agentwatch_sim::proxy::{ProxyKind, TestProxy};
    let (sim, server) = start_agora();
    let proxy = tauri::async_runtime::block_on(TestProxy::start(
        ProxyKind::Http,
        Some(("alice", "proxy-pw-4Kd")),
    ))
    .expect("proxy starts");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let h = app(&config, Secrets::memory([]));
    let secret = sim.settings().customer_secret;
    let mut account = agora_account(&sim, &server);
    account["proxy"] = json!(proxy.url_with_user("alice"));
    let route = format!("via proxy {}", proxy.url_with_user("alice"));
    let test = |proxy_secret: Option<&str>| {
        invoke(
            &h,
            "test_connection",
            json!({"account": account, "secret": secret, "proxySecret": proxy_secret}),
        )
        .unwrap()
    };

    let wrong = test(Some("not-it"));
    assert_eq!(wrong["ok"], false, "{wrong}");
    assert_eq!(wrong["error"]["kind"], "auth", "{wrong}");
    assert_eq!(wrong["route"], route.as_str());
    assert!(!wrong.to_string().contains("not-it"), "{wrong}");
    let missing = test(None);
    assert_eq!(missing["error"]["kind"], "missing_secret", "{missing}");
    let good = test(Some("proxy-pw-4Kd"));
    assert_eq!(good["ok"], true, "{good}");
    assert_eq!(good["route"], route.as_str());
    assert!(proxy.relayed() > 0);

    let list = invoke(
        &h,
        "save_account",
        json!({"account": account, "secret": secret, "proxySecret": "proxy-pw-4Kd", "isNew": true}),
    )
    .unwrap();
    assert_eq!(list[0]["proxy"], proxy.url_with_user("alice").as_str());
    assert_eq!(list[0]["proxy_secret"], "memory", "{list}");
    assert!(!list.to_string().contains("proxy-pw-4Kd"), "{list}");
    let on_disk = std::fs::read_to_string(&config).unwrap();
    assert!(on_disk.contains("proxy = "), "{on_disk}");
    assert!(!on_disk.contains("proxy-pw-4Kd"), "{on_disk}");
    // Nothing typed: the stored proxy password is used.
    let relayed = proxy.relayed();
    let stored = invoke(
        &h,
        "test_connection",
        json!({"account": account, "secret": null, "proxySecret": null}),
    )
    .unwrap();
    assert_eq!(stored["ok"], true, "{stored}");
    assert!(proxy.relayed() > relayed);

    // A password written into the URL is refused on the proxy field, without repeating it.
    account["proxy"] = json!(format!("http://alice:typed-in-url@{}", proxy.addr()));
    let err = invoke(
        &h,
        "save_account",
        json!({"account": account, "secret": null, "isNew": false}),
    )
    .unwrap_err();
    assert_eq!(err["field"], "proxy", "{err}");
    assert!(!err.to_string().contains("typed-in-url"), "{err}");
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

/// Polls `check` every 100 ms until it gives a value; panics after `limit` naming `what`.
fn wait<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn snooze_history_timeline_and_csv_export() {
    let (sim, server) = start_agora();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "poll_interval_secs = 1\n").unwrap();
    let exports = dir.path().join("exports");
    let h = harness(
        AppState::new(config.clone(), Secrets::memory([]), None, false)
            .with_history(dir.path().join("history.sqlite3"))
            .with_export_dir(exports.clone()),
    );

    // Before anything runs or is recorded: empty answers, not errors.
    let empty = invoke(&h, "history", json!({"query": {}})).unwrap();
    assert_eq!(empty, json!([]));
    let bad = invoke(&h, "history", json!({"query": {"kinds": ["nonsense"]}})).unwrap_err();
    assert_eq!(bad["field"], "kinds", "{bad}");

    add_agora_account(&h, &sim, &server);
    let agents = AgoraSim::demo_agents();
    let (failing, snoozed) = (agents[0].agent_id.clone(), agents[1].agent_id.clone());
    wait("agents on the dashboard", Duration::from_secs(20), || {
        let d = invoke(&h, "dashboard", json!({})).unwrap();
        (d["status"]["agents"].as_array()?.len() >= 2).then_some(())
    });

    // Snooze one agent for an hour: the policy's view lists it; clearing removes it.
    let request = |mode: &str, agent: Option<&str>| json!({"request": {"scope": "agent", "account_id": "ai", "agent_id": agent, "mode": mode}});
    invoke(&h, "snooze", request("for", Some(&snoozed))).unwrap();
    let view = wait(
        "the snooze in the alert view",
        Duration::from_secs(10),
        || {
            let v = invoke(&h, "alerts", json!({})).unwrap();
            (v["snoozes"].as_array()?.len() == 1).then_some(v)
        },
    );
    let s = &view["snoozes"][0];
    assert_eq!(s["target"]["scope"], "agent");
    assert_eq!(s["target"]["agent_id"], json!(snoozed));
    assert_eq!(s["until"]["until"], "at");
    assert!(s["until"]["at_ms"].as_i64().unwrap() > agentwatch_core::clock::now_ms());
    invoke(&h, "snooze", request("clear", Some(&snoozed))).unwrap();
    wait("the snooze to be cleared", Duration::from_secs(10), || {
        let v = invoke(&h, "alerts", json!({})).unwrap();
        v["snoozes"].as_array()?.is_empty().then_some(())
    });
    let refused = invoke(&h, "snooze", request("recovery", None)).unwrap_err();
    assert_eq!(refused["field"], "agent_id", "{refused}");
    // An account acknowledgement too.
    invoke(
        &h,
        "snooze",
        json!({"request": {"scope": "account", "account_id": "ai", "mode": "recovery"}}),
    )
    .unwrap();
    wait(
        "the account acknowledgement",
        Duration::from_secs(10),
        || {
            let v = invoke(&h, "alerts", json!({})).unwrap();
            let s = v["snoozes"].as_array()?.first()?.clone();
            (s["target"]["scope"] == "account" && s["until"]["until"] == "recovery").then_some(())
        },
    );

    // A failure is pending first, then confirmed: recorded in the history and on the timeline,
    // and explained in the decisions.
    assert!(sim.set_status(&failing, "FAILED"));
    wait("the change to be pending", Duration::from_secs(10), || {
        let v = invoke(&h, "alerts", json!({})).unwrap();
        v["pending"]
            .as_array()?
            .iter()
            .find(|p| p["agent_id"] == json!(failing) && p["new_state"] == "FAILED")
            .map(|p| assert_eq!(p["needed"], 2, "{p}"))
    });
    let rows = wait(
        "the confirmed change in the history",
        Duration::from_secs(15),
        || {
            let rows = invoke(
                &h,
                "history",
                json!({"query": {"kinds": ["changed"], "agent": failing, "since_ms": 0}}),
            )
            .unwrap();
            (!rows.as_array()?.is_empty()).then_some(rows)
        },
    );
    assert_eq!(rows[0]["new_state"], "FAILED", "{rows}");
    assert_eq!(rows[0]["account_id"], "ai");
    let v = invoke(&h, "alerts", json!({})).unwrap();
    let recent = v["recent"].as_array().unwrap();
    let confirmed = recent
        .iter()
        .find(|d| d["agent_id"] == json!(failing) && d["kind"]["type"] == "changed")
        .expect("a decision about the confirmed change");
    // The account was acknowledged: quiet, and the explanation says why.
    assert_eq!(confirmed["outcome"]["outcome"], "quiet", "{confirmed}");
    assert!(
        confirmed["explanation"]
            .as_str()
            .unwrap()
            .contains("acknowledged"),
        "{confirmed}"
    );

    let now = agentwatch_core::clock::now_ms();
    let lanes = invoke(
        &h,
        "timeline",
        json!({"sinceMs": now - 3_600_000, "untilMs": now + 1000}),
    )
    .unwrap();
    assert_eq!(lanes[0]["account_id"], "ai");
    let bands = lanes[0]["bands"].as_array().unwrap();
    assert!(
        bands
            .iter()
            .any(|b| b["agent_id"] == json!(failing) && b["severity"] == "critical"),
        "{lanes}"
    );
    let too_long = invoke(
        &h,
        "timeline",
        json!({"sinceMs": now - 30 * 86_400_000i64, "untilMs": now}),
    )
    .unwrap_err();
    assert_eq!(too_long["kind"], "invalid");

    let out = invoke(
        &h,
        "export_history_csv",
        json!({"query": {"account": "ai"}}),
    )
    .unwrap();
    let file = Path::new(out["path"].as_str().unwrap()).to_path_buf();
    assert!(file.starts_with(&exports), "{}", file.display());
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.lines().count() >= 2, "{csv}");
    assert!(csv.contains("FAILED"), "{csv}");
}

#[test]
fn alert_settings_are_validated_and_saved() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let h = app(&config, Secrets::memory([]));
    let s = invoke(&h, "get_settings", json!({})).unwrap();
    assert_eq!(s["alerts"]["confirm_worse_polls"], 2);
    assert_eq!(s["alerts"]["confirm_better_polls"], 1);
    assert_eq!(s["alerts"]["remind_every_mins"], 30);
    assert_eq!(s["alerts"]["quiet_hours"], Value::Null);
    assert_eq!(s["retention_days"], 30);

    let mut bad = s.clone();
    bad["alerts"]["confirm_worse_polls"] = json!(0);
    let e = invoke(&h, "save_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(e["field"], "confirm_worse_polls", "{e}");
    let mut bad = s.clone();
    bad["alerts"]["quiet_hours"] =
        json!({"days": [], "start": "22:00", "end": "07:00", "allow": "critical"});
    let e = invoke(&h, "save_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(e["field"], "days", "{e}");
    let mut bad = s.clone();
    bad["retention_days"] = json!(0);
    let e = invoke(&h, "save_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(e["field"], "retention_days", "{e}");
    assert!(!config.exists(), "a refused save wrote the config");

    let mut good = s.clone();
    good["alerts"]["confirm_worse_polls"] = json!(4);
    good["alerts"]["storm_threshold"] = json!(0);
    good["alerts"]["quiet_hours"] =
        json!({"days": ["sat", "sun"], "start": "20:00", "end": "08:30", "allow": "none"});
    good["retention_days"] = json!(7);
    let saved = invoke(&h, "save_settings", json!({"settings": good})).unwrap();
    assert_eq!(saved["alerts"]["confirm_worse_polls"], 4);
    assert_eq!(
        saved["alerts"]["quiet_hours"]["days"],
        json!(["sat", "sun"])
    );
    assert_eq!(saved["retention_days"], 7);
    let on_disk = std::fs::read_to_string(&config).unwrap();
    let reread = agentwatch_core::config::Config::load(&config).unwrap();
    assert_eq!(reread.alerts.confirm_worse_polls, 4, "{on_disk}");
    assert_eq!(reread.alerts.storm_threshold, 0);
    assert_eq!(reread.history.retention_days, 7);
    let quiet = reread.alerts.quiet_hours.expect("quiet hours saved");
    assert_eq!(quiet.start.to_string(), "20:00");
}

/// Sounds are checked by the core as a hand-written file's are, saved under
/// `[notifications.sounds]`, and the limits that moved to the core still name the form field.
#[test]
fn sounds_and_limits_are_checked_by_the_core_and_saved() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let h = app(&config, Secrets::memory([]));
    let s = invoke(&h, "get_settings", json!({})).unwrap();
    assert_eq!(
        s["notifications"]["sounds"],
        Value::Null,
        "silent by default: {s}"
    );

    let refused = |change: &dyn Fn(&mut Value)| {
        let mut bad = s.clone();
        change(&mut bad);
        invoke(&h, "save_settings", json!({"settings": bad})).unwrap_err()
    };
    let e = refused(&|v| v["notifications"]["sounds"] = json!({"critical": "alarm clock!"}));
    assert_eq!(e["field"], "sounds.critical", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("sound-theme name"),
        "{e}"
    );
    let gone = dir.path().join("gone.oga").display().to_string();
    let e = refused(&|v| v["notifications"]["sounds"] = json!({"warning": gone}));
    assert_eq!(e["field"], "sounds.warning", "{e}");
    let e = refused(&|v| v["alerts"]["storm_threshold"] = json!(5000));
    assert_eq!(e["field"], "storm_threshold", "{e}");
    let e = refused(&|v| v["poll_interval_secs"] = json!(7200));
    assert_eq!(e["field"], "poll_interval_secs", "{e}");
    assert!(e["message"].as_str().unwrap().contains("3600"), "{e}");
    assert!(!config.exists(), "a refused save wrote the config");

    let mut good = s.clone();
    good["notifications"]["sounds"] =
        json!({"critical": "alarm-clock-elapsed", "warning": null, "repeat_critical": true});
    let saved = invoke(&h, "save_settings", json!({"settings": good})).unwrap();
    assert_eq!(
        saved["notifications"]["sounds"],
        json!({"critical": "alarm-clock-elapsed", "repeat_critical": true})
    );
    let on_disk = std::fs::read_to_string(&config).unwrap();
    assert!(on_disk.contains("[notifications.sounds]"), "{on_disk}");
    let reread = agentwatch_core::config::Config::load(&config).unwrap();
    assert!(
        reread.notifications.sounds.for_reminder().is_some(),
        "{on_disk}"
    );

    // The preview checks the sound before anything is sent.
    let e = invoke(
        &h,
        "preview_sound",
        json!({"sound": "sounds/relative.oga", "field": "sounds.critical"}),
    )
    .unwrap_err();
    assert_eq!(e["field"], "sounds.critical", "{e}");
    assert!(e["message"].as_str().unwrap().contains("absolute"), "{e}");
}

/// Test connection names the reason a supervisor can act on: a certificate the app does not
/// trust, a server too slow for the account's time limit, an HTTP error status, a refused
/// connection. Each against a real simulator on loopback.
#[test]
fn test_connection_names_tls_timeout_http_status_and_connect_failures() {
    use agentwatch_sim::{Fault, FaultRule, TestCa};
    let dir = tempfile::tempdir().unwrap();
    let h = app(&dir.path().join("config.toml"), Secrets::memory([]));
    let check = |account: &Value, secret: &str| -> Value {
        let answer = test_connection(&h, account, secret);
        assert_eq!(answer["ok"], false, "{answer}");
        answer["error"].clone()
    };

    // TLS: the simulator behind a certificate of a private CA the account does not name.
    let sim = AgoraSim::demo();
    let secret = sim.settings().customer_secret;
    let ca = TestCa::generate();
    let tls = tauri::async_runtime::block_on(SimServer::start(sim.router(), 0, Some(&ca)))
        .expect("TLS sim starts");
    let mut account = agora_account(&sim, &tls);
    let error = check(&account, &secret);
    assert_eq!(error["kind"], "tls", "{error}");
    // ...and with its CA file given, the same account connects.
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca_pem(&ca_file).unwrap();
    account["ca_file"] = json!(ca_file);
    let good = test_connection(&h, &account, &secret);
    assert_eq!(good["ok"], true, "{good}");

    // Timeout: answers after 3 s, the account waits 1 s.
    let (sim, server) = start_agora();
    let mut account = agora_account(&sim, &server);
    account["timeout_secs"] = json!(1);
    sim.faults()
        .set(FaultRule::always(Fault::Slow { millis: 3_000 }));
    let started = Instant::now();
    let error = check(&account, &secret);
    assert_eq!(error["kind"], "timeout", "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "it waited for the slow answer"
    );

    // HTTP status: a reverse proxy's 502 page.
    sim.faults().set(FaultRule::always(Fault::Http502));
    let error = check(&account, &secret);
    assert_eq!(error["kind"], "http_status", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("502"),
        "{error}"
    );

    // Connect: nothing listens there any more.
    let port = server.addr().port();
    drop(server);
    wait(
        "the simulator to stop listening",
        Duration::from_secs(5),
        || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .is_err()
                .then_some(())
        },
    );
    account["base_url"] = json!(format!("http://127.0.0.1:{port}"));
    let error = check(&account, &secret);
    assert_eq!(error["kind"], "connect", "{error}");
}

/// A mock app with a history and an alert memory file in `dir`, its engine running.
fn app_with_memory(dir: &Path, config: &Path) -> Harness {
    let h = harness(
        AppState::new(config.to_path_buf(), Secrets::memory([]), None, false)
            .with_history(dir.join("history.sqlite3"))
            .with_alert_memory(dir.join("alert-memory.json")),
    );
    let handle = h._app.handle().clone();
    tauri::async_runtime::block_on(handle.state::<AppState>().restart(&handle));
    h
}

/// A snooze and a pause outlive a config change (a new engine) and a restart of the app; an
/// acknowledgement outlives the config change only.
#[test]
fn snoozes_and_the_pause_survive_engine_and_app_restarts() {
    let (sim, server) = start_agora();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "poll_interval_secs = 1\n").unwrap();
    let agents = AgoraSim::demo_agents();
    let (snoozed, acked) = (agents[1].agent_id.clone(), agents[2].agent_id.clone());
    let snoozes_of = |h: &Harness| -> Vec<(String, String)> {
        let view = invoke(h, "alerts", json!({})).unwrap();
        let mut list: Vec<(String, String)> = view["snoozes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| {
                Some((
                    s["target"]["agent_id"].as_str()?.to_string(),
                    s["until"]["until"].as_str()?.to_string(),
                ))
            })
            .collect();
        list.sort();
        list
    };
    let request = |agent: &str, mode: &str| json!({"request": {"scope": "agent", "account_id": "ai", "agent_id": agent, "mode": mode}});

    let first = app_with_memory(dir.path(), &config);
    add_agora_account(&first, &sim, &server);
    invoke(&first, "snooze", request(&snoozed, "for")).unwrap();
    invoke(&first, "snooze", request(&acked, "recovery")).unwrap();
    let paused_until = invoke(&first, "pause_notifications", json!({"mode": "hour"}))
        .unwrap()
        .as_i64()
        .unwrap();
    let both = vec![
        (snoozed.clone(), "at".to_string()),
        (acked.clone(), "recovery".to_string()),
    ];
    let mut both_sorted = both.clone();
    both_sorted.sort();
    wait("both snoozes in force", Duration::from_secs(10), || {
        (snoozes_of(&first) == both_sorted).then_some(())
    });

    // A config change starts a new engine: it is handed both.
    let mut settings = invoke(&first, "get_settings", json!({})).unwrap();
    settings["poll_interval_secs"] = json!(2);
    invoke(&first, "save_settings", json!({"settings": settings})).unwrap();
    wait(
        "both snoozes after the engine restart",
        Duration::from_secs(10),
        || (snoozes_of(&first) == both_sorted).then_some(()),
    );
    let memory = dir.path().join("alert-memory.json");
    wait("the timed snooze on disk", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&memory).ok()?;
        (text.contains(&snoozed) && !text.contains(&acked)).then_some(())
    });
    tauri::async_runtime::block_on(first._app.state::<AppState>().shutdown());
    drop(first);

    // The app starts again: the timed snooze and the pause are back, the acknowledgement not.
    let second = app_with_memory(dir.path(), &config);
    wait(
        "the timed snooze after the app restart",
        Duration::from_secs(10),
        || (snoozes_of(&second) == vec![(snoozed.clone(), "at".to_string())]).then_some(()),
    );
    let view = invoke(&second, "alerts", json!({})).unwrap();
    assert_eq!(view["paused"], true, "{view}");
    let dashboard = invoke(&second, "dashboard", json!({})).unwrap();
    assert!(
        dashboard.to_string().contains(&paused_until.to_string()),
        "the pause end is not shown: {dashboard}"
    );
}

/// The tray's summary, as `app_info` reports it.
fn tray_tooltip(h: &Harness) -> String {
    let info = invoke(h, "app_info", json!({})).unwrap();
    info["tray"]["tooltip"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A maintenance window started from the account card reaches the alert view and the tray,
/// outlives an app restart, and ends from the card; a script's request (what the control
/// socket hands over) changes the same state.
#[test]
fn maintenance_from_the_card_and_a_script_reach_the_tray_and_survive_a_restart() {
    use agentwatch_core::control::{ControlOp, ControlRequest};
    let (sim, server) = start_agora();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "poll_interval_secs = 1\n").unwrap();
    let windows_of = |h: &Harness| -> Vec<String> {
        let view = invoke(h, "alerts", json!({})).unwrap();
        view["maintenance"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| {
                Some(format!(
                    "{} until {}",
                    m["account_id"].as_str()?,
                    m["until"].as_str()?
                ))
            })
            .collect()
    };

    let first = app_with_memory(dir.path(), &config);
    add_agora_account(&first, &sim, &server);
    invoke(
        &first,
        "start_maintenance",
        json!({"request": {"account_id": "ai", "minutes": 240}}),
    )
    .unwrap();
    let window = wait(
        "the window in the alert view",
        Duration::from_secs(10),
        || windows_of(&first).into_iter().next(),
    );
    assert!(window.starts_with("ai until "), "{window}");
    wait("the tray to say it", Duration::from_secs(10), || {
        tray_tooltip(&first)
            .contains(" in maintenance until ")
            .then_some(())
    });
    assert!(invoke(
        &first,
        "start_maintenance",
        json!({"request": {"account_id": "ai", "minutes": 0}})
    )
    .is_err());

    // A script snoozes an agent and pauses: the same views show it.
    let handle = first._app.handle().clone();
    let agent = AgoraSim::demo_agents()[0].agent_id.clone();
    let answer = wait("the agents to be known", Duration::from_secs(10), || {
        let request = ControlRequest::new(ControlOp::Snooze {
            agent: Some(format!("ai/{agent}")),
            account: None,
            for_secs: Some(1800),
        });
        let answer =
            tauri::async_runtime::block_on(agentwatch_desktop::control::answer(&handle, request));
        answer.ok.then_some(answer)
    });
    assert!(
        answer.message.starts_with("snoozed agent ai/"),
        "{answer:?}"
    );
    wait(
        "the script's snooze in the alert view",
        Duration::from_secs(10),
        || {
            let view = invoke(&first, "alerts", json!({})).unwrap();
            (view["snoozes"][0]["target"]["agent_id"] == json!(agent)).then_some(())
        },
    );
    let paused = tauri::async_runtime::block_on(agentwatch_desktop::control::answer(
        &handle,
        ControlRequest::new(ControlOp::Pause { for_secs: None }),
    ));
    assert!(paused.ok, "{paused:?}");
    // The host keeps the pause; the tray and the dashboard follow its alert view, a moment later.
    wait("the pause on the tray", Duration::from_secs(10), || {
        tray_tooltip(&first)
            .contains("notifications paused")
            .then_some(())
    });
    wait(
        "the pause in the dashboard",
        Duration::from_secs(10),
        || {
            let dashboard = invoke(&first, "dashboard", json!({})).unwrap();
            dashboard["status"]["paused_until_ms"]
                .is_i64()
                .then_some(())
        },
    );

    tauri::async_runtime::block_on(first._app.state::<AppState>().shutdown());
    drop(first);

    // The app starts again: the window is back; ended from the card, it is gone from the tray.
    let second = app_with_memory(dir.path(), &config);
    wait(
        "the window after the restart",
        Duration::from_secs(10),
        || (windows_of(&second) == vec![window.clone()]).then_some(()),
    );
    invoke(&second, "end_maintenance", json!({"accountId": "ai"})).unwrap();
    wait("the window to end", Duration::from_secs(10), || {
        windows_of(&second).is_empty().then_some(())
    });
    wait(
        "the tray to stop saying it",
        Duration::from_secs(10),
        || (!tray_tooltip(&second).contains("maintenance")).then_some(()),
    );
}

/// Routing: the programs and webhooks are listed, a webhook URL is checked and stored
/// (write-only: answers say where it is, never what), and can be removed.
#[test]
fn webhook_urls_are_write_only_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[actions]]\ncommand = [\"/usr/local/bin/page-me\", \"--team\", \"cc\"]\n\
         min_severity = \"critical\"\n\n\
         [[webhooks]]\nid = \"chat\"\nformat = \"slack\"\n\n\
         [[webhooks]]\nid = \"phones\"\nformat = \"ntfy\"\nurl = \"https://ntfy.example.org/cc\"\n",
    )
    .unwrap();
    let h = app_with_memory(dir.path(), &config);
    let routes = invoke(&h, "routes", json!({})).unwrap();
    assert_eq!(routes["actions"][0]["command"][0], "/usr/local/bin/page-me");
    assert_eq!(routes["actions"][0]["min_severity"], "critical");
    assert_eq!(routes["webhooks"][0]["url"], "missing");
    assert_eq!(routes["webhooks"][1]["url"], "config");
    assert!(!routes.to_string().contains("ntfy.example.org"));

    let refused = invoke(
        &h,
        "set_webhook_url",
        json!({"id": "chat", "url": "http://chat.example.org/hook/abc"}),
    )
    .unwrap_err();
    assert_eq!(
        (refused["kind"].as_str(), refused["field"].as_str()),
        (Some("invalid"), Some("url"))
    );
    assert!(!refused.to_string().contains("abc"), "{refused}");

    let token = "https://hooks.slack.com/services/T0/B0/s3cr3tT0ken";
    invoke(&h, "set_webhook_url", json!({"id": "chat", "url": token})).unwrap();
    let routes = invoke(&h, "routes", json!({})).unwrap();
    assert_eq!(routes["webhooks"][0]["url"], "memory");
    assert!(!routes.to_string().contains("s3cr3t"));
    assert!(!std::fs::read_to_string(&config).unwrap().contains("s3cr3t"));

    assert_eq!(
        invoke(&h, "delete_webhook_url", json!({"id": "chat"})).unwrap(),
        json!(true)
    );
    assert_eq!(
        invoke(&h, "routes", json!({})).unwrap()["webhooks"][0]["url"],
        "missing"
    );
}

/// An account that signs in with nothing is not listed as missing its secret; one that needs a
/// secret and has none still is.
#[test]
fn an_account_without_authentication_needs_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        ["none", "bearer"]
            .map(|auth| {
                format!(
                    "[[accounts]]\nid = \"{auth}\"\nvendor = \"http-json\"\n\
                     base_url = \"http://127.0.0.1:9\"\npath = \"/agents\"\nauth = \"{auth}\"\n\
                     [accounts.fields]\nlist = \"/agents\"\nid = \"/id\"\nstate = \"/state\"\n"
                )
            })
            .join("\n"),
    )
    .unwrap();
    let h = app(&config, Secrets::memory([]));
    let listed = invoke(&h, "list_accounts", json!({})).unwrap();
    let secret_of = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["secret"].clone())
    };
    assert_eq!(secret_of("none"), Some(json!("not_needed")), "{listed}");
    assert_eq!(secret_of("bearer"), Some(json!("missing")), "{listed}");
}
