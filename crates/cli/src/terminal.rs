//! Text bound for a terminal. Agent ids, names, states and the error pages quoted in messages
//! come from vendor servers: a control character in them would be obeyed by the terminal
//! (ESC sequences recolour, retitle or clear it; CR and LF let a crafted id print a fake line of
//! its own; BEL rings) and a bidi override would show the text reordered. Everything this
//! program prints goes through here, which shows such characters as readable escapes (`\x1b`,
//! `\r`, `\u{202e}`) instead of sending them. `--json` and `--csv` keep the values as they are.

use std::borrow::Cow;
use std::fmt::Display;

/// The widest a table cell gets; longer values end in `…` (full values: `--json`, `--csv`).
pub const MAX_CELL_CHARS: usize = 64;
/// The widest a cell of free text gets (a detail, an error's reason): wider, as the reason of
/// an error is worth reading in full.
pub const MAX_TEXT_CELL_CHARS: usize = 160;

/// How `c` is shown when the terminal must not receive it, or `None` when it is shown as is.
fn escape(c: char) -> Option<String> {
    match c {
        '\t' => Some("\\t".into()),
        '\n' => Some("\\n".into()),
        '\r' => Some("\\r".into()),
        // C0 controls (ESC, BEL, BS, ...) and DEL.
        '\0'..='\x1f' | '\x7f' => Some(format!("\\x{:02x}", c as u32)),
        // C1 controls: U+009B is a one-character CSI on terminals that honour 8-bit controls.
        '\u{80}'..='\u{9f}'
        // Bidi embeddings, overrides and isolates, and the directional marks: they reorder
        // what follows on the line.
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{061c}'
        // Unicode's own line and paragraph separators.
        | '\u{2028}'
        | '\u{2029}' => Some(format!("\\u{{{:x}}}", c as u32)),
        _ => None,
    }
}

/// `text` with every control and bidi character made visible; borrowed when there is none.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| escape(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escape(c) {
            Some(shown) => out.push_str(&shown),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A table cell: [`visible`], and at most `max_chars` characters, the last being `…` when it
/// was cut (never in the middle of an escape).
pub fn cell(text: &str, max_chars: usize) -> String {
    let shown = visible(text);
    if shown.chars().count() <= max_chars {
        return shown.into_owned();
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        let piece = escape(c).unwrap_or_else(|| c.to_string());
        let piece_width = piece.chars().count();
        if width + piece_width > max_chars.saturating_sub(1) {
            break;
        }
        out.push_str(&piece);
        width += piece_width;
    }
    out.push('…');
    out
}

/// JSON text with the characters a terminal would obey that JSON leaves raw (DEL, C1 and bidi
/// controls; JSON itself escapes C0) written as `\uXXXX` escapes: the same values to a parser,
/// inert on a terminal. They can only stand inside strings, so nothing else changes.
pub fn inert_json(json: &str) -> Cow<'_, str> {
    // C0 outside strings is the layout's own line breaks and indentation: left alone.
    let left_raw_by_json = |c: char| c > '\x1f' && escape(c).is_some();
    if !json.chars().any(left_raw_by_json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if left_raw_by_json(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Prints one line on standard output, made [`visible`].
pub fn say(line: impl Display) {
    println!("{}", visible(&line.to_string()));
}

/// Prints one line on standard error, made [`visible`].
pub fn warn(line: impl Display) {
    eprintln!("{}", visible(&line.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        let text = "support-bot (A1) RUNNING -> FAILED · 客服 · naïve";
        assert!(matches!(visible(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn controls_become_readable_escapes() {
        assert_eq!(
            visible("a\x1b[2Jb\rc\nd\te\x07f\x7fg\0"),
            "a\\x1b[2Jb\\rc\\nd\\te\\x07f\\x7fg\\x00"
        );
        assert_eq!(visible("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
    }

    #[test]
    fn bidi_controls_become_readable_escapes() {
        for (c, shown) in [
            ('\u{202a}', "\\u{202a}"),
            ('\u{202e}', "\\u{202e}"),
            ('\u{2066}', "\\u{2066}"),
            ('\u{2069}', "\\u{2069}"),
            ('\u{200e}', "\\u{200e}"),
            ('\u{200f}', "\\u{200f}"),
            ('\u{061c}', "\\u{61c}"),
        ] {
            assert_eq!(visible(&format!("x{c}y")), format!("x{shown}y"));
        }
    }

    #[test]
    fn json_keeps_its_values_but_not_raw_controls() {
        let value = serde_json::json!({"id": "a\u{9b}b\u{202e}c\x7fd\x1be\n"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let inert = inert_json(&text);
        assert_eq!(
            inert,
            "{\n  \"id\": \"a\\u009bb\\u202ec\\u007fd\\u001be\\n\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&inert).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn long_cells_are_cut_with_an_ellipsis() {
        let long = "A".repeat(200);
        let shown = cell(&long, MAX_CELL_CHARS);
        assert_eq!(shown.chars().count(), MAX_CELL_CHARS);
        assert_eq!(shown, format!("{}…", "A".repeat(MAX_CELL_CHARS - 1)));
        let exact = "B".repeat(MAX_CELL_CHARS);
        assert_eq!(cell(&exact, MAX_CELL_CHARS), exact);
        assert_eq!(cell(&long, 10), "AAAAAAAAA…");
    }

    #[test]
    fn a_cut_never_splits_an_escape() {
        // 61 plain characters, then ESC (shown as 4): 65 > 64, and the escape does not fit
        // before the ellipsis.
        let text = format!("{}\x1bxyz", "a".repeat(61));
        assert_eq!(cell(&text, MAX_CELL_CHARS), format!("{}…", "a".repeat(61)));
    }
}
