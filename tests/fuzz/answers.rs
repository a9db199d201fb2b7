//! Strategies for hostile vendor answers: a documented answer (a fixture of the vendor page)
//! with some of its nodes mutated (wrong types, odd or huge strings, control characters, missing
//! or extra keys, duplicated list entries, numbers no type can hold), then encoded on the wire
//! whole, truncated, with bytes that are not UTF-8, or replaced by random bytes; with odd
//! statuses, headers and framing.

use crate::answer_server::{Answer, Framing};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

/// Text a vendor could send that a terminal, a notification server or a parser may choke on.
pub fn hostile_string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        2 => vec(
            select(vec![
                "\u{1b}[31m", "\u{1b}]0;title\u{7}", "\r", "\n", "\u{7}", "\u{0}", "\u{7f}",
                "\u{9b}", "\u{202e}", "\u{2066}", "\u{feff}", "\u{fffd}", "<b>x</b>", "&amp;",
                "\"", "\\", "'", "=cmd|' /C calc'!A0", "张三", "🦀", "%s%n", "../", " ", "",
                "RUNNING", "4", "-1", "null", "0x1F",
            ]),
            0..12
        )
        .prop_map(|parts| parts.concat()),
        1 => (select(vec!["a", "7", "\u{1b}", "界", " "]), 1_000usize..200_000)
            .prop_map(|(s, n)| s.repeat(n)),
        1 => "[0-9]{0,30}",
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((hostile_string(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

/// Number tokens serde_json's `Value` cannot carry, spliced into the text after encoding.
const RAW_NUMBERS: [&str; 8] = [
    "1e999",
    "-1e999",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "18446744073709551616",
    "-0",
    "4.0",
    "0.0000000000000000000000001",
];
const RAW_MARK: char = '\u{1}';
/// The most bytes a duplication adds to an answer.
const DUPLICATES_LIMIT: usize = 4 << 20;

/// One change to one node of a documented answer.
#[derive(Debug, Clone)]
pub enum Action {
    Replace(Value),
    Remove,
    AddKey(String, Value),
    Hostile(String),
    RawNumber(usize),
    WrapInArray,
    /// The node, repeated in its list (the same agent twice), or the list repeated many times.
    Duplicate(usize),
    StringifyScalar,
}

#[derive(Debug, Clone)]
pub struct Mutation {
    /// Which node, as an index into the nodes in document order (taken modulo their number).
    pub node: usize,
    pub action: Action,
}

fn action() -> BoxedStrategy<Action> {
    prop_oneof![
        4 => any_json().prop_map(Action::Replace),
        2 => Just(Action::Remove),
        1 => (hostile_string(), any_json()).prop_map(|(k, v)| Action::AddKey(k, v)),
        3 => hostile_string().prop_map(Action::Hostile),
        1 => (0..RAW_NUMBERS.len()).prop_map(Action::RawNumber),
        1 => Just(Action::WrapInArray),
        1 => prop_oneof![1usize..3, 100usize..5_000].prop_map(Action::Duplicate),
        2 => Just(Action::StringifyScalar),
    ]
    .boxed()
}

pub fn mutations() -> BoxedStrategy<Vec<Mutation>> {
    vec(
        (any::<usize>(), action()).prop_map(|(node, action)| Mutation { node, action }),
        1..4,
    )
    .boxed()
}

/// JSON pointers of every node, in document order (the root first).
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{at}/{escaped}"), out);
            }
        }
        _ => {}
    }
}

