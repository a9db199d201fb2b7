//! The documented answers, read exactly (fixtures under `vendors/fixtures/segura_*.json`).

use super::list::{read_list_answer, ListOutcome};
use super::observe::{short_hash, REGISTERED};
use super::read_entries;
use crate::error::ErrorKind;
use crate::model::{Observation, Severity};
use crate::vendors::entry::UNREADABLE_STATE;
use crate::vendors::PollAnswer;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use secrecy::SecretString;

const SEED_LIST: &str = include_str!("../fixtures/segura_list_seed.json");
const NOT_FOUND_404: &str = include_str!("../fixtures/segura_list_404.json");
const REFERER_500: &str = include_str!("../fixtures/segura_list_500_referer.json");
const SEED_FINGERPRINT: &str = "Zk9YalVUVDRaeWh2b0FKb29uWmhESk44VVdqcEZkSE1qSUZKMkREUjlOdz06Um1kSlUyWlRSbkYwVEZCb2ExUjNRenAzUkhkellXMVJhMWQyWldad1NXSnI=";

/// The first 8 hex digits of SHA-256 of the seed fingerprint, computed outside this code:
/// `printf '%s' "$SEED_FINGERPRINT" | sha256sum` gives c5ff6de8b134d5f6...
const SEED_FINGERPRINT_HASH: &str = "c5ff6de8";

fn answer(status: u16, body: &[u8]) -> crate::Result<PollAnswer> {
    let status = StatusCode::from_u16(status).unwrap();
    match read_list_answer(status, &HeaderMap::new(), body)? {
        ListOutcome::Agents(entries) => Ok(read_entries(entries, |_| true)),
        ListOutcome::TokenRefused => panic!("unexpected token refusal"),
    }
}

fn observations(status: u16, body: &str) -> crate::Result<Vec<Observation>> {
    answer(status, body.as_bytes()).map(|a| a.observations)
}

#[test]
fn the_seed_answer_parses_exactly() {
    let seen = observations(200, SEED_LIST).unwrap();
    let hash = SEED_FINGERPRINT_HASH;
    assert_eq!(
        seen,
        vec![Observation {
            agent_id: "1".into(),
            name: Some("Default".into()),
            state: REGISTERED.into(),
            native: REGISTERED.into(),
            severity: Severity::Ok,
            identity: Some(format!("port 30000 · fingerprint {hash}")),
            detail: Some("port 30000".into()),
            time_in_state: None,
            finding: None,
            figures: None,
        }]
    );
}

#[test]
fn the_portuguese_agents_spelling_is_read() {
    let body = SEED_LIST.replace("\"agent\":", "\"agents\":");
    assert_eq!(
        observations(200, &body).unwrap(),
        observations(200, SEED_LIST).unwrap()
    );
}

#[test]
fn integer_ids_and_ports_are_read_as_text() {
    let body = SEED_LIST
        .replace("\"id\": \"1\"", "\"id\": 1")
        .replace("\"port\": \"30000\"", "\"port\": 30000");
    assert_ne!(body, SEED_LIST);
    assert_eq!(
        observations(200, &body).unwrap(),
        observations(200, SEED_LIST).unwrap()
    );
}

#[test]
fn the_documented_404_means_no_agents() {
    assert_eq!(observations(404, NOT_FOUND_404).unwrap(), vec![]);
}

#[test]
fn other_404s_are_http_status_errors() {
    let err = observations(404, "<html><title>404 Not Found</title></html>").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    let other_code = NOT_FOUND_404.replace("1001", "1002");
    assert_eq!(
        observations(404, &other_code).unwrap_err().kind(),
        ErrorKind::HttpStatus
    );
}

#[test]
fn the_documented_500_referer_body_is_a_vendor_error() {
    let err = observations(500, REFERER_500).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    let text = err.to_string();
    assert!(
        text.contains("the instance refused the request: http referer not allowed (1105)"),
        "{text}"
    );
    assert!(text.starts_with("Segura agent list"), "{text}");
}

#[test]
fn an_error_flag_in_a_200_is_a_vendor_error_with_its_message() {
    let body = r#"{"code":200,"response":{"status":200,"message":"","error":false,"error_code":0,
        "mensagem":"Falha interna","erro":true,"cod_erro":1200},"agent":[]}"#;
    let err = observations(200, body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert!(err.to_string().contains("Falha interna (1200)"), "{err}");
}

#[test]
fn a_200_without_a_list_is_malformed_not_empty() {
    let body = r#"{"code":200,"response":{"status":200,"error":false}}"#;
    assert_eq!(
        observations(200, body).unwrap_err().kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn an_entry_with_a_wrong_type_is_that_agent_unknown_and_never_quotes_the_fingerprint() {
    let numeric_fingerprint = SEED_LIST.replace(&format!("\"{SEED_FINGERPRINT}\""), "987654321987");
    let seen = observations(200, &numeric_fingerprint).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].agent_id, "1");
    assert_eq!(seen[0].severity, Severity::Unknown);
    assert_eq!(seen[0].state, UNREADABLE_STATE);
    let detail = seen[0].detail.as_deref().unwrap();
    assert!(
        detail.contains("expected a string, found a number"),
        "{detail}"
    );
    assert!(!detail.contains("987654321987"), "{detail}");
}

