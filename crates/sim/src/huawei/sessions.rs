//! The gateway's signed-in seats and their Guids: issue on sign-in, rotation (AUTHMODE 2),
//! the old Guid's grace, the heartbeat deadline and the per-seat event queue. Pure logic with
//! the clock passed in; the owner keeps it behind a `std::sync::RwLock` that is never held
//! across an `.await`.

use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub const RETCODE_NO_PERMISSION: &str = "000-003";
pub const RETCODE_NOT_SIGNED_IN: &str = "100-006";

/// At most this many undelivered events per seat; older ones are dropped.
const EVENT_QUEUE_LIMIT: usize = 256;

/// AUTHMODE: whether Guids rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// AUTHMODE 1: the sign-in Guid stays valid until sign-out.
    Static,
    /// AUTHMODE 2 (Huawei's default): a new Guid every rotation interval, handed out on an
    /// event answer; the old one stays valid for a grace period.
    #[default]
    Dynamic,
}

/// The clock-related settings the table needs.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub auth_mode: AuthMode,
    pub rotation: Duration,
    pub grace: Duration,
    pub heartbeat_timeout: Duration,
}

/// Whether a request's Guid is accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Denied(&'static str),
    /// A seat is due for rotation or expiry: take the write lock, run `upkeep`, ask again.
    NeedsUpkeep,
}

/// What an event poll should answer now.
pub enum Delivery {
    /// The seat is gone (signed out, expired).
    Gone,
    Ready {
        /// One event, or every queued one when the poll batches them (at most one otherwise).
        events: Vec<Value>,
        new_guid: Option<String>,
    },
    /// Nothing yet; wake up no later than this (the next rotation) or the hold's end.
    Wait { until: Option<Instant> },
}

struct Seat {
    guid: String,
    issued_at: Instant,
    last_heartbeat: Instant,
    polls_in_flight: u32,
    /// A rotated Guid not yet handed out on an event answer.
    undelivered_guid: bool,
    events: VecDeque<Value>,
    wake: Arc<Notify>,
    /// The `status` the seat signed in with ("3" busy, "4" idle...).
    status: String,
}

impl Seat {
    fn heartbeat_expired(&self, now: Instant, timing: &Timing) -> bool {
        self.polls_in_flight == 0 && now >= self.last_heartbeat + timing.heartbeat_timeout
    }

    fn next_rotation(&self, timing: &Timing) -> Option<Instant> {
        (timing.auth_mode == AuthMode::Dynamic).then(|| self.issued_at + timing.rotation)
    }

    fn rotation_due(&self, now: Instant, timing: &Timing) -> bool {
        self.next_rotation(timing).is_some_and(|at| now >= at)
    }
}

struct GuidEntry {
    workno: String,
    /// When a newer Guid replaced this one; it keeps working for the grace period.
    retired_at: Option<Instant>,
}

#[derive(Default)]
pub struct SessionTable {
    seats: HashMap<String, Seat>,
    guids: HashMap<String, GuidEntry>,
}

impl SessionTable {
    /// Read-only check of a Guid; `seat` restricts it to one seat's own Guids.
    pub fn check(&self, guid: &str, seat: Option<&str>, now: Instant, timing: &Timing) -> Verdict {
        let Some(entry) = self.guids.get(guid) else {
            return Verdict::Denied(RETCODE_NOT_SIGNED_IN);
        };
        let Some(owner) = self.seats.get(&entry.workno) else {
            return Verdict::Denied(RETCODE_NOT_SIGNED_IN);
        };
        if owner.heartbeat_expired(now, timing) || owner.rotation_due(now, timing) {
            return Verdict::NeedsUpkeep;
        }
        if entry
            .retired_at
            .is_some_and(|retired| now >= retired + timing.grace)
        {
            return Verdict::Denied(RETCODE_NO_PERMISSION);
        }
        if seat.is_some_and(|s| s != entry.workno) {
            return Verdict::Denied(RETCODE_NO_PERMISSION);
        }
        Verdict::Allowed
    }

