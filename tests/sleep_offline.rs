//! A real desktop's day for the engine, over real HTTP to the simulators: the network going
//! away for every account at once is one condition told once, and a sleep (a wall-clock jump,
//! as Linux shows a resume) with the network coming back a few seconds after the wake-up
//! sends nothing at all and renews the sessions.
//!
//! "The network is down" is the simulators dropping every connection (`Fault::Reset`): the
//! client sees exactly the connection-level failure an absent network gives.

use agentwatch_core::condition::Condition;
use agentwatch_core::config::{AccountConfig, Config};
use agentwatch_core::policy::{Decision, DecisionKind};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::sleep_watch::JumpingWallClock;
use agentwatch_core::status::AccountHealth;
use agentwatch_core::{Engine, EngineOptions, EventKind, Status, Vendor};
use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig};
use agentwatch_sim::segura::{SeguraSim, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use agentwatch_sim::{Fault, FaultRule, SimServer};
use agentwatch_tests::{account, wait_for, wait_status};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const DEADLINE: Duration = Duration::from_secs(30);

struct Sims {
    agora: AgoraSim,
    segura: SeguraSim,
    _servers: Vec<SimServer>,
    config: Config,
    secrets: Arc<StaticSecrets>,
}

async fn sims() -> Sims {
    let agora = AgoraSim::demo();
    let segura = SeguraSim::demo();
    let agora_server = SimServer::start(agora.router(), 0, None).await.unwrap();
    let segura_server = SimServer::start(segura.router(), 0, None).await.unwrap();
    let defaults = AgoraSimConfig::default();
    let mut ai: AccountConfig = account("ai", Vendor::Agora, &agora_server.base_url());
    ai.set_option("app_id", defaults.app_id.clone());
    ai.set_option("customer_id", defaults.customer_id.clone());
    let mut nc = account("nc", Vendor::Segura, &segura_server.base_url());
    nc.set_option("client_id", DEFAULT_CLIENT_ID.to_string());
    let secrets = StaticSecrets::new()
        .with("ai", &defaults.customer_secret)
        .with("nc", DEFAULT_CLIENT_SECRET);
    Sims {
        agora,
        segura,
        _servers: vec![agora_server, segura_server],
        config: Config {
            poll_interval_secs: 1,
            accounts: vec![ai, nc],
            ..Config::default()
        },
        secrets: Arc::new(secrets),
    }
}

impl Sims {
    fn network_down(&self) {
        self.agora.faults().set(FaultRule::always(Fault::Reset));
        self.segura.faults().set(FaultRule::always(Fault::Reset));
    }

    fn network_back(&self) {
        self.agora.faults().clear();
        self.segura.faults().clear();
    }

    /// Requests the "absent network" has refused so far, on both sides.
    fn refused(&self) -> u64 {
        self.agora.faults().hits().min(self.segura.faults().hits())
    }
}

fn all_ok(s: &Status) -> bool {
    s.accounts.iter().all(|a| a.health == AccountHealth::Ok)
}

fn drain(rx: &mut broadcast::Receiver<Decision>) -> Vec<Decision> {
    let mut out = Vec::new();
    while let Ok(d) = rx.try_recv() {
        out.push(d);
    }
    out
}

/// Whether a decision confirms an outage (`Changed` to unreachable) or a recovery of `account`.
fn confirms(d: &Decision, account: &str, outage: bool) -> bool {
    d.account_id == account
        && matches!(&d.kind, DecisionKind::Changed { event, .. } if matches!(
            (&event.kind, outage),
            (EventKind::AccountUnreachable { .. }, true) | (EventKind::AccountRecovered { .. }, false)
        ))
}

#[tokio::test]
async fn the_network_down_for_every_account_is_told_once_and_its_end_is_quiet() {
    let sims = sims().await;
    let engine = Engine::start(&sims.config, sims.secrets.clone());
    let mut decisions = engine.decisions();
    wait_status(&engine, DEADLINE, "both accounts polled", all_ok).await;

    sims.network_down();
    wait_status(&engine, DEADLINE, "the network condition", |s| {
        s.condition == Some(Condition::NetworkUnavailable)
    })
    .await;
    let mut seen = Vec::new();
    let both_confirmed = wait_for(DEADLINE, || {
        seen.extend(drain(&mut decisions));
        let done = ["ai", "nc"]
            .iter()
            .all(|a| seen.iter().any(|d| confirms(d, a, true)));
        async move { done.then_some(()) }
    })
    .await;
    assert!(
        both_confirmed.is_some(),
        "both outages confirmed: {seen:#?}"
    );
    let status = engine.current();
    assert!(
        status.summary().starts_with("Network unavailable · "),
        "the summary leads with it: {}",
        status.summary()
    );
    let told: Vec<_> = seen.iter().filter_map(Decision::notification).collect();
    assert_eq!(
        told.len(),
        1,
        "one notification for both accounts: {told:#?}"
    );
    assert_eq!(told[0].summary, "Network unavailable");

    sims.network_back();
    wait_status(&engine, DEADLINE, "both accounts back", |s| {
        all_ok(s) && s.condition.is_none()
    })
    .await;
    let mut after = Vec::new();
    let both_recovered = wait_for(DEADLINE, || {
        after.extend(drain(&mut decisions));
        let done = ["ai", "nc"]
            .iter()
            .all(|a| after.iter().any(|d| confirms(d, a, false)));
        async move { done.then_some(()) }
    })
    .await;
    assert!(
        both_recovered.is_some(),
        "both recoveries confirmed: {after:#?}"
    );
    let told: Vec<_> = after.iter().filter_map(Decision::notification).collect();
    assert!(told.is_empty(), "the network's return is quiet: {told:#?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_sleep_with_the_network_back_late_sends_nothing_and_renews_sessions() {
    let sims = sims().await;
    let clock = Arc::new(JumpingWallClock::default());
    let options = EngineOptions {
        wall_clock: Some(clock.clone()),
        ..Default::default()
    };
    let engine = Engine::start_with(&sims.config, sims.secrets.clone(), options);
    let mut decisions = engine.decisions();
    wait_status(&engine, DEADLINE, "both accounts polled", all_ok).await;
    let tokens_before = sims.segura.tokens_issued();

    // The lid closes; ten minutes later the machine wakes where the Wi-Fi is not up yet.
    sims.network_down();
    clock.jump(Duration::from_secs(600));
    let mut unreachable_seen = false;
    let mut status = engine.status();
    // Long enough for several failed polls: without the grace after a sleep, two would
    // confirm both outages (and the network condition) and notify.
    let refused_before = sims.refused();
    let down_long_enough = wait_for(DEADLINE, || {
        let s = status.borrow_and_update().clone();
        unreachable_seen |= s.unreachable_accounts() > 0;
        let enough = sims.refused() >= refused_before + 4;
        async move { enough.then_some(()) }
    })
    .await;
    assert!(down_long_enough.is_some(), "the pollers kept trying");
    sims.network_back();
    wait_status(
        &engine,
        DEADLINE,
        "both accounts polled after the wake-up",
        |s| all_ok(s) && sims.segura.tokens_issued() > tokens_before,
    )
    .await;
    unreachable_seen |= status.borrow_and_update().unreachable_accounts() > 0;

    let seen = drain(&mut decisions);
    let told: Vec<_> = seen.iter().filter_map(Decision::notification).collect();
    assert!(
        told.is_empty(),
        "nothing told because of the sleep: {told:#?}"
    );
    assert!(
        !seen
            .iter()
            .any(|d| confirms(d, "ai", true) || confirms(d, "nc", true)),
        "no outage confirmed: {seen:#?}"
    );
    assert!(!unreachable_seen, "no account was shown unreachable");
    assert!(
        sims.segura.tokens_issued() > tokens_before,
        "the Segura session was renewed after the wake-up"
    );
    engine.shutdown().await;
}
