//! The history through its public API: rows with odd text (control characters, markup, formula
//! starts, 200,000-character values, NUL), extreme times and durations, written and read back by
//! query, filter, timeline and CSV export; and history files damaged on disk (cut short, bytes
//! overwritten) opened and read.
//!
//! The property: no panic; what was written reads back equal (a duration beyond SQLite's
//! integers reads as the largest one) or is refused with an error message; the export has one
//! record per row; a damaged file gives rows or an error, never a crash.

use crate::answers::hostile_string;
use agentwatch_core::history::{EntryKind, History, HistoryEntry, HistoryFilter};
use agentwatch_core::notifier::Urgency;
use agentwatch_core::{Severity, Vendor};
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

fn text() -> BoxedStrategy<String> {
    hostile_string()
}

fn account_id() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec!["cc-main", "ai", "", "=SUM(A1)", "\u{1b}[2J", "x'; DROP TABLE entries;--"])
            .prop_map(str::to_string),
        1 => text(),
    ]
    .boxed()
}

fn entry() -> BoxedStrategy<HistoryEntry> {
    let at_ms = prop_oneof![
        3 => 1_700_000_000_000i64..1_700_100_000_000,
        1 => any::<i64>(),
        1 => select(vec![i64::MIN, i64::MAX, 0, -1]),
    ];
    let severity = weighted(0.8, select(Severity::ALL.to_vec()));
    (
        (
            at_ms,
            select(EntryKind::ALL.to_vec()),
            weighted(0.9, select(Vendor::all())),
            account_id(),
            weighted(0.7, text()),
            weighted(
                0.8,
                prop_oneof![select(vec!["101", "A1"]).prop_map(str::to_string), text()],
            ),
            weighted(0.5, text()),
        ),
        (
            weighted(0.7, text()),
            weighted(0.7, text()),
            severity.clone(),
            severity,
            weighted(0.4, text()),
            weighted(0.5, text()),
            weighted(0.3, prop_oneof![any::<u64>(), 0u64..100_000]),
            weighted(0.3, text()),
            weighted(
                0.3,
                select(vec![Urgency::Low, Urgency::Normal, Urgency::Critical]),
            ),
        ),
    )
        .prop_map(
            |(
                (at_ms, kind, vendor, account_id, account_name, agent_id, agent_name),
                (
                    old_state,
                    new_state,
                    old_severity,
                    severity,
                    reason,
                    detail,
                    duration_secs,
                    summary,
                    urgency,
                ),
            )| HistoryEntry {
                at_ms,
                kind,
                vendor,
                account_id,
                account_name,
                agent_id,
                agent_name,
                old_state,
                new_state,
                old_severity,
                severity,
                reason,
                detail,
                duration_secs,
                summary,
                urgency,
            },
        )
        .boxed()
}

#[derive(Debug, Clone)]
pub enum Damage {
    /// Cut to this fraction (per mille) of its length.
    Cut(u16),
    /// These bytes overwritten (offset per mille of the length, or within the 100-byte header).
    Overwrite(Vec<(bool, u16, u8)>),
}

#[derive(Debug, Clone)]
pub enum HistoryCase {
    RoundTrip {
        batches: Vec<Vec<HistoryEntry>>,
        until: Option<i64>,
    },
    Damaged {
        rows: Vec<HistoryEntry>,
        damage: Damage,
    },
}

fn case() -> BoxedStrategy<HistoryCase> {
    let damage = prop_oneof![
        (0u16..1000).prop_map(Damage::Cut),
        vec((any::<bool>(), 0u16..1000, any::<u8>()), 1..24).prop_map(Damage::Overwrite),
    ];
    prop_oneof![
        3 => (vec(vec(entry(), 1..5), 1..4), weighted(0.5, any::<i64>()))
            .prop_map(|(batches, until)| HistoryCase::RoundTrip { batches, until }),
        1 => (vec(entry(), 1..40), damage).prop_map(|(rows, damage)| HistoryCase::Damaged { rows, damage }),
    ]
    .boxed()
}

/// The row as it reads back: durations beyond SQLite's signed 64-bit integers are capped.
fn as_stored(mut e: HistoryEntry) -> HistoryEntry {
    e.duration_secs = e.duration_secs.map(|d| d.min(i64::MAX as u64));
    e
}

