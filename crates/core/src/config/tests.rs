//! Loading, validating and saving config files.

use super::*;
use crate::model::{Severity, Vendor};

#[test]
fn an_error_inside_a_multibyte_character_names_its_line() {
    // Found by the fuzz target (tests/fuzz/config.rs): toml's span for a bad escape ends
    // inside the character after the backslash, and counting lines used to panic there.
    let text = "[[accounts]]\nid = \"x\"\nname = \"a\\\u{1ee6f}b\"\n";
    let err = Config::parse(text, Path::new("c.toml")).unwrap_err();
    match err {
        Error::Config { line, .. } => assert_eq!(line, 3, "{err}"),
        other => panic!("not a config error: {other}"),
    }
}

const GOOD: &str = r#"
poll_interval_secs = 15
[notifications]
info = false
[alerts]
confirm_worse_polls = 3
[alerts.quiet_hours]
start = "22:00"
end = "07:00"
allow = "critical"
[history]
retention_days = 7
[[accounts]]
id = "cc-main"
vendor = "huawei"
name = "Contact centre"
base_url = "https://10.1.2.3:8043"
ca_file = "/etc/agentwatch/cc-ca.pem"
watch = ["101", "102"]
auth = "signin"
workno = "5001"
phonenum = "40038"

[[accounts]]
id = "ai"
vendor = "agora"
app_id = "appid"
customer_id = "cust"

[[accounts]]
id = "nc"
vendor = "segura"
base_url = "http://127.0.0.1:9000"
client_id = "client"
[accounts.severity]
vanished = "warning"
"#;

fn parse(text: &str) -> Result<Config> {
    Config::parse(text, Path::new("/tmp/c.toml"))
}

#[test]
fn the_documented_example_parses() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.accounts.len(), 3);
    assert_eq!(c.accounts[0].watch, vec!["101", "102"]);
    assert_eq!(c.accounts[1].effective_base_url(), "https://api.agora.io");
    assert_eq!(c.accounts[2].severity["vanished"], Severity::Warning);
    assert!(!c.notifications.wants(Severity::Info));
    assert!(c.notifications.wants(Severity::Critical));
    assert_eq!(c.alerts.confirm_worse_polls, 3);
    assert!(c.alerts.quiet_hours.is_some());
    assert_eq!(c.history.retention_days, 7);
}

#[test]
fn bad_alert_settings_name_the_key() {
    let text = GOOD.replace("confirm_worse_polls = 3", "confirm_worse_polls = 0");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("alerts.confirm_worse_polls"), "{err}");
    assert!(
        err.starts_with("/tmp/c.toml:6:"),
        "points at the line: {err}"
    );
}

/// The line an error points at and its message, for a config that must not load.
fn refused(text: &str) -> (usize, String, String) {
    match parse(text).unwrap_err() {
        Error::Config {
            line, key, message, ..
        } => (line, key, message),
        other => panic!("not a config error: {other}"),
    }
}

/// A hand-written file gets the dashboard's limits, each named by file, line and key.
#[test]
fn the_dashboards_limits_hold_for_a_hand_written_file() {
    let (line, key, message) =
        refused(&GOOD.replace("poll_interval_secs = 15", "poll_interval_secs = 7200"));
    assert_eq!((line, key.as_str()), (2, "poll_interval_secs"), "{message}");
    assert!(message.contains("between 1 and 3600 seconds"), "{message}");

    let text = GOOD.replace(
        "confirm_worse_polls = 3",
        "confirm_worse_polls = 3\nstorm_threshold = 5000",
    );
    let (line, key, message) = refused(&text);
    assert_eq!(
        (line, key.as_str()),
        (7, "alerts.storm_threshold"),
        "{message}"
    );
    assert!(message.contains("at most 1000"), "{message}");

    let (line, key, message) = refused(&GOOD.replace("retention_days = 7", "retention_days = 0"));
    assert_eq!(
        (line, key.as_str()),
        (12, "history.retention_days"),
        "{message}"
    );
    let (_, _, message) = refused(&GOOD.replace("retention_days = 7", "retention_days = 4000"));
    assert!(message.contains("between 1 and 3650 days"), "{message}");

    // An account's own interval has the same range.
    let text = GOOD.replace("id = \"ai\"", "id = \"ai\"\npoll_interval_secs = 86400");
    let (_, key, message) = refused(&text);
    assert_eq!(key, "accounts[ai].poll_interval_secs", "{message}");
}

