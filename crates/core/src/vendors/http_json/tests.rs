use super::config::{Auth, HttpJsonSettings};
use super::items::{read_item, Item};
use crate::config::Config;
use crate::error::Error;
use crate::model::{Severity, Vendor};
use crate::vendors::entry::Entry;
use serde_json::json;
use std::path::Path;

/// The issue's example, as a whole config.
const EXAMPLE: &str = r#"
[[accounts]]
id = "bots"
vendor = "http-json"
name = "Support bots"
base_url = "https://status.example.com"
path = "/api/v1/agents"
auth = "bearer"
[accounts.fields]
list = "/data/items"
id = "/id"
name = "/displayName"
state = "/status"
next = "/meta/next"
[accounts.states]
online = "ok"
away = "warning"
offline = "critical"
"#;

fn settings(text: &str) -> HttpJsonSettings {
    let config = Config::parse(text, Path::new("c.toml")).unwrap();
    HttpJsonSettings::of(&config.accounts[0]).unwrap()
}

#[test]
fn the_documented_example_loads_and_saves_unchanged() {
    let config = Config::parse(EXAMPLE, Path::new("c.toml")).unwrap();
    let account = &config.accounts[0];
    assert_eq!(account.vendor, Vendor::HttpJson);
    let s = HttpJsonSettings::of(account).unwrap();
    assert_eq!(s.path, "/api/v1/agents");
    assert_eq!(s.auth, Auth::Bearer);
    assert_eq!(s.fields.list, "/data/items");
    assert_eq!(s.fields.next.as_deref(), Some("/meta/next"));
    assert_eq!(s.severity_of("away"), Severity::Warning);
    assert_eq!(s.severity_of("OFFLINE"), Severity::Critical);
    assert_eq!(s.severity_of("rebooting"), Severity::Unknown);
    let again = Config::parse(&config.to_toml(), Path::new("c.toml")).unwrap();
    assert_eq!(again, config, "{}", config.to_toml());
}

fn error_of(text: &str) -> String {
    match Config::parse(text, Path::new("c.toml")).unwrap_err() {
        e @ Error::Config { .. } => e.to_string(),
        other => panic!("not a config error: {other}"),
    }
}

#[test]
fn bad_keys_are_named_with_their_line() {
    let err = error_of(&EXAMPLE.replace("auth = \"bearer\"", "auth = \"token\""));
    assert!(err.starts_with("c.toml:8: accounts[bots].auth:"), "{err}");
    let err = error_of(&EXAMPLE.replace("state = \"/status\"", "state = \"status\""));
    assert!(err.contains("accounts[bots].fields.state"), "{err}");
    assert!(err.contains("JSON Pointer"), "{err}");
    let err = error_of(&EXAMPLE.replace("path = \"/api/v1/agents\"\n", ""));
    assert!(err.contains("accounts[bots].path: is required"), "{err}");
    let err = error_of(&EXAMPLE.replace("away = \"warning\"", "away = \"amber\""));
    assert!(err.contains("amber"), "{err}");
    let err = error_of(&EXAMPLE.replace("auth = \"bearer\"", "auth = \"basic\""));
    assert!(err.contains("accounts[bots].user"), "{err}");
    // A key of another vendor, and a typo of an account key.
    let err =
        error_of(&EXAMPLE.replace("auth = \"bearer\"", "auth = \"bearer\"\nclient_id = \"x\""));
    assert!(err.starts_with("c.toml:9:"), "{err}");
    assert!(err.contains("does not apply to vendor http-json"), "{err}");
    let err = error_of(&EXAMPLE.replace("auth = \"bearer\"", "auth = \"bearer\"\ntimeout_sec = 3"));
    assert!(
        err.starts_with("c.toml:9: accounts[bots].timeout_sec:"),
        "{err}"
    );
}

#[test]
fn auth_kinds_parse() {
    let with = |auth: &str| settings(&EXAMPLE.replace("auth = \"bearer\"", auth));
    assert_eq!(with("auth = \"none\"").auth, Auth::None);
    assert_eq!(with("").auth, Auth::None, "no auth key: none");
    assert_eq!(
        with("auth = \"basic\"\nuser = \"ops\"").auth,
        Auth::Basic { user: "ops".into() }
    );
    match with("auth = \"header:X-Api-Key\"").auth {
        Auth::Header(name) => assert_eq!(name.as_str(), "x-api-key"),
        other => panic!("{other:?}"),
    }
    assert!(
        error_of(&EXAMPLE.replace("auth = \"bearer\"", "auth = \"header:Bad Name\""))
            .contains("header name")
    );
}

#[test]
fn items_are_read_through_nested_pointers() {
    let s = settings(
        &EXAMPLE
            .replace("id = \"/id\"", "id = \"/agent/key\"")
            .replace("state = \"/status\"", "state = \"/agent/presence/state\""),
    );
    let item = json!({"agent": {"key": 42, "presence": {"state": "online"}}, "displayName": "Bot"});
    assert_eq!(
        read_item(&item, &s),
        Entry::Read(Item {
            id: "42".into(),
            name: Some("Bot".into()),
            native: "online".into()
        })
    );
    // No id: skipped. An id but no readable state or name: that agent, unreadable.
    assert_eq!(read_item(&json!({"agent": {}}), &s), Entry::NoId);
    assert_eq!(read_item(&json!("text"), &s), Entry::NoId);
    assert_eq!(read_item(&json!({"agent": {"key": 1.5}}), &s), Entry::NoId);
    assert!(matches!(
        read_item(&json!({"agent": {"key": "a"}}), &s),
        Entry::Unreadable { id, .. } if id == "a"
    ));
    assert!(matches!(
        read_item(
            &json!({"agent": {"key": "a", "presence": {"state": [1]}}}),
            &s
        ),
        Entry::Unreadable { .. }
    ));
    assert!(matches!(
        read_item(
            &json!({"agent": {"key": "a", "presence": {"state": "x"}}, "displayName": 7}),
            &s
        ),
        Entry::Unreadable { .. }
    ));
}
