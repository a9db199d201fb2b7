//! `agentwatch watch` and `agentwatch history` over one scripted session against the Agora
//! simulator (real HTTP on loopback): what `watch` prints is what the history records, line
//! for line, with the same time, kind, severity and detail; a change that lasted one poll is in
//! neither. `watch --raw` prints every change the moment a poll sees it, the blip included.
//! Unix only: `watch` is stopped as Ctrl-C stops it, with SIGINT (tests/windows.rs runs `watch`
//! under Wine).
#![cfg(unix)]

mod common;

use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent};
use agentwatch_sim::SimServer;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Every step of the session waits at most this long for what it expects.
const STEP_LIMIT: Duration = Duration::from_secs(30);

struct Session {
    sim: AgoraSim,
    _server: SimServer,
    config: String,
}

/// An Agora project with two running agents (one named, one not), watched by id and polled
/// every second.
async fn start_session() -> Session {
    let sim = AgoraSim::new(AgoraSimConfig::default());
    sim.add_agent(SimAgent::new("blip-1", "support", "RUNNING").named(""));
    sim.add_agent(SimAgent::new("bot-2", "support", "RUNNING").named("Night desk"));
    let server = SimServer::start(sim.router(), 0, None).await.unwrap();
    let d = AgoraSimConfig::default();
    let config = format!(
        "poll_interval_secs = 1\n\
         [[accounts]]\nid = \"ai\"\nname = \"AI agents\"\nvendor = \"agora\"\n\
         base_url = \"{}\"\napp_id = \"{}\"\ncustomer_id = \"{}\"\ntimeout_secs = 5\n\
         watch = [\"blip-1\", \"bot-2\"]\n",
        server.base_url(),
        d.app_id,
        d.customer_id,
    );
    Session {
        sim,
        _server: server,
        config,
    }
}

/// The binary with the config, the account's secret, and a throw-away home where `watch` keeps
/// its history and control socket and `history` reads it; times in UTC for both.
fn agentwatch(dir: &Path, config: &str) -> Command {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let runtime = dir.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentwatch"));
    cmd.arg("--config")
        .arg(path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_RUNTIME_DIR", runtime)
        .env("TZ", "UTC")
        .env_remove("AGENTWATCH_LOG")
        .env(
            agentwatch_core::secrets::env_var_name("ai"),
            AgoraSimConfig::default().customer_secret,
        );
    cmd
}

/// A running `watch` whose standard output arrives line by line; killed when dropped.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    printed: Vec<String>,
}

impl Watching {
    /// Its log (the alert policy's decisions, explained) goes to `dir/watch.log`.
    fn start(dir: &Path, config: &str, extra: &[&str]) -> Watching {
        let log = std::fs::File::create(dir.join("watch.log")).unwrap();
        let mut child = agentwatch(dir, config)
            .args(["watch", "--duration", "120s"])
            .args(extra)
            .env("AGENTWATCH_LOG", "agentwatch_core::alerts=debug")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            lines,
            printed: Vec::new(),
        }
    }

    /// Reads printed lines until one satisfies `wanted`.
    fn until(&mut self, what: &str, wanted: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + STEP_LIMIT;
        while !self.printed.iter().any(|l| wanted(l)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(500)))
            {
                Ok(line) => self.printed.push(line),
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(e) => panic!(
                    "watch never printed {what} ({e:?}):\n{}",
                    self.printed.join("\n")
                ),
            }
        }
    }

    /// Stops it as Ctrl-C does (it writes the last rows and exits); everything it printed.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + STEP_LIMIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "watch did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(50));
        }
        // The reader thread ends with the pipe: whatever is left is in the channel.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.printed.push(line);
        }
        std::mem::take(&mut self.printed)
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many polls have asked for `agent` so far.
fn polls_of(sim: &AgoraSim, agent: &str) -> usize {
    sim.request_count(&format!("/agents/{agent}?"))
}

