//! Table-driven tests of the policy with a fake clock: each case is a script of polls, waits,
//! ticks and snoozes, and the notifications a supervisor would have received.

use super::*;
use crate::clock::times;
use crate::error::{ErrorKind, ErrorReport};
use crate::model::{Observation, Vendor};
use time::macros::datetime;
use time::Duration;

/// A Monday.
const START: OffsetDateTime = datetime!(2025-03-10 12:00 +01:00);
const POLL_SECS: i64 = 15;

fn severity_of(state: &str) -> Severity {
    match state {
        "RUNNING" | "idle" | "registered" => Severity::Ok,
        "busy" => Severity::Info,
        "STOPPED" | "signed out" => Severity::Warning,
        "FAILED" => Severity::Critical,
        _ => Severity::Unknown,
    }
}

/// "registered@port 2" = state "registered" with identity "port 2".
fn observation(id: &str, spec: &str) -> Observation {
    let (state, identity) = match spec.split_once('@') {
        Some((s, i)) => (s, Some(i.to_string())),
        None => (spec, None),
    };
    Observation {
        agent_id: id.to_string(),
        name: None,
        state: state.to_string(),
        native: state.to_string(),
        severity: severity_of(state),
        identity,
        detail: None,
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

#[derive(Clone, Copy, Debug)]
enum Until {
    Recovery,
    Mins(i64),
}

#[derive(Clone, Copy, Debug)]
enum S {
    /// A successful poll, 15 s after the previous step.
    Poll(&'static [(&'static str, &'static str)]),
    /// A failed poll, 15 s after the previous step.
    Down,
    Wait(i64),
    At(OffsetDateTime),
    Tick,
    SnoozeAgent(&'static str, Until),
    SnoozeAccount(Until),
    Pause(Option<i64>),
    Resume,
}

struct Run {
    policy: AlertPolicy,
    now: OffsetDateTime,
    account: AccountRef,
    decisions: Vec<Decision>,
    /// Polls are stamped with the time in state as the poller does, against these limits.
    clock: crate::time_limits::StateClock,
    limits: crate::time_limits::TimeLimits,
}

impl Run {
    fn new(settings: AlertSettings, notifications: NotificationSettings) -> Run {
        Run {
            policy: AlertPolicy::new(settings, notifications),
            now: START,
            account: AccountRef::new("ai", "AI agents", Vendor::Agora),
            decisions: Vec::new(),
            clock: Default::default(),
            limits: Default::default(),
        }
    }

    fn until(&self, until: Until) -> SnoozeUntil {
        match until {
            Until::Recovery => SnoozeUntil::Recovery,
            Until::Mins(m) => SnoozeUntil::At(self.now + Duration::minutes(m)),
        }
    }

    fn step(&mut self, step: S) {
        let decisions = match step {
            S::Poll(agents) => {
                self.now += Duration::seconds(POLL_SECS);
                let mut seen: Vec<Observation> = agents
                    .iter()
                    .map(|(id, spec)| observation(id, spec))
                    .collect();
                let now_ms = times::to_ms(self.now);
                self.clock.stamp(&mut seen, &self.limits, now_ms);
                let snapshot = crate::model::snapshot_from(seen);
                self.policy
                    .on_poll(self.now, &self.account, PollOutcome::Ok(&snapshot))
            }
            S::Down => {
                self.now += Duration::seconds(POLL_SECS);
                let error = ErrorReport {
                    kind: ErrorKind::Timeout,
                    message: "no answer within the time limit".into(),
                };
                self.policy
                    .on_poll(self.now, &self.account, PollOutcome::Unreachable(&error))
            }
            S::Wait(secs) => {
                self.now += Duration::seconds(secs);
                Vec::new()
            }
            S::At(t) => {
                self.now = t;
                Vec::new()
            }
            S::Tick => self.policy.tick(self.now),
            S::SnoozeAgent(id, until) => {
                let until = self.until(until);
                self.policy.snooze_agent(AgentKey::new("ai", id), until);
                Vec::new()
            }
            S::SnoozeAccount(until) => {
                let until = self.until(until);
                self.policy.snooze_account("ai", until);
                Vec::new()
            }
            S::Pause(mins) => {
                self.policy
                    .pause_all(mins.map(|m| self.now + Duration::minutes(m)));
                Vec::new()
            }
            S::Resume => {
                self.policy.resume_all();
                Vec::new()
            }
        };
        for d in &decisions {
            assert_reads_as_a_sentence(&d.explanation());
        }
        self.decisions.extend(decisions);
    }

    fn notified(&self) -> Vec<String> {
        self.decisions
            .iter()
            .filter_map(|d| d.notification().map(|n| n.summary.clone()))
            .collect()
    }

    fn explanations(&self) -> Vec<String> {
        self.decisions.iter().map(Decision::explanation).collect()
    }
}

fn assert_reads_as_a_sentence(text: &str) {
    let first = text.chars().next().unwrap_or(' ');
    assert!(first.is_uppercase(), "starts with a capital: {text:?}");
    assert!(text.ends_with('.'), "ends with a full stop: {text:?}");
    for debris in ["Some(", "None", "{", "}", "\"", "  "] {
        assert!(!text.contains(debris), "no {debris:?} in {text:?}");
    }
}

type Setup = fn(&mut AlertSettings, &mut NotificationSettings);

struct Case {
    name: &'static str,
    setup: Setup,
    steps: &'static [S],
    /// The summaries of the notifications sent, in order.
    notified: &'static [&'static str],
    /// Fragments that some decision's explanation must contain.
    explained: &'static [&'static str],
}

fn defaults(_: &mut AlertSettings, _: &mut NotificationSettings) {}

const R: &[(&str, &str)] = &[("A1", "RUNNING")];
const F: &[(&str, &str)] = &[("A1", "FAILED")];
const STOP: &[(&str, &str)] = &[("A1", "STOPPED")];
const RR: &[(&str, &str)] = &[("A1", "RUNNING"), ("A2", "RUNNING")];
const FF: &[(&str, &str)] = &[("A1", "FAILED"), ("A2", "FAILED")];
const FR: &[(&str, &str)] = &[("A1", "FAILED"), ("A2", "RUNNING")];

fn quiet_mondays(s: &mut AlertSettings, allow: QuietAllow) {
    s.quiet_hours = Some(QuietHours {
        days: vec![Day::Mon],
        start: "22:00".parse().unwrap(),
        end: "07:00".parse().unwrap(),
        allow,
    });
}

const CASES: &[Case] = &[
    Case {
        name: "the first poll is a baseline, not a change",
        setup: defaults,
        steps: &[S::Poll(F), S::Poll(F), S::Poll(F)],
        notified: &[],
        explained: &[],
    },
    Case {
        name: "a worse state needs two polls",
        setup: defaults,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F)],
        notified: &["A1: FAILED"],
        explained: &["The change to FAILED is not confirmed yet: seen in 1 of the 2 consecutive polls needed."],
    },
    Case {
        name: "a recovery needs one poll",
        setup: defaults,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F), S::Poll(R)],
        notified: &["A1: FAILED", "A1: RUNNING"],
        explained: &[],
    },
    Case {
        name: "a blip is never notified",
        setup: defaults,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(R), S::Poll(R)],
        notified: &[],
        explained: &["The change to FAILED lasted only 1 poll (then RUNNING), too short to be confirmed, so it was a blip."],
    },
    Case {
        name: "a third state replaces a pending one and counts again",
        setup: defaults,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(STOP), S::Poll(STOP)],
        notified: &["A1: STOPPED"],
        explained: &["The change to FAILED lasted only 1 poll (then STOPPED)"],
    },
    Case {
        name: "a per-severity override confirms critical at once",
        setup: |s, _| s.confirm_polls.critical = Some(1),
        steps: &[S::Poll(R), S::Poll(F)],
        notified: &["A1: FAILED"],
        explained: &[],
    },
    Case {
        name: "a per-account override asks for three polls",
        setup: |s, _| {
            s.accounts.insert(
                "ai".into(),
                AccountAlertSettings {
                    confirm_worse_polls: Some(3),
                    ..Default::default()
                },
            );
        },
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F), S::Poll(F)],
        notified: &["A1: FAILED"],
        explained: &["seen in 2 of the 3 consecutive polls"],
    },
    Case {
        name: "the account's per-severity key beats the global one",
        setup: |s, _| {
            s.confirm_polls.critical = Some(1);
            let mut account = AccountAlertSettings::default();
            account.confirm_polls.critical = Some(2);
            s.accounts.insert("ai".into(), account);
        },
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F)],
        notified: &["A1: FAILED"],
        explained: &["seen in 1 of the 2"],
    },
    Case {
        name: "a slower recovery when configured",
        setup: |s, _| s.confirm_better_polls = 2,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F), S::Poll(R), S::Poll(R)],
        notified: &["A1: FAILED", "A1: RUNNING"],
        explained: &[],
    },
    Case {
        name: "appearing and vanishing are changes",
        setup: defaults,
        steps: &[S::Poll(R), S::Poll(RR), S::Poll(R), S::Poll(R)],
        notified: &["A2 appeared: RUNNING", "A2 is gone"],
        explained: &[],
    },
    Case {
        name: "an identity change is a change",
        setup: defaults,
        steps: &[
            S::Poll(&[("A1", "registered@port 1")]),
            S::Poll(&[("A1", "registered@port 2")]),
            S::Poll(&[("A1", "registered@port 2")]),
        ],
        notified: &["A1 re-registered"],
        explained: &[],
    },
    Case {
        name: "flapping is told once, then quiet until it settles",
        setup: |s, _| {
            s.flap_changes = 3;
            s.confirm_worse_polls = 1;
        },
        steps: &[
            S::Poll(R),
            S::Poll(F),
            S::Poll(R),
            S::Poll(F),
            S::Poll(R),
            S::Poll(F),
            S::Poll(R),
            S::Wait(9 * 60),
            S::Tick,
            S::Wait(60),
            S::Tick,
            S::Poll(F),
        ],
        notified: &[
            "A1: FAILED",
            "A1: RUNNING",
            "A1: FAILED",
            "A1 is flapping",
            "A1 settled: RUNNING",
            "A1: FAILED",
        ],
        explained: &["It is flapping (5 changes in 10 min), so its changes stay quiet until it settles."],
    },
    Case {
        name: "reminders every 30 minutes while critical",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
            S::Wait(29 * 60),
            S::Tick,
            S::Wait(60),
            S::Tick,
            S::Tick,
            S::Wait(30 * 60),
            S::Tick,
        ],
        notified: &["A1: FAILED", "A1: still FAILED", "A1: still FAILED"],
        explained: &[],
    },
    Case {
        name: "no reminders when they are off",
        setup: |s, _| s.remind_every_mins = 0,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F), S::Wait(3600), S::Tick],
        notified: &["A1: FAILED"],
        explained: &[],
    },
    Case {
        name: "acknowledged: no reminder, then the recovery is told and the ack ends",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
            S::SnoozeAgent("A1", Until::Recovery),
            S::Wait(31 * 60),
            S::Tick,
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
        ],
        notified: &["A1: FAILED", "A1: RUNNING", "A1: FAILED"],
        explained: &["This agent is acknowledged until it recovers."],
    },
    Case {
        name: "snoozed for an hour: quiet until then, reminded after",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::SnoozeAgent("A1", Until::Mins(60)),
            S::Poll(F),
            S::Poll(F),
            S::Wait(31 * 60),
            S::Tick,
            S::Wait(30 * 60),
            S::Tick,
        ],
        notified: &["A1: still FAILED"],
        explained: &["This agent is snoozed until 13:00."],
    },
    Case {
        name: "snooze + recovery: a recovery inside a timed snooze stays quiet",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
            S::SnoozeAgent("A1", Until::Mins(60)),
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
        ],
        notified: &["A1: FAILED"],
        explained: &["This agent is snoozed until 13:00."],
    },
    Case {
        name: "a recovery is told only for agents that were alerted on",
        setup: defaults,
        steps: &[S::Poll(F), S::Poll(R)],
        notified: &[],
        explained: &["It is back, but nobody was notified of the problem, so there is nothing to call off."],
    },
    Case {
        name: "a severity turned off is not notified, nor is its recovery",
        setup: |_, n| n.critical = false,
        steps: &[S::Poll(R), S::Poll(F), S::Poll(F), S::Poll(R)],
        notified: &[],
        explained: &[
            "Notifications for critical states are turned off in the settings.",
            "nobody was notified of the problem",
        ],
    },
    Case {
        name: "a snoozed account is quiet for all its agents",
        setup: defaults,
        steps: &[
            S::Poll(RR),
            S::SnoozeAccount(Until::Mins(30)),
            S::Poll(FF),
            S::Poll(FF),
        ],
        notified: &[],
        explained: &["The account AI agents is snoozed until 12:30."],
    },
    Case {
        name: "an account acknowledged until it is reachable again",
        setup: defaults,
        steps: &[
            S::Poll(RR),
            S::SnoozeAccount(Until::Recovery),
            S::Down,
            S::Down,
            S::Poll(RR),
            S::Down,
            S::Down,
        ],
        notified: &["AI agents is unreachable"],
        explained: &["The account AI agents is acknowledged until it is reachable again."],
    },
    Case {
        name: "pause all, then resume",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::Pause(None),
            S::Poll(F),
            S::Poll(F),
            S::Resume,
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
        ],
        notified: &["A1: FAILED"],
        explained: &["All notifications are paused until you resume them."],
    },
    Case {
        name: "pause all for half an hour",
        setup: defaults,
        steps: &[
            S::Poll(R),
            S::Pause(Some(30)),
            S::Poll(F),
            S::Poll(F),
            S::Wait(30 * 60),
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
        ],
        notified: &["A1: FAILED"],
        explained: &["All notifications are paused until 12:30."],
    },
    Case {
        name: "quiet hours across midnight on Mondays let critical through",
        setup: |s, _| quiet_mondays(s, QuietAllow::Critical),
        steps: &[
            S::At(datetime!(2025-03-10 21:00 +01:00)),
            S::Poll(&[("A1", "idle"), ("A2", "RUNNING")]),
            S::Poll(&[("A1", "busy"), ("A2", "RUNNING")]),
            S::Poll(&[("A1", "busy"), ("A2", "RUNNING")]),
            S::At(datetime!(2025-03-11 01:00 +01:00)),
            S::Poll(&[("A1", "idle"), ("A2", "FAILED")]),
            S::Poll(&[("A1", "idle"), ("A2", "FAILED")]),
            S::At(datetime!(2025-03-11 07:00 +01:00)),
            S::Poll(&[("A1", "busy"), ("A2", "FAILED")]),
            S::Poll(&[("A1", "busy"), ("A2", "FAILED")]),
            S::At(datetime!(2025-03-11 22:30 +01:00)),
            S::Poll(&[("A1", "idle"), ("A2", "FAILED")]),
        ],
        notified: &["A1: busy", "A2: FAILED", "A1: busy", "A1: idle"],
        explained: &["Quiet hours until 07:00 let only critical notifications through."],
    },
    Case {
        name: "quiet hours with allow = none hold back critical too",
        setup: |s, _| quiet_mondays(s, QuietAllow::None),
        steps: &[
            S::At(datetime!(2025-03-10 23:00 +01:00)),
            S::Poll(R),
            S::Poll(F),
            S::Poll(F),
        ],
        notified: &[],
        explained: &["Quiet hours until 07:00 hold back every notification."],
    },
    Case {
        name: "threshold + quiet hours: the moment of confirmation decides",
        setup: |s, _| quiet_mondays(s, QuietAllow::None),
        steps: &[
            S::At(datetime!(2025-03-10 21:59:15 +01:00)),
            S::Poll(RR),
            S::Poll(&[("A1", "FAILED"), ("A2", "RUNNING")]),
            S::Poll(&[("A1", "FAILED"), ("A2", "RUNNING")]),
            S::At(datetime!(2025-03-11 06:59:30 +01:00)),
            S::Poll(&[("A1", "FAILED"), ("A2", "STOPPED")]),
            S::Poll(&[("A1", "FAILED"), ("A2", "STOPPED")]),
        ],
        notified: &["A2: STOPPED"],
        explained: &["not confirmed yet", "hold back every notification"],
    },
    Case {
        name: "a storm becomes one summary with a breakdown",
        setup: defaults,
        steps: &[
            S::Poll(&[
                ("A1", "RUNNING"),
                ("A2", "RUNNING"),
                ("A3", "RUNNING"),
                ("A4", "RUNNING"),
                ("A5", "RUNNING"),
                ("A6", "RUNNING"),
            ]),
            S::Poll(&[
                ("A1", "FAILED"),
                ("A2", "STOPPED"),
                ("A3", "FAILED"),
                ("A4", "FAILED"),
                ("A5", "STOPPED"),
                ("A6", "FAILED"),
            ]),
            S::Poll(&[
                ("A1", "FAILED"),
                ("A2", "STOPPED"),
                ("A3", "FAILED"),
                ("A4", "FAILED"),
                ("A5", "STOPPED"),
                ("A6", "FAILED"),
            ]),
        ],
        notified: &["6 agents changed in AI agents: 4 FAILED, 2 STOPPED"],
        explained: &["Folded into one summary of the 6 notifications from this poll."],
    },
    Case {
        name: "five at once is not a storm",
        setup: defaults,
        steps: &[
            S::Poll(&[
                ("A1", "RUNNING"),
                ("A2", "RUNNING"),
                ("A3", "RUNNING"),
                ("A4", "RUNNING"),
                ("A5", "RUNNING"),
            ]),
            S::Poll(&[
                ("A1", "FAILED"),
                ("A2", "FAILED"),
                ("A3", "FAILED"),
                ("A4", "FAILED"),
                ("A5", "FAILED"),
            ]),
            S::Poll(&[
                ("A1", "FAILED"),
                ("A2", "FAILED"),
                ("A3", "FAILED"),
                ("A4", "FAILED"),
                ("A5", "FAILED"),
            ]),
        ],
        notified: &[
            "A1: FAILED",
            "A2: FAILED",
            "A3: FAILED",
            "A4: FAILED",
            "A5: FAILED",
        ],
        explained: &[],
    },
    Case {
        name: "an outage is confirmed once, notified once, and agents hold still",
        setup: defaults,
        steps: &[
            S::Poll(RR),
            S::Down,
            S::Down,
            S::Down,
            S::Down,
            S::Poll(FR),
            S::Poll(FR),
        ],
        notified: &[
            "AI agents is unreachable",
            "AI agents is reachable again",
            "A1: FAILED",
        ],
        explained: &["The change to FAILED is not confirmed yet: seen in 1 of the 2 consecutive polls needed."],
    },
    Case {
        name: "a single failed poll is an outage blip",
        setup: defaults,
        steps: &[S::Poll(RR), S::Down, S::Poll(RR)],
        notified: &[],
        explained: &["The change to unreachable lasted only 1 poll (then reachable)"],
    },
    Case {
        name: "agents change nothing until the end of an outage is confirmed",
        setup: |s, _| s.confirm_better_polls = 2,
        steps: &[
            S::Poll(RR),
            S::Down,
            S::Down,
            S::Poll(FR),
            S::Poll(FR),
            S::Poll(FR),
        ],
        notified: &[
            "AI agents is unreachable",
            "AI agents is reachable again",
            "A1: FAILED",
        ],
        explained: &[],
    },
    Case {
        name: "flapping + reminder: none while flapping, again after it settles",
        setup: |s, _| {
            s.flap_changes = 3;
            s.flap_window_mins = 60;
            s.confirm_worse_polls = 1;
        },
        steps: &[
            S::Poll(R),
            S::Poll(F),
            S::Poll(R),
            S::Poll(F),
            S::Poll(R),
            S::Poll(F),
            S::Wait(31 * 60),
            S::Tick,
            S::Wait(30 * 60),
            S::Tick,
            S::Wait(30 * 60),
            S::Tick,
        ],
        notified: &[
            "A1: FAILED",
            "A1: RUNNING",
            "A1: FAILED",
            "A1 is flapping",
            "A1 settled: FAILED",
            "A1: still FAILED",
        ],
        explained: &[],
    },
];

