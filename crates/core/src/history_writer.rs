//! The history's own thread: SQLite is blocking, so rows arrive over a channel and are written
//! here, one transaction per batch. Old rows are pruned at start and then every few hours.

use crate::history::{History, HistoryEntry};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Starts the writer; it stops when every sender is dropped (after writing what it was sent).
pub(crate) fn spawn(
    path: PathBuf,
    retention_days: u32,
    rows: Receiver<Vec<HistoryEntry>>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("agentwatch-history".into())
        .spawn(move || run(path, retention_days, rows))
        .expect("history thread")
}

fn run(path: PathBuf, retention_days: u32, rows: Receiver<Vec<HistoryEntry>>) {
    let mut history = match History::open(&path) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("history unavailable, changes are not recorded: {e}");
            // Keep draining so that senders never block or fail loudly.
            while rows.recv().is_ok() {}
            return;
        }
    };
    let mut pruned_at: Option<Instant> = None;
    loop {
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            if let Err(e) = history.prune(crate::clock::now_ms(), retention_days) {
                tracing::warn!("history pruning failed: {e}");
            }
            pruned_at = Some(Instant::now());
        }
        match rows.recv_timeout(PRUNE_EVERY) {
            Ok(batch) => {
                if let Err(e) = history.record_all(&batch) {
                    tracing::warn!("{} history rows not recorded: {e}", batch.len());
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}
