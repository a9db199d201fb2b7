//! The event long-poll that keeps a signed-in seat alive. The gateway signs a seat out when it
//! has not polled its events for about two minutes, and in AUTHMODE 2 it hands out each new
//! Guid on an event answer, so this task runs for as long as the session lives. The events
//! themselves matter only when they say a monitored agent signed in or out (`team_events`).

use super::backoff;
use super::gateway::Gateway;
use super::guid::GuidStore;
use super::team_events::TeamEvents;
use super::wire;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Huawei asks for the next poll 200-500 ms after each answer.
const NEXT_POLL_MIN_MS: u64 = 200;
const NEXT_POLL_MAX_MS: u64 = 500;
/// After a failed poll: 1 s, doubling, at most 30 s (well inside the 2 minute heartbeat limit
/// for a short outage, and never a busy loop against a broken gateway).
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long stop() waits for the task to notice its cancellation.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// The running task of one session. Dropping it stops the task.
pub struct Heartbeat {
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts polling events for `workno` in the session `session`; `parent` cancels every
    /// heartbeat of the client at once.
    pub fn start(
        gateway: Arc<Gateway>,
        store: Arc<GuidStore>,
        team_events: Arc<TeamEvents>,
        workno: String,
        session: u64,
        parent: &CancellationToken,
    ) -> Heartbeat {
        let cancel = parent.child_token();
        let task = tokio::spawn(run(
            gateway,
            store,
            team_events,
            workno,
            session,
            cancel.clone(),
        ));
        Heartbeat {
            cancel,
            task: Some(task),
        }
    }

    /// Stops the task and waits (briefly) until it has ended.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(STOP_WAIT, task).await;
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn run(
    gateway: Arc<Gateway>,
    store: Arc<GuidStore>,
    team_events: Arc<TeamEvents>,
    workno: String,
    session: u64,
    cancel: CancellationToken,
) {
    let mut failures: u32 = 0;
    loop {
        // A newer sign-in (or a sign-out) ends this session's heartbeat.
        let Some(guid) = store.current_of(session) else {
            return;
        };
        let answer = tokio::select! {
            _ = cancel.cancelled() => return,
            answer = gateway.events(&workno, &guid.header) => answer,
        };
        match answer {
            Ok(answer) => {
                let guid_usable = match answer.new_guid() {
                    Ok(new_guid) => {
                        if new_guid.is_some_and(|g| store.rotate(session, g)) {
                            tracing::debug!(seat = %workno, "huawei: picked up a rotated Guid");
                        }
                        true
                    }
                    // Not quoted: the header is a credential.
                    Err(reason) => {
                        tracing::warn!(seat = %workno, "huawei: event poll: {reason}");
                        false
                    }
                };
                let retcode = answer.envelope.retcode.as_str();
                if wire::is_session_lost(retcode) {
                    tracing::warn!(
                        seat = %workno,
                        "huawei: the gateway ended the session ({}); signing in again on the next poll",
                        answer.envelope.describe()
                    );
                    store.forget_session(session);
                    return;
                }
                if answer.envelope.is_ok() {
                    team_events.take(&answer.envelope, &workno);
                }
                if answer.envelope.is_ok() && guid_usable {
                    failures = 0;
                } else {
                    failures += 1;
                    if !answer.envelope.is_ok() {
                        tracing::warn!(
                            seat = %workno,
                            "huawei: event poll refused: {}",
                            answer.envelope.describe()
                        );
                    }
                }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(seat = %workno, "huawei: {e}");
            }
        }
        let pause = if failures == 0 {
            Duration::from_millis(rand::rng().random_range(NEXT_POLL_MIN_MS..=NEXT_POLL_MAX_MS))
        } else {
            backoff::delay(failures, FIRST_BACKOFF, MAX_BACKOFF)
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