#[test]
fn every_rule_and_their_interplay() {
    for case in CASES {
        let mut settings = AlertSettings::default();
        let mut notifications = NotificationSettings::default();
        (case.setup)(&mut settings, &mut notifications);
        assert_eq!(settings.validate(), Ok(()), "{}", case.name);
        let mut run = Run::new(settings, notifications);
        for step in case.steps {
            run.step(*step);
        }
        assert_eq!(run.notified(), case.notified, "case: {}", case.name);
        let explanations = run.explanations();
        for fragment in case.explained {
            assert!(
                explanations.iter().any(|e| e.contains(fragment)),
                "case: {}: no explanation contains {fragment:?} in {explanations:#?}",
                case.name
            );
        }
    }
}

#[test]
fn a_recovery_says_how_long_it_was_broken() {
    let mut run = Run::new(AlertSettings::default(), NotificationSettings::default());
    for step in [
        S::Poll(R),
        S::Poll(F),
        S::Poll(F),
        S::Wait(12 * 60),
        S::Poll(R),
    ] {
        run.step(step);
    }
    let last = run.decisions.last().unwrap();
    assert!(matches!(
        &last.kind,
        DecisionKind::Recovered { previous_state, previous_for_secs, .. }
            if previous_state == "FAILED" && (720..780).contains(previous_for_secs)
    ));
    let n = last.notification().unwrap();
    assert_eq!(n.summary, "A1: RUNNING");
    assert_eq!(
        n.body,
        "Agora Conversational AI · AI agents · back to ok after 12 min in FAILED"
    );
    assert_eq!(n.urgency, crate::notifier::Urgency::Low);
}