fn round_trip(batches: Vec<Vec<HistoryEntry>>, until: Option<i64>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let mut history = History::open(&path).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut written = Vec::new();
    for batch in batches {
        match history.record_all(&batch) {
            Ok(()) => written.extend(batch),
            Err(e) => prop_assert!(
                !e.to_string().trim().is_empty(),
                "a refusal without a message"
            ),
        }
    }
    // Newest first; rows of the same time in reverse order of writing.
    let mut expected: Vec<HistoryEntry> = written.into_iter().map(as_stored).collect();
    expected.reverse();
    expected.sort_by_key(|e| std::cmp::Reverse(e.at_ms));
    let all = history
        .query(&HistoryFilter::default())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        &all,
        &expected,
        "the rows read back differ from those written"
    );

    let Some(first) = expected.first().cloned() else {
        return Ok(());
    };
    let by_account = history
        .query(&HistoryFilter {
            account: Some(first.account_id.clone()),
            limit: Some(3),
            ..HistoryFilter::default()
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let want: Vec<_> = expected
        .iter()
        .filter(|e| e.account_id == first.account_id)
        .take(3)
        .cloned()
        .collect();
    prop_assert_eq!(by_account, want, "filtering by account");

    let since = expected.iter().map(|e| e.at_ms).min().unwrap_or(0);
    match history.timeline(&first.account_id, first.agent_id.as_deref(), since, until) {
        Ok(bands) => {
            for band in &bands {
                if let Some(to) = band.to_ms {
                    prop_assert!(
                        band.from_ms <= to,
                        "a band ends before it starts: {:?}",
                        band
                    );
                }
            }
        }
        Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
    }

    let mut csv = Vec::new();
    history
        .export_csv(&HistoryFilter::default(), &mut csv)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let records =
        parse_csv(&String::from_utf8(csv).map_err(|e| TestCaseError::fail(e.to_string()))?)?;
    prop_assert_eq!(
        records.len(),
        expected.len() + 1,
        "one CSV record per row plus the header"
    );
    for (record, entry) in records[1..].iter().zip(&expected) {
        prop_assert_eq!(record.len(), 17);
        prop_assert_eq!(&record[1], &entry.at_ms.to_string());
        let agent = entry.agent_id.clone().unwrap_or_default();
        prop_assert!(
            record[6] == agent || record[6] == format!("'{agent}"),
            "agent id column {:?} for {:?}",
            record[6],
            agent
        );
    }
    Ok(())
}

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, TestCaseError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    prop_assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "the export does not end with a complete record"
    );
    Ok(records)
}

fn damaged(rows: Vec<HistoryEntry>, damage: Damage) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    {
        let mut history = History::open(&path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        history
            .record_all(&rows)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let mut bytes = std::fs::read(&path).unwrap();
    match damage {
        Damage::Cut(per_mille) => bytes.truncate(bytes.len() * usize::from(per_mille) / 1000),
        Damage::Overwrite(writes) => {
            for (in_header, at, value) in writes {
                let len = bytes.len().max(1);
                let i = if in_header {
                    usize::from(at) % 100
                } else {
                    len * usize::from(at) / 1000
                };
                if let Some(b) = bytes.get_mut(i) {
                    *b = value;
                }
            }
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let reads = || -> agentwatch_core::Result<()> {
        let history = match History::open_existing(&path)? {
            Some(h) => h,
            None => return Ok(()),
        };
        history.query(&HistoryFilter::default())?;
        history.timeline("cc-main", None, 0, None)?;
        history.export_csv(&HistoryFilter::default(), std::io::sink())?;
        history.check_integrity()
    };
    if let Err(e) = reads() {
        prop_assert!(
            !e.to_string().trim().is_empty(),
            "an error without a message"
        );
    }
    Ok(())
}

pub fn fuzz_history() {
    crate::harness::fuzz("history", case(), |case| match case {
        HistoryCase::RoundTrip { batches, until } => round_trip(batches, until),
        HistoryCase::Damaged { rows, damage } => damaged(rows, damage),
    });
}
