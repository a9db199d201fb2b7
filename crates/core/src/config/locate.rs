//! Where each key of a config file is: the file read once more with toml's spans kept for
//! every value and array element, so that an error found anywhere (a wrong type while
//! reading, a check after it, a vendor's own keys) points at the line of the key it is about.

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_spanned::__unstable::{END_FIELD, NAME, START_FIELD, VALUE_FIELD};
use std::fmt;
use std::ops::Range;

/// One step of a key's path: a table's key or an array's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// The file's keys and where they are. Values are kept only where they name something (an
/// array element's `id`, to call `accounts[1]` `accounts[cc-main]` in messages).
pub(super) struct KeyIndex {
    root: Node,
}

enum Node {
    /// Each key with its value's place: a value starts on its key's line (TOML has it so), and
    /// a table's span starts at its header.
    Table(Vec<(String, Located)>),
    Array(Vec<Located>),
    Text(String),
    Other,
}

/// A value and its span; a table only implied by a deeper header (`time_limits` of
/// `[accounts.time_limits.rest]`) has none.
struct Located {
    span: Option<Range<usize>>,
    node: Node,
}

impl KeyIndex {
    /// Reads the text; an error here is a TOML syntax error.
    pub fn parse(text: &str) -> Result<KeyIndex, toml::de::Error> {
        toml::from_str(text).map(|root| KeyIndex { root })
    }

    /// The span of the deepest part of `path` the file has: the key itself when it is written,
    /// else the table or the array element it would be in (an error about a missing key points
    /// at the table that lacks it). `None` when not even the first step is in the file.
    pub fn locate(&self, path: &[Step]) -> Option<Range<usize>> {
        let mut node = &self.root;
        let mut found = None;
        for step in path {
            let next = match (node, step) {
                (Node::Table(entries), Step::Key(key)) => {
                    match entries.iter().find(|(k, _)| k == key) {
                        Some((_, value)) => value,
                        None => break,
                    }
                }
                (Node::Array(items), Step::Index(i)) => match items.get(*i) {
                    Some(item) => item,
                    None => break,
                },
                _ => break,
            };
            found = next.span.clone().or(found);
            node = &next.node;
        }
        found
    }

    /// The path as people read it: `accounts[cc-main].severity.2`, an array element named by
    /// its `id` when it has one (else by its index).
    pub fn dotted(&self, path: &[Step]) -> String {
        let mut out = String::new();
        let mut node = Some(&self.root);
        for step in path {
            match step {
                Step::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                    node = node.and_then(|n| n.get(key));
                }
                Step::Index(i) => {
                    let item = match node {
                        Some(Node::Array(items)) => items.get(*i).map(|item| &item.node),
                        _ => None,
                    };
                    match item.and_then(|n| n.get("id")) {
                        Some(Node::Text(id)) if !id.is_empty() => out.push_str(&format!("[{id}]")),
                        _ => out.push_str(&format!("[{i}]")),
                    }
                    node = item;
                }
            }
        }
        out
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Table(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| &v.node),
            _ => None,
        }
    }
}

/// Splits a dotted key as the checks write it (`time_limits.rest.critical`,
/// `maintenance[1].end`) into steps. Keys holding dots cannot be told apart here: the
/// locator then stops at the deepest part it finds.
pub(super) fn steps_of(dotted: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in dotted.split('.').filter(|p| !p.is_empty()) {
        let (name, indices) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            steps.push(Step::Key(name.to_string()));
        }
        for index in indices.split(['[', ']']).filter(|i| !i.is_empty()) {
            match index.parse() {
                Ok(i) => steps.push(Step::Index(i)),
                Err(_) => steps.push(Step::Key(index.to_string())),
            }
        }
    }
    steps
}

/// The line (from 1) of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not `str` slicing: a parser's span may point inside a multi-byte character.
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// The key under which toml's deserializer passes a date or a time.
const TOML_DATETIME: &str = "$__toml_private_datetime";

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        match map.next_key::<String>()? {
            Some(first) => read_table(first, map),
            None => Ok(Node::Table(Vec::new())),
        }
    }
}

