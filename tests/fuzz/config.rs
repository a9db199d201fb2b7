//! `Config::parse` on generated TOML: a complete, valid configuration (every section, all three
//! vendors) with some lines mutated (values of every TOML type, odd keys, lines deleted,
//! repeated or swapped, random text spliced in, the text cut short), or random text.
//!
//! The property: no panic; an error names the file and a line inside the text; a configuration
//! that loads saves to TOML that loads again as the same configuration.

use crate::answers::hostile_string;
use agentwatch_core::config::Config;
use agentwatch_core::Error;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use std::path::Path;

pub const VALID: &str = r#"poll_interval_secs = 15

[notifications]
enabled = true
info = false

[alerts]
confirm_worse_polls = 2
confirm_better_polls = 1
flap_changes = 5
flap_window_mins = 10
remind_every_mins = 30
storm_threshold = 5

[alerts.confirm_polls]
critical = 1

[alerts.quiet_hours]
days = ["mon", "tue", "wed"]
start = "22:00"
end = "07:00"
allow = "critical"

[alerts.accounts.cc-main]
confirm_worse_polls = 3

[history]
retention_days = 30

[[accounts]]
id = "cc-main"
vendor = "huawei"
name = "Contact centre"
base_url = "https://10.1.2.3:8043"
watch = ["101", "102"]
auth = "signin"
workno = "5001"
phonenum = "40038"
poll_interval_secs = 30
timeout_secs = 10

[accounts.severity]
"2" = "critical"
rest = "warning"

[[accounts]]
id = "ai"
vendor = "agora"
app_id = "APP_ID"
customer_id = "CUSTOMER"
channel = "support"
watch = ["1234567890ABCDE1CVGZNU80BEIN56XF"]

[[accounts]]
id = "nc"
vendor = "segura"
enabled = false
base_url = "http://127.0.0.1:9443"
client_id = "CLIENT"
"#;

pub const FILE: &str = "/fuzz-home/.config/agentwatch/config.toml";

/// A TOML value of any type, or text that only looks like one.
fn literal() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        select(vec![
            "0",
            "1",
            "-1",
            "99999999999999999999999",
            "1_000",
            "0x10",
            "0o7",
            "1e400",
            "nan",
            "-inf",
            "1.5",
            "true",
            "false",
            "\"\"",
            "''",
            "[]",
            "{}",
            "[[]]",
            "1979-05-27T07:32:00Z",
            "07:32:00",
            "\"22:00\"",
            "\"25:61\"",
            "\"huawei\"",
            "\"agora\"",
            "\"segura\"",
            "\"signin\"",
            "\"guid\"",
            "\"critical\"",
            "\"none\"",
            "\"\\uD800\"",
            "\"\\u0000\"",
            "\"\"\"\nmulti\nline\"\"\"",
            "[\"101\", 102, true]",
            "{ a = 1, b = [2] }",
            "\"https://example.com/path?q=1\"",
            "\"http://10.0.0.1:80\"",
            "\"ftp://x\"",
        ])
        .prop_map(str::to_string),
        hostile_string().prop_map(|s| serde_json::to_string(&s).unwrap()),
        vec(hostile_string(), 0..4).prop_map(|v| serde_json::to_string(&v).unwrap()),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        select(vec![
            "id",
            "vendor",
            "name",
            "base_url",
            "ca_file",
            "watch",
            "auth",
            "workno",
            "phonenum",
            "app_id",
            "customer_id",
            "channel",
            "client_id",
            "enabled",
            "poll_interval_secs",
            "timeout_secs",
            "retention_days",
            "confirm_worse_polls",
            "storm_threshold",
            "days",
            "start",
            "end",
            "allow",
            "unknown_key",
            "\"quoted key\"",
            "a.b.c",
            "",
        ])
        .prop_map(str::to_string),
        hostile_string().prop_map(|s| serde_json::to_string(&s).unwrap()),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
