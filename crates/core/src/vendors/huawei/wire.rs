//! The CC-Gateway's wire format: the answer envelope, the agent-status result, the sign-in body
//! and the `Set-GUID` header. Huawei's types wander (retcodes as strings, numbers sent as
//! strings, `result` documented as an array but sent as an object, `msg` instead of `message`),
//! so the readers here accept every documented variant and reject anything else with a reason.

use reqwest::header::HeaderValue;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

pub const RETCODE_OK: &str = "0";
/// "Bad parameter": on a status call, the agent id is unknown to the gateway.
pub const RETCODE_BAD_PARAMETER: &str = "000-002";
/// "No permission / authentication expired": the Guid is no longer accepted.
pub const RETCODE_NO_PERMISSION: &str = "000-003";
pub const RETCODE_ALREADY_SIGNED_IN: &str = "100-002";
pub const RETCODE_WRONG_CREDENTIALS: &str = "100-004";
pub const RETCODE_NOT_SIGNED_IN: &str = "100-006";

/// The response header carrying a new Guid (on sign-in and, in AUTHMODE 2, on event answers).
pub const SET_GUID: &str = "set-guid";
/// The request header every call after sign-in carries.
pub const GUID: &str = "guid";
/// Huawei documents this exact value for every call.
pub const CONTENT_TYPE_JSON: &str = "application/json; charset=UTF-8";

/// Both codes the gateway uses for a Guid it no longer accepts.
pub fn is_session_lost(retcode: &str) -> bool {
    retcode == RETCODE_NOT_SIGNED_IN || retcode == RETCODE_NO_PERMISSION
}

/// The outer shape of every answer.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(deserialize_with = "retcode_text")]
    pub retcode: String,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    msg: Option<Value>,
    #[serde(default)]
    pub result: Option<Value>,
    /// An event poll's event(s): one object, an array of them, null or absent.
    #[serde(default)]
    pub event: Option<Value>,
}

impl Envelope {
    pub fn is_ok(&self) -> bool {
        self.retcode == RETCODE_OK
    }

    /// The gateway's explanation, whichever key carried it; empty when there is none.
    pub fn message(&self) -> String {
        let value = [&self.message, &self.msg]
            .into_iter()
            .flatten()
            .find(|v| !matches!(v, Value::Null) && v.as_str() != Some(""));
        match value {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    /// "retcode 100-007 (internal error)", for error messages.
    pub fn describe(&self) -> String {
        let message = self.message();
        if message.is_empty() {
            format!("retcode {}", self.retcode)
        } else {
            format!("retcode {} ({message})", self.retcode)
        }
    }
}

/// Reads an answer already decoded to text (see `charset`).
pub fn parse_envelope(text: &str) -> Result<Envelope, serde_json::Error> {
    serde_json::from_str(text)
}

/// One agent's status, the `result` of `GET onlineagent/{id}/agentstatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentStatus {
    pub agent_state: i64,
    /// `isWorking`; absent means not talking: the field only adds a detail to the state.
    pub is_working: bool,
}

/// Reads the status out of a successful envelope's `result`, an object or a one-element array.
/// The reason names the field at fault (`agentState: invalid type: ...`).
pub fn agent_status(result: Option<&Value>) -> Result<AgentStatus, String> {
    let object = match result {
        None | Some(Value::Null) => return Err("the answer has no result".into()),
        Some(Value::Array(items)) => match items.as_slice() {
            [one] => one,
            [] => return Err("result is an empty array".into()),
            _ => {
                return Err(format!(
                    "result holds {} entries, expected one",
                    items.len()
                ))
            }
        },
        Some(other) => other,
    };
    let fields = match object {
        Value::Object(fields) => fields,
        // Some gateways send `""` where there is nothing to say: for a status, that is no status.
        Value::String(text) if text.trim().is_empty() => {
            return Err("result is an empty string, not the agent's status".into())
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            return Err(format!(
                "result is the {} {object}, not the agent's status",
                json_type(object)
            ))
        }
        _ => {
            return Err(format!(
                "result is {}, not the agent's status",
                json_type(object)
            ))
        }
    };
    let agent_state = fields.get("agentState").ok_or("result has no agentState")?;
    let agent_state = integer(agent_state).map_err(|e| format!("agentState: {e}"))?;
    let is_working = match fields.get("isWorking") {
        None => false,
        Some(value) => boolean(value).map_err(|e| format!("isWorking: {e}"))?,
    };
    Ok(AgentStatus {
        agent_state,
        is_working,
    })
}

/// A successful answer's `result` as the list a listing call promises; the error says what it
/// is instead ("result is the number 3, not a list of agents"), `what` naming the entries.
pub fn result_list(result: Option<Value>, what: &str) -> Result<Vec<Value>, String> {
    match result {
        Some(Value::Array(entries)) => Ok(entries),
        None | Some(Value::Null) => Err("the answer has no result".into()),
        Some(Value::String(text)) if text.trim().is_empty() => {
            Err(format!("result is an empty string, not a list of {what}"))
        }
        Some(other @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Err(format!(
            "result is the {} {other}, not a list of {what}",
            json_type(&other)
        )),
        Some(other) => Err(format!(
            "result is {}, not a list of {what}",
            json_type(&other)
        )),
    }
}

pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The sign-in body, typed the way Huawei's own example sends it: every value a string.
/// Not `Debug`: it holds the password.
#[derive(Serialize)]
pub struct SignInBody<'a> {
    pub password: &'a str,
    pub phonenum: &'a str,
    /// 3 = busy, so that the supervisor's seat is never offered calls.
    pub status: &'static str,
    pub releasephone: &'static str,
    pub agenttype: &'static str,
}

impl<'a> SignInBody<'a> {
    pub fn busy_supervisor(password: &'a str, phonenum: &'a str) -> Self {
        SignInBody {
            password,
            phonenum,
            status: "3",
            releasephone: "false",
            agenttype: "4",
        }
    }
}

/// The Guid in a `Set-GUID` value (`JSESSIONID=<uuid>.AgentGateway0`): the part after
/// `JSESSIONID=`, up to any `;` attribute. A bare value without the prefix is taken whole.
pub fn guid_from_set_guid(value: &str) -> Option<&str> {
    const PREFIX: &str = "JSESSIONID=";
    let value = value.trim();
    let rest = match value.find(PREFIX) {
        Some(at) => &value[at + PREFIX.len()..],
        None if !value.contains('=') => value,
        None => return None,
    };
    let guid = rest.split(';').next().unwrap_or("").trim();
    (!guid.is_empty()).then_some(guid)
}

/// A Guid as a request header value, marked sensitive so that it never shows in Debug output.
pub fn guid_header(guid: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(guid).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The new Guid an answer announces, if any. The error says why a present header is unusable
/// (without quoting it: it is a credential).
pub fn new_guid(set_guid: Option<&HeaderValue>) -> Result<Option<HeaderValue>, String> {
    let Some(raw) = set_guid else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .and_then(guid_from_set_guid)
        .and_then(guid_header)
        .map(Some)
        .ok_or_else(|| "the Set-GUID header holds no usable Guid".to_string())
}

fn retcode_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct RetcodeVisitor;
    impl Visitor<'_> for RetcodeVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a retcode string such as \"0\" or \"100-006\"")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.trim().to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(RetcodeVisitor)
}

/// Documented as Integer; digits in a string are accepted too (Huawei sends numbers as
/// strings elsewhere). Anything else is a type error.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct IntegerVisitor;
    impl Visitor<'_> for IntegerVisitor {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} is out of range")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            v.trim()
                .parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(IntegerVisitor)
}

