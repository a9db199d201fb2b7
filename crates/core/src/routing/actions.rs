//! Running one `[[actions]]` program for one notification: argv without a shell, the payload
//! as JSON on stdin, a few `AGENTWATCH_*` variables, a time limit after which its whole process
//! group is killed, and its output kept (bounded) for the log.
//!
//! The program inherits our environment minus everything that could hold a secret: every
//! `AGENTWATCH_*` variable of ours (account secrets, proxy passwords, the metrics token) and
//! systemd's `CREDENTIALS_DIRECTORY`.

use super::config::ActionConfig;
use super::payload::RoutePayload;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// Output kept per stream; the rest is read and thrown away so the program never blocks on a
/// full pipe.
pub const OUTPUT_LIMIT: usize = 16 * 1024;
/// How long the output readers may go on after the program ended (a child it left behind may
/// hold the pipes open).
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionResult {
    Exited(i32),
    /// Ended by a signal it did not get from us.
    Signalled(i32),
    /// Still running at its time limit: its process group was killed.
    TimedOut(Duration),
    CouldNotStart(String),
}

impl ActionResult {
    pub fn ok(&self) -> bool {
        matches!(self, ActionResult::Exited(0))
    }
}

impl std::fmt::Display for ActionResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionResult::Exited(code) => write!(f, "exit code {code}"),
            ActionResult::Signalled(signal) => write!(f, "ended by signal {signal}"),
            ActionResult::TimedOut(limit) => {
                write!(f, "killed at its time limit of {} s", limit.as_secs())
            }
            ActionResult::CouldNotStart(why) => write!(f, "could not start: {why}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActionRun {
    pub result: ActionResult,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// The variables a program gets besides the JSON on stdin.
fn variables(payload: &RoutePayload) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AGENTWATCH_KIND", payload.kind.to_string()),
        ("AGENTWATCH_SEVERITY", payload.severity.to_string()),
        ("AGENTWATCH_VENDOR", payload.vendor.clone()),
        ("AGENTWATCH_ACCOUNT_ID", payload.account_id.clone()),
        ("AGENTWATCH_SUMMARY", payload.summary.clone()),
        ("AGENTWATCH_TIME", payload.time.clone()),
    ];
    if let Some(agent) = &payload.agent_id {
        vars.push(("AGENTWATCH_AGENT_ID", agent.clone()));
    }
    if let Some(state) = &payload.new_state {
        vars.push(("AGENTWATCH_NEW_STATE", state.clone()));
    }
    if let Some(state) = &payload.old_state {
        vars.push(("AGENTWATCH_OLD_STATE", state.clone()));
    }
    // A NUL cannot be passed in the environment: such a value is left to the JSON.
    vars.retain(|(_, v)| !v.contains('\0'));
    vars
}

fn inherited_secret_holder(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("AGENTWATCH_") || name == crate::secrets::CREDENTIALS_DIRECTORY
}

pub async fn run(action: &ActionConfig, payload: &RoutePayload) -> ActionRun {
    let started = Instant::now();
    let limit = action.timeout();
    let finish = |result, stdout, stderr| ActionRun {
        result,
        stdout,
        stderr,
        took: started.elapsed(),
    };
    let Some((program, args)) = action.command.split_first() else {
        return finish(
            ActionResult::CouldNotStart("no program".into()),
            String::new(),
            String::new(),
        );
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, _) in std::env::vars_os() {
        if inherited_secret_holder(&name) {
            command.env_remove(name);
        }
    }
    command.envs(variables(payload));
    // Its own process group, so that the limit kills what it started too.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return finish(
                ActionResult::CouldNotStart(e.to_string()),
                String::new(),
                String::new(),
            )
        }
    };
    let json = serde_json::to_vec(payload).expect("payload serialises");
    let mut stdin = child.stdin.take();
    let feeder = tokio::spawn(async move {
        if let Some(stdin) = stdin.as_mut() {
            // A program that does not read its input closes the pipe: not an error.
            let _ = stdin.write_all(&json).await;
            let _ = stdin.shutdown().await;
        }
    });
    let stdout = tokio::spawn(read_bounded(child.stdout.take()));
    let stderr = tokio::spawn(read_bounded(child.stderr.take()));

    let result = match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => exit_result(status),
        Ok(Err(e)) => ActionResult::CouldNotStart(format!("cannot wait for it: {e}")),
        Err(_) => {
            kill_group(&mut child).await;
            ActionResult::TimedOut(limit)
        }
    };
    feeder.abort();
    let collect = |handle: tokio::task::JoinHandle<String>| async move {
        let abort = handle.abort_handle();
        match tokio::time::timeout(DRAIN_LIMIT, handle).await {
            Ok(Ok(text)) => text,
            _ => {
                abort.abort();
                String::new()
            }
        }
    };
    let (out, err) = tokio::join!(collect(stdout), collect(stderr));
    finish(result, out, err)
}

fn exit_result(status: std::process::ExitStatus) -> ActionResult {
    if let Some(code) = status.code() {
        return ActionResult::Exited(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ActionResult::Signalled(signal);
        }
    }
    ActionResult::Exited(-1)
}

/// Kills the program's process group (it and whatever it started), then reaps it.
async fn kill_group(child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        // SAFETY: killpg only sends a signal; the group id is the child's pid (process_group(0)
        // made it the leader) and the child is not reaped yet, so the id cannot be reused.
        unsafe {
            libc::killpg(pid as libc::pid_t, libc::SIGKILL);
        }
    }
    let _ = child.start_kill();
    let _ = tokio::time::timeout(DRAIN_LIMIT, child.wait()).await;
}

/// Reads a stream to its end, keeping the first `OUTPUT_LIMIT` bytes as (lossy) UTF-8.
async fn read_bounded<R: AsyncRead + Unpin>(stream: Option<R>) -> String {
    let Some(mut stream) = stream else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    let mut truncated = false;
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                truncated |= n > room;
            }
        }
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if truncated {
        text.push_str(" […]");
    }
    text
}