    /// Expires seats whose heartbeat ran out and rotates due Guids. Returns the expired seats.
    pub fn upkeep(&mut self, now: Instant, timing: &Timing) -> Vec<String> {
        let expired: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, seat)| seat.heartbeat_expired(now, timing))
            .map(|(workno, _)| workno.clone())
            .collect();
        for workno in &expired {
            self.close(workno);
        }
        let due: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, seat)| seat.rotation_due(now, timing))
            .map(|(workno, _)| workno.clone())
            .collect();
        for workno in due {
            self.rotate(&workno, now);
        }
        expired
    }

    pub fn is_open(&self, workno: &str) -> bool {
        self.seats.contains_key(workno)
    }

    pub fn status_of(&self, workno: &str) -> Option<&str> {
        self.seats.get(workno).map(|s| s.status.as_str())
    }

    pub fn current_guid(&self, workno: &str) -> Option<&str> {
        self.seats.get(workno).map(|s| s.guid.as_str())
    }

    pub fn seat_count(&self) -> usize {
        self.seats.len()
    }

    /// Opens a session for `workno` (which must not have one) and returns its Guid.
    pub fn open(&mut self, workno: &str, status: &str, now: Instant) -> String {
        self.close(workno);
        let guid = new_guid();
        self.guids.insert(
            guid.clone(),
            GuidEntry {
                workno: workno.to_string(),
                retired_at: None,
            },
        );
        self.seats.insert(
            workno.to_string(),
            Seat {
                guid: guid.clone(),
                issued_at: now,
                last_heartbeat: now,
                polls_in_flight: 0,
                undelivered_guid: false,
                events: VecDeque::new(),
                wake: Arc::new(Notify::new()),
                status: status.to_string(),
            },
        );
        guid
    }

    /// Ends a seat's session; every Guid it had stops working. False when there was none.
    pub fn close(&mut self, workno: &str) -> bool {
        let Some(seat) = self.seats.remove(workno) else {
            return false;
        };
        self.guids.retain(|_, entry| entry.workno != workno);
        // A poll held for this seat answers at once that the session is gone.
        seat.wake.notify_one();
        true
    }

    pub fn close_all(&mut self) -> Vec<String> {
        let worknos: Vec<String> = self.seats.keys().cloned().collect();
        for workno in &worknos {
            self.close(workno);
        }
        worknos
    }

    /// Issues a new Guid for the seat; the old one is retired (valid for the grace period).
    pub fn rotate(&mut self, workno: &str, now: Instant) -> Option<String> {
        let seat = self.seats.get_mut(workno)?;
        let guid = new_guid();
        if let Some(old) = self.guids.get_mut(&seat.guid) {
            old.retired_at = Some(now);
        }
        self.guids.insert(
            guid.clone(),
            GuidEntry {
                workno: workno.to_string(),
                retired_at: None,
            },
        );
        seat.guid = guid.clone();
        seat.issued_at = now;
        seat.undelivered_guid = true;
        seat.wake.notify_one();
        Some(guid)
    }

    pub fn rotate_all(&mut self, now: Instant) {
        let worknos: Vec<String> = self.seats.keys().cloned().collect();
        for workno in worknos {
            self.rotate(&workno, now);
        }
    }

    /// The Guid was handed out on another answer (updateGuid), not by an event poll.
    pub fn mark_delivered(&mut self, workno: &str) {
        if let Some(seat) = self.seats.get_mut(workno) {
            seat.undelivered_guid = false;
        }
    }

    /// Registers an event poll of the seat (it counts as a heartbeat while it is held).
    pub fn poll_started(&mut self, workno: &str, now: Instant) -> Option<Arc<Notify>> {
        let seat = self.seats.get_mut(workno)?;
        seat.polls_in_flight += 1;
        seat.last_heartbeat = now;
        Some(seat.wake.clone())
    }

    pub fn poll_finished(&mut self, workno: &str, now: Instant) {
        if let Some(seat) = self.seats.get_mut(workno) {
            seat.polls_in_flight = seat.polls_in_flight.saturating_sub(1);
            seat.last_heartbeat = now;
        }
    }

    /// What a held event poll of the seat answers now, if anything; `batch` takes every
    /// queued event instead of the oldest one.
    pub fn take_delivery(
        &mut self,
        workno: &str,
        now: Instant,
        timing: &Timing,
        batch: bool,
    ) -> Delivery {
        let Some(seat) = self.seats.get(workno) else {
            return Delivery::Gone;
        };
        if seat.rotation_due(now, timing) {
            self.rotate(workno, now);
        }
        let Some(seat) = self.seats.get_mut(workno) else {
            return Delivery::Gone;
        };
        let new_guid = std::mem::take(&mut seat.undelivered_guid).then(|| seat.guid.clone());
        let taken = if batch { seat.events.len() } else { 1 };
        let events: Vec<Value> = seat.events.drain(..taken.min(seat.events.len())).collect();
        if new_guid.is_some() || !events.is_empty() {
            Delivery::Ready { events, new_guid }
        } else {
            Delivery::Wait {
                until: seat.next_rotation(timing),
            }
        }
    }

    /// Queues an event for every signed-in seat (they all supervise the same agents),
    /// addressed to the seat in `workNo` as Huawei's events are.
    pub fn broadcast(&mut self, event: &Value) {
        for (workno, seat) in self.seats.iter_mut() {
            if seat.events.len() >= EVENT_QUEUE_LIMIT {
                seat.events.pop_front();
            }
            let mut addressed = event.clone();
            if let Value::Object(fields) = &mut addressed {
                fields.insert("workNo".to_string(), Value::String(workno.clone()));
            }
            seat.events.push_back(addressed);
            seat.wake.notify_one();
        }
    }
}