/// Documented as Boolean; "true"/"false" strings are accepted too.
fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct BooleanVisitor;
    impl Visitor<'_> for BooleanVisitor {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            match v.trim() {
                s if s.eq_ignore_ascii_case("true") => Ok(true),
                s if s.eq_ignore_ascii_case("false") => Ok(false),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    d.deserialize_any(BooleanVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../fixtures/huawei_status_seed.json");
    const MSG_VARIANT: &str = include_str!("../fixtures/huawei_status_msg.json");
    const ARRAY_RESULT: &str = include_str!("../fixtures/huawei_status_array.json");
    const SIGN_IN_OK: &str = include_str!("../fixtures/huawei_signin_ok.json");
    const EVENT: &str = include_str!("../fixtures/huawei_event.json");

    fn status_of(body: &str) -> Result<AgentStatus, String> {
        let envelope = parse_envelope(body).map_err(|e| e.to_string())?;
        assert!(envelope.is_ok());
        agent_status(envelope.result.as_ref())
    }

    #[test]
    fn the_seed_answer_parses_exactly() {
        assert_eq!(
            SEED.trim(),
            r#"{"message":"","retcode":"0","result":{"agentState":4,"isWorking":false}}"#
        );
        let envelope = parse_envelope(SEED).unwrap();
        assert_eq!(envelope.retcode, "0");
        assert_eq!(envelope.message(), "");
        assert_eq!(
            agent_status(envelope.result.as_ref()).unwrap(),
            AgentStatus {
                agent_state: 4,
                is_working: false
            }
        );
    }

    #[test]
    fn msg_is_read_like_message() {
        assert_eq!(
            status_of(MSG_VARIANT).unwrap(),
            AgentStatus {
                agent_state: 7,
                is_working: true
            }
        );
        let e = parse_envelope(r#"{"msg":"not signed in","retcode":"100-006"}"#).unwrap();
        assert_eq!(e.message(), "not signed in");
        assert_eq!(e.describe(), "retcode 100-006 (not signed in)");
        let e = parse_envelope(r#"{"message":"","msg":"x","retcode":"100-007"}"#).unwrap();
        assert_eq!(e.message(), "x");
    }

    #[test]
    fn a_one_element_array_result_is_accepted() {
        assert_eq!(status_of(ARRAY_RESULT).unwrap().agent_state, 8);
        assert!(status_of(r#"{"retcode":"0","result":[]}"#)
            .unwrap_err()
            .contains("empty"));
        assert!(
            status_of(r#"{"retcode":"0","result":[{"agentState":1},{"agentState":2}]}"#)
                .unwrap_err()
                .contains("2 entries")
        );
    }

    #[test]
    fn loose_but_documented_types_are_accepted() {
        let s = status_of(r#"{"retcode":"0","result":{"agentState":"5","isWorking":"true"}}"#);
        assert_eq!(
            s.unwrap(),
            AgentStatus {
                agent_state: 5,
                is_working: true
            }
        );
        let s = status_of(r#"{"retcode":0,"result":{"agentState":3}}"#).unwrap();
        assert!(!s.is_working);
    }

    #[test]
    fn wrong_types_are_refused_with_a_reason() {
        let err = status_of(r#"{"retcode":"0","result":{"agentState":[4],"isWorking":false}}"#)
            .unwrap_err();
        assert!(err.starts_with("agentState: "), "{err}");
        assert!(err.contains("expected an integer"), "{err}");
        let err = status_of(r#"{"retcode":"0","result":{"agentState":4,"isWorking":"maybe"}}"#)
            .unwrap_err();
        assert!(err.starts_with("isWorking: "), "{err}");
        let err = parse_envelope(r#"{"retcode":["0"],"result":{}}"#).unwrap_err();
        assert!(err.to_string().contains("retcode"), "{err}");
        assert!(status_of(r#"{"retcode":"0"}"#)
            .unwrap_err()
            .contains("no result"));
        assert!(status_of(r#"{"retcode":"0","result":{"isWorking":true}}"#)
            .unwrap_err()
            .contains("agentState"));
    }

    #[test]
    fn scalar_results_are_refused_for_a_status_with_a_reason() {
        let err = status_of(r#"{"retcode":"0","result":""}"#).unwrap_err();
        assert!(err.contains("empty string"), "{err}");
        let err = status_of(r#"{"retcode":"0","result":4}"#).unwrap_err();
        assert_eq!(err, "result is the number 4, not the agent's status");
        let err = status_of(r#"{"retcode":"0","result":"4"}"#).unwrap_err();
        assert_eq!(err, "result is the string \"4\", not the agent's status");
    }

    #[test]
    fn answers_that_carry_no_status_accept_any_result_and_event_shape() {
        for body in [
            r#"{"message":"","retcode":"0"}"#,
            r#"{"message":"","retcode":"0","result":""}"#,
            r#"{"msg":"","retcode":0,"result":0}"#,
            r#"{"message":"","retcode":"0","result":"ok"}"#,
            r#"{"message":"","retcode":"0","event":null}"#,
            r#"{"message":"","retcode":"0","event":[]}"#,
            r#"{"message":"","retcode":"0","event":[{"eventType":"QC_AgentState_Notify","workNo":5001},{"eventType":"AgentState_Rest_Timeout","workno":"5001","content":null}]}"#,
            r#"{"message":"","retcode":"0","event":{"eventType":"QC_AgentState_Notify","workNo":"5001"}}"#,
        ] {
            let envelope = parse_envelope(body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(envelope.is_ok(), "{body}");
        }
    }

    #[test]
    fn other_answers_parse() {
        let e = parse_envelope(SIGN_IN_OK).unwrap();
        assert!(e.is_ok());
        let e = parse_envelope(EVENT).unwrap();
        assert!(e.is_ok());
    }

    #[test]
    fn set_guid_values_are_read() {
        assert_eq!(
            guid_from_set_guid("JSESSIONID=0a1b2c3d-0000-1111-2222-333344445555.AgentGateway0"),
            Some("0a1b2c3d-0000-1111-2222-333344445555.AgentGateway0")
        );
        assert_eq!(
            guid_from_set_guid(" JSESSIONID=abc.AgentGateway1; Path=/ "),
            Some("abc.AgentGateway1")
        );
        assert_eq!(
            guid_from_set_guid("abc.AgentGateway1"),
            Some("abc.AgentGateway1")
        );
        assert_eq!(guid_from_set_guid("JSESSIONID="), None);
        assert_eq!(guid_from_set_guid("OTHER=x"), None);

        assert!(new_guid(None).unwrap().is_none());
        let raw = HeaderValue::from_static("JSESSIONID=g-1.AgentGateway0");
        let guid = new_guid(Some(&raw)).unwrap().unwrap();
        assert_eq!(guid.to_str().unwrap(), "g-1.AgentGateway0");
        assert!(guid.is_sensitive());
        assert!(!format!("{guid:?}").contains("g-1"));
        assert!(new_guid(Some(&HeaderValue::from_static("JSESSIONID=;"))).is_err());
    }

    #[test]
    fn the_sign_in_body_is_string_typed_and_busy() {
        let body = serde_json::to_value(SignInBody::busy_supervisor("pw", "40038")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"password":"pw","phonenum":"40038","status":"3",
                "releasephone":"false","agenttype":"4"})
        );
    }
}
