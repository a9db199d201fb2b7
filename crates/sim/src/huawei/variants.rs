//! What real gateways send, beyond the documented examples (see "What other public clients of
//! these APIs accept" in the vendor reference): answers in GBK with Chinese messages, event
//! polls with no `event` key or an array of events, `result` as `""`, a number or a string,
//! `workNo` as an integer, a sign-in without a usable `Set-GUID`. Each is a setting of
//! [`super::HuaweiSimConfig`]; this module renders them.

use serde_json::{Map, Value};

/// The character set of every answer, with the matching `Content-Type` charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    #[default]
    Utf8,
    Gbk,
    /// GBK bytes labelled `gb2312` (GBK is its superset; gateways use either label).
    Gb2312,
    Gb18030,
    /// GBK bytes under a `charset=UTF-8` label: what a misconfigured gateway sends.
    GbkLabelledUtf8,
}

impl Charset {
    pub fn content_type(self) -> &'static str {
        match self {
            Charset::Utf8 | Charset::GbkLabelledUtf8 => "application/json; charset=UTF-8",
            Charset::Gbk => "application/json;charset=GBK",
            Charset::Gb2312 => "application/json;charset=gb2312",
            Charset::Gb18030 => "application/json;charset=GB18030",
        }
    }

    pub fn encode(self, text: String) -> Vec<u8> {
        let encoding = match self {
            Charset::Utf8 => return text.into_bytes(),
            Charset::Gbk | Charset::Gb2312 | Charset::GbkLabelledUtf8 => encoding_rs::GBK,
            Charset::Gb18030 => encoding_rs::GB18030,
        };
        encoding.encode(&text).0.into_owned()
    }
}

/// The language of the gateway's messages: Chinese gateways explain in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    English,
    Chinese,
}

/// Everything the simulated gateway says in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrase {
    AgentMissing,
    WrongCredentials,
    AlreadySignedIn,
    NotSignedIn,
    NoPermission,
    TalkingCannotSignOut,
    BodyNotJson,
    #[cfg_attr(not(feature = "control"), allow(dead_code))]
    ListingRefused,
    /// `queryacdstat` with more than 100 skills, or a skill the VDN does not have.
    SkillRefused,
    #[cfg_attr(not(feature = "control"), allow(dead_code))]
    QueuesRefused,
    Error,
}

impl Phrase {
    pub fn text(self, language: Language) -> &'static str {
        use Phrase::*;
        match (self, language) {
            (AgentMissing, Language::English) => "the agent does not exist",
            (AgentMissing, Language::Chinese) => "座席不存在",
            (WrongCredentials, Language::English) => "wrong user or password",
            (WrongCredentials, Language::Chinese) => "用户名或密码错误",
            (AlreadySignedIn, Language::English) => "the agent has already signed in",
            (AlreadySignedIn, Language::Chinese) => "座席已经签入",
            (NotSignedIn, Language::English) => "the agent has not signed in",
            (NotSignedIn, Language::Chinese) => "座席未签入",
            (NoPermission, Language::English) => "no permission or authentication expired",
            (NoPermission, Language::Chinese) => "无权限或鉴权已过期",
            (TalkingCannotSignOut, Language::English) => "the agent is talking and cannot sign out",
            (TalkingCannotSignOut, Language::Chinese) => "座席正在通话，不能签出",
            (BodyNotJson, Language::English) => "the request body is not a JSON object",
            (BodyNotJson, Language::Chinese) => "请求体不是JSON对象",
            (ListingRefused, Language::English) => {
                "no permission to list the agents for quality inspection"
            }
            (ListingRefused, Language::Chinese) => "无质检权限",
            (SkillRefused, Language::English) => "parameter error: invalid skill list",
            (SkillRefused, Language::Chinese) => "参数错误：技能队列无效",
            (QueuesRefused, Language::English) => "no permission to query the skill queues",
            (QueuesRefused, Language::Chinese) => "无权限查询技能队列",
            (Error, Language::English) => "error",
            (Error, Language::Chinese) => "错误",
        }
    }
}