#[test]
fn changes_and_outages_use_the_notifier_wording() {
    let mut run = Run::new(AlertSettings::default(), NotificationSettings::default());
    for step in [S::Poll(RR), S::Poll(FR), S::Poll(FR), S::Down, S::Down] {
        run.step(step);
    }
    let sent: Vec<_> = run
        .decisions
        .iter()
        .filter_map(Decision::notification)
        .collect();
    assert_eq!(
        sent[0].body,
        "Agora Conversational AI · AI agents · was RUNNING"
    );
    assert_eq!(sent[0].urgency, crate::notifier::Urgency::Critical);
    assert_eq!(sent[1].summary, "AI agents is unreachable");
    assert!(sent[1].body.contains("no answer within the time limit"));
    assert!(sent[1].body.contains("2 agent(s)"), "{}", sent[1].body);
    let outage = run.decisions.last().unwrap();
    assert_eq!(outage.agent_id, None);
    assert!(outage.confirmed_event().is_some());
}

#[test]
fn the_storm_summary_counts_states_and_the_folded_ones_say_why() {
    let mut run = Run::new(
        AlertSettings {
            storm_threshold: 2,
            ..Default::default()
        },
        NotificationSettings::default(),
    );
    let base: &'static [(&str, &str)] =
        &[("1", "idle"), ("2", "idle"), ("3", "idle"), ("4", "idle")];
    let storm: &'static [(&str, &str)] = &[
        ("1", "signed out"),
        ("2", "signed out"),
        ("3", "busy"),
        ("4", "signed out"),
    ];
    for step in [S::Poll(base), S::Poll(storm), S::Poll(storm)] {
        run.step(step);
    }
    let summary = run.decisions.last().unwrap();
    assert!(matches!(
        &summary.kind,
        DecisionKind::StormSummary { count: 4, breakdown } if breakdown.len() == 2
    ));
    assert_eq!(
        summary.notification().unwrap().summary,
        "4 agents changed in AI agents: 3 signed out, 1 busy"
    );
    let folded = run
        .decisions
        .iter()
        .filter(|d| matches!(d.reason(), Some(Reason::FoldedIntoStorm { count: 4 })))
        .count();
    assert_eq!(folded, 4);
}

