//! Notices that the machine slept. Linux's monotonic clock stops while suspended and the wall
//! clock does not, so after a resume the wall clock has run ahead of the monotonic one by about
//! the time slept. Desktop front ends also forward logind's `PrepareForSleep(false)` through
//! [`crate::Engine::resumed`], which is quicker; both end in the same resume handling.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How often the two clocks are compared.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// A wall clock running ahead by more than this between two checks was a sleep (an NTP step
/// is usually smaller; a larger one is handled the same harmless way).
pub const SLEEP_JUMP: Duration = Duration::from_secs(10);

/// The wall clock the watch reads, in Unix milliseconds.
pub trait WallClock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now_ms(&self) -> i64 {
        crate::clock::now_ms()
    }
}

/// The system's wall clock plus an offset that can be moved forward: a sleep, as the engine
/// sees it, for tests and benchmarks.
#[derive(Default)]
pub struct JumpingWallClock {
    offset_ms: AtomicI64,
}

impl JumpingWallClock {
    pub fn jump(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl WallClock for JumpingWallClock {
    fn now_ms(&self) -> i64 {
        crate::clock::now_ms() + self.offset_ms.load(Ordering::SeqCst)
    }
}

/// Compares the clocks and counts resumes: every subscriber wakes on each one.
pub(crate) struct SleepWatch {
    clock: Arc<dyn WallClock>,
    /// The wall and monotonic readings of the last comparison.
    last: Mutex<(i64, tokio::time::Instant)>,
    resumes: watch::Sender<u64>,
}

impl SleepWatch {
    pub fn new(clock: Arc<dyn WallClock>) -> Arc<SleepWatch> {
        let last = Mutex::new((clock.now_ms(), tokio::time::Instant::now()));
        Arc::new(SleepWatch {
            clock,
            last,
            resumes: watch::channel(0).0,
        })
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.resumes.subscribe()
    }

    /// Compares the clocks now; true (and announced) when the machine slept since the last
    /// comparison. Pollers call it too when a poll fails, so that a failure right after a
    /// wake-up is known as such before the periodic check comes round.
    pub fn check(&self) -> bool {
        let now = (self.clock.now_ms(), tokio::time::Instant::now());
        let last = std::mem::replace(&mut *self.last.lock().expect("sleep watch lock"), now);
        let wall_ms = now.0 - last.0;
        let mono_ms = now.1.duration_since(last.1).as_millis() as i64;
        let ahead_ms = wall_ms - mono_ms;
        let slept = ahead_ms > SLEEP_JUMP.as_millis() as i64;
        if slept {
            self.announce(Some(Duration::from_millis(ahead_ms as u64)));
        }
        slept
    }

    pub fn announce(&self, slept: Option<Duration>) {
        match slept {
            Some(d) => tracing::info!("the machine slept for about {} s", d.as_secs()),
            None => tracing::info!("the machine resumed from sleep"),
        }
        self.resumes.send_modify(|n| *n += 1);
    }
}

/// Compares the clocks every few seconds until cancelled.
pub(crate) async fn run(watch: Arc<SleepWatch>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = cancel.cancelled() => return,
        }
        watch.check();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wall_clock_jump_is_a_sleep_told_once_and_steady_time_is_not() {
        let clock = Arc::new(JumpingWallClock::default());
        let watch = SleepWatch::new(clock.clone());
        let mut rx = watch.subscribe();
        assert!(!watch.check(), "no time passed");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!watch.check(), "both clocks moved alike");
        clock.jump(Duration::from_secs(600));
        assert!(watch.check(), "the jump is a sleep");
        assert!(rx.has_changed().unwrap(), "subscribers are woken");
        rx.mark_unchanged();
        assert!(!watch.check(), "told once");
        assert!(!rx.has_changed().unwrap());
        clock.jump(SLEEP_JUMP / 2);
        assert!(!watch.check(), "a small step (NTP) is not a sleep");
    }
}