/// Waits until the watch has polled `agent` `more` more times than `since`.
async fn until_polled(sim: &AgoraSim, agent: &str, since: usize, more: usize) {
    let deadline = Instant::now() + STEP_LIMIT;
    while polls_of(sim, agent) < since + more {
        assert!(
            Instant::now() < deadline,
            "{agent} was not polled {more} more time(s)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The history's table, oldest row first, each row as the line `watch` prints for it:
/// `HH:MM:SS agora ACCOUNT AGENT CHANGE-or-KIND SEVERITY (DETAIL)`. Cells are cut by the
/// header's columns.
fn history_as_watch_lines(table: &str) -> Vec<String> {
    let mut lines = table.lines();
    let header = lines.next().expect("a header");
    let columns = [
        "TIME", "ACCOUNT", "AGENT", "KIND", "CHANGE", "SEVERITY", "DETAIL",
    ]
    .map(|name| {
        header
            .find(name)
            .unwrap_or_else(|| panic!("{name}: {header}"))
    });
    let mut out: Vec<String> = lines
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            let cell = |i: usize| -> String {
                let end = columns.get(i + 1).copied().unwrap_or(chars.len());
                chars[columns[i].min(chars.len())..end.min(chars.len())]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string()
            };
            let (time, account, agent, kind, change, severity, detail) = (
                cell(0),
                cell(1),
                cell(2),
                cell(3),
                cell(4),
                cell(5),
                cell(6),
            );
            let what = if change.is_empty() { kind } else { change };
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!(
                "{} agora {account} {agent} {what} {severity}{detail}",
                &time[11..]
            )
        })
        .collect();
    out.reverse();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_what_the_history_records_and_neither_has_a_one_poll_blip() {
    let session = start_session().await;
    let sim = &session.sim;
    let dir = tempfile::tempdir().unwrap();
    let mut watch = Watching::start(dir.path(), &session.config, &[]);
    // The first poll is the baseline; from the second on, changes count.
    until_polled(sim, "blip-1", 0, 2).await;

    // A blip: blip-1 fails for exactly one poll, then runs again before the next.
    let before = polls_of(sim, "blip-1");
    assert!(sim.set_status("blip-1", "FAILED"));
    until_polled(sim, "blip-1", before, 1).await;
    // The poll that asked has its answer (the simulator reads the state as it records the
    // request); the next poll is a second away.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sim.set_status("blip-1", "RUNNING"));
    let after_blip = polls_of(sim, "blip-1");

    // A failure that lasts: confirmed on its second poll, notified, then recovered.
    assert!(sim.set_status("bot-2", "FAILED"));
    watch.until("the confirmed failure", |l| {
        l.contains(" ai Night desk (bot-2) RUNNING -> FAILED critical")
    });
    watch.until("its notification", |l| {
        l.contains(" ai Night desk (bot-2) notification critical (")
    });
    // The blip's polls are long over: had it been printed, it would be by now.
    until_polled(sim, "blip-1", after_blip, 2).await;
    assert!(sim.set_status("bot-2", "RUNNING"));
    watch.until("the recovery", |l| {
        l.contains(" ai Night desk (bot-2) FAILED -> RUNNING ok")
    });
    watch.until("the recovery's notification", |l| {
        l.contains(" ai Night desk (bot-2) notification ok (") && l.contains("[recovery])")
    });
    let printed = watch.stop();
    let watched: Vec<String> = printed
        .into_iter()
        .filter(|l| !l.starts_with("watching ") && !l.starts_with("agentwatch:"))
        .collect();

    let mut cmd = agentwatch(dir.path(), &session.config);
    cmd.args(["history", "--since", "1h"]);
    let out = common::run(cmd).await;
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", common::text(&out));
    let recorded = history_as_watch_lines(&table);

    assert_eq!(
        watched, recorded,
        "watch printed (left) what the history recorded (right), line by line:\n{table}"
    );
    assert_eq!(watched.len(), 4, "{watched:#?}");
    assert!(
        !table.contains("blip-1") && !watched.iter().any(|l| l.contains("blip-1")),
        "the one-poll blip was printed or recorded:\n{watched:#?}\n{table}"
    );
    // The engine did see it: the alert policy dismissed it as a blip.
    let log = std::fs::read_to_string(dir.path().join("watch.log")).unwrap();
    assert!(
        log.contains("The change to FAILED lasted only 1 poll (then RUNNING)"),
        "the blip never reached the alert policy:\n{log}"
    );
    // The notification rows name their vendor, account and severity (`--vendor` finds them).
    let mut cmd = agentwatch(dir.path(), &session.config);
    cmd.args(["history", "--since", "1h", "--vendor", "agora", "--csv"]);
    let csv = String::from_utf8_lossy(&common::run(cmd).await.stdout).to_string();
    let notifications: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",notification,"))
        .collect();
    assert_eq!(notifications.len(), 2, "{csv}");
    assert!(
        notifications
            .iter()
            .all(|l| l.contains(",notification,agora,ai,AI agents,bot-2,Night desk,")),
        "{csv}"
    );
    assert!(notifications[0].contains(",ok,recovery,"), "{csv}");
    assert!(notifications[1].contains(",critical,change,"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_raw_prints_every_change_the_moment_a_poll_sees_it() {
    let session = start_session().await;
    let sim = &session.sim;
    let dir = tempfile::tempdir().unwrap();
    let mut watch = Watching::start(dir.path(), &session.config, &["--raw"]);
    until_polled(sim, "blip-1", 0, 2).await;
    assert!(sim.set_status("blip-1", "FAILED"));
    watch.until("the unconfirmed failure", |l| {
        l.contains(" ai blip-1 RUNNING -> FAILED critical")
    });
    assert!(sim.set_status("blip-1", "RUNNING"));
    watch.until("the blip's end", |l| {
        l.contains(" ai blip-1 FAILED -> RUNNING ok")
    });
    let printed = watch.stop();
    assert!(
        !printed.iter().any(|l| l.contains(" notification ")),
        "--raw prints changes, not notifications: {printed:#?}"
    );
}