/// A re-registration keeps its state ("registered"): what is pending, and what was a blip, is
/// said by what changed, not by the state it kept.
#[test]
fn a_pending_re_registration_says_what_is_pending() {
    let mut run = Run::new(
        AlertSettings {
            confirm_worse_polls: 3,
            ..Default::default()
        },
        NotificationSettings::default(),
    );
    run.step(S::Poll(&[("1", "registered@port 7001 · fingerprint ab12")]));
    run.step(S::Poll(&[("1", "registered@port 7002 · fingerprint ab12")]));
    let pending = run.policy.pending();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].what, "re-registered (port 7001 → port 7002)");
    let why = run
        .decisions
        .last()
        .expect("a pending decision")
        .explanation();
    assert_eq!(
        why,
        "The change to re-registered (port 7001 → port 7002) is not confirmed yet: seen in 1 of the 3 consecutive polls needed."
    );
    run.step(S::Poll(&[("1", "registered@port 7001 · fingerprint ab12")]));
    assert!(run.policy.pending().is_empty());
    let blip = run.decisions.last().expect("a blip").explanation();
    assert!(
        blip.starts_with("The change to re-registered (port 7001 → port 7002) lasted only 1 poll"),
        "{blip}"
    );
    assert!(run.notified().is_empty());
}

