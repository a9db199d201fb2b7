//! A bounded first-in first-out queue for one route: when full, the oldest waiting item is
//! dropped (and handed back, so its loss can be recorded) and the drops are counted, so a dead
//! webhook or a hanging program can never grow memory without bound.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

/// Notifications waiting per route; beyond this the oldest gives way.
pub const DEFAULT_QUEUE_LIMIT: usize = 64;

pub struct BoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    limit: usize,
    dropped: AtomicU64,
    ready: Notify,
}

impl<T> BoundedQueue<T> {
    pub fn new(limit: usize) -> Self {
        BoundedQueue {
            items: Mutex::new(VecDeque::new()),
            limit: limit.max(1),
            dropped: AtomicU64::new(0),
            ready: Notify::new(),
        }
    }

    /// Adds an item; returns the oldest one it pushed out when the queue was full.
    pub fn push(&self, item: T) -> Option<T> {
        let dropped = {
            let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
            let dropped = if items.len() >= self.limit {
                items.pop_front()
            } else {
                None
            };
            items.push_back(item);
            dropped
        };
        if dropped.is_some() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.ready.notify_one();
        dropped
    }

    /// Waits for the next item. (The lock is never held across the wait.)
    pub async fn pop(&self) -> T {
        loop {
            let notified = self.ready.notified();
            if let Some(item) = self
                .items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front()
            {
                return item;
            }
            notified.await;
        }
    }

    /// How many items were dropped since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_drops_the_oldest_and_counts_it() {
        let queue = BoundedQueue::new(2);
        assert_eq!(queue.push(1), None);
        assert_eq!(queue.push(2), None);
        assert_eq!(queue.push(3), Some(1));
        assert_eq!(queue.dropped(), 1);
        assert_eq!(queue.pop().await, 2);
        assert_eq!(queue.pop().await, 3);
        assert!(queue.is_empty());
    }
}
