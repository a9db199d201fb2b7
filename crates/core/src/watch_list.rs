//! Watch lists as people paste them: `101-150, 201, 305`, one id a line, or a mix.
//!
//! One rule for the dashboard's field (through a Tauri command) and the config file's `watch`
//! (expanded when the file is read), so both accept and refuse the same text.
//!
//! - Pasted pieces are separated by commas, semicolons, spaces or line breaks; in the config
//!   file each string of `watch` is one piece.
//! - A piece made only of digits and one `-` between them is a range of numbers, both ends
//!   included; the numbers keep their width (`0101-0103` is `0101, 0102, 0103`).
//! - Any other piece is an agent id, kept verbatim (Agora's `AGENT-1` is not a range).
//! - Refused, with a message naming the piece: a reversed range (`150-101`), ends of different
//!   zero-padded widths (`0101-103`), a dash with no number on one side (`101-`, `1-2-3`), and a
//!   range of more than [`MAX_RANGE_IDS`] ids.
//! - Repeated ids are kept once, in first-seen order; the whole list is bounded by
//!   [`MAX_WATCH_IDS`].

/// The most ids one range may stand for: a typo such as `1-1000000` must not make a million.
pub const MAX_RANGE_IDS: u64 = 10_000;
/// The most ids a whole watch list may hold.
pub const MAX_WATCH_IDS: usize = 50_000;

/// Expands pasted text into agent ids.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    collect(
        text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty()),
    )
}

/// Expands the config file's `watch = ["101-150", "201"]`: each string is one id (kept
/// verbatim, spaces and all) or one range.
pub fn parse_entries<S: AsRef<str>>(entries: &[S]) -> Result<Vec<String>, String> {
    collect(entries.iter().map(AsRef::as_ref))
}

fn collect<'a>(pieces: impl Iterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for piece in pieces {
        for id in expand_piece(piece)? {
            if seen.insert(id.clone()) {
                if ids.len() == MAX_WATCH_IDS {
                    return Err(format!(
                        "a watch list holds at most {MAX_WATCH_IDS} agents; leave it empty to watch every agent"
                    ));
                }
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

fn expand_piece(piece: &str) -> Result<Vec<String>, String> {
    let numeric = piece.chars().all(|c| c.is_ascii_digit() || c == '-');
    if !numeric || !piece.contains('-') {
        return Ok(vec![piece.to_string()]);
    }
    let (start, end) = match piece.split_once('-') {
        Some((s, e)) if !s.is_empty() && !e.is_empty() && !e.contains('-') => (s, e),
        _ => {
            return Err(format!(
            "{piece:?} is not a range: write two numbers with one dash between them, as in 101-150"
        ))
        }
    };
    let padded = |s: &str| s.len() > 1 && s.starts_with('0');
    if (padded(start) || padded(end)) && start.len() != end.len() {
        return Err(format!(
            "{piece:?} mixes widths: write both ends with the same number of digits, as in 0101-0150"
        ));
    }
    let too_big = || format!("{piece:?} has numbers too large to count");
    let first: u64 = start.parse().map_err(|_| too_big())?;
    let last: u64 = end.parse().map_err(|_| too_big())?;
    if first > last {
        return Err(format!(
            "{piece:?} is reversed: write the smaller number first ({end}-{start})"
        ));
    }
    let count = last - first + 1;
    if count > MAX_RANGE_IDS {
        return Err(format!(
            "{piece:?} stands for {count} agents; a range may hold at most {MAX_RANGE_IDS}"
        ));
    }
    // Zero-padded ends keep their width; plain numbers are written as they are.
    let width = if padded(start) || padded(end) {
        start.len()
    } else {
        0
    };
    Ok((first..=last).map(|n| format!("{n:0width$}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lists_and_ranges_expand() {
        assert_eq!(
            parse("101-103, 201; 305\n0099 x-1").unwrap(),
            ["101", "102", "103", "201", "305", "0099", "x-1"]
        );
        assert_eq!(parse("  \n ,; ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn zero_padded_ranges_keep_their_width() {
        assert_eq!(parse("0101-0103").unwrap(), ["0101", "0102", "0103"]);
        assert_eq!(parse("098-101").unwrap(), ["098", "099", "100", "101"]);
        assert_eq!(parse("99-101").unwrap(), ["99", "100", "101"]);
    }

    #[test]
    fn config_entries_are_one_id_or_one_range_each() {
        assert_eq!(
            parse_entries(&["a b, c", "7-8"]).unwrap(),
            ["a b, c", "7", "8"]
        );
    }

    #[test]
    fn repeated_ids_are_kept_once_in_first_seen_order() {
        assert_eq!(parse("3 1-3 2").unwrap(), ["3", "1", "2"]);
    }

    #[test]
    fn ids_with_dashes_and_letters_are_kept_verbatim() {
        assert_eq!(
            parse("AGENT-RUNNING 1NT29X10-5").unwrap(),
            ["AGENT-RUNNING", "1NT29X10-5"]
        );
    }

    #[test]
    fn bad_ranges_are_refused_naming_the_piece() {
        let reversed = parse("101, 150-101").unwrap_err();
        assert!(reversed.contains("\"150-101\" is reversed"), "{reversed}");
        let mixed = parse("0101-103").unwrap_err();
        assert!(mixed.contains("\"0101-103\" mixes widths"), "{mixed}");
        for bad in ["101-", "-101", "1-2-3"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?} is not a range")), "{err}");
        }
        let huge = parse("1-10001").unwrap_err();
        assert!(
            huge.contains("10001 agents") && huge.contains("at most 10000"),
            "{huge}"
        );
        assert_eq!(parse("1-10000").unwrap().len(), 10_000);
        let overflow = parse("1-99999999999999999999999").unwrap_err();
        assert!(overflow.contains("too large"), "{overflow}");
    }

    #[test]
    fn the_whole_list_is_bounded() {
        let text: Vec<String> = (0..6)
            .map(|i| format!("{}-{}", i * 10_000 + 1, (i + 1) * 10_000))
            .collect();
        let err = parse(&text.join(",")).unwrap_err();
        assert!(err.contains("at most 50000"), "{err}");
    }
}