#[test]
fn pending_flapping_and_snoozes_are_visible_to_the_ui() {
    let mut run = Run::new(
        AlertSettings {
            flap_changes: 1,
            confirm_worse_polls: 2,
            ..Default::default()
        },
        NotificationSettings::default(),
    );
    run.step(S::Poll(R));
    run.step(S::Poll(F));
    let pending = run.policy.pending();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].agent_id.as_deref(), Some("A1"));
    assert_eq!(
        (pending[0].old_state.as_str(), pending[0].new_state.as_str()),
        ("RUNNING", "FAILED")
    );
    assert_eq!((pending[0].seen, pending[0].needed), (1, 2));
    assert_eq!(pending[0].what, "FAILED");

    run.step(S::Poll(F));
    run.step(S::Poll(R));
    assert!(run.policy.pending().is_empty());
    assert_eq!(run.policy.flapping(), vec![AgentKey::new("ai", "A1")]);

    run.step(S::SnoozeAgent("A1", Until::Mins(10)));
    run.step(S::Pause(None));
    assert_eq!(run.policy.snoozes(run.now).len(), 2);
    assert!(run.policy.is_paused(run.now));
    let later = run.now + Duration::minutes(11);
    assert_eq!(
        run.policy.snoozes(later),
        vec![Snooze {
            target: SnoozeTarget::All,
            until: SnoozeUntil::Cleared
        }]
    );
    assert!(run.policy.clear_snooze(&SnoozeTarget::All));
    assert!(!run.policy.is_paused(later));
}

#[test]
fn memory_stays_bounded() {
    let mut run = Run::new(
        AlertSettings {
            confirm_worse_polls: 1,
            flap_changes: 1000,
            ..Default::default()
        },
        NotificationSettings::default(),
    );
    run.step(S::Poll(RR));
    run.step(S::SnoozeAgent("A2", Until::Recovery));
    run.step(S::Poll(R));
    assert_eq!(run.policy.agents.len(), 1, "a vanished agent is dropped");
    assert!(run.policy.snoozes(run.now).is_empty(), "with its snooze");
    for _ in 0..50 {
        run.step(S::Poll(F));
        run.step(S::Wait(60));
        run.step(S::Poll(R));
        run.step(S::Wait(60));
    }
    let window = run.policy.agents[&AgentKey::new("ai", "A1")].flaps.count();
    assert!(
        window <= 11,
        "only the last 10 minutes of changes are kept: {window}"
    );
    run.policy.forget_account("ai");
    assert!(run.policy.agents.is_empty() && run.policy.accounts.is_empty());
}

#[test]
fn every_reason_reads_as_a_clear_sentence() {
    let reasons = [
        Reason::Maintenance {
            account: "Contact centre".into(),
            agent: false,
            until: "02:00".into(),
        },
        Reason::Pending {
            what: "FAILED".into(),
            seen: 1,
            needed: 2,
        },
        Reason::Blip {
            state: "FAILED".into(),
            polls: 2,
            then: "RUNNING".into(),
        },
        Reason::Flapping {
            changes: 6,
            window_mins: 10,
        },
        Reason::Paused { until: None },
        Reason::Paused {
            until: Some("14:00".into()),
        },
        Reason::AccountAcknowledged {
            account: "Contact centre".into(),
        },
        Reason::AccountSnoozed {
            account: "Contact centre".into(),
            until: Some("Tue 14:00".into()),
        },
        Reason::AccountSnoozed {
            account: "Contact centre".into(),
            until: None,
        },
        Reason::AgentAcknowledged,
        Reason::AgentSnoozed {
            until: Some("14:00".into()),
        },
        Reason::AgentSnoozed { until: None },
        Reason::NotificationsOff,
        Reason::SeverityOff {
            severity: Severity::Warning,
        },
        Reason::QuietHours {
            until: "07:00".into(),
            allow: QuietAllow::Critical,
        },
        Reason::QuietHours {
            until: "07:00".into(),
            allow: QuietAllow::None,
        },
        Reason::NeverAlerted,
        Reason::FoldedIntoStorm { count: 9 },
    ];
    for reason in reasons {
        assert_reads_as_a_sentence(&reason.to_string());
    }
    assert_eq!(
        Reason::Blip {
            state: "FAILED".into(),
            polls: 2,
            then: "RUNNING".into()
        }
        .to_string(),
        "The change to FAILED lasted only 2 polls (then RUNNING), too short to be confirmed, so it was a blip."
    );
}

#[test]
fn notifications_off_silences_everything_with_a_reason() {
    let mut run = Run::new(
        AlertSettings::default(),
        NotificationSettings {
            enabled: false,
            ..Default::default()
        },
    );
    for step in [S::Poll(R), S::Poll(F), S::Poll(F)] {
        run.step(step);
    }
    assert!(run.notified().is_empty());
    assert_eq!(
        run.decisions.last().unwrap().explanation(),
        "Notifications are turned off in the settings."
    );
}

#[test]
fn snooze_times_beyond_today_name_the_day() {
    let now = START;
    assert_eq!(times::time_label(now + Duration::hours(2), now), "14:00");
    assert_eq!(times::time_label(now + Duration::days(1), now), "Tue 12:00");
    assert_eq!(
        times::time_label(now + Duration::days(9), now),
        "2025-03-19 12:00"
    );
}

#[test]
fn quiet_hours_follow_days_and_cross_midnight() {
    let q = |days: &[Day], start: &str, end: &str| QuietHours {
        days: days.to_vec(),
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
        allow: QuietAllow::Critical,
    };
    // 2025-03-10 is a Monday.
    let table = [
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-10 21:59 +01:00),
            false,
        ),
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-10 22:00 +01:00),
            true,
        ),
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-11 06:59 +01:00),
            true,
        ),
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-11 07:00 +01:00),
            false,
        ),
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-11 23:00 +01:00),
            false,
        ),
        (
            q(&[Day::Mon], "22:00", "07:00"),
            datetime!(2025-03-10 03:00 +01:00),
            false,
        ),
        (
            q(&[Day::Sun], "22:00", "07:00"),
            datetime!(2025-03-10 03:00 +01:00),
            true,
        ),
        (
            q(&[Day::Sat, Day::Sun], "12:00", "14:00"),
            datetime!(2025-03-16 13:00 +01:00),
            true,
        ),
        (
            q(&[Day::Sat, Day::Sun], "12:00", "14:00"),
            datetime!(2025-03-16 14:00 +01:00),
            false,
        ),
        (
            q(&[Day::Sat], "00:00", "00:00"),
            datetime!(2025-03-15 23:59 +01:00),
            true,
        ),
        (
            q(&[Day::Sat], "00:00", "00:00"),
            datetime!(2025-03-16 00:00 +01:00),
            false,
        ),
    ];
    for (i, (quiet, at, expected)) in table.iter().enumerate() {
        assert_eq!(quiet.is_quiet(*at), *expected, "row {i}: {at}");
    }
    assert!(q(&[Day::Mon], "22:00", "07:00").lets_through(Severity::Critical));
    assert!(!q(&[Day::Mon], "22:00", "07:00").lets_through(Severity::Warning));
}

