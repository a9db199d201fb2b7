//! The History view's *Export CSV*: the rows the filters select (all of them, oldest rows
//! included) written to a new, time-stamped file in a folder (the user's Downloads folder, for
//! the desktop app). The file appears whole or not at all (written beside it, then renamed).

use super::{History, HistoryFilter};
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the export into `dir` (created when missing) and returns the file's path. With no
/// history yet (`history` none, or no file), the export holds the header only. Blocking
/// (SQLite, files): run it off the async workers.
pub fn export_csv_file(
    history: Option<&Path>,
    filter: &HistoryFilter,
    dir: &Path,
    now_ms: i64,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    let file = dir.join(export_name(now_ms));
    let history = match history {
        Some(path) => History::open_existing(path)?,
        None => None,
    };
    let io = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", file.display()));
    let part = file.with_extension("csv.part");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&part).map_err(io)?);
    match &history {
        Some(h) => h.export_csv(filter, &mut out)?,
        None => super::csv::write_header(&mut out).map_err(io)?,
    }
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&part, &file).map_err(io)?;
    Ok(file)
}

/// `agentwatch-history-YYYYMMDD-HHMMSS.csv` in local time: names sort by time.
fn export_name(now_ms: i64) -> String {
    let t = crate::clock::to_local(now_ms);
    format!(
        "agentwatch-history-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_sort_by_time() {
        let a = export_name(1_700_000_000_000);
        assert!(
            a.starts_with("agentwatch-history-") && a.ends_with(".csv"),
            "{a}"
        );
        assert!(a < export_name(1_700_000_100_000));
    }

    #[test]
    fn with_nothing_recorded_the_export_is_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.sqlite3");
        let file = export_csv_file(
            Some(&missing),
            &HistoryFilter::default(),
            &dir.path().join("out"),
            1_700_000_000_000,
        )
        .unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.starts_with("time,at_ms,kind,"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}
