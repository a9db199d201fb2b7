//! Confirmation of a change: a candidate state must be seen in N consecutive polls before it
//! replaces the confirmed one. Going back to the confirmed state (or on to a third state) before
//! that drops the candidate: a blip, which nobody is told about.

/// A state seen but not yet confirmed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate<V> {
    pub value: V,
    /// Consecutive polls that saw it, this one included.
    pub seen: u32,
    /// Polls needed to confirm it.
    pub needed: u32,
    /// When it was first seen: the confirmed state starts then, not at confirmation.
    pub first_seen_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step<V> {
    /// Nothing new: the observation is the confirmed state.
    Steady,
    /// Seen, not yet confirmed.
    Pending { seen: u32, needed: u32 },
    /// Seen often enough: the caller makes it the confirmed state.
    Confirmed(Candidate<V>),
}

/// The result of one observation: the step, and a candidate this observation ended early.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Observed<V> {
    pub dropped: Option<Candidate<V>>,
    pub step: Step<V>,
}

#[derive(Debug, Clone)]
pub(crate) struct Confirmer<V> {
    /// Boxed: nearly every agent has none, and the policy keeps a confirmer per agent (an
    /// inline observation would make each of 10,000 agents' tracks 40 % larger).
    candidate: Option<Box<Candidate<V>>>,
}

impl<V> Default for Confirmer<V> {
    fn default() -> Self {
        Confirmer { candidate: None }
    }
}

impl<V: PartialEq> Confirmer<V> {
    pub fn candidate(&self) -> Option<&Candidate<V>> {
        self.candidate.as_deref()
    }

    /// Takes one poll's observation. `needed` is the number of polls the observed state needs
    /// (it depends on the direction of the change, which only the caller knows).
    pub fn observe(&mut self, confirmed: &V, observed: V, needed: u32, now_ms: i64) -> Observed<V> {
        self.observe_continuing(confirmed, observed, needed, now_ms, |_, _| false)
    }

    /// `observe`, where an observation that `continues` the candidate (the same state, grown
    /// past a time limit meanwhile) takes its place and goes on counting, instead of ending it
    /// as a blip and starting over.
    pub fn observe_continuing(
        &mut self,
        confirmed: &V,
        observed: V,
        needed: u32,
        now_ms: i64,
        continues: impl Fn(&V, &V) -> bool,
    ) -> Observed<V> {
        if observed == *confirmed {
            return Observed {
                dropped: self.candidate.take().map(|c| *c),
                step: Step::Steady,
            };
        }
        let needed = needed.max(1);
        let (candidate, dropped) = match self.candidate.take() {
            Some(mut same) if same.value == observed || continues(&same.value, &observed) => {
                same.value = observed;
                same.seen = same.seen.saturating_add(1);
                same.needed = needed;
                (same, None)
            }
            other => (
                Box::new(Candidate {
                    value: observed,
                    seen: 1,
                    needed,
                    first_seen_ms: now_ms,
                }),
                other.map(|c| *c),
            ),
        };
        let step = if candidate.seen >= candidate.needed {
            Step::Confirmed(*candidate)
        } else {
            let pending = Step::Pending {
                seen: candidate.seen,
                needed: candidate.needed,
            };
            self.candidate = Some(candidate);
            pending
        };
        Observed { dropped, step }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_needs_its_polls_and_a_return_drops_it() {
        let mut c = Confirmer::default();
        let o = c.observe(&"ok", "bad", 2, 1);
        assert_eq!(o.step, Step::Pending { seen: 1, needed: 2 });
        let o = c.observe(&"ok", "ok", 2, 2);
        assert_eq!(o.step, Step::Steady);
        assert_eq!(o.dropped.map(|d| d.value), Some("bad"));
        c.observe(&"ok", "bad", 2, 3);
        match c.observe(&"ok", "bad", 2, 4).step {
            Step::Confirmed(cand) => assert_eq!(cand.first_seen_ms, 3),
            other => panic!("expected confirmation, got {other:?}"),
        }
        assert!(c.candidate().is_none());
    }

    #[test]
    fn a_continuation_takes_the_candidates_place_and_keeps_counting() {
        let mut c = Confirmer::default();
        let same_word = |a: &&str, b: &&str| a.split(' ').next() == b.split(' ').next();
        c.observe_continuing(&"idle", "rest", 3, 1, same_word);
        let o = c.observe_continuing(&"idle", "rest over", 3, 2, same_word);
        assert_eq!(
            (o.dropped, o.step),
            (None, Step::Pending { seen: 2, needed: 3 })
        );
        match c
            .observe_continuing(&"idle", "rest over", 3, 3, same_word)
            .step
        {
            Step::Confirmed(cand) => assert_eq!((cand.value, cand.first_seen_ms), ("rest over", 1)),
            other => panic!("expected confirmation, got {other:?}"),
        }
    }

    #[test]
    fn a_third_state_replaces_the_candidate_and_starts_counting_again() {
        let mut c = Confirmer::default();
        c.observe(&"ok", "busy", 2, 1);
        let o = c.observe(&"ok", "failed", 2, 2);
        assert_eq!(o.dropped.map(|d| d.value), Some("busy"));
        assert_eq!(o.step, Step::Pending { seen: 1, needed: 2 });
    }
}
