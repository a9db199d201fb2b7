//! One task per account: poll, detect changes, publish events and status, wait, repeat.
//!
//! The wait is the poll interval with a little jitter (so accounts do not poll in lock-step),
//! exponential back-off while the account fails, and never shorter than the server's
//! `Retry-After`. A poll-now request or cancellation cuts the wait short.

use crate::alerts::PollReport;
use crate::board::Board;
use crate::clock::now_ms;
use crate::config::AccountConfig;
use crate::detector::{diff, DiffRules};
use crate::error::{Error, ErrorKind, ErrorReport, Result};
use crate::events::{Event, EventKind};
use crate::model::{one_per_agent, snapshot_from, Observation, Severity, Snapshot, Vendor};
use crate::policy::AccountRef;
use crate::running_accounts::{Ask, RunningPoll};
use crate::secrets::SecretSource;
use crate::sleep_watch::SleepWatch;
use crate::time_limits::StateClock;
use crate::vendors::{
    apply_severity_overrides, build_client, override_for, ClientContext, Listed, Listing,
    PollAnswer, PollTrigger, VendorClient,
};
use crate::watched::WatchedAgents;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch, Notify};
use tokio_util::sync::CancellationToken;

pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// A server asking for more than this is not taken at its word.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
const JITTER_FRACTION: f64 = 0.1;
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);

/// Builds an account's client: secret from the store, HTTP client with its CA file and proxy
/// (the proxy password is read only when the proxy URL names a user).
pub async fn connect(
    account: &AccountConfig,
    secrets: &dyn SecretSource,
) -> Result<Arc<dyn VendorClient>> {
    // An account whose vendor needs no secret (an open API) is not held up by a missing one.
    let secret = match account.vendor.module().needs_secret(account) {
        true => secrets.secret(&account.id).await?,
        false => secrecy::SecretString::from(String::new()),
    };
    let names_a_proxy_user = account.proxy_setting().is_ok_and(|p| p.user().is_some());
    let proxy_password = match names_a_proxy_user {
        true => Some(secrets.proxy_secret(&account.id).await?),
        false => None,
    };
    let http = crate::http::client_with_proxy_password(
        &account.client_settings(),
        proxy_password.as_ref(),
    )?;
    build_client(ClientContext {
        account: account.clone(),
        secret,
        http,
    })
}

/// One poll through a client, under an overall time limit, with each agent once, the
/// account's severity overrides and agent names (`names`) applied, and its team's counts
/// (`[accounts.team]`) added as an item. Every poll (engine and `check`) comes through here.
pub async fn poll_with_overrides(
    account: &AccountConfig,
    client: &dyn VendorClient,
) -> Result<PollAnswer> {
    let answer = tokio::time::timeout(cycle_limit(account), client.poll_answer())
        .await
        .map_err(|_| {
            Error::poll(
                ErrorKind::Timeout,
                format!(
                    "the poll did not finish within {} s",
                    cycle_limit(account).as_secs()
                ),
            )
        })??;
    let mut one = one_per_agent(answer.observations);
    if let Some(repeated) = &one.first_repeated {
        // Once per poll, not once per copy: a broken server can repeat every agent.
        tracing::warn!(
            account = %account.id,
            duplicates = one.dropped,
            "the answer listed the same agent id more than once (first {repeated:?}); each agent is kept once"
        );
    }
    // A watched agent the vendor does not list is shown, not left out.
    crate::watched::add_not_listed(account, &mut one.observations);
    let mut renamed = 0;
    for obs in &mut one.observations {
        renamed += usize::from(crate::items::rename_reserved(obs));
        // The severity overrides are about agents' states; a queue's level is its thresholds'.
        if !obs.is_item() {
            apply_severity_overrides(&account.severity, obs);
        }
        crate::names::apply(&account.labels, obs);
    }
    if renamed > 0 {
        tracing::warn!(
            account = %account.id,
            renamed,
            "agent ids that AgentWatch uses for queues and team counts (\"team\", \"queue:…\") are shown as \"agent:<id>\""
        );
    }
    // The team's counts cover the agents just polled (the watched ones, or every one).
    if let Some(limits) = &account.team {
        let team = limits.observe(&one.observations);
        one.observations.push(team);
    }
    Ok(PollAnswer {
        observations: one.observations,
        skipped_entries: answer.skipped_entries,
    })
}

