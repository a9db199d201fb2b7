//! A huge answer made from a small one: the first list of objects in it is repeated until the
//! answer reaches a size, and the bytes are generated while they are sent, so a 300 MB answer
//! costs the simulator a few kilobytes.

use bytes::Bytes;
use futures::{Stream, StreamExt};

/// How much is generated at a time.
const CHUNK: usize = 64 * 1024;
/// Replaces the list while the answer is split around it; no real answer contains it.
const MARKER: &str = "\u{0}agentwatch-sim-oversized\u{0}";

pub struct Oversized {
    /// The answer up to the list's `[`, and from its `]` on.
    prefix: Bytes,
    suffix: Bytes,
    /// The list's items, each serialised, repeated in turn.
    items: Vec<Bytes>,
    /// How many items go out in all.
    count: usize,
    length: u64,
}

impl Oversized {
    /// The answer `body` grown to at least `target` bytes (a body that is not JSON, or has
    /// no list of objects, is preceded by spaces instead: still valid JSON).
    pub fn new(body: &[u8], target: u64) -> Oversized {
        let split = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|mut value| {
                let items = take_first_object_list(&mut value)?;
                let text = value.to_string();
                let marker = serde_json::Value::from(MARKER).to_string();
                let at = text.find(&marker)?;
                Some((
                    format!("{}[", &text[..at]),
                    format!("]{}", &text[at + marker.len()..]),
                    items,
                ))
            });
        let Some((prefix, suffix, items)) = split else {
            let pad = target.saturating_sub(body.len() as u64) as usize;
            return Oversized {
                prefix: Bytes::from(" ".repeat(pad)),
                suffix: Bytes::copy_from_slice(body),
                items: Vec::new(),
                count: 0,
                length: (pad + body.len()) as u64,
            };
        };
        let items: Vec<Bytes> = items
            .iter()
            .map(|item| Bytes::from(item.to_string()))
            .collect();
        let mut length = (prefix.len() + suffix.len()) as u64;
        let mut count = 0;
        while length < target {
            // A comma before every item but the first.
            length += (items[count % items.len()].len() + usize::from(count > 0)) as u64;
            count += 1;
        }
        Oversized {
            prefix: Bytes::from(prefix),
            suffix: Bytes::from(suffix),
            items,
            count,
            length,
        }
    }

    /// The exact length of the answer.
    #[allow(clippy::len_without_is_empty)] // never empty: it is at least the original answer
    pub fn len(&self) -> u64 {
        self.length
    }

    /// The answer, chunk by chunk.
    pub fn stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let head = futures::stream::iter([Ok(self.prefix)]);
        let tail = futures::stream::iter([Ok(self.suffix)]);
        let items = self.items;
        let count = self.count;
        let middle = futures::stream::unfold(0usize, move |sent| {
            let chunk = (sent < count).then(|| {
                let mut chunk = Vec::with_capacity(CHUNK + 1024);
                let mut next = sent;
                while next < count && chunk.len() < CHUNK {
                    if next > 0 {
                        chunk.push(b',');
                    }
                    chunk.extend_from_slice(&items[next % items.len()]);
                    next += 1;
                }
                (Ok(Bytes::from(chunk)), next)
            });
            futures::future::ready(chunk)
        });
        head.chain(middle).chain(tail)
    }
}

/// Replaces the first non-empty array of objects (depth first, in document order) with the
/// marker and returns its items.
fn take_first_object_list(value: &mut serde_json::Value) -> Option<Vec<serde_json::Value>> {
    use serde_json::Value;
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let items = std::mem::take(items);
            *value = Value::from(MARKER);
            Some(items)
        }
        Value::Array(items) => items.iter_mut().find_map(take_first_object_list),
        Value::Object(map) => map.values_mut().find_map(take_first_object_list),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(answer: Oversized) -> Vec<u8> {
        let mut out = Vec::new();
        let mut stream = Box::pin(answer.stream());
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn the_list_is_repeated_to_the_size_and_the_rest_is_kept() {
        let body = br#"{"code":200,"agent":[{"id":"1"},{"id":"2"}],"tail":true}"#;
        let answer = Oversized::new(body, 200_000);
        let length = answer.len();
        let out = collect(answer).await;
        assert_eq!(out.len() as u64, length);
        assert!((200_000..200_020).contains(&length), "{length}");
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let agents = value["agent"].as_array().unwrap();
        assert_eq!(agents[0]["id"], "1");
        assert_eq!(agents[1]["id"], "2");
        assert_eq!(agents[2]["id"], "1");
        assert_eq!(
            (value["code"].clone(), value["tail"].clone()),
            (200.into(), true.into())
        );
    }

    #[tokio::test]
    async fn an_answer_without_a_list_is_padded_in_front() {
        let answer = Oversized::new(b"{\"a\":1}", 1000);
        assert_eq!(answer.len(), 1000);
        let out = collect(answer).await;
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["a"], 1);
    }
}