#[derive(serde::Deserialize)]
struct File {
    alerts: AlertSettings,
}

fn parse(text: &str) -> Result<AlertSettings, String> {
    toml::from_str::<File>(text)
        .map(|f| f.alerts)
        .map_err(|e| e.to_string())
}

#[test]
fn the_documented_settings_parse_and_round_trip() {
    let text = r#"
[alerts]
confirm_worse_polls = 2
confirm_better_polls = 1
flap_changes = 5
flap_window_mins = 10
remind_every_mins = 30
storm_threshold = 5
[alerts.confirm_polls]
critical = 1
[alerts.quiet_hours]
days = ["mon", "tue", "wed", "thu", "friday"]
start = "22:00"
end = "07:00"
allow = "critical"
[alerts.accounts.cc-main]
confirm_worse_polls = 3
"#;
    let s = parse(text).unwrap();
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(s.confirm_polls_for("cc-main", Severity::Warning, true), 3);
    assert_eq!(s.confirm_polls_for("other", Severity::Warning, true), 2);
    assert_eq!(s.confirm_polls_for("other", Severity::Critical, true), 1);
    assert_eq!(s.confirm_polls_for("other", Severity::Ok, false), 1);
    let quiet = s.quiet_hours.as_ref().unwrap();
    assert_eq!(quiet.days.len(), 5);
    assert_eq!(quiet.start.to_string(), "22:00");
    let written = toml::to_string(&File2 { alerts: s.clone() }).unwrap();
    assert_eq!(parse(&written).unwrap(), s, "{written}");
    assert_eq!(parse("[alerts]\n").unwrap(), AlertSettings::default());
}

#[derive(serde::Serialize)]
struct File2 {
    alerts: AlertSettings,
}

#[test]
fn bad_settings_are_refused_with_clear_messages() {
    let err = parse("[alerts]\nremind_every = 5\n").unwrap_err();
    assert!(err.contains("remind_every"), "{err}");
    let err = parse("[alerts.quiet_hours]\nstart = \"25:00\"\n").unwrap_err();
    assert!(err.contains("\"25:00\" is not a time of day"), "{err}");
    let err = parse("[alerts.quiet_hours]\ndays = [\"mo\"]\n").unwrap_err();
    assert!(err.contains("mo"), "{err}");
    let err = parse("[alerts.quiet_hours]\nallow = \"warning\"\n").unwrap_err();
    assert!(err.contains("warning"), "{err}");

    let table: [(&str, &str); 5] = [
        ("[alerts]\nconfirm_worse_polls = 0\n", "confirm_worse_polls"),
        (
            "[alerts.confirm_polls]\ncritical = 50\n",
            "confirm_polls.critical",
        ),
        (
            "[alerts.accounts.cc]\nconfirm_better_polls = 0\n",
            "accounts.cc.confirm_better_polls",
        ),
        ("[alerts]\nflap_window_mins = 0\n", "flap_window_mins"),
        ("[alerts.quiet_hours]\ndays = []\n", "quiet_hours.days"),
    ];
    for (text, key) in table {
        let (got, message) = parse(text).unwrap().validate().unwrap_err();
        assert_eq!(got, key, "{text}");
        assert!(!message.is_empty());
    }
    let off = parse("[alerts]\nflap_changes = 0\nflap_window_mins = 0\n").unwrap();
    assert_eq!(
        off.validate(),
        Ok(()),
        "a window is not needed when flapping is off"
    );
}

#[test]
fn decisions_and_snoozes_serialise_for_the_ui() {
    let mut run = Run::new(AlertSettings::default(), NotificationSettings::default());
    for step in [
        S::Poll(RR),
        S::Poll(FR),
        S::SnoozeAgent("A2", Until::Mins(5)),
        S::Poll(FR),
        S::Down,
    ] {
        run.step(step);
    }
    let json = serde_json::to_value(&run.decisions).unwrap();
    assert_eq!(json[0]["kind"]["type"], "pending");
    assert_eq!(json[0]["outcome"]["outcome"], "quiet");
    assert_eq!(json[0]["outcome"]["detail"]["reason"], "pending");
    assert_eq!(json[1]["kind"]["event"]["kind"], "changed");
    assert_eq!(json[1]["outcome"]["detail"]["summary"], "A1: FAILED");
    let snoozes = serde_json::to_value(run.policy.snoozes(run.now)).unwrap();
    assert_eq!(snoozes[0]["target"]["scope"], "agent");
    assert_eq!(snoozes[0]["target"]["agent_id"], "A2");
    assert_eq!(snoozes[0]["until"]["until"], "at");
    assert!(snoozes[0]["until"]["at_ms"].is_i64());
}

/// (summary, sound) of every notification sent, in order.
fn sounded(run: &Run) -> Vec<(String, Option<String>)> {
    run.decisions
        .iter()
        .filter_map(|d| d.notification())
        .map(|n| (n.summary.clone(), n.sound.as_ref().map(|s| s.to_string())))
        .collect()
}