/// Applies the mutations and encodes the result as JSON text, raw number tokens spliced in.
pub fn mutate(template: &Value, mutations: &[Mutation]) -> Vec<u8> {
    let mut doc = template.clone();
    for m in mutations {
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let pointer = all[m.node % all.len()].clone();
        let (parent_ptr, last) = match pointer.rfind('/') {
            Some(i) => (
                pointer[..i].to_string(),
                Some(pointer[i + 1..].replace("~1", "/").replace("~0", "~")),
            ),
            None => (String::new(), None),
        };
        match &m.action {
            Action::Remove => {
                if let (Some(key), Some(parent)) = (last, doc.pointer_mut(&parent_ptr)) {
                    match parent {
                        Value::Object(map) => {
                            map.remove(&key);
                        }
                        Value::Array(items) => {
                            if let Ok(i) = key.parse::<usize>() {
                                if i < items.len() {
                                    items.remove(i);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Action::Duplicate(times) => {
                let node = doc.pointer(&pointer).cloned().unwrap_or(Value::Null);
                // Many copies of a huge string would make a gigabyte: keep an answer under
                // DUPLICATES_LIMIT (the size limit of the clients is tested elsewhere).
                let size = node.to_string().len().max(1);
                let times = &(*times).min(DUPLICATES_LIMIT / size).max(1);
                match (last, doc.pointer_mut(&parent_ptr)) {
                    (Some(_), Some(Value::Array(items))) => {
                        items.extend(std::iter::repeat_n(node, *times));
                    }
                    _ => {
                        if let Some(target) = doc.pointer_mut(&pointer) {
                            *target = Value::Array(vec![node; *times]);
                        }
                    }
                }
            }
            other => {
                if let Some(target) = doc.pointer_mut(&pointer) {
                    match other {
                        Action::Replace(v) => *target = v.clone(),
                        Action::Hostile(s) => *target = Value::String(s.clone()),
                        Action::RawNumber(i) => {
                            *target = Value::String(format!("{RAW_MARK}{i}{RAW_MARK}"))
                        }
                        Action::WrapInArray => *target = Value::Array(vec![target.take()]),
                        Action::StringifyScalar => {
                            if !target.is_string() && !target.is_array() && !target.is_object() {
                                *target = Value::String(target.to_string());
                            }
                        }
                        Action::AddKey(k, v) => {
                            if let Value::Object(map) = target {
                                map.insert(k.clone(), v.clone());
                            } else {
                                *target = Value::Object(Map::from_iter([(k.clone(), v.clone())]));
                            }
                        }
                        Action::Remove | Action::Duplicate(_) => unreachable!(),
                    }
                }
            }
        }
    }
    let mut text = serde_json::to_string(&doc).expect("a JSON value encodes");
    for (i, raw) in RAW_NUMBERS.iter().enumerate() {
        text = text.replace(&format!("\"\\u0001{i}\\u0001\""), raw);
    }
    text.into_bytes()
}

/// How a JSON text is damaged on the wire.
#[derive(Debug, Clone)]
pub enum Damage {
    None,
    /// Cut at this fraction (per mille) of its length.
    Truncate(u16),
    /// Bytes that are not UTF-8 (or GBK for Chinese names) inserted after the n-th quote.
    Insert(usize, Vec<u8>),
    /// A byte-order mark or whitespace before the text.
    Prefix(Vec<u8>),
}

fn damage() -> BoxedStrategy<Damage> {
    let odd_bytes = prop_oneof![
        select(vec![
            vec![0xff],
            vec![0xc3],
            vec![0xe4, 0xb8],
            vec![0xd5, 0xc5, 0xc8, 0xfd], // 张三 in GBK
            vec![0xed, 0xa0, 0x80],       // a UTF-16 surrogate encoded as UTF-8
            vec![0x00],
            vec![0xc0, 0xaf],
        ]),
        vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        6 => Just(Damage::None),
        1 => (0u16..1000).prop_map(Damage::Truncate),
        2 => (any::<usize>(), odd_bytes).prop_map(|(at, b)| Damage::Insert(at, b)),
        1 => select(vec![b"\xef\xbb\xbf".to_vec(), b"  \n\t".to_vec(), b"\x00".to_vec()])
            .prop_map(Damage::Prefix),
    ]
    .boxed()
}

pub fn apply_damage(mut text: Vec<u8>, damage: &Damage) -> Vec<u8> {
    match damage {
        Damage::None => text,
        Damage::Truncate(per_mille) => {
            let keep = text.len() * usize::from(*per_mille) / 1000;
            text.truncate(keep);
            text
        }
        Damage::Insert(n, bytes) => {
            let quotes: Vec<usize> = text
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"')
                .map(|(i, _)| i)
                .collect();
            let at = if quotes.is_empty() {
                0
            } else {
                quotes[n % quotes.len()] + 1
            };
            text.splice(at..at, bytes.iter().copied());
            text
        }
        Damage::Prefix(prefix) => {
            let mut out = prefix.clone();
            out.extend(text);
            out
        }
    }
}

/// A body: mostly the documented answer, mutated and damaged; sometimes anything at all.
pub fn body(templates: Vec<Value>) -> BoxedStrategy<Vec<u8>> {
    let pick = select(templates);
    prop_oneof![
        2 => pick.clone().prop_map(|t| serde_json::to_vec(&t).unwrap()),
        8 => (pick, mutations(), damage())
            .prop_map(|(t, m, d)| apply_damage(mutate(&t, &m), &d)),
        1 => any_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => vec(any::<u8>(), 0..2048),
        1 => hostile_string().prop_map(|s| format!(
            "<html><head><title>{s}</title></head><body>{s}</body></html>"
        ).into_bytes()),
        1 => Just(Vec::new()),
    ]
    .boxed()
}

pub fn status() -> BoxedStrategy<u16> {
    prop_oneof![
        12 => Just(200u16),
        3 => select(vec![201u16, 204, 301, 302, 307, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]),
        1 => 200u16..600,
    ]
    .boxed()
}

/// Headers a gateway or a proxy in front of it may send, with odd values.
fn odd_header() -> BoxedStrategy<(String, Vec<u8>)> {
    let retry_after = select(vec![
        "0",
        "1",
        "120",
        "99999999999999999999",
        "-5",
        "1.5",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "soon",
        "",
    ])
    .prop_map(|v| ("Retry-After".to_string(), v.as_bytes().to_vec()));
    let content_type = select(vec![
        "application/json",
        "application/json; charset=UTF-8",
        "application/json; charset=GBK",
        "application/json;charset=gb2312",
        "text/html; charset=ISO-8859-1",
        "application/json; charset=bogus-charset",
        "text/plain",
        "",
    ])
    .prop_map(|v| ("Content-Type".to_string(), v.as_bytes().to_vec()));
    let set_guid = select(vec![
        "JSESSIONID=0f1e2d3c-aaaa-bbbb-cccc-123456789abc.AgentGateway0",
        "JSESSIONID=",
        "JSESSIONID",
        "",
        "garbage;;;",
        "JSESSIONID=a; JSESSIONID=b",
    ])
    .prop_map(|v| ("Set-GUID".to_string(), v.as_bytes().to_vec()));
    let anything = (
        select(vec![
            "Set-GUID",
            "Retry-After",
            "Content-Type",
            "Set-Cookie",
            "Location",
            "X-Odd",
        ]),
        // Header values may not hold CR, LF or NUL; any other byte goes.
        vec(
            any::<u8>().prop_filter("header byte", |b| !matches!(b, b'\r' | b'\n' | 0)),
            0..64,
        ),
    )
        .prop_map(|(k, v)| (k.to_string(), v));
    prop_oneof![retry_after, content_type, set_guid, anything].boxed()
}

fn framing() -> BoxedStrategy<Framing> {
    prop_oneof![
        16 => Just(Framing::Exact),
        1 => Just(Framing::Chunked),
        1 => Just(Framing::ShortBody),
        1 => Just(Framing::CloseDelimited),
        1 => Just(Framing::Hangup),
    ]
    .boxed()
}

/// An answer for one route: the documented headers usually kept, odd ones sometimes added.
pub fn answer(
    templates: Vec<Value>,
    usual_headers: Vec<(&'static str, &'static str)>,
) -> BoxedStrategy<Answer> {
    let usual: Vec<(String, Vec<u8>)> = usual_headers
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    (
        status(),
        vec(any::<bool>(), usual.len()..=usual.len()),
        vec(odd_header(), 0..3),
        body(templates),
        framing(),
    )
        .prop_map(move |(status, keep, odd, body, framing)| {
            let mut headers: Vec<(String, Vec<u8>)> = usual
                .iter()
                .zip(keep)
                // Each usual header kept 1 time in 2 at least; with the odd ones, 3 in 4 overall.
                .filter(|(_, keep)| *keep || odd.is_empty())
                .map(|(h, _)| h.clone())
                .collect();
            headers.extend(odd);
            Answer {
                status,
                headers,
                body,
                framing,
            }
        })
        .boxed()
}

/// The documented answer as is: what most requests of a case get, so that the fuzzed one is
/// reached (a status call needs a sign-in that worked).
pub fn documented(template: &Value, headers: &[(&'static str, &'static str)]) -> Answer {
    let mut a = Answer::json(200, &template.to_string());
    a.headers.extend(
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())),
    );
    a
}

/// Parses a fixture of the vendor page.
pub fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}
