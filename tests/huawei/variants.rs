//! What real gateways send beyond the documented examples (vendor reference, "What other public
//! clients of these APIs accept"): GBK answers with Chinese text, event polls with no `event`
//! key or an array of events, `result` as `""`, a number or a string, `workNo` as an integer,
//! `msg` instead of `message`. Each comes from the simulator over HTTP; none may cost the
//! account, a false state change or a new sign-in.

use crate::{by_id, quick, sim_with, Gateway};
use agentwatch_core::{ErrorKind, Observation};
use agentwatch_sim::huawei::{
    Charset, EventShape, HuaweiSimConfig, Language, MessageKey, ResultShape, ResultVariant,
    WorkNoType, DEFAULT_WORKNO,
};
use agentwatch_sim::{Fault, FaultRule};
use agentwatch_tests as support;
use std::time::Duration;

const AGENT_MISSING_ZH: &str = "座席不存在";
const WRONG_PASSWORD_ZH: &str = "用户名或密码错误";

/// A Chinese gateway answering in `charset`: the messages arrive as the gateway wrote them.
async fn chinese_text_comes_through(charset: Charset) {
    let config = HuaweiSimConfig {
        charset,
        language: Language::Chinese,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 4, false)])).await;
    let client = gw.client(&["101", "999"]);

    let observations = client.poll().await.expect("the poll succeeds");

    assert_eq!(by_id(&observations, "101").state, "idle", "{charset:?}");
    let missing = by_id(&observations, "999");
    assert_eq!(
        missing.detail.as_deref(),
        Some(AGENT_MISSING_ZH),
        "{charset:?}"
    );
    client.shutdown().await;
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO));

    let wrong = support::client(&gw.account(&["101"]), "not-the-password").unwrap();
    let err = wrong.poll().await.expect_err("the password is wrong");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.to_string().contains(WRONG_PASSWORD_ZH),
        "{charset:?}: {err}"
    );
}

#[tokio::test]
async fn gbk_answers_are_decoded_by_their_charset() {
    chinese_text_comes_through(Charset::Gbk).await;
}

#[tokio::test]
async fn gb2312_and_gb18030_answers_are_decoded_by_their_charset() {
    chinese_text_comes_through(Charset::Gb2312).await;
    chinese_text_comes_through(Charset::Gb18030).await;
}

#[tokio::test]
async fn chinese_text_in_utf8_answers_comes_through() {
    chinese_text_comes_through(Charset::Utf8).await;
}

#[tokio::test]
async fn gbk_bytes_labelled_utf8_are_decoded_lossily_not_rejected() {
    let config = HuaweiSimConfig {
        charset: Charset::GbkLabelledUtf8,
        language: Language::Chinese,
        ..quick()
    };
    let gw = Gateway::start(sim_with(config, &[("101", 7, true)])).await;
    let client = gw.client(&["101", "999"]);

    let observations = client.poll().await.expect("invalid bytes cost no answer");

    assert_eq!(by_id(&observations, "101").state, "talking");
    let missing = by_id(&observations, "999");
    assert_eq!(missing.state, "not found (000-002)");
    let detail = missing.detail.as_deref().unwrap_or_default();
    assert!(detail.contains('\u{FFFD}'), "{detail:?}");
    assert!(!detail.contains(AGENT_MISSING_ZH), "{detail:?}");
    client.shutdown().await;
}

/// Polls once, then lets the heartbeat answer `polls` event polls while agent 150 (not
/// watched) keeps signing in and out, so that events flow. A rejected event answer would back the
/// heartbeat off (1 s, 2 s, 4 s...): `polls` answers within the deadline show each one was
/// taken. Then the watched agent must read as before, on the same sign-in.
async fn the_heartbeat_takes_every_answer(config: HuaweiSimConfig) {
    const POLLS: u64 = 6;
    let label = format!("{config:?}");
    let gw = Gateway::start(sim_with(config, &[("101", 4, false), ("150", 4, false)])).await;
    let client = gw.client(&["101"]);
    let first: Vec<Observation> = client.poll().await.expect("first poll");
    let polls_before = gw.sim.stats().event_polls;

    let state = std::cell::Cell::new(4);
    let kept_up = support::wait_for(Duration::from_secs(8), || {
        state.set(if state.get() == 4 { 2 } else { 4 });
        gw.sim.set_agent("150", state.get(), false);
        async { (gw.sim.stats().event_polls >= polls_before + POLLS).then_some(()) }
    })
    .await;
    assert!(
        kept_up.is_some(),
        "{label}: the heartbeat slowed down (an answer was refused): {:?}",
        gw.sim.stats()
    );

    let again = client.poll().await.expect("the account still polls");
    assert_eq!(again, first, "{label}: no state change");
    let stats = gw.sim.stats();
    assert_eq!(stats.sign_in_attempts, 1, "{label}: no new sign-in");
    assert!(gw.sim.is_signed_in(DEFAULT_WORKNO), "{label}");

    // The sign-out's answer has the same shape: taken as a success, nothing forced.
    client.shutdown().await;
    let stats = gw.sim.stats();
    assert!(!gw.sim.is_signed_in(DEFAULT_WORKNO), "{label}");
    assert_eq!(
        (stats.sign_out_attempts, stats.forced_sign_out_attempts),
        (1, 0),
        "{label}"
    );
}