#[test]
fn a_bad_sound_is_named_at_its_own_line_not_at_the_switch_of_the_same_name() {
    // `critical` is a key of [notifications] too: the error points into [notifications.sounds].
    let text = GOOD.replace(
        "[notifications]\ninfo = false\n",
        "[notifications]\ncritical = true\n[notifications.sounds]\nwarning = \"dialog-warning\"\ncritical = \"alarm clock!\"\n",
    );
    let (line, key, message) = refused(&text);
    assert_eq!(
        (line, key.as_str()),
        (7, "notifications.sounds.critical"),
        "{message}"
    );
    assert!(message.contains("not a sound-theme name"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ding.oga");
    let text = GOOD.replace(
        "[notifications]\ninfo = false\n",
        &format!(
            "[notifications]\n[notifications.sounds]\ncritical = {:?}\nrepeat_critical = true\n",
            file.display().to_string()
        ),
    );
    let (line, key, message) = refused(&text);
    assert_eq!(
        (line, key.as_str()),
        (5, "notifications.sounds.critical"),
        "{message}"
    );
    assert!(message.contains("cannot read the sound file"), "{message}");

    std::fs::write(&file, b"OggS").unwrap();
    let c = parse(&text).unwrap();
    assert_eq!(
        c.notifications.sounds.for_reminder(),
        Some(&crate::sounds::Sound::File(file.clone()))
    );
    let path = dir.path().join("config.toml");
    c.save(&path).unwrap();
    assert_eq!(Config::load(&path).unwrap(), c);
}

#[test]
fn save_refuses_what_would_not_load_again() {
    let mut c = parse(GOOD).unwrap();
    c.alerts.storm_threshold = 1001;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let err = c.save(&path).unwrap_err().to_string();
    assert!(err.contains("alerts.storm_threshold"), "{err}");
    assert!(!path.exists(), "a refused config was written");
    assert_eq!(
        c.validate_settings().unwrap_err().0,
        "alerts.storm_threshold"
    );
}

#[test]
fn round_trips_through_save() {
    let c = parse(GOOD).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/config.toml");
    c.save(&path).unwrap();
    assert_eq!(Config::load(&path).unwrap(), c);
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let text = GOOD.replace(
        "phonenum = \"40038\"",
        "phonenum = \"40038\"\npasword = \"x\"",
    );
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("/tmp/c.toml:"), "{err}");
    assert!(err.contains("pasword"), "{err}");
}

#[test]
fn an_unknown_account_key_is_reported_at_its_own_line() {
    let text = GOOD.replace(
        "phonenum = \"40038\"",
        "phonenum = \"40038\"\npasword = \"x\"",
    );
    let line = text.lines().position(|l| l.starts_with("pasword")).unwrap() + 1;
    assert_eq!(line, 23, "the fixture moved: {text}");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("/tmp/c.toml:23:"), "{err}");
    assert!(err.contains("pasword"), "{err}");
    // In the last table too, whose header is 4 lines up and which has a nested table.
    let text = GOOD.replace(
        "client_id = \"client\"",
        "client_id = \"client\"\ntimeout_sec = 10",
    );
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("/tmp/c.toml:35:"), "{err}");
    assert!(err.contains("timeout_sec"), "{err}");
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let text = GOOD.replace("https://10.1.2.3:8043", "http://10.1.2.3:8043");
    let err = parse(&text).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("accounts[cc-main].base_url"), "{msg}");
    let line = text
        .lines()
        .position(|l| l.starts_with("base_url = \"http://10."))
        .unwrap()
        + 1;
    assert!(
        msg.contains(&format!(":{line}:")),
        "points at the base_url line: {msg}"
    );
    assert!(validate_base_url("http://[::1]:80").is_ok());
    assert!(validate_base_url("http://localhost:80").is_ok());
}

#[test]
fn base_url_may_carry_a_path_prefix_but_no_query_fragment_or_user() {
    assert!(validate_base_url("https://h:8043/").is_ok());
    assert!(validate_base_url("https://h/senhasegura").is_ok());
    assert!(validate_base_url("https://h/senhasegura/").is_ok());
    assert!(validate_base_url("https://h/a?b=c").is_err());
    assert!(validate_base_url("https://h/a#top").is_err());
    assert!(validate_base_url("https://user@h/a").is_err());
    assert!(validate_base_url("https://:pw@h/a").is_err());
    assert!(validate_base_url("http://10.1.2.3/senhasegura").is_err());
    assert!(validate_base_url("http://127.0.0.1:9/senhasegura").is_ok());
    let text = GOOD.replace(
        "base_url = \"http://127.0.0.1:9000\"",
        "base_url = \"http://127.0.0.1:9000/senhasegura/\"",
    );
    let c = parse(&text).unwrap();
    assert_eq!(
        c.accounts[2].effective_base_url(),
        "http://127.0.0.1:9000/senhasegura"
    );
}

