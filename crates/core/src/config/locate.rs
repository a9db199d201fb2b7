//! Pointing at the place in the file an error is about: its line and its key.

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not `str` slicing: a parser's span may point inside a multi-byte character.
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// Finds `key =` at the start of a line, to point at the offending line.
pub(super) fn find_key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + key.len());
            }
        }
        offset += line.len();
    }
    None
}

/// Finds a dotted key such as `alerts.accounts.cc.confirm_worse_polls`: the last part inside
/// its own table (`[alerts.accounts.cc]`) when the file has that header, so that a key every
/// table has (`critical`) points at the right line; else the first line setting that key.
pub(super) fn find_dotted_key_span(text: &str, dotted: &str) -> Option<std::ops::Range<usize>> {
    let (table, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let section = if table.is_empty() {
        // Top-level keys come before the first table header.
        Some(0..text.find("\n[").map_or(text.len(), |i| i + 1))
    } else {
        table_section(text, table)
    };
    section
        .and_then(|range| {
            find_key_span(&text[range.clone()], key)
                .map(|s| (range.start + s.start)..(range.start + s.end))
        })
        .or_else(|| find_key_span(text, key))
}

/// The byte range of `[table]`'s own lines: from after its header to the next header.
fn table_section(text: &str, table: &str) -> Option<std::ops::Range<usize>> {
    let header = format!("[{table}]");
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if start.is_some() {
                return start.map(|s| s..offset);
            }
            let without_comment = trimmed.split('#').next().unwrap_or("").trim();
            if without_comment.replace(' ', "") == header {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start.map(|s| s..text.len())
}

/// Finds the line of a dotted key (`time_limits.rest.warning`): the whole key, else its parts
/// from the last to the first, bare or quoted (`rest = { warning = "15x" }` is on the line of
/// `rest`; `"5" = {...}` is written quoted).
pub(super) fn find_key_path_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    find_key_span(text, key).or_else(|| {
        key.rsplit('.')
            .filter(|part| !part.is_empty())
            .find_map(|part| {
                find_key_span(text, part).or_else(|| find_key_span(text, &format!("{part:?}")))
            })
    })
}

/// toml's messages read "unknown field `x`, expected one of ..."; pull out the key when named.
pub(super) fn split_toml_message(message: &str) -> (String, String) {
    let key = ["unknown field `", "missing field `", "duplicate key `"]
        .iter()
        .find_map(|prefix| {
            message
                .find(prefix)
                .map(|i| &message[i + prefix.len()..])
                .and_then(|rest| rest.split('`').next())
        })
        .unwrap_or("")
        .to_string();
    (key, message.trim().to_string())
}