/// How an event poll carries its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventShape {
    /// One event per answer as an object; `"event": null` when there is none.
    #[default]
    Object,
    /// Every queued event at once in an array; `[]` when there is none.
    Array,
    /// One event per answer; no `event` key at all when there is none.
    NoKeyWhenEmpty,
}

impl EventShape {
    /// Whether one answer takes every queued event.
    pub fn batches(self) -> bool {
        self == EventShape::Array
    }

    /// Adds the events to an answer's fields.
    pub fn insert(self, fields: &mut Map<String, Value>, mut events: Vec<Value>) {
        let value = match self {
            EventShape::Array => Value::Array(events),
            EventShape::Object if events.is_empty() => Value::Null,
            EventShape::NoKeyWhenEmpty if events.is_empty() => return,
            EventShape::Object | EventShape::NoKeyWhenEmpty => events.swap_remove(0),
        };
        fields.insert("event".to_string(), value);
    }
}

/// The `result` of answers that carry no agent status (sign-in, event poll, sign-out,
/// updateGuid): documented as an object or absent, sometimes `""`, a number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultVariant {
    #[default]
    Documented,
    EmptyString,
    Number,
    Text,
}

impl ResultVariant {
    /// `documented` (None = no `result` key) or its replacement.
    pub fn apply(self, documented: Option<Value>) -> Option<Value> {
        match self {
            ResultVariant::Documented => documented,
            ResultVariant::EmptyString => Some(Value::String(String::new())),
            ResultVariant::Number => Some(Value::from(0)),
            ResultVariant::Text => Some(Value::String("success".to_string())),
        }
    }
}

/// How work numbers (`workNo` in events, `workno` in the sign-in result) are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkNoType {
    #[default]
    String,
    Integer,
}

impl WorkNoType {
    pub fn value(self, workno: &str) -> Value {
        match (self, workno.parse::<u64>()) {
            (WorkNoType::Integer, Ok(number)) => Value::from(number),
            _ => Value::String(workno.to_string()),
        }
    }
}

/// How the team listing types each agent's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListingStatus {
    /// A string of digits, as Huawei's demo reads it.
    #[default]
    String,
    Integer,
}

/// What a successful sign-in says about the new Guid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInGuid {
    /// `Set-GUID: JSESSIONID=<guid>`, as documented.
    #[default]
    Sent,
    /// No `Set-GUID` header at all.
    Missing,
    /// `Set-GUID: JSESSIONID=` with nothing after it.
    Empty,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gbk_answers_are_gbk_bytes() {
        let bytes = Charset::Gbk.encode("座席".to_string());
        assert_eq!(bytes, b"\xd7\xf9\xcf\xaf");
        assert_eq!(Charset::Utf8.encode("座席".to_string()), "座席".as_bytes());
    }

    #[test]
    fn event_shapes_render() {
        let event = json!({"eventType": "QC_AgentState_Notify"});
        let render = |shape: EventShape, events: Vec<Value>| {
            let mut fields = Map::new();
            shape.insert(&mut fields, events);
            Value::Object(fields)
        };
        assert_eq!(render(EventShape::Object, vec![]), json!({"event": null}));
        assert_eq!(render(EventShape::NoKeyWhenEmpty, vec![]), json!({}));
        assert_eq!(render(EventShape::Array, vec![]), json!({"event": []}));
        assert_eq!(
            render(EventShape::Array, vec![event.clone(), event.clone()]),
            json!({"event": [event.clone(), event.clone()]})
        );
        assert_eq!(
            render(EventShape::NoKeyWhenEmpty, vec![event.clone()]),
            json!({ "event": event })
        );
    }

    #[test]
    fn work_numbers_can_be_integers() {
        assert_eq!(WorkNoType::Integer.value("5001"), json!(5001));
        assert_eq!(WorkNoType::String.value("5001"), json!("5001"));
    }
}
