//! Vendor text reaches the terminal made visible, never obeyed: an Agora simulator over real
//! HTTP serves an agent whose id and name hold ESC sequences, CR, LF, BEL, C1 and bidi controls,
//! and an error page whose `<title>` holds them; `agentwatch check` and a bounded
//! `agentwatch watch` must print no raw control byte, and the crafted id must not print a fake
//! line of its own.

use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent};
use agentwatch_sim::{Fault, FaultRule, SimServer};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The line an attacker would like the user to read as AgentWatch's own.
const FAKE_LINE: &str = "agora adv-agora FAKEAGENT FAILED -> RUNNING ok";

/// An agent id that recolours, retitles and clears the terminal, rings, returns the cursor to
/// print over the line, reverses what follows, and breaks the line to print [`FAKE_LINE`].
fn hostile_id() -> String {
    format!(
        "adv\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\rover\u{202e}txt.exe\u{2066}\u{9b}1m\x7f\n{FAKE_LINE}\r\n"
    )
}

/// [`hostile_id`] as the terminal must show it.
const HOSTILE_ID_SHOWN: &str = r"adv\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\rover\u{202e}txt.exe\u{2066}\u{9b}1m\x7f\nagora adv-agora FAKEAGENT FAILED -> RUNNING ok\r\n";

const HOSTILE_NAME: &str = "\x1b[1mbot\x1b[0m\u{200f}\u{061c}\x08\x08name";

/// A title holding ESC, BEL and a bidi override.
const HOSTILE_TITLE: &str = "\x1b]0;owned\x07\x1b[2JMaintenance\u{202e}drawkcab\x1b[0m";

/// Raw control or bidi characters in `bytes`, other than the line breaks between lines.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| {
            *c != '\n'
                && (c.is_control()
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                        | '\u{200e}' | '\u{200f}' | '\u{061c}'))
        })
        .map(|c| format!("{:?}", c))
        .collect()
}

/// A TOML basic string holding `text` exactly.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

struct Sims {
    sim: AgoraSim,
    _server: SimServer,
    _broken_server: SimServer,
    config: String,
}

/// Two Agora projects: one with the hostile agent (listed by one account, watched by id by
/// another, so that its name is queried too), one answering every request with the hostile
/// error page.
async fn start_sims(poll_interval_secs: u64) -> Sims {
    let sim = AgoraSim::new(AgoraSimConfig::default());
    sim.add_agent(SimAgent::new(&hostile_id(), "support", "RUNNING").named(HOSTILE_NAME));
    sim.add_agent(SimAgent::new("plain-agent", "support", "RUNNING").named(HOSTILE_NAME));
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let broken = AgoraSim::new(AgoraSimConfig::default());
    broken.faults().set(FaultRule::always(Fault::HtmlPage {
        status: 503,
        title: HOSTILE_TITLE.into(),
    }));
    let broken_server = SimServer::start(broken.router(), 0, None).await.unwrap();
    let d = AgoraSimConfig::default();
    let account = |id: &str, url: &str, watch: &str| {
        format!(
            "[[accounts]]\nid = \"{id}\"\nvendor = \"agora\"\nbase_url = \"{url}\"\n\
             app_id = \"{}\"\ncustomer_id = \"{}\"\ntimeout_secs = 5\n{watch}\n",
            d.app_id, d.customer_id
        )
    };
    let config = format!(
        "poll_interval_secs = {poll_interval_secs}\n{}{}{}",
        account("adv-agora", &server.base_url(), ""),
        account(
            "adv-named",
            &server.base_url(),
            &format!("watch = [{}, \"plain-agent\"]", toml_string(&hostile_id()))
        ),
        account("adv-broken", &broken_server.base_url(), ""),
    );
    Sims {
        sim,
        _server: server,
        _broken_server: broken_server,
        config,
    }
}

