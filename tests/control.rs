//! Control from scripts, over real processes: `agentwatch watch` and `agentwatch serve` polling
//! the simulators, and `agentwatch snooze|ack|pause|maintenance` run as second processes against
//! them through the control socket; a snooze outlives a restart of either. The maintenance test also reads the notifications the real dunst received
//! (inside `cargo xtask test`'s session; skipped with a word elsewhere).
//!
//! The `agentwatch` binary is the one cargo built in this target dir (`cargo build -p
//! agentwatch-cli`), or `AGENTWATCH_BIN`.
#![cfg(target_os = "linux")]

#[path = "desktop/session.rs"]
#[allow(dead_code)]
mod session;

use agentwatch_core::history::{EntryKind, History, HistoryFilter};
use agentwatch_sim::demo::{DemoSims, AGORA_ACCOUNT};
use agentwatch_tests::{agentwatch_binary, wait_for};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);
/// An Agora demo agent that is RUNNING at the start.
const TRIAGE: &str = "1234567890ABCDE1CVGZNU80BEIN56XF";
const BILLING: &str = "UJZDE8GXD6NCF10EPF91DHODZDOC9IS0";

/// One throw-away profile: config, runtime folder (the socket's), data folder (the history).
struct Profile {
    dir: tempfile::TempDir,
}

impl Profile {
    fn new() -> Profile {
        let dir = tempfile::tempdir().unwrap();
        let runtime = dir.path().join("runtime");
        std::fs::create_dir(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        Profile { dir }
    }

    fn runtime(&self) -> PathBuf {
        self.dir.path().join("runtime")
    }

    fn socket(&self) -> PathBuf {
        self.runtime().join("agentwatch/control.sock")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn history(&self) -> PathBuf {
        self.dir.path().join("data/agentwatch/history.sqlite3")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(agentwatch_binary());
        cmd.args(args)
            .arg("--config")
            .arg(self.config())
            .env("XDG_RUNTIME_DIR", self.runtime())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .stdin(Stdio::null());
        for (id, secret) in DemoSims::secrets() {
            cmd.env(agentwatch_core::secrets::env_var_name(id), secret);
        }
        cmd
    }

    /// Runs a control command to its end.
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("agentwatch runs")
    }

    fn watch(&self, extra: &[&str]) -> Watch {
        self.spawn(&[&["watch"], extra].concat())
    }

    /// A long-running `agentwatch` (watch, serve), its output in a log file of its own.
    fn spawn(&self, args: &[&str]) -> Watch {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let log = self.dir.path().join(format!("{}-{started}.log", args[0]));
        let out = std::fs::File::create(&log).unwrap();
        let child = self
            .command(args)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("agentwatch starts");
        Watch { child, log }
    }

    /// Waits until `running` answers on the control socket's path.
    async fn until_socket(&self, running: &Watch) {
        let socket = self.socket();
        let up = wait_for(LIMIT, || std::future::ready(socket.exists().then_some(()))).await;
        assert!(
            up.is_some(),
            "no control socket; it printed:\n{}",
            running.output()
        );
    }
}

/// A running `agentwatch watch` or `serve`, stopped when dropped.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Watch {
    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn until_output(&self, what: &str) {
        let found = wait_for(LIMIT, || {
            std::future::ready(self.output().contains(what).then_some(()))
        })
        .await;
        assert!(
            found.is_some(),
            "watch never printed {what:?}; it printed:\n{}",
            self.output()
        );
    }

    fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// Runs a control command until it is done (exit 0): the first polls may not have listed the
/// agent it names yet. Returns what it printed.
async fn until_done(profile: &Profile, args: &[&str]) -> String {
    let mut last = None;
    let done = wait_for(LIMIT, || {
        let out = profile.run(args);
        let ok = out.status.success().then(|| text(&out.stdout));
        last = Some(out);
        std::future::ready(ok)
    })
    .await;
    done.unwrap_or_else(|| {
        let out = last.unwrap();
        panic!(
            "{args:?} never succeeded: {:?} {} {}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

async fn demo_config(profile: &Profile) -> DemoSims {
    let sims = DemoSims::start(None, None).await.unwrap();
    std::fs::write(profile.config(), sims.config_toml(1, None)).unwrap();
    sims
}

#[tokio::test]
async fn nothing_running_is_said_with_its_exit_code() {
    let profile = Profile::new();
    std::fs::write(profile.config(), "").unwrap();
    for args in [
        &["pause", "--for", "1h"][..],
        &["snooze", "cc/1001"],
        &["maintenance", "end", "cc"],
    ] {
        let out = profile.run(args);
        assert_eq!(
            out.status.code(),
            Some(69),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("no AgentWatch is running"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_snooze_pause_and_start_maintenance_in_a_running_watch() {
    let profile = Profile::new();
    let _sims = demo_config(&profile).await;
    let mut watch = profile.watch(&[]);
    let socket = profile.socket();
    let up = wait_for(LIMIT, || std::future::ready(socket.exists().then_some(()))).await;
    assert!(
        up.is_some(),
        "no control socket; watch printed:\n{}",
        watch.output()
    );
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // An agent by account/agent once the first poll has listed it, then by its id alone.
    let agent = format!("{AGORA_ACCOUNT}/{TRIAGE}");
    let said = until_done(&profile, &["snooze", &agent, "--for", "30m"]).await;
    assert!(
        said.starts_with(&format!("snoozed agent {agent} until ")),
        "{said}"
    );
    watch
        .until_output(&format!("control: snoozed agent {agent} until"))
        .await;
    let said = until_done(&profile, &["ack", BILLING]).await;
    assert!(said.contains("acknowledged agent"), "{said}");
    let said = until_done(&profile, &["pause", "--for", "1h"]).await;
    assert!(said.starts_with("notifications paused until "), "{said}");
    watch
        .until_output("control: notifications paused until")
        .await;
    until_done(&profile, &["pause", "--resume"]).await;
    watch.until_output("control: notifications resumed").await;
    let said = until_done(
        &profile,
        &["maintenance", "start", AGORA_ACCOUNT, "--for", "2h"],
    )
    .await;
    assert!(
        said.starts_with(&format!("account {AGORA_ACCOUNT} in maintenance until ")),
        "{said}"
    );
    until_done(&profile, &["maintenance", "end", AGORA_ACCOUNT]).await;
    watch
        .until_output(&format!(
            "control: maintenance of account {AGORA_ACCOUNT} ended"
        ))
        .await;

    // Refusals: exit 1 with the reason, and the watch goes on.
    for (args, why) in [
        (&["snooze", "nope/none"][..], "no agent"),
        (&["pause", "--for", "10d"], "from 1 minute to 7 days"),
        (&["maintenance", "start", "nope"], "no account \"nope\""),
    ] {
        let out = profile.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    // A second watch keeps watching, but cannot take the socket from the first.
    let second = profile.watch(&["--duration", "30s"]);
    second
        .until_output("scripts cannot control this watch: another AgentWatch already answers")
        .await;
    drop(second);
    assert!(until_done(&profile, &["pause", "--resume"])
        .await
        .contains("resumed"));

    // Once the watch stops, its socket goes and scripts are told nothing runs.
    watch.stop();
    assert!(!socket.exists(), "the socket outlived the watch");
    assert_eq!(profile.run(&["pause", "--resume"]).status.code(), Some(69));
}

/// The changes the history recorded for this agent.
fn recorded_changes(history: &Path, agent: &str) -> usize {
    let Ok(Some(history)) = History::open_existing(history) else {
        return 0;
    };
    history
        .query(&HistoryFilter {
            agent: Some(agent.to_string()),
            kinds: vec![EntryKind::Changed],
            ..Default::default()
        })
        .map(|rows| rows.len())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maintenance_window_started_by_a_script_records_but_does_not_notify() {
    if !session::in_test_session() {
        return;
    }
    let _session = session::one_session_at_a_time().await;
    let profile = Profile::new();
    let mut procs = session::Procs::default();
    let session_dir = profile.dir.path().join("session");
    std::fs::create_dir(&session_dir).unwrap();
    let desktop = session::start_notifications_only(&mut procs, &session_dir);
    let sims = demo_config(&profile).await;
    let mut watch = profile.watch(&["--notify"]);
    until_done(
        &profile,
        &["maintenance", "start", AGORA_ACCOUNT, "--for", "1h"],
    )
    .await;
    // Acknowledging an agent succeeds once the first poll has listed the account's agents: from
    // then on a failure is a change, not the baseline.
    until_done(&profile, &["ack", &format!("{AGORA_ACCOUNT}/{BILLING}")]).await;

    // In maintenance: the failure is recorded in the history, and nobody is told.
    assert!(sims.agora.set_status(TRIAGE, "FAILED"));
    let recorded = wait_for(LIMIT, || {
        std::future::ready((recorded_changes(&profile.history(), TRIAGE) > 0).then_some(()))
    })
    .await;
    assert!(
        recorded.is_some(),
        "the change was never recorded; watch:\n{}",
        watch.output()
    );

    // After the window, the next failure is told; the one inside the window never was.
    until_done(&profile, &["maintenance", "end", AGORA_ACCOUNT]).await;
    let other = sims
        .agora
        .agents()
        .into_iter()
        .find(|a| a.agent_id != TRIAGE && a.agent_id != BILLING)
        .expect("a third demo agent");
    assert!(sims.agora.set_status(&other.agent_id, "FAILED"));
    session::until_notified(
        &desktop.notifications,
        "the failure after the window",
        |n| n.1.contains(&other.name) || n.1.contains(&other.agent_id),
    )
    .await;
    watch.stop();
    let received = session::notified_before_marker(&desktop.notifications).await;
    assert!(
        !received
            .iter()
            .any(|n| n.1.contains("support-triage") || n.1.contains(TRIAGE)),
        "the failure inside the window was notified: {received:#?}"
    );
}

/// `agentwatch serve` on a free loopback port.
const SERVE: &[&str] = &["serve", "--listen", "127.0.0.1:0"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_scripts_like_the_others() {
    let profile = Profile::new();
    let _sims = demo_config(&profile).await;
    let mut serve = profile.spawn(SERVE);
    profile.until_socket(&serve).await;
    let agent = format!("{AGORA_ACCOUNT}/{TRIAGE}");
    let said = until_done(&profile, &["snooze", &agent, "--for", "30m"]).await;
    assert!(
        said.starts_with(&format!("snoozed agent {agent} until ")),
        "{said}"
    );
    let said = until_done(&profile, &["ack", BILLING]).await;
    assert!(said.contains("acknowledged agent"), "{said}");
    let said = until_done(&profile, &["pause", "--for", "1h"]).await;
    assert!(said.starts_with("notifications paused until "), "{said}");
    until_done(&profile, &["pause", "--resume"]).await;
    let said = until_done(&profile, &["maintenance", "start", AGORA_ACCOUNT]).await;
    assert!(said.contains("in maintenance until"), "{said}");
    until_done(&profile, &["maintenance", "end", AGORA_ACCOUNT]).await;
    let refused = profile.run(&["snooze", "nope/none"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    serve.stop();
    assert!(!profile.socket().exists(), "the socket outlived serve");
    assert_eq!(profile.run(&["pause", "--resume"]).status.code(), Some(69));
}

/// Snoozes an agent in `front` (watch or serve), asks again, restarts it, asks again: the
/// second and third answers say it is already snoozed, until the same time.
async fn a_snooze_outlives_a_restart_of(front: &[&str]) {
    let profile = Profile::new();
    let _sims = demo_config(&profile).await;
    let mut first = profile.spawn(front);
    profile.until_socket(&first).await;
    let agent = format!("{AGORA_ACCOUNT}/{TRIAGE}");
    let said = until_done(&profile, &["snooze", &agent, "--for", "2h"]).await;
    let until = said.trim().rsplit("until ").next().unwrap().to_string();
    let already = format!("agent {agent} is already snoozed until {until}");

    let again = profile.run(&["snooze", &agent, "--for", "30m"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout).trim(), already);

    first.stop();
    let memory = profile.dir.path().join("data/agentwatch/alert-memory.json");
    let kept = std::fs::read_to_string(&memory).unwrap_or_default();
    assert!(kept.contains(TRIAGE), "{}: {kept}", memory.display());

    let second = profile.spawn(front);
    profile.until_socket(&second).await;
    // Once the first poll has listed the agent, the request is answered: already snoozed.
    let said = until_done(&profile, &["snooze", TRIAGE, "--for", "1h"]).await;
    assert_eq!(said.trim(), already, "{}", second.output());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooze_outlives_a_restart_of_serve() {
    a_snooze_outlives_a_restart_of(SERVE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooze_outlives_a_restart_of_watch() {
    a_snooze_outlives_a_restart_of(&["watch"]).await;
}
