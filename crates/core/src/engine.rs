//! The engine: one poller task per enabled account, the latest-status channel and the event
//! stream. Front ends (tray app, CLI) start it, read from it and shut it down; a configuration
//! change is applied by shutting down and starting a new engine.

use crate::board::Board;
use crate::config::Config;
use crate::events::Event;
use crate::notifier::{Notification, Notifier};
use crate::poller::Poller;
use crate::secrets::SecretSource;
use crate::status::Status;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Events kept for subscribers that fall behind; a slower one skips ahead and is told.
const EVENT_BUFFER: usize = 4096;
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

pub struct Engine {
    board: Arc<Board>,
    events: broadcast::Sender<Event>,
    wakers: Vec<(String, Arc<Notify>)>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Starts polling every enabled account. Must be called inside a tokio runtime.
    pub fn start(config: &Config, secrets: Arc<dyn SecretSource>) -> Engine {
        let accounts: Vec<_> = config
            .accounts
            .iter()
            .filter(|a| a.enabled)
            .cloned()
            .collect();
        let board = Arc::new(Board::new(&accounts));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let cancel = CancellationToken::new();
        let mut wakers = Vec::new();
        let mut tasks = Vec::new();
        for account in accounts {
            let wake = Arc::new(Notify::new());
            wakers.push((account.id.clone(), wake.clone()));
            let poller = Poller {
                interval: config.poll_interval(&account),
                account,
                secrets: secrets.clone(),
                board: board.clone(),
                events: events.clone(),
            };
            tasks.push(tokio::spawn(poller.run(cancel.child_token(), wake)));
        }
        Engine {
            board,
            events,
            wakers,
            cancel,
            tasks,
        }
    }

    /// The latest status; `changed()` on the receiver wakes on every update.
    pub fn status(&self) -> watch::Receiver<Arc<Status>> {
        self.board.subscribe()
    }

    pub fn current(&self) -> Arc<Status> {
        self.board.current()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Polls every account now instead of at the end of its wait.
    pub fn poll_now(&self) {
        for (_, wake) in &self.wakers {
            wake.notify_one();
        }
    }

    /// Polls one account now; false when there is no such enabled account.
    pub fn poll_account_now(&self, account_id: &str) -> bool {
        match self.wakers.iter().find(|(id, _)| id == account_id) {
            Some((_, wake)) => {
                wake.notify_one();
                true
            }
            None => false,
        }
    }

    /// Stops every poller and waits (bounded) for them to release their sessions.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        let all = futures::future::join_all(std::mem::take(&mut self.tasks));
        if tokio::time::timeout(SHUTDOWN_LIMIT, all).await.is_err() {
            tracing::warn!("some accounts did not shut down within {SHUTDOWN_LIMIT:?}");
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Sends a desktop notification for each event that `wanted` accepts, one at a time, until the
/// event stream closes. A failed notification is logged, never fatal.
pub fn forward_notifications<F>(
    mut events: broadcast::Receiver<Event>,
    notifier: Arc<dyn Notifier>,
    wanted: F,
) -> JoinHandle<()>
where
    F: Fn(&Event) -> bool + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) if wanted(&event) => {
                    let n = Notification::for_event(&event);
                    if let Err(e) = notifier.notify(&n).await {
                        tracing::warn!("notification not shown: {e}");
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("{n} events were not notified: too many at once");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}