#[test]
fn max_answer_mib_is_checked() {
    let mut a = AccountConfig::new("a", Vendor::Segura, Some("https://h"));
    a.set_option("client_id", "c");
    assert_eq!(a.max_answer_bytes(), 32 * 1024 * 1024);
    a.max_answer_mib = Some(1);
    assert!(a.validate().is_ok());
    assert_eq!(a.max_answer_bytes(), 1024 * 1024);
    a.max_answer_mib = Some(0);
    assert_eq!(a.validate().unwrap_err().0, "max_answer_mib");
    a.max_answer_mib = Some(1025);
    assert_eq!(a.validate().unwrap_err().0, "max_answer_mib");
}

#[test]
fn huawei_ids_are_checked() {
    let text = GOOD.replace("[\"101\", \"102\"]", "[\"101\", \"abc\"]");
    assert!(parse(&text).unwrap_err().to_string().contains("abc"));
}

#[test]
fn vendor_fields_are_required_and_foreign_ones_refused() {
    let text = GOOD.replace("customer_id = \"cust\"", "");
    assert!(parse(&text)
        .unwrap_err()
        .to_string()
        .contains("customer_id"));
    let text = GOOD.replace(
        "client_id = \"client\"",
        "client_id = \"client\"\nworkno = \"5001\"",
    );
    assert!(parse(&text)
        .unwrap_err()
        .to_string()
        .contains("does not apply"));
}

#[test]
fn duplicate_ids_are_refused() {
    let text = GOOD.replace("id = \"nc\"", "id = \"ai\"");
    assert!(parse(&text).unwrap_err().to_string().contains("duplicate"));
}

#[test]
fn the_proxy_key_is_validated_and_a_password_in_it_is_refused_by_line() {
    let with = |value: &str| {
        GOOD.replace(
            "client_id = \"client\"",
            &format!("client_id = \"client\"\nproxy = \"{value}\""),
        )
    };
    let c = parse(&with("socks5h://alice@127.0.0.1:1080")).unwrap();
    assert_eq!(
        c.accounts[2].proxy.as_deref(),
        Some("socks5h://alice@127.0.0.1:1080")
    );
    assert_eq!(c.accounts[0].proxy, None, "no key is the system proxy");
    for ok in ["system", "none", "http://127.0.0.1:3128"] {
        assert!(parse(&with(ok)).is_ok(), "{ok}");
    }

    let text = with("http://alice:s3cret@proxy.example:3128");
    let err = parse(&text).unwrap_err();
    let msg = err.to_string();
    let line = text.lines().position(|l| l.starts_with("proxy =")).unwrap() + 1;
    assert!(
        msg.starts_with(&format!("/tmp/c.toml:{line}: accounts[nc].proxy: ")),
        "names file, line and key: {msg}"
    );
    assert!(msg.contains("must not hold a password"), "{msg}");
    assert!(
        !msg.contains("s3cret"),
        "the password is not repeated: {msg}"
    );

    let err = parse(&with("squid:3128")).unwrap_err().to_string();
    assert!(err.contains("accounts[nc].proxy"), "{err}");
    assert!(err.contains("unsupported scheme"), "{err}");
}

#[test]
fn a_missing_file_is_an_empty_config() {
    let c = Config::load(Path::new("/nonexistent/agentwatch.toml")).unwrap();
    assert!(c.accounts.is_empty());
}

const LIMITS: &str = r#"
[[accounts]]
id = "cc"
vendor = "huawei"
base_url = "https://cc.example.com:8043"
workno = "40038"
phonenum = "40038"
watch = ["101", "103"]

[accounts.time_limits]
rest = { warning = "15m", critical = "30m" }
"5"  = { warning = "2m" }
"#;