enum Edit {
    SetValue(usize, String),
    Delete(usize),
    Repeat(usize),
    Swap(usize, usize),
    InsertLine(usize, String),
    RenameKey(usize, String),
    Splice(usize, String),
    Cut(usize),
}

fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        5 => (any::<usize>(), literal()).prop_map(|(l, v)| Edit::SetValue(l, v)),
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Repeat),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        2 => (any::<usize>(), key(), literal()).prop_map(|(l, k, v)| Edit::InsertLine(l, format!("{k} = {v}"))),
        1 => (any::<usize>(), select(vec!["[[accounts]]", "[accounts.severity]", "[alerts.quiet_hours]", "[history]", "[x]", "[[alerts]]", "["]))
            .prop_map(|(l, h)| Edit::InsertLine(l, h.to_string())),
        1 => (any::<usize>(), key()).prop_map(|(l, k)| Edit::RenameKey(l, k)),
        1 => (any::<usize>(), hostile_string()).prop_map(|(at, s)| Edit::Splice(at, s)),
        1 => any::<usize>().prop_map(Edit::Cut),
    ]
    .boxed()
}

fn apply(edits: &[Edit]) -> String {
    let mut lines: Vec<String> = VALID.lines().map(str::to_string).collect();
    for edit in edits {
        let n = lines.len().max(1);
        match edit {
            Edit::SetValue(l, v) => {
                if let Some(line) = lines.get_mut(l % n) {
                    if let Some((k, _)) = line.split_once(" = ") {
                        *line = format!("{k} = {v}");
                    }
                }
            }
            Edit::Delete(l) => {
                if !lines.is_empty() {
                    lines.remove(l % n);
                }
            }
            Edit::Repeat(l) => {
                if let Some(line) = lines.get(l % n).cloned() {
                    lines.insert(l % n, line);
                }
            }
            Edit::Swap(a, b) => {
                if !lines.is_empty() {
                    lines.swap(a % n, b % n);
                }
            }
            Edit::InsertLine(l, text) => lines.insert(l % (lines.len() + 1), text.clone()),
            Edit::RenameKey(l, k) => {
                if let Some(line) = lines.get_mut(l % n) {
                    if let Some((_, v)) = line.split_once(" = ") {
                        *line = format!("{k} = {v}");
                    }
                }
            }
            Edit::Splice(at, s) => {
                let mut text = lines.join("\n");
                let mut i = at % (text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                text.insert_str(i, s);
                lines = text.lines().map(str::to_string).collect();
            }
            Edit::Cut(at) => {
                let mut text = lines.join("\n");
                let mut i = at % (text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                text.truncate(i);
                lines = text.lines().map(str::to_string).collect();
            }
        }
    }
    lines.join("\n")
}

fn config_text() -> BoxedStrategy<String> {
    prop_oneof![
        8 => vec(edit(), 1..5).prop_map(|edits| apply(&edits)),
        1 => any::<String>(),
        1 => vec(any::<u8>(), 0..512).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}

/// Parses, and checks what the parser says about the text.
fn check(text: &str) -> Result<(), TestCaseError> {
    let path = Path::new(FILE);
    match Config::parse(text, path) {
        Ok(config) => {
            let saved = config.to_toml();
            let again = Config::parse(&saved, path).map_err(|e| {
                TestCaseError::fail(format!(
                    "the saved form of a loaded config does not load: {e}\n{saved}"
                ))
            })?;
            prop_assert_eq!(again, config, "saving and loading changed the config");
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.contains(FILE),
                "the error does not name the file: {}",
                message
            );
            if let Error::Config { line, .. } = &e {
                let lines = text.lines().count().max(1);
                prop_assert!(
                    *line >= 1 && *line <= lines + 1,
                    "line {} outside a text of {} lines: {}",
                    line,
                    lines,
                    message
                );
            }
        }
    }
    Ok(())
}

pub fn fuzz_config() {
    // The unmutated text must load, or the mutations would all be tried on a dead end.
    Config::parse(VALID, Path::new(FILE)).expect("the fuzz template is a valid config");
    crate::harness::fuzz("config", config_text(), |text| check(&text));
}
