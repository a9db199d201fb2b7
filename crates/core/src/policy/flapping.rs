//! Flapping: an agent whose confirmed state changes more than K times within a window. Its
//! changes go quiet until a whole window passes without one. Only the changes inside the window
//! are kept, so memory stays bounded by the window.

use crate::model::Severity;
use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub(crate) struct FlapWindow {
    /// Confirmed changes inside the window, oldest first, with the severity each carried.
    changes: VecDeque<(i64, Severity)>,
    flapping: bool,
}

impl FlapWindow {
    /// Records a confirmed change and returns how many changes the window now holds.
    pub fn record(&mut self, at_ms: i64, severity: Severity, window_ms: i64) -> usize {
        self.changes.push_back((at_ms, severity));
        self.forget_before(at_ms, window_ms);
        self.changes.len()
    }

    fn forget_before(&mut self, now_ms: i64, window_ms: i64) {
        let cutoff = now_ms.saturating_sub(window_ms);
        while self.changes.front().is_some_and(|(at, _)| *at <= cutoff) {
            self.changes.pop_front();
        }
    }

    pub fn is_flapping(&self) -> bool {
        self.flapping
    }

    pub fn start_flapping(&mut self) {
        self.flapping = true;
    }

    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.changes.len()
    }

    /// The worst severity among the changes in the window: a flap through FAILED is critical.
    pub fn worst(&self) -> Severity {
        Severity::worst(self.changes.iter().map(|(_, s)| *s))
    }

    /// True once, when a flapping agent has gone a whole window without a change.
    pub fn settles(&mut self, now_ms: i64, window_ms: i64) -> bool {
        self.forget_before(now_ms, window_ms);
        if self.flapping && self.changes.is_empty() {
            self.flapping = false;
            return true;
        }
        false
    }
}