/// Guids look like Huawei's: `<uuid>.AgentGateway0`.
fn new_guid() -> String {
    format!("{}.AgentGateway0", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMING: Timing = Timing {
        auth_mode: AuthMode::Dynamic,
        rotation: Duration::from_secs(60),
        grace: Duration::from_secs(120),
        heartbeat_timeout: Duration::from_secs(120),
    };

    #[test]
    fn rotated_guids_work_for_the_grace_period_only() {
        let t0 = Instant::now();
        let mut table = SessionTable::default();
        let first = table.open("5001", "3", t0);
        assert_eq!(
            table.check(&first, Some("5001"), t0, &TIMING),
            Verdict::Allowed
        );
        assert_eq!(
            table.check(&first, Some("101"), t0, &TIMING),
            Verdict::Denied(RETCODE_NO_PERMISSION)
        );

        let t1 = t0 + Duration::from_secs(61);
        assert_eq!(table.check(&first, None, t1, &TIMING), Verdict::NeedsUpkeep);
        table.poll_started("5001", t1);
        table.upkeep(t1, &TIMING);
        let second = table.current_guid("5001").unwrap().to_string();
        assert_ne!(first, second);
        assert_eq!(table.check(&first, None, t1, &TIMING), Verdict::Allowed);
        match table.take_delivery("5001", t1, &TIMING, false) {
            Delivery::Ready { new_guid, .. } => {
                assert_eq!(new_guid.as_deref(), Some(second.as_str()))
            }
            _ => panic!("the new Guid is delivered"),
        }

        let t2 = t1 + Duration::from_secs(59);
        assert_eq!(table.check(&first, None, t2, &TIMING), Verdict::Allowed);
        let t3 = t1 + Duration::from_secs(121);
        table.upkeep(t3, &TIMING);
        assert_eq!(
            table.check(&first, None, t3, &TIMING),
            Verdict::Denied(RETCODE_NO_PERMISSION)
        );
    }

    #[test]
    fn seats_without_heartbeat_expire() {
        let t0 = Instant::now();
        let mut table = SessionTable::default();
        let guid = table.open("5001", "3", t0);
        let static_timing = Timing {
            auth_mode: AuthMode::Static,
            ..TIMING
        };
        let later = t0 + Duration::from_secs(121);
        assert_eq!(
            table.check(&guid, None, later, &static_timing),
            Verdict::NeedsUpkeep
        );
        assert_eq!(
            table.upkeep(later, &static_timing),
            vec!["5001".to_string()]
        );
        assert_eq!(
            table.check(&guid, None, later, &static_timing),
            Verdict::Denied(RETCODE_NOT_SIGNED_IN)
        );
    }

    #[test]
    fn a_held_poll_keeps_the_seat_alive() {
        let t0 = Instant::now();
        let mut table = SessionTable::default();
        let guid = table.open("5001", "3", t0);
        let static_timing = Timing {
            auth_mode: AuthMode::Static,
            ..TIMING
        };
        table.poll_started("5001", t0);
        let later = t0 + Duration::from_secs(500);
        assert_eq!(
            table.check(&guid, None, later, &static_timing),
            Verdict::Allowed
        );
        table.poll_finished("5001", later);
        assert_eq!(
            table.check(&guid, None, later, &static_timing),
            Verdict::Allowed
        );
    }
}