#[test]
fn one_bad_entry_does_not_hide_the_others() {
    let body = br#"{"response":{"error":false},"agent":[
        {"id":"1","name":"Default","port":"30000"},
        {"id":["2"],"name":"listed id"},
        {"name":"no id"},
        {"id":"4","name":{"first":"x"}},
        {"id":5,"name":"Edge","port":30005}]}"#;
    let seen = answer(200, body).unwrap();
    let ids: Vec<_> = seen
        .observations
        .iter()
        .map(|o| o.agent_id.as_str())
        .collect();
    assert_eq!(ids, ["1", "4", "5"]);
    assert_eq!(seen.skipped_entries, 2);
    assert_eq!(seen.observations[0].severity, Severity::Ok);
    assert_eq!(seen.observations[1].severity, Severity::Unknown);
    assert_eq!(seen.observations[2].severity, Severity::Ok);
}

#[test]
fn text_that_is_not_utf8_is_decoded_lossily() {
    let mut body = br#"{"response":{"error":false},"agent":[{"id":"1","name":"S"#.to_vec();
    body.extend_from_slice(b"\xe3o Paulo\"},{\"id\":\"2\",\"name\":\"Recife\"}]}");
    let seen = answer(200, &body).unwrap().observations;
    assert_eq!(seen[0].name.as_deref(), Some("S\u{fffd}o Paulo"));
    assert_eq!(seen[0].severity, Severity::Ok);
    assert_eq!(seen[1].name.as_deref(), Some("Recife"));
}

#[test]
fn a_malformed_answer_as_a_whole_still_fails() {
    for body in [
        r#"{"response":{"error":[false]},"agent":[]}"#,
        r#"{"agent":{"id":"1"}}"#,
        r#"{"agent":["#,
    ] {
        let err = observations(200, body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{body}");
        assert!(err.to_string().contains("Segura agent list"), "{err}");
    }
}

#[test]
fn the_three_error_shapes_give_readable_errors() {
    let flat = r#"{"code":500,"message":"Database unavailable","error":true,"error_code":1500}"#;
    let wrapped = r#"{"code":500,"response":{"status":500,"message":"Database unavailable",
        "error":true,"error_code":1500},"tenant":"Segura"}"#;
    let exception = r#"{"code":500,"response":{"status":500,"message":"Internal error",
        "error":true,"error_code":1500},"exception":{"code":1500,"message":"Database unavailable",
        "detail":"connection pool exhausted"}}"#;
    for (body, said) in [
        (flat, "Database unavailable (1500)"),
        (wrapped, "Database unavailable (1500)"),
        (
            exception,
            "Database unavailable: connection pool exhausted (1500)",
        ),
    ] {
        let err = observations(500, body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Vendor, "{body}");
        assert_eq!(
            err.to_string(),
            format!("Segura agent list: the instance reported an error: {said}")
        );
    }
}

#[test]
fn error_flags_sent_as_text_are_read() {
    let body = r#"{"code":500,"response":{"status":500,"message":"Busy","error":"true",
        "error_code":"1300","erro":"true"}}"#;
    let err = observations(500, body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert!(err.to_string().ends_with("Busy (1300)"), "{err}");
    let ok = SEED_LIST
        .replace("\"error\": false", "\"error\": \"false\"")
        .replace("\"erro\": false", "\"erro\": \"false\"");
    assert_ne!(ok, SEED_LIST);
    assert_eq!(
        observations(200, &ok).unwrap(),
        observations(200, SEED_LIST).unwrap()
    );
    let flat_404 = NOT_FOUND_404.replace("\"error\": true", "\"error\": \"true\"");
    assert_ne!(flat_404, NOT_FOUND_404);
    assert_eq!(observations(404, &flat_404).unwrap(), vec![]);
}

#[test]
fn a_missing_fingerprint_or_port_is_shown_not_rejected() {
    let body = r#"{"response":{"error":false},"agent":[{"id":"7","name":"Edge"}]}"#;
    let seen = observations(200, body).unwrap();
    assert_eq!(
        seen[0].identity.as_deref(),
        Some("no port · no fingerprint")
    );
    assert_eq!(seen[0].detail, None);
    assert_eq!(seen[0].severity, Severity::Ok);
}

#[test]
fn the_401_asks_for_a_new_token() {
    let outcome = read_list_answer(StatusCode::UNAUTHORIZED, &HeaderMap::new(), b"{}").unwrap();
    assert!(matches!(outcome, ListOutcome::TokenRefused));
}

#[test]
fn the_short_hash_is_the_start_of_the_sha256() {
    // Expected values from `printf '%s' VALUE | sha256sum`, not from the code under test.
    for (fingerprint, expected) in [
        (SEED_FINGERPRINT, SEED_FINGERPRINT_HASH),
        ("3fa4c2d1", "c46c7c63"),
        ("one fingerprint", "847553cf"),
        ("another fingerprint", "f9c67311"),
    ] {
        assert_eq!(short_hash(&SecretString::from(fingerprint)), expected);
    }
}

#[test]
fn the_short_hash_never_shows_the_fingerprint() {
    let fingerprints = [
        SEED_FINGERPRINT.to_string(),
        "3fa4c2d1".to_string(),
        "a".repeat(64),
        "Zm9vYmFyYmF6cXV4".to_string(),
    ];
    for fingerprint in fingerprints {
        let hash = short_hash(&SecretString::from(fingerprint.clone()));
        assert_eq!(hash.len(), 8);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
        assert_ne!(hash, fingerprint);
        assert!(
            !hash.contains(&fingerprint) && !fingerprint.contains(&hash),
            "{hash}"
        );
    }
}

#[test]
fn observations_carry_no_trace_of_the_fingerprint() {
    let seen = observations(200, SEED_LIST).unwrap();
    let as_json = serde_json::to_string(&seen).unwrap();
    let as_debug = format!("{seen:?}");
    assert!(!as_json.contains(SEED_FINGERPRINT) && !as_debug.contains(SEED_FINGERPRINT));
}
