//! The host's feeds: the status, events, polls, decisions and alert view of whichever engine
//! runs, on channels that outlive engine restarts, so that a front end subscribes once.

use super::memory::AlertMemory;
use crate::alerts::AlertView;
use crate::engine::Engine;
use crate::events::Event;
use crate::policy::Decision;
use crate::poller::PollRecord;
use crate::status::Status;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Events, polls and decisions kept for subscribers that fall behind.
const BUFFER: usize = 4096;

pub(super) struct Feeds {
    pub status: watch::Sender<Arc<Status>>,
    pub alerts: watch::Sender<Arc<AlertView>>,
    pub events: broadcast::Sender<Event>,
    pub polls: broadcast::Sender<PollRecord>,
    pub decisions: broadcast::Sender<Decision>,
}

impl Feeds {
    pub fn new() -> Feeds {
        Feeds {
            status: watch::channel(Arc::new(Status::default())).0,
            alerts: watch::channel(Arc::new(AlertView::default())).0,
            events: broadcast::channel(BUFFER).0,
            polls: broadcast::channel(BUFFER).0,
            decisions: broadcast::channel(BUFFER).0,
        }
    }

    /// Forwards `engine`'s channels into the feeds until it stops; the alert view also goes
    /// to `memory` (which writes its file on a change).
    pub fn forward(
        self: &Arc<Self>,
        engine: &Engine,
        memory: &Arc<Mutex<AlertMemory>>,
    ) -> Vec<JoinHandle<()>> {
        let mut status = engine.status();
        let feeds = self.clone();
        let mut tasks = vec![tokio::spawn(async move {
            loop {
                let current = status.borrow_and_update().clone();
                feeds.status.send_replace(current);
                if status.changed().await.is_err() {
                    break;
                }
            }
        })];
        tasks.push(relay(engine.subscribe(), self.events.clone()));
        tasks.push(relay(engine.polls(), self.polls.clone()));
        tasks.push(relay(engine.decisions(), self.decisions.clone()));
        let mut view = engine.alert_view();
        let (feeds, memory) = (self.clone(), memory.clone());
        tasks.push(tokio::spawn(async move {
            // A new engine's first view comes before it has been handed the memory: not a
            // change to keep.
            let mut first = true;
            loop {
                let current = Arc::new(view.borrow_and_update().clone());
                if !first {
                    let now = crate::clock::now_ms();
                    memory.lock().unwrap().take_view(&current, now);
                }
                first = false;
                feeds.alerts.send_replace(current);
                if view.changed().await.is_err() {
                    break;
                }
            }
        }));
        tasks
    }
}

/// Copies one broadcast channel into another until the first closes.
fn relay<T: Clone + Send + 'static>(
    mut from: broadcast::Receiver<T>,
    to: broadcast::Sender<T>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match from.recv().await {
                // No subscriber is fine.
                Ok(item) => drop(to.send(item)),
                Err(RecvError::Lagged(n)) => tracing::warn!("{n} items skipped by the host"),
                Err(RecvError::Closed) => break,
            }
        }
    })
}