/// What a failed poll tells those who asked for it.
fn failed(err: &Error) -> RunningPoll {
    RunningPoll {
        outcome: Err(ErrorReport::from(err)),
        skipped_entries: 0,
    }
}

/// A whole poll may make many requests (one per Huawei agent, pages for Agora): allow it more
/// than one request's time limit, but not forever.
fn cycle_limit(account: &AccountConfig) -> Duration {
    (account.timeout() * 6).max(Duration::from_secs(30))
}

/// The wait before the next poll.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    if failures == 0 {
        return interval.mul_f64(1.0 + JITTER_FRACTION * jitter.clamp(0.0, 1.0));
    }
    let exponent = (failures - 1).min(16);
    let backoff = interval
        .saturating_mul(1u32 << exponent)
        .min(MAX_BACKOFF.max(interval));
    match retry_after {
        Some(wait) => backoff.max(wait.min(MAX_RETRY_AFTER)),
        None => backoff,
    }
}

/// How one poll went: which account, how long it took and how it ended. Published for every
/// poll (the engine's `polls()`), for the figures `agentwatch serve` exposes.
#[derive(Debug, Clone, PartialEq)]
pub struct PollRecord {
    pub vendor: Vendor,
    pub account_id: String,
    pub duration: Duration,
    /// `None` for a poll that got an answer; the kind of failure otherwise.
    pub error: Option<ErrorKind>,
}

pub(crate) struct Poller {
    pub account: AccountConfig,
    pub interval: Duration,
    pub secrets: Arc<dyn SecretSource>,
    pub board: Arc<Board>,
    pub events: broadcast::Sender<Event>,
    pub polls: broadcast::Sender<PollRecord>,
    /// Every poll goes to the alert policy, changed or not: confirmation counts polls.
    pub reports: tokio::sync::mpsc::UnboundedSender<PollReport>,
    /// Tells whether the machine slept; `resumes` wakes after each sleep.
    pub sleep: Arc<SleepWatch>,
    pub resumes: watch::Receiver<u64>,
    /// The history file, read once at the first poll for when agents entered their states.
    pub history: Option<std::path::PathBuf>,
    /// Questions from *Test connection* and the pickers, answered between polls through this
    /// poller's client (`running_accounts`).
    pub asks: tokio::sync::mpsc::UnboundedReceiver<Ask>,
}

/// After a sleep the network takes a while to come back (Wi-Fi, VPN): connection failures in
/// this time are retried, not counted.
pub const RESUME_GRACE: Duration = Duration::from_secs(60);
/// How soon a poll is tried again within the grace period.
const RESUME_RETRY: Duration = Duration::from_secs(2);

#[derive(Default)]
struct PollerState {
    client: Option<Arc<dyn VendorClient>>,
    last: Option<Snapshot>,
    /// When each agent entered its state; made at the first poll (it reads the history).
    clock: Option<StateClock>,
    failures: u32,
    down_since_ms: Option<i64>,
    /// Set on resume; cleared by the first poll that gets through.
    grace_until: Option<tokio::time::Instant>,
    /// Which watched agents were listed, to show one that left as gone, not "not found".
    watched: WatchedAgents,
}

impl PollerState {
    fn in_grace(&self) -> bool {
        self.grace_until
            .is_some_and(|until| tokio::time::Instant::now() < until)
    }
}

/// How one cycle ended.
enum Cycle {
    Polled,
    Failed(Error),
    /// Failed at connection level within the grace after a sleep: not counted.
    Deferred,
}