fn fast_events() -> HuaweiSimConfig {
    HuaweiSimConfig {
        event_hold: Duration::from_millis(50),
        ..quick()
    }
}

#[tokio::test]
async fn an_event_poll_without_an_event_key_is_taken() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        event_shape: EventShape::NoKeyWhenEmpty,
        ..fast_events()
    })
    .await;
}

#[tokio::test]
async fn an_event_poll_with_an_array_of_events_is_taken() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        event_shape: EventShape::Array,
        ..fast_events()
    })
    .await;
}

#[tokio::test]
async fn integer_work_numbers_and_msg_are_taken() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        workno_type: WorkNoType::Integer,
        message_key: MessageKey::Msg,
        ..fast_events()
    })
    .await;
}

#[tokio::test]
async fn an_empty_string_result_is_taken() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        result_variant: ResultVariant::EmptyString,
        ..fast_events()
    })
    .await;
}

#[tokio::test]
async fn a_number_result_is_taken() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        result_variant: ResultVariant::Number,
        ..fast_events()
    })
    .await;
}

#[tokio::test]
async fn a_string_result_is_taken_with_an_array_of_events_in_gbk() {
    the_heartbeat_takes_every_answer(HuaweiSimConfig {
        result_variant: ResultVariant::Text,
        event_shape: EventShape::Array,
        workno_type: WorkNoType::Integer,
        charset: Charset::Gbk,
        language: Language::Chinese,
        ..fast_events()
    })
    .await;
}

/// The yardstick of the tests above: event answers the client cannot read do slow the
/// heartbeat down, so a variant it refused would not keep up.
#[tokio::test]
async fn unreadable_event_answers_back_the_heartbeat_off() {
    let gw = Gateway::start(sim_with(fast_events(), &[("101", 4, false)])).await;
    let client = gw.client(&["101"]);
    client.poll().await.expect("first poll");
    gw.sim
        .faults()
        .set(FaultRule::always(Fault::Truncated).on_path("/agentevent/"));

    // 1 s + 2 s of back-off after the first two: at most three in four seconds (six or more
    // when the answers are taken, as above).
    let too_many = support::wait_for(Duration::from_secs(4), || async {
        (gw.sim.faults().hits() > 3).then_some(())
    })
    .await;
    assert!(too_many.is_none(), "{} hits", gw.sim.faults().hits());
    assert!(gw.sim.faults().hits() >= 1);
    gw.sim.faults().clear();
    client.shutdown().await;
}

/// A status `result` that holds no status (`""`, a number, a string) for every agent fails
/// the account with the reason; it is not mistaken for a state.
#[tokio::test]
async fn status_results_without_a_status_fail_the_account_with_the_reason() {
    for (shape, reason) in [
        (ResultShape::EmptyString, "empty string"),
        (ResultShape::Number, "the number 4"),
        (ResultShape::Text, "the string \"4\""),
    ] {
        let config = HuaweiSimConfig {
            result_shape: shape,
            ..quick()
        };
        let gw = Gateway::start_per_agent(sim_with(config, &[("101", 4, false)])).await;
        let client = gw.client(&["101"]);

        let err = client.poll().await.expect_err("no status, no poll");

        assert_eq!(err.kind(), ErrorKind::Malformed, "{shape:?}: {err}");
        assert!(err.to_string().contains("status of agent 101"), "{err}");
        assert!(err.to_string().contains(reason), "{shape:?}: {err}");
        client.shutdown().await;
    }
}
