//! Exponential back-off, shared by the heartbeat (failed event polls) and the session (failed
//! sign-ins): a gateway that keeps refusing is asked again less and less often, up to a cap.

use crate::error::{Error, ErrorKind};
use std::time::{Duration, Instant};

/// `first`, doubling with each further failure, never more than `max`.
pub fn delay(failures: u32, first: Duration, max: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    first.saturating_mul(1 << doublings).min(max)
}

/// After a failed sign-in: 2 s, doubling, at most 5 minutes (a wrong password retried every
/// poll could lock the seat on some gateways; a broken gateway is not helped by a stampede).
const FIRST_SIGN_IN_RETRY: Duration = Duration::from_secs(2);
const MAX_SIGN_IN_RETRY: Duration = Duration::from_secs(300);

/// The sign-in attempts of one account: after a failure, no new attempt until the back-off has
/// passed; the polls meanwhile get the last failure again. A success resets it.
#[derive(Default)]
pub struct SignInBackoff {
    failures: u32,
    /// The failure being waited out and when the next attempt is allowed.
    waiting: Option<(Error, Instant)>,
}

impl SignInBackoff {
    /// The error to answer instead of signing in, while the back-off runs.
    pub fn blocked(&self, now: Instant) -> Option<Error> {
        let (last, retry_at) = self.waiting.as_ref()?;
        let wait = retry_at
            .checked_duration_since(now)
            .filter(|w| !w.is_zero())?;
        let secs = wait.as_secs_f64().ceil() as u64;
        Some(Error::Poll {
            kind: last.kind(),
            message: format!(
                "{last} (after {} failed sign-in attempt{}, the next one is in {secs} s)",
                self.failures,
                if self.failures == 1 { "" } else { "s" }
            ),
            retry_after: Some(wait),
        })
    }

    /// Records a failed attempt. A connection that could not even be opened did not reach the
    /// gateway, so it does not lengthen the wait (the network coming back is picked up at once).
    pub fn failed(&mut self, error: &Error, now: Instant) {
        if error.kind() == ErrorKind::Connect {
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let wait = delay(self.failures, FIRST_SIGN_IN_RETRY, MAX_SIGN_IN_RETRY);
        self.waiting = Some((error.clone(), now + wait));
    }

    pub fn succeeded(&mut self) {
        *self = SignInBackoff::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(30));
        assert_eq!(delay(1, first, max), Duration::from_secs(1));
        assert_eq!(delay(2, first, max), Duration::from_secs(2));
        assert_eq!(delay(5, first, max), Duration::from_secs(16));
        assert_eq!(delay(6, first, max), max);
        assert_eq!(delay(u32::MAX, first, max), max);
    }

    #[test]
    fn sign_ins_wait_out_the_back_off_and_reset_on_success() {
        let t0 = Instant::now();
        let refused = Error::poll(ErrorKind::Auth, "sign-in of seat 5001 refused");
        let mut backoff = SignInBackoff::default();
        assert!(backoff.blocked(t0).is_none());

        backoff.failed(&refused, t0);
        let blocked = backoff.blocked(t0).expect("blocked right after a failure");
        assert_eq!(blocked.kind(), ErrorKind::Auth);
        assert_eq!(blocked.retry_after(), Some(FIRST_SIGN_IN_RETRY));
        assert!(blocked.to_string().starts_with("sign-in of seat 5001 refused (after 1 failed sign-in attempt, the next one is in 2 s)"), "{blocked}");
        assert!(backoff.blocked(t0 + FIRST_SIGN_IN_RETRY).is_none());

        let t1 = t0 + FIRST_SIGN_IN_RETRY;
        backoff.failed(&refused, t1);
        assert_eq!(
            backoff.blocked(t1).unwrap().retry_after(),
            Some(FIRST_SIGN_IN_RETRY * 2)
        );
        for _ in 0..20 {
            backoff.failed(&refused, t1);
        }
        assert_eq!(
            backoff.blocked(t1).unwrap().retry_after(),
            Some(MAX_SIGN_IN_RETRY)
        );

        backoff.succeeded();
        assert!(backoff.blocked(t1).is_none());
        backoff.failed(&refused, t1);
        assert_eq!(
            backoff.blocked(t1).unwrap().retry_after(),
            Some(FIRST_SIGN_IN_RETRY)
        );
    }

    #[test]
    fn unreachable_gateways_are_not_backed_off() {
        let t0 = Instant::now();
        let mut backoff = SignInBackoff::default();
        backoff.failed(&Error::poll(ErrorKind::Connect, "connection refused"), t0);
        assert!(backoff.blocked(t0).is_none());
    }
}