impl Poller {
    pub async fn run(mut self, cancel: CancellationToken, wake: Arc<Notify>) {
        let mut state = PollerState::default();
        // Who asked for a poll (*Test connection*) and waits for what it sees.
        let mut askers: Vec<tokio::sync::oneshot::Sender<RunningPoll>> = Vec::new();
        'polls: loop {
            let answer_wanted = !askers.is_empty();
            let (cycle, answer) = tokio::select! {
                ended = self.cycle(&mut state, &wake, answer_wanted) => ended,
                _ = cancel.cancelled() => break,
            };
            if let Some(answer) = answer {
                for asker in askers.drain(..) {
                    let _ = asker.send(answer.clone());
                }
            }
            let delay = match cycle {
                Cycle::Polled => next_delay(self.interval, 0, None, rand::random::<f64>()),
                Cycle::Deferred => RESUME_RETRY,
                // Unlocking is the user's move, not the server's: look again at the normal pace.
                Cycle::Failed(e) if e.kind() == ErrorKind::KeyringLocked => self.interval,
                Cycle::Failed(e) => next_delay(
                    self.interval,
                    state.failures,
                    e.retry_after(),
                    rand::random::<f64>(),
                ),
            };
            let until = tokio::time::Instant::now() + delay;
            // The wait: a listing is answered within it, a poll asked for ends it.
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    _ = wake.notified() => break,
                    Ok(()) = self.resumes.changed() => {
                        self.after_sleep(&mut state).await;
                        break;
                    }
                    Some(ask) = self.asks.recv() => match ask {
                        Ask::Poll(asker) => {
                            askers.push(asker);
                            break;
                        }
                        Ask::List(what, asker) => tokio::select! {
                            listed = self.list(&mut state, what, &wake) => {
                                let _ = asker.send(listed);
                            }
                            _ = cancel.cancelled() => break 'polls,
                        },
                    },
                    _ = cancel.cancelled() => break 'polls,
                }
            }
        }
        if let Some(client) = state.client.take() {
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, client.shutdown()).await;
        }
    }

    /// Renews the session (a vendor session rarely survives a sleep, and a stale one costs a
    /// failed call first) and opens the grace period; the caller polls at once.
    async fn after_sleep(&self, state: &mut PollerState) {
        state.grace_until = Some(tokio::time::Instant::now() + RESUME_GRACE);
        state.failures = 0;
        if let Some(old) = state.client.take() {
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, old.shutdown()).await;
        }
    }

    /// True when the machine has just woken (and the wake-up is now handled): a failure
    /// seen before the periodic check noticed the sleep is then not counted either.
    async fn woke_just_now(&mut self, state: &mut PollerState) -> bool {
        self.sleep.check();
        if !self.resumes.has_changed().unwrap_or(false) {
            return false;
        }
        self.resumes.mark_unchanged();
        self.after_sleep(state).await;
        true
    }

    /// One poll and what follows from it; with `answer_wanted`, also what it saw, for those
    /// who asked for it.
    async fn cycle(
        &mut self,
        state: &mut PollerState,
        wake: &Arc<Notify>,
        answer_wanted: bool,
    ) -> (Cycle, Option<RunningPoll>) {
        let started = tokio::time::Instant::now();
        let outcome = self.poll(state, wake).await;
        let record = PollRecord {
            vendor: self.account.vendor,
            account_id: self.account.id.clone(),
            duration: started.elapsed(),
            error: outcome.as_ref().err().map(Error::kind),
        };
        let now = now_ms();
        let cycle = match outcome {
            Ok(mut answer) => {
                state.grace_until = None;
                let skipped = answer.skipped_entries;
                let clock = match state.clock.as_mut() {
                    Some(clock) => clock,
                    None => state.clock.insert(self.start_clock().await),
                };
                clock.stamp(&mut answer.observations, &self.account.time_limits, now);
                let vanished = self.diff_rules(state).vanished;
                let gone = state
                    .watched
                    .settle(&mut answer.observations, vanished, now);
                let snapshot = snapshot_from(answer.observations);
                let seen = answer_wanted.then(|| RunningPoll {
                    outcome: Ok(snapshot.values().chain(&gone).cloned().collect()),
                    skipped_entries: skipped,
                });
                self.on_success(state, snapshot, &gone, skipped, now);
                (Cycle::Polled, seen)
            }
            Err(err)
                if err.kind().is_connection_level()
                    && (state.in_grace() || self.woke_just_now(state).await) =>
            {
                tracing::info!(account = %self.account.id, "no network yet after the sleep, trying again: {err}");
                (Cycle::Deferred, answer_wanted.then(|| failed(&err)))
            }
            Err(err) => {
                self.on_failure(state, &err, now);
                let seen = answer_wanted.then(|| failed(&err));
                (Cycle::Failed(err), seen)
            }
        };
        // Sent once the board and the events say what this poll saw, so that whoever reads the
        // record finds them. No subscriber is fine: `serve` keeps these figures.
        let _ = self.polls.send(record);
        cycle
    }

    /// The account's client, connected first when there is none. `wake` is this poller's
    /// poll-now signal: the client may use it for news between polls.
    async fn client(
        &self,
        state: &mut PollerState,
        wake: &Arc<Notify>,
    ) -> Result<Arc<dyn VendorClient>> {
        if let Some(client) = &state.client {
            return Ok(client.clone());
        }
        let client = connect(&self.account, self.secrets.as_ref()).await?;
        client.set_poll_trigger(PollTrigger::new(wake.clone()));
        state.client = Some(client.clone());
        Ok(client)
    }

    /// Lists through this poller's client (connecting it when it has none: that session is
    /// then the engine's own, kept for the polls).
    async fn list(
        &self,
        state: &mut PollerState,
        what: Listing,
        wake: &Arc<Notify>,
    ) -> Option<Result<Vec<Listed>>> {
        let client = match self.client(state, wake).await {
            Ok(client) => client,
            Err(e) => return Some(Err(e)),
        };
        let limit = cycle_limit(&self.account);
        match tokio::time::timeout(limit, client.list(what)).await {
            Ok(listed) => listed,
            Err(_) => Some(Err(Error::poll(
                ErrorKind::Timeout,
                format!("the listing did not finish within {} s", limit.as_secs()),
            ))),
        }
    }

    async fn poll(&self, state: &mut PollerState, wake: &Arc<Notify>) -> Result<PollAnswer> {
        let client = self.client(state, wake).await?;
        let result = poll_with_overrides(&self.account, client.as_ref()).await;
        if let Err(e) = &result {
            // Credentials may have been fixed in the keyring since: read them again next time.
            if matches!(e.kind(), ErrorKind::Auth | ErrorKind::Tls) {
                if let Some(old) = state.client.take() {
                    let _ = tokio::time::timeout(SHUTDOWN_LIMIT, old.shutdown()).await;
                }
            }
        }
        result
    }

    /// The account's clock of time in state, with the entry times the history knows (read
    /// only when the account has time limits: otherwise the first poll's time will do).
    async fn start_clock(&self) -> StateClock {
        let Some(path) = self.history.clone() else {
            return StateClock::default();
        };
        if self.account.time_limits.is_empty() {
            return StateClock::default();
        }
        let account_id = self.account.id.clone();
        let read = tokio::task::spawn_blocking(move || {
            crate::history::History::open_existing(&path)?
                .map_or(Ok(Default::default()), |h| h.entered_states(&account_id))
        });
        match read.await {
            Ok(Ok(entries)) => StateClock::with_history(entries),
            Ok(Err(e)) => {
                tracing::warn!(account = %self.account.id, "time in state starts afresh: {e}");
                StateClock::default()
            }
            Err(_) => StateClock::default(),
        }
    }

    fn event(&self, at_ms: i64, severity: Severity, kind: EventKind) -> Event {
        Event {
            at_ms,
            vendor: self.account.vendor,
            account_id: self.account.id.clone(),
            account_name: self.account.display_name().to_string(),
            severity,
            kind,
        }
    }

    /// `gone` are the watched agents that left the answer, shown as gone beside the snapshot.
    fn on_success(
        &self,
        state: &mut PollerState,
        snapshot: Snapshot,
        gone: &[Observation],
        skipped_entries: usize,
        now: i64,
    ) {
        let mut events = Vec::new();
        if let Some(down_since) = state.down_since_ms.take() {
            let down_for_secs = ((now - down_since).max(0) / 1000) as u64;
            events.push(self.event(
                now,
                Severity::Ok,
                EventKind::AccountRecovered { down_for_secs },
            ));
        }
        if let Some(previous) = &state.last {
            let rules = self.diff_rules(state);
            for (severity, kind) in diff(previous, &snapshot, rules) {
                events.push(self.event(now, severity, kind));
            }
        }
        state.failures = 0;
        self.board
            .account_polled(&self.account, &snapshot, gone, skipped_entries, now);
        self.report(state, Ok(snapshot.clone()));
        state.last = Some(snapshot);
        self.publish(events);
    }

    fn on_failure(&self, state: &mut PollerState, err: &Error, now: i64) {
        state.failures = state.failures.saturating_add(1);
        let report = ErrorReport::from(err);
        tracing::warn!(account = %self.account.id, kind = %report.kind, "poll failed: {}", report.message);
        let mut events = Vec::new();
        if state.down_since_ms.is_none() {
            state.down_since_ms = Some(now);
            let stale_agents = state.last.as_ref().map_or(0, |s| s.len());
            events.push(self.event(
                now,
                Severity::Unknown,
                EventKind::AccountUnreachable {
                    error: report.clone(),
                    stale_agents,
                },
            ));
        }
        self.report(state, Err(report.clone()));
        self.board.account_failed(
            &self.account,
            report,
            state.down_since_ms.unwrap_or(now),
            now,
        );
        self.publish(events);
    }

    fn report(&self, state: &PollerState, outcome: std::result::Result<Snapshot, ErrorReport>) {
        let account = AccountRef::new(
            self.account.id.clone(),
            self.account.display_name(),
            self.account.vendor,
        )
        .with_rules(self.diff_rules(state));
        // The alert task ends only at shutdown, when nothing is left to report.
        let _ = self.reports.send(PollReport { account, outcome });
    }

    fn diff_rules(&self, state: &PollerState) -> DiffRules {
        let overrides = &self.account.severity;
        let (vanished, identity_changed) = match &state.client {
            Some(c) => (c.vanished_severity(), c.identity_change_severity()),
            None => (Severity::Warning, Severity::Critical),
        };
        DiffRules {
            vanished: override_for(overrides, "vanished").unwrap_or(vanished),
            identity_changed: override_for(overrides, "identity_changed")
                .unwrap_or(identity_changed),
        }
    }

    fn publish(&self, events: Vec<Event>) {
        for event in events {
            tracing::info!("{}", event.line());
            // No subscriber is fine: the status channel still carries the state.
            let _ = self.events.send(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn success_waits_the_interval_plus_a_little_jitter() {
        assert_eq!(next_delay(S(10), 0, None, 0.0), S(10));
        assert_eq!(next_delay(S(10), 0, None, 1.0), S(11));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_a_cap() {
        assert_eq!(next_delay(S(10), 1, None, 0.5), S(10));
        assert_eq!(next_delay(S(10), 2, None, 0.5), S(20));
        assert_eq!(next_delay(S(10), 4, None, 0.5), S(80));
        assert_eq!(next_delay(S(10), 30, None, 0.5), MAX_BACKOFF);
    }

    #[test]
    fn retry_after_is_honoured_within_reason() {
        assert_eq!(next_delay(S(10), 1, Some(S(45)), 0.5), S(45));
        assert_eq!(next_delay(S(10), 3, Some(S(5)), 0.5), S(40));
        assert_eq!(next_delay(S(10), 1, Some(S(99_999)), 0.5), MAX_RETRY_AFTER);
    }

    #[test]
    fn a_long_interval_is_not_shortened_by_the_backoff_cap() {
        assert_eq!(next_delay(S(600), 3, None, 0.5), S(600));
    }
}