#[test]
fn time_limits_parse_by_label_or_native_value_and_round_trip() {
    let c = parse(LIMITS).unwrap();
    let limits = &c.accounts[0].time_limits;
    let rest = &limits["rest"];
    assert_eq!(rest.warning.as_ref().unwrap().secs(), Ok(900));
    assert_eq!(rest.critical.as_ref().unwrap().secs(), Ok(1800));
    assert_eq!(limits["5"].warning.as_ref().unwrap().secs(), Ok(120));
    assert!(limits["5"].critical.is_none());
    assert_eq!(parse(&c.to_toml()).unwrap(), c);
}

#[test]
fn an_invalid_time_limit_names_file_line_and_key() {
    let text = LIMITS.replace("\"2m\"", "\"2 minutes\"");
    let err = parse(&text).unwrap_err().to_string();
    let line = text.lines().position(|l| l.starts_with("\"5\"")).unwrap() + 1;
    assert!(err.starts_with(&format!("/tmp/c.toml:{line}:")), "{err}");
    assert!(err.contains("accounts[cc].time_limits.5.warning"), "{err}");
    assert!(err.contains("not a duration"), "{err}");

    let text = LIMITS.replace("critical = \"30m\"", "critical = \"10m\"");
    let err = parse(&text).unwrap_err().to_string();
    let line = text.lines().position(|l| l.starts_with("rest")).unwrap() + 1;
    assert!(err.starts_with(&format!("/tmp/c.toml:{line}:")), "{err}");
    assert!(err.contains("time_limits.rest.critical"), "{err}");

    // The table form points at the offending key's own line.
    let text = LIMITS.replace(
        "\"5\"  = { warning = \"2m\" }",
        "[accounts.time_limits.wrap-up]\nwarning = \"15q\"",
    );
    let err = parse(&text).unwrap_err().to_string();
    let line = text.lines().position(|l| l.starts_with("warning")).unwrap() + 1;
    assert!(err.starts_with(&format!("/tmp/c.toml:{line}:")), "{err}");
    assert!(err.contains("time_limits.wrap-up.warning"), "{err}");

    let text = LIMITS.replace("{ warning = \"2m\" }", "{ warnig = \"2m\" }");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("warnig"), "{err}");
}

const AGORA_WITH: &str =
    "[[accounts]]\nid = \"ai\"\nvendor = \"agora\"\napp_id = \"appid\"\ncustomer_id = \"cust\"\n";

#[test]
fn ranges_in_the_watch_list_are_expanded_when_the_file_is_read() {
    let text = format!("{AGORA_WITH}watch = [\"0101-0103\", \"bot-1\", \"102\"]\n");
    let config = parse(&text).unwrap();
    assert_eq!(
        config.accounts[0].watch,
        ["0101", "0102", "0103", "bot-1", "102"]
    );
}

#[test]
fn a_bad_range_in_the_watch_list_names_its_line_key_and_piece() {
    let text = format!("{AGORA_WITH}watch = [\"150-101\"]\n");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("c.toml:6:"), "{err}");
    assert!(err.contains("accounts[ai].watch"), "{err}");
    assert!(err.contains("\"150-101\" is reversed"), "{err}");
}

#[test]
fn labels_are_read_and_checked() {
    let text = format!("{AGORA_WITH}[accounts.labels]\n\"101\" = \"Alice Zhang (night shift)\"\n");
    let config = parse(&text).unwrap();
    assert_eq!(
        config.accounts[0].labels["101"],
        "Alice Zhang (night shift)"
    );
    let reread = parse(&config.to_toml()).unwrap();
    assert_eq!(reread.accounts[0].labels, config.accounts[0].labels);

    let bad = format!("{AGORA_WITH}[accounts.labels]\n\"101\" = \"\"\n");
    let err = parse(&bad).unwrap_err().to_string();
    assert!(err.contains("accounts[ai].labels"), "{err}");
    assert!(err.contains("must not be empty"), "{err}");
}

/// A small file of every table, each broken one way below.
const EVERY_TABLE: &str = r#"poll_interval_secs = 15

[notifications]
info = false

[alerts]
confirm_worse_polls = 2

[alerts.quiet_hours]
start = "22:00"
end = "07:00"
allow = "critical"

[history]
retention_days = 30

[[accounts]]
id = "seed-huawei"
vendor = "huawei"
base_url = "https://10.1.2.3:8043"
watch = ["101", "102"]
workno = "5001"

[accounts.severity]
"2" = "critical"

[accounts.time_limits]
rest = { warning = "15m" }