/// The rest of a table whose first key is read.
fn read_table<'de, A: MapAccess<'de>>(first: String, mut map: A) -> Result<Node, A::Error> {
    // toml hands a date or a time over as a one-key table.
    if first == TOML_DATETIME {
        map.next_value::<IgnoredAny>()?;
        return Ok(Node::Other);
    }
    let mut entries = vec![(first, map.next_value()?)];
    while let Some(key) = map.next_key::<String>()? {
        entries.push((key, map.next_value()?));
    }
    Ok(Node::Table(entries))
}

impl<'de> Deserialize<'de> for Located {
    /// Asks for the value with its span as `toml::Spanned` does (toml's deserializer knows the
    /// request by these names), and takes the value alone where toml has no span to give.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(NAME, SPANNED_FIELDS, LocatedVisitor)
    }
}

const SPANNED_FIELDS: &[&str] = &[START_FIELD, END_FIELD, VALUE_FIELD];

struct LocatedVisitor;

impl LocatedVisitor {
    fn bare(node: Node) -> Located {
        Located { span: None, node }
    }
}

impl<'de> Visitor<'de> for LocatedVisitor {
    type Value = Located;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Located, E> {
        Ok(Self::bare(Node::Other))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Located, E> {
        Ok(Self::bare(Node::Other))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Located, E> {
        Ok(Self::bare(Node::Other))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Located, E> {
        Ok(Self::bare(Node::Other))
    }

    fn visit_str<E>(self, v: &str) -> Result<Located, E> {
        Ok(Self::bare(Node::Text(v.to_string())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Located, A::Error> {
        NodeVisitor.visit_seq(seq).map(Self::bare)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Located, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Self::bare(Node::Table(Vec::new())));
        };
        if first != START_FIELD {
            return read_table(first, map).map(Self::bare);
        }
        let start: usize = map.next_value()?;
        let (mut end, mut node) = (start, Node::Other);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                END_FIELD => end = map.next_value()?,
                _ => node = map.next_value()?,
            }
        }
        Ok(Located {
            span: Some(start..end),
            node,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "top = 1\n[[accounts]]\nid = \"a\"\n[accounts.severity]\n\"2\" = \"x\"\n\n[[accounts]]\nvendor = \"y\"\nwhen = 1979-05-27\nlimits = { rest = { warning = \"1m\" } }\n";

    fn line(index: &KeyIndex, dotted: &str) -> Option<usize> {
        index
            .locate(&steps_of(dotted))
            .map(|span| line_of(TEXT, span.start))
    }

    #[test]
    fn keys_are_found_at_their_own_line_however_they_are_written() {
        let index = KeyIndex::parse(TEXT).unwrap();
        assert_eq!(line(&index, "top"), Some(1));
        assert_eq!(line(&index, "accounts[0].id"), Some(3));
        assert_eq!(line(&index, "accounts[0].severity.2"), Some(5));
        assert_eq!(line(&index, "accounts[1].vendor"), Some(8));
        assert_eq!(line(&index, "accounts[1].limits.rest.warning"), Some(10));
        // A key the file lacks: the table that would hold it.
        assert_eq!(line(&index, "accounts[1].base_url"), Some(7));
        assert_eq!(line(&index, "nowhere"), None);
    }

    #[test]
    fn array_elements_are_named_by_their_id() {
        let index = KeyIndex::parse(TEXT).unwrap();
        assert_eq!(
            index.dotted(&steps_of("accounts[0].severity.2")),
            "accounts[a].severity.2"
        );
        assert_eq!(index.dotted(&steps_of("accounts[1].x")), "accounts[1].x");
    }

    #[test]
    fn dotted_keys_split_into_steps() {
        assert_eq!(
            steps_of("maintenance[1].end"),
            [
                Step::Key("maintenance".into()),
                Step::Index(1),
                Step::Key("end".into())
            ]
        );
    }
}