/// The binary with the config, the simulator's secret for every account and a throw-away home
/// (the history of `watch` goes there).
fn agentwatch(dir: &Path, config: &str) -> Command {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.arg("--config")
        .arg(path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("AGENTWATCH_LOG");
    for id in ["adv-agora", "adv-named", "adv-broken"] {
        cmd.env(
            agentwatch_core::secrets::env_var_name(id),
            AgoraSimConfig::default().customer_secret,
        );
    }
    cmd
}

/// What a user reading the output would take for a line of AgentWatch's own.
fn fake_lines(shown: &str) -> Vec<&str> {
    shown
        .lines()
        .filter(|l| l.trim_start().starts_with("agora adv-agora FAKEAGENT"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_hostile_ids_names_and_error_pages_as_visible_text() {
    let sims = start_sims(15).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.arg("check");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    assert_eq!(raw_controls(&all), Vec::<String>::new(), "{shown:?}");
    assert_eq!(fake_lines(&shown), Vec::<&str>::new(), "{shown}");
    // The hostile agent is there, shown with readable escapes, in both accounts, and the
    // hostile name (queried by id) too.
    let agent_rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains(&HOSTILE_ID_SHOWN[..40]))
        .collect();
    assert_eq!(agent_rows.len(), 2, "listed and watched:\n{shown}");
    let named = shown
        .lines()
        .find(|l| l.starts_with("adv-named") && l.contains("plain-agent"))
        .unwrap_or_else(|| panic!("no watched plain-agent:\n{shown}"));
    assert!(
        named.contains(r"\x1b[1mbot\x1b[0m\u{200f}\u{61c}\x08\x08name"),
        "{named}"
    );
    // The long id is cut in its cell: its tail (the fake line) is not printed at all.
    assert!(agent_rows.iter().all(|l| l.contains('…')), "{shown}");
    assert!(!shown.contains("FAKEAGENT"), "{shown}");
    // The error page's title is quoted, made visible.
    let error_row = shown
        .lines()
        .find(|l| l.starts_with("adv-broken"))
        .unwrap_or_else(|| panic!("no error row:\n{shown}"));
    assert!(
        error_row.contains("\\x1b]0;owned\\x07\\x1b[2JMaintenance\\u{202e}drawkcab"),
        "{error_row}"
    );
    // The plain agent is shown as it is; the exit code is the worst severity (unknown: an
    // account is unreachable).
    assert_eq!(out.status.code(), Some(3), "{shown}");

    // --json keeps the values whole (escaped by JSON itself).
    let mut cmd = agentwatch(dir.path(), &sims.config);
    cmd.args(["check", "--json"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(raw_controls(&out.stdout), Vec::<String>::new());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["agents"].as_array())
        .flatten()
        .filter_map(|o| o["agent_id"].as_str())
        .collect();
    assert!(ids.contains(&hostile_id().as_str()), "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_lines_show_a_hostile_change_and_outage_as_one_visible_line_each() {
    let sims = start_sims(1).await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = agentwatch(dir.path(), &sims.config)
        .args(["watch", "--duration", "120s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    struct StopOnDrop(std::process::Child);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut child = StopOnDrop(child);
    // Every byte as printed, line by line.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::BufReader::new(stderr), &mut all);
        all
    });

    // Once both accounts have finished a poll that saw the hostile agent running (each has
    // begun its next one: a request repeats), it fails.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !second_polls_started(&sims.sim) {
        assert!(
            Instant::now() < deadline,
            "watch never polled the simulator twice"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sims.sim.set_status(&hostile_id(), "FAILED"));

    let mut printed: Vec<u8> = Vec::new();
    let seen_all = |printed: &[u8]| {
        let shown = String::from_utf8_lossy(printed);
        let change = shown
            .lines()
            .any(|l| l.contains(HOSTILE_ID_SHOWN) && l.contains("RUNNING -> FAILED"));
        let outage = shown
            .lines()
            .any(|l| l.contains("adv-broken") && l.contains("Maintenance"));
        change && outage
    };
    while !seen_all(&printed) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_millis(500))) {
            Ok(line) => printed.extend(line),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                assert!(
                    Instant::now() < deadline,
                    "watch never printed the change and the outage:\n{}",
                    String::from_utf8_lossy(&printed)
                )
            }
            Err(e) => panic!(
                "watch stopped early ({e}):\n{}",
                String::from_utf8_lossy(&printed)
            ),
        }
    }
    // SIGTERM on Unix, so that watch ends its own way; Windows sends a console program no
    // such signal from another process, so there it is ended.
    #[cfg(unix)]
    let _ = Command::new("kill").arg(child.0.id().to_string()).status();
    #[cfg(not(unix))]
    let _ = child.0.kill();
    let _ = child.0.wait();
    printed.extend(rx.try_iter().flatten());
    let errors = stderr_reader.join().unwrap();

    let shown = String::from_utf8_lossy(&printed).to_string();
    assert_eq!(
        raw_controls(&[printed.as_slice(), errors.as_slice()].concat()),
        Vec::<String>::new(),
        "{shown:?}"
    );
    assert_eq!(fake_lines(&shown), Vec::<&str>::new(), "{shown}");
    // The whole change is one line: time, vendor, account, the visible id, old -> new.
    let change = shown
        .lines()
        .find(|l| {
            l.split_whitespace().nth(2) == Some("adv-agora") && l.contains("RUNNING -> FAILED")
        })
        .unwrap_or_else(|| panic!("no change line of adv-agora:\n{shown}"));
    assert_eq!(change.split_whitespace().nth(1), Some("agora"), "{change}");
    assert!(
        change.contains(&format!("{HOSTILE_ID_SHOWN} RUNNING -> FAILED")),
        "{change}"
    );
}

/// True once the listing account and the account watching by id have each started a second
/// poll (some request of theirs repeats), i.e. finished their first.
fn second_polls_started(sim: &AgoraSim) -> bool {
    // The time window of a list request moves with the clock: compare without it.
    let requests: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| {
            r.split(['?', '&'])
                .filter(|p| !p.starts_with("from_time=") && !p.starts_with("to_time="))
                .collect::<Vec<_>>()
                .join("&")
        })
        .collect();
    let repeated = |needle: &str| {
        let mine: Vec<&String> = requests.iter().filter(|r| r.contains(needle)).collect();
        mine.iter().enumerate().any(|(i, r)| mine[..i].contains(r))
    };
    repeated("/agents&") && repeated("/agents/plain-agent")
}