[[accounts.maintenance]]
days = ["sat"]
start = "22:00"
end = "23:00"

[[accounts]]
id = "nc"
vendor = "segura"
base_url = "http://127.0.0.1:9000"
client_id = "client"

[[accounts]]
id = "bots"
vendor = "http-json"
base_url = "http://127.0.0.1:9100"
path = "/agents"

[accounts.fields]
list = "/agents"
id = "/id"
state = "/state"

[accounts.states]
up = "ok"
busy = "info"

[[actions]]
command = ["notify-send", "AgentWatch"]
min_severity = "warning"

[[webhooks]]
id = "chat"
format = "slack"
url = "http://127.0.0.1:9200/hook"
"#;

/// Each broken file of the table: the replacement (`from` -> `to`, where `to` marks the line
/// the error must point at with `# <-`), the dotted key and a piece of the message.
const BROKEN: &[(&str, &str, &str, &str)] = &[
    // [[accounts]]: the vendor's own keys (flattened into the account).
    (
        "workno = \"5001\"",
        "workno = 5001 # <-",
        "accounts[seed-huawei].workno",
        "must be text in quotes, not integer `5001`",
    ),
    (
        "client_id = \"client\"",
        "client_id = \"client\"\nclient_idd = \"x\" # <-",
        "accounts[nc].client_idd",
        "did you mean client_id?",
    ),
    (
        "workno = \"5001\"",
        "workno = \"5001\"\nclient_id = \"x\" # <-",
        "accounts[seed-huawei].client_id",
        "it is a key of vendor segura",
    ),
    // [[accounts]]: the shared keys.
    (
        "base_url = \"http://127.0.0.1:9000\"",
        "base_ulr = \"http://127.0.0.1:9000\" # <-",
        "accounts[nc].base_ulr",
        "unknown key (did you mean base_url?)",
    ),
    (
        "vendor = \"segura\"",
        "vendor = \"segrua\" # <-",
        "accounts[nc].vendor",
        "did you mean segura?",
    ),
    (
        "client_id = \"client\"",
        "client_id = \"client\"\ntimeout_secs = \"10\" # <-",
        "accounts[nc].timeout_secs",
        "must be a whole number, not string \"10\"",
    ),
    (
        "base_url = \"https://10.1.2.3:8043\"",
        "base_url = \"http://10.1.2.3:8043\" # <-",
        "accounts[seed-huawei].base_url",
        "https",
    ),
    (
        "id = \"nc\"",
        "id = \"seed-huawei\" # <-",
        "accounts[seed-huawei].id",
        "duplicate account id: the account at line 17 has it too",
    ),
    (
        "[[accounts]]\nid = \"nc\"",
        "[[accounts]] # <-\nname = \"no id\"",
        "accounts[1].id",
        "is required",
    ),
    (
        "watch = [\"101\", \"102\"]",
        "watch = [\"101\", \"150-101\"] # <-",
        "accounts[seed-huawei].watch",
        "is reversed",
    ),
    // [accounts.severity]
    (
        "\"2\" = \"critical\"",
        "\"2\" = \"critcal\" # <-",
        "accounts[seed-huawei].severity.2",
        "\"critcal\" is not one of ok, info, warning, critical, unknown (did you mean critical?)",
    ),
    // [accounts.states] (a vendor's own table), far below its account's header.
    (
        "busy = \"info\"",
        "busy = \"inf\" # <-",
        "accounts[bots].states.busy",
        "did you mean info?",
    ),
    // [accounts.fields]
    (
        "list = \"/agents\"",
        "lst = \"/agents\" # <-",
        "accounts[bots].fields.lst",
        "did you mean list?",
    ),
    (
        "state = \"/state\"",
        "state = \"state\" # <-",
        "accounts[bots].fields.state",
        "not a JSON Pointer",
    ),
    (
        "state = \"/state\"",
        "state = 5 # <-",
        "accounts[bots].fields.state",
        "must be text in quotes",
    ),
    // [accounts.time_limits]
    (
        "rest = { warning = \"15m\" }",
        "rest = { warning = \"15q\" } # <-",
        "accounts[seed-huawei].time_limits.rest.warning",
        "not a duration",
    ),
    (
        "rest = { warning = \"15m\" }",
        "rest = { warnig = \"15m\" } # <-",
        "accounts[seed-huawei].time_limits.rest.warnig",
        "did you mean warning?",
    ),
    // [[accounts.maintenance]]
    (
        "start = \"22:00\"\nend = \"23:00\"",
        "start = \"25:00\" # <-\nend = \"23:00\"",
        "accounts[seed-huawei].maintenance[0].start",
        "25:00",
    ),
    (
        "days = [\"sat\"]",
        "dys = [\"sat\"] # <-",
        "accounts[seed-huawei].maintenance[0].dys",
        "did you mean days?",
    ),
    (
        "[[accounts.maintenance]]\ndays = [\"sat\"]\nstart = \"22:00\"\nend = \"23:00\"",
        "[[accounts.maintenance]] # <-\ndays = [\"sat\"]\nstart = \"22:00\"\nend = \"22:00\"",
        "accounts[seed-huawei].maintenance[0]",
        "must not be empty",
    ),
    // [[actions]] and [[webhooks]]
    (
        "command = [\"notify-send\", \"AgentWatch\"]",
        "command = \"notify-send\" # <-",
        "actions[0].command",
        "must be a list ([…]), not string",
    ),
    (
        "min_severity = \"warning\"",
        "min_severty = \"warning\" # <-",
        "actions[0].min_severty",
        "did you mean min_severity?",
    ),
    (
        "min_severity = \"warning\"",
        "min_severity = \"warning\"\naccounts = [\"seed-huawei\", \"gone\"] # <-",
        "actions[0].accounts[1]",
        "\"gone\" is not the id of a configured account",
    ),
    (
        "format = \"slack\"",
        "format = \"slak\" # <-",
        "webhooks[chat].format",
        "did you mean slack?",
    ),
    (
        "url = \"http://127.0.0.1:9200/hook\"",
        "url = \"http://hooks.example/x\" # <-",
        "webhooks[chat].url",
        "",
    ),
    // [alerts], [notifications], [history]
    (
        "confirm_worse_polls = 2",
        "confirm_worse_pols = 2 # <-",
        "alerts.confirm_worse_pols",
        "did you mean confirm_worse_polls?",
    ),
    (
        "confirm_worse_polls = 2",
        "confirm_worse_polls = 0 # <-",
        "alerts.confirm_worse_polls",
        "between 1 and",
    ),
    (
        "allow = \"critical\"",
        "allow = \"crit\" # <-",
        "alerts.quiet_hours.allow",
        "",
    ),
    (
        "info = false",
        "info = \"no\" # <-",
        "notifications.info",
        "must be true or false, not string \"no\"",
    ),
    (
        "info = false",
        "infos = false # <-",
        "notifications.infos",
        "did you mean info?",
    ),
    (
        "retention_days = 30",
        "retention_days = 0 # <-",
        "history.retention_days",
        "between 1 and 3650 days",
    ),
    (
        "poll_interval_secs = 15",
        "poll_intervall_secs = 15 # <-",
        "poll_intervall_secs",
        "did you mean poll_interval_secs?",
    ),
];

