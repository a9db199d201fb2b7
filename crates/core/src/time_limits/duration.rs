//! Limit durations as people write them: `90s`, `15m`, `1h`, `1h30m`.

/// The longest limit accepted: a week. Longer is a typo, not a rest break.
pub const MAX_LIMIT_SECS: u64 = 7 * 24 * 3600;

/// Parses `90s`, `15m`, `1h` and combinations in descending order (`1h30m`, `2m30s`).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let explain = |why: &str| {
        format!("{trimmed:?} is not a duration ({why}); write it like \"90s\", \"15m\", \"1h\" or \"1h30m\"")
    };
    if trimmed.is_empty() {
        return Err(explain("it is empty"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    // Units must come largest first and once each: "30m1h" is more likely a mistake than a sum.
    let mut last_unit_secs = u64::MAX;
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit_secs = match c.to_ascii_lowercase() {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            other => return Err(explain(&format!("unknown unit {other:?}"))),
        };
        if digits.is_empty() {
            return Err(explain("a unit needs a number before it"));
        }
        if unit_secs >= last_unit_secs {
            return Err(explain("units go hours, minutes, seconds, each once"));
        }
        last_unit_secs = unit_secs;
        let n: u64 = digits
            .parse()
            .map_err(|_| explain("the number is too large"))?;
        total = n
            .checked_mul(unit_secs)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| explain("the number is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(explain("the number needs a unit: s, m or h"));
    }
    if total == 0 {
        return Err(explain("a limit must be longer than zero"));
    }
    if total > MAX_LIMIT_SECS {
        return Err(format!(
            "{trimmed:?} is longer than the longest limit, a week (168h)"
        ));
    }
    Ok(total)
}

/// The shortest text `parse_duration` reads back as `secs`: 5400 -> "1h30m".
pub fn format_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_minutes_hours_and_combinations_parse() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration(" 2m30s "), Ok(150));
        assert_eq!(parse_duration("1H"), Ok(3600));
    }

    #[test]
    fn malformed_durations_say_what_is_wrong() {
        for (text, why) in [
            ("", "empty"),
            ("15", "needs a unit"),
            ("15x", "unknown unit 'x'"),
            ("m", "number before it"),
            ("0s", "longer than zero"),
            ("30m1h", "each once"),
            ("1m1m", "each once"),
            ("-5m", "unknown unit '-'"),
            ("99999999999999999999s", "too large"),
            ("200h", "a week"),
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    #[test]
    fn formatting_reads_back_to_the_same_seconds() {
        for secs in [1, 59, 60, 90, 900, 3600, 5400, 3661, MAX_LIMIT_SECS] {
            assert_eq!(parse_duration(&format_duration(secs)), Ok(secs), "{secs}");
        }
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(120), "2m");
    }
}
