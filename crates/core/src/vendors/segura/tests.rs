//! The documented answers, read exactly (fixtures under `vendors/fixtures/segura_*.json`).

use super::list::{read_list_answer, ListOutcome};
use super::observe::{observe, short_hash, REGISTERED};
use crate::error::ErrorKind;
use crate::model::{Observation, Severity};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use secrecy::SecretString;

const SEED_LIST: &str = include_str!("../fixtures/segura_list_seed.json");
const NOT_FOUND_404: &str = include_str!("../fixtures/segura_list_404.json");
const REFERER_500: &str = include_str!("../fixtures/segura_list_500_referer.json");
const SEED_FINGERPRINT: &str = "Zk9YalVUVDRaeWh2b0FKb29uWmhESk44VVdqcEZkSE1qSUZKMkREUjlOdz06Um1kSlUyWlRSbkYwVEZCb2ExUjNRenAzUkhkellXMVJhMWQyWldad1NXSnI=";

fn observations(status: u16, body: &str) -> crate::Result<Vec<Observation>> {
    let status = StatusCode::from_u16(status).unwrap();
    match read_list_answer(status, &HeaderMap::new(), body.as_bytes())? {
        ListOutcome::Agents(agents) => Ok(agents.into_iter().map(observe).collect()),
        ListOutcome::TokenRefused => panic!("unexpected token refusal"),
    }
}

#[test]
fn the_seed_answer_parses_exactly() {
    let seen = observations(200, SEED_LIST).unwrap();
    let hash = short_hash(&SecretString::from(SEED_FINGERPRINT));
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
fn wrong_types_are_malformed_and_never_quote_the_fingerprint() {
    let listed_id = SEED_LIST.replace("\"id\": \"1\"", "\"id\": [\"1\"]");
    let err = observations(200, &listed_id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(err.to_string().contains("Segura agent list"), "{err}");

    let numeric_fingerprint = SEED_LIST.replace(&format!("\"{SEED_FINGERPRINT}\""), "987654321987");
    let err = observations(200, &numeric_fingerprint).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(!err.to_string().contains("987654321987"), "{err}");
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
    assert_ne!(
        short_hash(&SecretString::from("one fingerprint")),
        short_hash(&SecretString::from("another fingerprint"))
    );
}

#[test]
fn observations_carry_no_trace_of_the_fingerprint() {
    let seen = observations(200, SEED_LIST).unwrap();
    let as_json = serde_json::to_string(&seen).unwrap();
    let as_debug = format!("{seen:?}");
    assert!(!as_json.contains(SEED_FINGERPRINT) && !as_debug.contains(SEED_FINGERPRINT));
}