fn alarm_on_critical(repeat_critical: bool) -> NotificationSettings {
    NotificationSettings {
        sounds: crate::sounds::SoundSettings {
            critical: Some(crate::sounds::Sound::parse("alarm-clock-elapsed")),
            repeat_critical,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn a_critical_change_sounds_and_a_severity_without_a_sound_is_silent() {
    let mut run = Run::new(AlertSettings::default(), alarm_on_critical(false));
    for step in [
        S::Poll(R),
        S::Poll(F),
        S::Poll(F),
        S::Poll(STOP),
        S::Poll(STOP),
    ] {
        run.step(step);
    }
    let alarm = Some("alarm-clock-elapsed".to_string());
    assert_eq!(
        sounded(&run),
        vec![
            ("A1: FAILED".to_string(), alarm),
            // STOPPED is a warning, which has no sound.
            ("A1: STOPPED".to_string(), None),
        ]
    );
}

#[test]
fn reminders_sound_again_only_with_repeat_critical() {
    let steps = [
        S::Poll(R),
        S::Poll(F),
        S::Poll(F),
        S::Wait(31 * 60),
        S::Tick,
    ];
    let alarm = Some("alarm-clock-elapsed".to_string());
    for (repeat, reminder_sound) in [(false, None), (true, alarm.clone())] {
        let mut run = Run::new(AlertSettings::default(), alarm_on_critical(repeat));
        for step in steps {
            run.step(step);
        }
        assert_eq!(
            sounded(&run),
            vec![
                ("A1: FAILED".to_string(), alarm.clone()),
                ("A1: still FAILED".to_string(), reminder_sound),
            ],
            "repeat_critical = {repeat}"
        );
    }
    // Acknowledged: no reminder at all, so nothing sounds until it changes again.
    let mut run = Run::new(AlertSettings::default(), alarm_on_critical(true));
    for step in [
        S::Poll(R),
        S::Poll(F),
        S::Poll(F),
        S::SnoozeAgent("A1", Until::Recovery),
        S::Wait(31 * 60),
        S::Tick,
    ] {
        run.step(step);
    }
    assert_eq!(sounded(&run), vec![("A1: FAILED".to_string(), alarm)]);
}

#[test]
fn a_storm_summary_sounds_like_the_most_severe_notification_it_stands_for() {
    let settings = AlertSettings {
        storm_threshold: 2,
        ..Default::default()
    };
    let mut notifications = alarm_on_critical(false);
    notifications.sounds.warning = Some(crate::sounds::Sound::parse("dialog-warning"));
    let mut run = Run::new(settings.clone(), notifications);
    let base: &'static [(&str, &str)] = &[("1", "idle"), ("2", "idle"), ("3", "idle")];
    let storm: &'static [(&str, &str)] = &[("1", "signed out"), ("2", "FAILED"), ("3", "busy")];
    for step in [S::Poll(base), S::Poll(storm), S::Poll(storm)] {
        run.step(step);
    }
    let summary = run.decisions.last().unwrap().notification().unwrap();
    assert_eq!(
        summary.sound.as_ref().map(|s| s.to_string()).as_deref(),
        Some("alarm-clock-elapsed"),
        "{}",
        summary.summary
    );
    // The same storm with nothing that sounds is a silent summary.
    let mut run = Run::new(settings, NotificationSettings::default());
    for step in [S::Poll(base), S::Poll(storm), S::Poll(storm)] {
        run.step(step);
    }
    let summary = run.decisions.last().unwrap().notification().unwrap();
    assert!(
        summary.summary.starts_with("3 agents changed"),
        "{}",
        summary.summary
    );
    assert_eq!(summary.sound, None);
}

#[test]
fn time_alone_crosses_a_limit_which_is_confirmed_reminded_and_ended_by_leaving() {
    const IDLE: &[(&str, &str)] = &[("A1", "idle")];
    const BUSY: &[(&str, &str)] = &[("A1", "busy")];
    let settings = AlertSettings {
        remind_every_mins: 10,
        ..AlertSettings::default()
    };
    let mut run = Run::new(settings, NotificationSettings::default());
    run.limits = crate::time_limits::TimeLimits::from([(
        "busy".to_string(),
        crate::time_limits::TimeLimit::secs(Some(60), Some(120)),
    )]);
    // Baseline idle, then busy from the second poll on: nothing but time passes.
    run.step(S::Poll(IDLE));
    for _ in 0..12 {
        run.step(S::Poll(BUSY));
    }
    let limit_changes: Vec<_> = run
        .decisions
        .iter()
        .filter(|d| matches!(&d.kind, DecisionKind::Changed { event, .. } if matches!(event.kind, EventKind::OverLimit { .. })))
        .map(|d| (d.severity, d.notification().map(|n| n.body.clone())))
        .collect();
    assert_eq!(
        limit_changes,
        vec![
            (
                Severity::Warning,
                Some("Agora Conversational AI · AI agents · busy for 1 min, limit 1 min".into())
            ),
            (
                Severity::Critical,
                Some("Agora Conversational AI · AI agents · busy for 2 min, limit 2 min".into())
            ),
        ],
        "{:#?}",
        run.decisions
    );
    // Each change for the worse was pending for a poll first: to busy, past 1 min, past 2 min.
    let pending = run
        .decisions
        .iter()
        .filter(|d| matches!(d.kind, DecisionKind::Pending { .. }))
        .count();
    assert_eq!(pending, 3);
    // Staying busy made nothing more; ten minutes on, a reminder tells the whole time busy.
    let before = run.decisions.len();
    run.step(S::Poll(BUSY));
    assert_eq!(run.decisions.len(), before, "staying is not a change");
    run.step(S::Wait(600));
    run.step(S::Tick);
    run.step(S::Poll(IDLE));
    let notified = run.notified();
    let tail: Vec<&str> = notified
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["A1: busy for 13 min", "A1: idle"], "{notified:?}");
    let recovery = run.decisions.last().unwrap().notification().unwrap();
    assert!(
        recovery.body.ends_with("back to ok after 13 min in busy"),
        "{recovery:?}"
    );
}

#[test]
fn a_maintenance_window_records_changes_and_outages_but_notifies_none() {
    use crate::maintenance::{MaintenanceTarget, MaintenanceWindow};
    let mut run = Run::new(AlertSettings::default(), NotificationSettings::default());
    // Mondays 12:00-13:00 (START is Monday 12:00).
    let window = [MaintenanceWindow::weekly(
        &[Day::Mon],
        "12:00".parse().unwrap(),
        "13:00".parse().unwrap(),
    )];
    run.policy.set_maintenance_schedules([("ai", &window[..])]);
    for step in [
        S::Poll(R),
        S::Poll(F),
        S::Poll(F),
        S::Down,
        S::Down,
        S::Down,
    ] {
        run.step(step);
    }
    assert!(run.notified().is_empty(), "{:?}", run.notified());
    let confirmed: Vec<_> = run
        .decisions
        .iter()
        .filter(|d| d.confirmed_event().is_some())
        .collect();
    assert_eq!(
        confirmed.len(),
        2,
        "the failure and the outage are recorded"
    );
    for d in confirmed {
        assert_eq!(
            d.explanation(),
            "The account AI agents is in maintenance until 13:00: recorded, not notified."
        );
    }
    assert_eq!(run.policy.maintenance(run.now)[0].until, "13:00");

    // Ended by hand: the next failure is told again.
    run.policy
        .end_maintenance(&MaintenanceTarget::account("ai"), run.now);
    for step in [S::Poll(R), S::Poll(R), S::Poll(F), S::Poll(F)] {
        run.step(step);
    }
    assert_eq!(run.notified().len(), 1, "{:?}", run.explanations());

    // A window of one agent started at run time silences that agent only.
    let until = run.now + Duration::hours(2);
    run.policy.start_maintenance(
        MaintenanceTarget {
            account_id: "ai".into(),
            agent_id: Some("A1".into()),
        },
        until,
    );
    let expected = format!(
        "This agent is in maintenance until {:02}:{:02}: recorded, not notified.",
        until.hour(),
        until.minute()
    );
    run.decisions.clear();
    for step in [S::Poll(R), S::Poll(R)] {
        run.step(step);
    }
    let quiet: Vec<_> = run
        .decisions
        .iter()
        .filter_map(|d| d.reason().map(|r| r.to_string()))
        .collect();
    assert!(quiet.contains(&expected), "{quiet:?}");
}

/// A skill queue through the whole policy, with a fake clock: its figures move every poll,
/// but only a change of level is a change; it is confirmed, notified in its own words, reminded
/// with today's figures while critical, acknowledged, held back in maintenance, folded into a
/// storm, and its recovery told.
#[test]
fn a_queue_goes_through_the_policy_like_an_agent_and_changes_with_its_level() {
    use crate::count_limit::CountLimit;
    use crate::maintenance::MaintenanceTarget;
    use crate::queues::{QueueSettings, SkillStats};
    use crate::time_limits::TimeLimit;
    let thresholds = QueueSettings {
        waiting: Some(CountLimit::new(Some(1), Some(5))),
        longest_wait: Some(TimeLimit::secs(Some(60), Some(180))),
        ..QueueSettings::default()
    };
    let queue = |skill: &str, waiting: u64, longest: u64, free: u64| {
        thresholds.observe(SkillStats {
            skill_id: skill.into(),
            name: Some(format!("q{skill}")),
            waiting: Some(waiting),
            longest_wait_secs: Some(longest),
            available: Some(free),
            logged_on: Some(2),
        })
    };
    let mut run = Run::new(AlertSettings::default(), NotificationSettings::default());
    run.account = AccountRef::new("cc", "Contact centre", Vendor::Huawei);
    let poll = |run: &mut Run, seen: Vec<Observation>| {
        run.now += Duration::seconds(POLL_SECS);
        let snapshot = crate::model::snapshot_from(seen);
        let decisions = run
            .policy
            .on_poll(run.now, &run.account, PollOutcome::Ok(&snapshot));
        for d in &decisions {
            assert_reads_as_a_sentence(&d.explanation());
        }
        run.decisions.extend(decisions);
    };

    poll(&mut run, vec![queue("2", 0, 0, 2)]);
    poll(&mut run, vec![queue("2", 0, 0, 1)]);
    assert!(
        run.decisions.is_empty(),
        "figures alone: {:?}",
        run.explanations()
    );
    poll(&mut run, vec![queue("2", 1, 10, 1)]);
    assert!(
        run.notified().is_empty(),
        "a worse level is confirmed first"
    );
    assert!(
        run.explanations()[0].contains("is not confirmed yet"),
        "{:?}",
        run.explanations()
    );
    poll(&mut run, vec![queue("2", 2, 25, 1)]);
    poll(&mut run, vec![queue("2", 3, 40, 1)]);
    assert_eq!(
        run.notified(),
        ["Queue q2: 2 waiting for 25 s, 1 of 2 free"]
    );
    poll(&mut run, vec![queue("2", 4, 200, 0)]);
    poll(&mut run, vec![queue("2", 4, 215, 0)]);
    assert_eq!(
        run.notified().last().unwrap(),
        "Queue q2: 4 waiting for 3 min 35 s, no agent free"
    );
    let critical = run.decisions.last().unwrap();
    assert_eq!(
        (critical.agent_id.as_deref(), critical.severity),
        (Some("queue:2"), Severity::Critical)
    );

    // Still critical half an hour on: a reminder with the latest figures, not the first ones.
    for _ in 0..4 {
        poll(&mut run, vec![queue("2", 6, 400, 0)]);
    }
    run.now += Duration::minutes(30);
    run.step(S::Tick);
    assert_eq!(
        run.notified().last().unwrap(),
        "Queue q2: still 6 waiting for 6 min 40 s, no agent free"
    );

    // Acknowledged: no more reminders, and its recovery is told once.
    run.policy
        .snooze_agent(AgentKey::new("cc", "queue:2"), SnoozeUntil::Recovery);
    let told = run.notified().len();
    run.now += Duration::minutes(31);
    run.step(S::Tick);
    assert_eq!(run.notified().len(), told, "acknowledged");
    poll(&mut run, vec![queue("2", 0, 0, 2)]);
    assert!(
        run.notified()
            .last()
            .unwrap()
            .starts_with("Queue q2: 0 waiting"),
        "{:?}",
        run.notified()
    );

    // In maintenance: recorded, not notified.
    run.policy.start_maintenance(
        MaintenanceTarget {
            account_id: "cc".into(),
            agent_id: Some("queue:2".into()),
        },
        run.now + Duration::hours(1),
    );
    run.decisions.clear();
    poll(&mut run, vec![queue("2", 9, 300, 0)]);
    poll(&mut run, vec![queue("2", 9, 315, 0)]);
    assert!(run.notified().is_empty(), "{:?}", run.explanations());
    assert!(run.decisions.iter().any(|d| d.confirmed_event().is_some()));

    // Many queues at once: one storm summary counting them by level.
    run.policy
        .end_maintenance(&MaintenanceTarget::account("cc"), run.now);
    run.policy.set_settings(
        AlertSettings {
            storm_threshold: 2,
            confirm_worse_polls: 1,
            ..AlertSettings::default()
        },
        NotificationSettings::default(),
    );
    let calm: Vec<Observation> = (3..7).map(|s| queue(&s.to_string(), 0, 0, 2)).collect();
    poll(&mut run, calm);
    run.decisions.clear();
    let busy: Vec<Observation> = (3..7).map(|s| queue(&s.to_string(), 7, 30, 1)).collect();
    poll(&mut run, busy);
    assert_eq!(
        run.notified(),
        ["4 queues and team counts changed in Contact centre: 4 critical queue"]
    );
}
