//! serde's and toml's messages in a config file's words: a misspelt key is named with the key
//! it was probably meant to be ("did you mean base_url?"), a misspelt value with the value, a
//! missing key says it is required, and a syntax error is one line.

/// What a message says about the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    /// The key the message names, below the place it was reported at (an unknown or a
    /// missing key is reported at its table).
    pub key: Option<String>,
    pub message: String,
}

/// Rewrites a serde or toml message. `more_keys` are keys also valid at that place that serde
/// does not list (an account's shared keys, beside a vendor's own).
pub(crate) fn explain(message: &str, more_keys: &[&str]) -> Explained {
    let message = one_line(strip_key_suffix(message));
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((key, expected)) = rest.split_once('`') {
            let mut known = listed(expected);
            known.extend(more_keys.iter().map(|k| k.to_string()));
            return Explained {
                key: Some(key.to_string()),
                message: unknown_key(key, &known),
            };
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((value, expected)) = rest.split_once('`') {
            let known = listed(expected);
            let hint = suggestion(value, &known)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            return Explained {
                key: None,
                message: format!("{value:?} is not one of {}{hint}", known.join(", ")),
            };
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some((key, _)) = rest.split_once('`') {
            return Explained {
                key: Some(key.to_string()),
                message: "is required".to_string(),
            };
        }
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return Explained {
            key: None,
            message: format!("must be {}, not {found}", in_words(expected)),
        };
    }
    Explained { key: None, message }
}

/// serde's names of what a value should have been, as a config file's writer says them.
fn in_words(expected: &str) -> &str {
    match expected {
        "a string" | "a borrowed string" => "text in quotes",
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => "a whole number",
        "a sequence" => "a list ([…])",
        "a boolean" => "true or false",
        "a map" => "a table",
        other => other,
    }
}

/// "unknown key (did you mean base_url?)", or the keys allowed there when none is close.
pub(crate) fn unknown_key(key: &str, known: &[String]) -> String {
    match suggestion(key, known) {
        Some(near) => format!("unknown key (did you mean {near}?)"),
        None if known.is_empty() => "unknown key: this table takes no keys".to_string(),
        None => {
            let mut sorted: Vec<&str> = known.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            sorted.dedup();
            format!("unknown key (the keys here are {})", sorted.join(", "))
        }
    }
}

/// The known word closest to `typed`, when it is close enough to be a slip of the keyboard.
pub(crate) fn suggestion<'a>(typed: &str, known: &'a [String]) -> Option<&'a str> {
    let typed_lower = typed.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&typed_lower, &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.as_str())
}

/// serde's "expected one of `a`, `b`" / "expected `a`" / "there are no fields", as words.
fn listed(expected: &str) -> Vec<String> {
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// toml adds " for key `x`" to some messages: the key is named by the caller instead.
fn strip_key_suffix(message: &str) -> &str {
    match message.rfind(" for key `") {
        Some(at) if message.ends_with('`') => &message[..at],
        _ => message,
    }
}

/// toml's syntax messages run over several lines ("invalid table header\nexpected `.`, `]`"):
/// one line, so that no terminal shows a literal `\n`.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_key_is_named_with_the_near_one() {
        let e = explain(
            "unknown field `base_ulr`, expected one of `auth`, `workno`",
            &["base_url", "watch"],
        );
        assert_eq!(e.key.as_deref(), Some("base_ulr"));
        assert_eq!(e.message, "unknown key (did you mean base_url?)");
        let e = explain("unknown field `zzz`, expected `warning` or `critical`", &[]);
        assert_eq!(
            e.message,
            "unknown key (the keys here are critical, warning)"
        );
    }

    #[test]
    fn a_misspelt_value_is_named_with_the_near_one() {
        let e = explain(
            "unknown variant `critcal`, expected one of `ok`, `info`, `warning`, `critical`, `unknown`",
            &[],
        );
        assert_eq!(e.key, None);
        assert_eq!(
            e.message,
            "\"critcal\" is not one of ok, info, warning, critical, unknown (did you mean critical?)"
        );
    }

    #[test]
    fn a_missing_key_is_required_and_syntax_errors_are_one_line() {
        let e = explain("missing field `vendor`", &[]);
        assert_eq!(
            (e.key.as_deref(), e.message.as_str()),
            (Some("vendor"), "is required")
        );
        let e = explain("invalid table header\nexpected `.`, `]`\n", &[]);
        assert_eq!(e.message, "invalid table header; expected `.`, `]`");
        let e = explain(
            "invalid type: integer `5`, expected a string for key `x`",
            &[],
        );
        assert_eq!(e.message, "must be text in quotes, not integer `5`");
        let e = explain("invalid type: string \"10\", expected u64", &[]);
        assert_eq!(e.message, "must be a whole number, not string \"10\"");
    }
}