#[test]
fn every_broken_table_names_the_file_the_line_and_the_key() {
    let mut failures = Vec::new();
    for (from, to, key, says) in BROKEN {
        assert!(EVERY_TABLE.contains(from), "the fixture lacks {from:?}");
        let text = EVERY_TABLE.replacen(from, to, 1);
        let line = text.lines().position(|l| l.ends_with("# <-")).unwrap() + 1;
        match Config::parse(&text, Path::new("/etc/agentwatch/config.toml")) {
            Ok(_) => failures.push(format!("{to:?}: loaded")),
            Err(err @ Error::Config { .. }) => {
                let shown = err.to_string();
                let expected = format!("/etc/agentwatch/config.toml:{line}: {key}: ");
                if !shown.starts_with(&expected) || !shown.contains(says) || shown.contains('\n') {
                    failures.push(format!(
                        "{to:?}\n  wanted {expected}…{says}\n  got    {shown}"
                    ));
                }
            }
            Err(other) => failures.push(format!("{to:?}: not a config error: {other}")),
        }
    }
    assert!(EVERY_TABLE.contains("[[webhooks]]") && parse(EVERY_TABLE).is_ok());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_syntax_error_is_one_line_at_its_line() {
    let text = EVERY_TABLE.replace("[history]", "[history");
    let line = text.lines().position(|l| l == "[history").unwrap() + 1;
    let err = Config::parse(&text, Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&format!("c.toml:{line}: ")), "{err}");
    assert!(!err.contains('\n') && !err.contains("\\n"), "{err}");
}
