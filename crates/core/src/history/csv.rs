//! Export to CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a
//! comma, a quote or a line break, quotes doubled. Written by hand: a dozen lines do not need a
//! dependency. Text that came from a vendor or a user and starts like a spreadsheet formula
//! gets a leading `'`, so that opening the export never runs it (OWASP's CSV injection advice).

use super::entry::{urgency_str, HistoryEntry};
use super::query::HistoryFilter;
use super::History;
use crate::error::{Error, Result};
use std::io::Write;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const HEADER: [&str; 17] = [
    "time",
    "at_ms",
    "kind",
    "vendor",
    "account_id",
    "account_name",
    "agent_id",
    "agent_name",
    "old_state",
    "new_state",
    "old_severity",
    "severity",
    "reason",
    "detail",
    "duration_secs",
    "summary",
    "urgency",
];

impl History {
    /// Writes the rows the filter selects (newest first) as CSV, streaming: memory stays flat
    /// for a month of history. The time column is RFC 3339 in UTC so that the file means the
    /// same thing wherever it is opened; `at_ms` is there for programs.
    pub fn export_csv(&self, filter: &HistoryFilter, out: impl Write) -> Result<()> {
        let mut out = std::io::BufWriter::new(out);
        let io = |e: std::io::Error| Error::Io(format!("cannot write the CSV export: {e}"));
        write_record(&mut out, HEADER.map(String::from)).map_err(io)?;
        self.for_each(filter, |entry| {
            write_record(&mut out, fields(&entry)).map_err(io)
        })?;
        out.flush().map_err(io)
    }
}

/// The header row alone: the export of an empty history.
pub(super) fn write_header(out: &mut impl Write) -> std::io::Result<()> {
    write_record(out, HEADER.map(String::from))
}

fn fields(e: &HistoryEntry) -> [String; 17] {
    let text = |v: &Option<String>| v.as_deref().map(inert).unwrap_or_default();
    [
        OffsetDateTime::from_unix_timestamp_nanos(e.at_ms as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default(),
        e.at_ms.to_string(),
        e.kind.to_string(),
        e.vendor.map(|v| v.to_string()).unwrap_or_default(),
        inert(&e.account_id),
        text(&e.account_name),
        text(&e.agent_id),
        text(&e.agent_name),
        text(&e.old_state),
        text(&e.new_state),
        e.old_severity.map(|s| s.to_string()).unwrap_or_default(),
        e.severity.map(|s| s.to_string()).unwrap_or_default(),
        text(&e.reason),
        text(&e.detail),
        e.duration_secs.map(|d| d.to_string()).unwrap_or_default(),
        text(&e.summary),
        e.urgency.map(urgency_str).unwrap_or_default().to_string(),
    ]
}

fn write_record<const N: usize>(out: &mut impl Write, fields: [String; N]) -> std::io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(quote(field).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// Text a spreadsheet would not read as a formula: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A field as RFC 4180 wants it.
fn quote(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::*;
    use crate::model::Severity;

    #[test]
    fn text_that_starts_like_a_formula_is_made_inert() {
        assert_eq!(
            inert("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(inert(start).starts_with('\''), "{start:?}");
        }
        assert_eq!(inert("RUNNING"), "RUNNING");
        assert_eq!(inert("a=b"), "a=b");
        assert_eq!(inert(""), "");
    }

    #[test]
    fn fields_with_commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote("cr\r"), "\"cr\r\"");
    }

    #[test]
    fn the_export_has_a_header_and_one_record_per_row_newest_first() {
        let (_dir, mut history) = temp_history();
        let mut odd = changed(
            0,
            "A1",
            "idle",
            "on \"break\", back\nsoon",
            Severity::Warning,
        );
        odd.account_name = "Sales, EMEA".into();
        history.record_event(&odd).unwrap();
        // A vendor's state text that a spreadsheet would run.
        history
            .record_event(&changed(30_000, "C3", "idle", "=1+1", Severity::Info))
            .unwrap();
        history
            .record_event(&changed(60_000, "B2", "idle", "busy", Severity::Info))
            .unwrap();

        let mut out = Vec::new();
        history
            .export_csv(&HistoryFilter::default(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        let records: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(records[0], HEADER.join(","));
        assert!(
            records[1].starts_with("1970-01-01T00:01:00Z,60000,changed,huawei,cc,"),
            "{}",
            records[1]
        );
        assert!(
            records[2].contains(",C3,Agent C3,idle,'=1+1,"),
            "{}",
            records[2]
        );
        assert!(
            records[3]
                .contains(",\"Sales, EMEA\",A1,Agent A1,idle,\"on \"\"break\"\", back\nsoon\","),
            "{}",
            records[3]
        );
        assert_eq!(records[4], "", "the file ends with a line break");
        assert_eq!(records.len(), 5);
    }

    #[test]
    fn the_export_follows_the_filter() {
        let (_dir, mut history) = temp_history();
        history
            .record_event(&changed(0, "A1", "idle", "busy", Severity::Info))
            .unwrap();
        history
            .record_event(&changed(10, "B2", "idle", "busy", Severity::Info))
            .unwrap();
        let mut out = Vec::new();
        let filter = HistoryFilter {
            agent: Some("B2".into()),
            ..Default::default()
        };
        history.export_csv(&filter, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains("A1"));
    }
}
