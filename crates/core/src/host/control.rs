//! The host's alert commands: pause and resume, snoozes and acknowledgements, maintenance
//! started by hand, from the front end's own controls or from the control channel
//! (`agentwatch snooze|ack|pause|maintenance`, answered on the socket by whichever front end
//! runs the host), so that each reaches the engine and the alert memory the same way.
//!
//! A snooze asked for while one at least as long of the same agent (or account) is in force
//! changes nothing and says so: "agent cc/101 is already snoozed until 14:30". That answer
//! holds across restarts, since the memory does.

use super::Host;
use crate::alerts::AlertCommand;
use crate::clock::times::time_label as when_label;
use crate::clock::to_local;
use crate::control::channel::{location, ControlServer, Handler};
use crate::control::{plan, ControlOp, ControlResponse};
use crate::policy::{SnoozeTarget, SnoozeUntil};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Whether a snooze that would change nothing is applied anyway.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Judge {
    Apply,
    /// A script's request: answered "already snoozed until …" instead.
    SayAlready,
}

/// What applying a command came to.
enum Applied {
    Done,
    /// Nothing changed: what is in force already says it.
    Already(String),
}

impl Host {
    /// Applies a command from the front end's own controls (what the user clicked is done,
    /// a shorter snooze included). A pause given while no engine runs is kept for the next
    /// one; any other command then is refused with the reason.
    pub async fn command(&self, command: AlertCommand) -> Result<(), String> {
        self.apply(command, Judge::Apply).await.map(|_| ())
    }

    /// Answers one control-channel request: planned against what is watched now, then applied.
    pub async fn answer(&self, op: &ControlOp) -> ControlResponse {
        let status = self.current();
        let answer = match plan(op, &status, crate::clock::now_local()) {
            Ok(planned) => match self.apply(planned.command, Judge::SayAlready).await {
                Ok(Applied::Done) => ControlResponse::done(planned.message),
                Ok(Applied::Already(said)) => ControlResponse::done(said),
                Err(why) => ControlResponse::refused(why),
            },
            Err(why) => ControlResponse::refused(why),
        };
        match answer.ok {
            true => tracing::info!("control: {}", answer.message),
            false => tracing::info!("control: refused: {}", answer.message),
        }
        answer
    }

    async fn apply(&self, command: AlertCommand, judge: Judge) -> Result<Applied, String> {
        let _one_at_a_time = self.commands.lock().await;
        let now = crate::clock::now_ms();
        if judge == Judge::SayAlready {
            if let Some(said) = self.already(&command, now) {
                return Ok(Applied::Already(said));
            }
        }
        let running = self.running.lock().await;
        let Some(running) = running.as_ref() else {
            return self.apply_without_engine(command, now);
        };
        running
            .engine
            .apply(command)
            .await
            .ok_or("the watcher is stopping")?;
        // The view shows the command now: the memory (and its file) follows at once, so that
        // the next request is judged on it.
        let view = running.engine.alert_view().borrow().clone();
        self.memory.lock().unwrap().take_view(&view, now);
        Ok(Applied::Done)
    }

    /// Before the first engine starts, a pause (or resume) is kept for it; nothing else has an
    /// engine to act on.
    fn apply_without_engine(&self, command: AlertCommand, now: i64) -> Result<Applied, String> {
        let pause = match command {
            AlertCommand::PauseAll(until) => {
                Some(until.map_or(SnoozeUntil::Cleared, SnoozeUntil::At))
            }
            AlertCommand::ResumeAll => None,
            _ => return Err("the watcher is not running yet".into()),
        };
        let mut memory = self.memory.lock().unwrap();
        memory.set_pause(pause, now);
        self.feeds.alerts.send_replace(Arc::new(memory.view(now)));
        Ok(Applied::Done)
    }

    /// What to say instead of applying a snooze that would change nothing: one at least as
    /// long is in force (or the acknowledgement asked for already is).
    fn already(&self, command: &AlertCommand, now_ms: i64) -> Option<String> {
        let AlertCommand::Snooze(target, wanted) = command else {
            return None;
        };
        let held = self.memory.lock().unwrap().snooze_of(target, now_ms)?;
        let who = who(target);
        match (held, wanted) {
            (SnoozeUntil::At(held), SnoozeUntil::At(wanted)) if held >= *wanted => Some(format!(
                "{who} is already snoozed until {}",
                when_label(held, to_local(now_ms))
            )),
            (SnoozeUntil::Cleared, SnoozeUntil::At(_)) => {
                Some(format!("{who} is already snoozed until cleared"))
            }
            (SnoozeUntil::Recovery, SnoozeUntil::Recovery) => {
                Some(format!("{who} is already acknowledged until it recovers"))
            }
            _ => None,
        }
    }

    /// Answers the control channel (this user's socket, or named pipe on Windows) until the
    /// service is stopped; `on_answer` sees each answer (`watch` prints it). The error says
    /// why nobody is answered (another AgentWatch answers already, or the folder is refused).
    pub async fn serve_control(
        self: &Arc<Self>,
        on_answer: impl Fn(&ControlResponse) + Send + Sync + 'static,
    ) -> Result<ControlService, String> {
        let server = ControlServer::bind(&location())
            .await
            .map_err(|e| e.to_string())?;
        let (host, on_answer) = (self.clone(), Arc::new(on_answer));
        let handler: Handler = Arc::new(move |request| {
            let (host, on_answer) = (host.clone(), on_answer.clone());
            Box::pin(async move {
                let answer = host.answer(&request.op).await;
                on_answer(&answer);
                answer
            })
        });
        let cancel = CancellationToken::new();
        let task = tokio::spawn(server.serve(handler, cancel.clone()));
        Ok(ControlService { cancel, task })
    }
}

/// The snoozed thing in a sentence's words.
fn who(target: &SnoozeTarget) -> String {
    match target {
        SnoozeTarget::All => "every notification".to_string(),
        SnoozeTarget::Account { account_id } => format!("account {account_id}"),
        SnoozeTarget::Agent(key) => format!("agent {}/{}", key.account_id, key.agent_id),
    }
}

/// The control channel, answered by the host until `stop`.
pub struct ControlService {
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl ControlService {
    /// Stops answering and waits until the channel is closed (the socket file removed).
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}
