//! `agentwatch history`: what was recorded (changes, outages, notifications sent), newest
//! first, as a table in local time or as CSV on standard output.

use super::EXIT_USAGE;
use crate::table::Table;
use crate::terminal;
use agentwatch_core::clock::{local_datetime, now_ms};
use agentwatch_core::history::{History, HistoryEntry, HistoryFilter};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

pub struct HistoryArgs {
    /// How far back to look.
    pub since: Duration,
    /// Stop this long ago (None = up to now).
    pub until: Option<Duration>,
    pub agent: Option<String>,
    pub account: Option<String>,
    pub vendor: Option<agentwatch_core::Vendor>,
    pub csv: bool,
    /// The database file (None = the platform data dir).
    pub db: Option<PathBuf>,
}

/// SQLite blocks: the work runs on a blocking thread, not on the async runtime's workers.
pub async fn run(args: HistoryArgs) -> u8 {
    tokio::task::spawn_blocking(move || show(args))
        .await
        .unwrap_or_else(|e| {
            terminal::warn(format_args!("agentwatch: history failed: {e}"));
            1
        })
}

fn show(args: HistoryArgs) -> u8 {
    let path = args.db.clone().unwrap_or_else(History::default_path);
    let history = match History::open_existing(&path) {
        Ok(Some(h)) => h,
        Ok(None) => {
            terminal::warn(format_args!(
                "no history yet ({} does not exist)",
                path.display()
            ));
            return 0;
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            return 1;
        }
    };
    let now = now_ms();
    let ago = |d: Duration| now.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let filter = HistoryFilter {
        since_ms: Some(ago(args.since)),
        until_ms: args.until.map(ago),
        account: args.account,
        agent: args.agent,
        vendor: args.vendor,
        ..Default::default()
    };
    if filter
        .until_ms
        .is_some_and(|until| until <= ago(args.since))
    {
        terminal::warn("agentwatch: --until must be more recent than --since");
        return EXIT_USAGE;
    }
    let result = if args.csv {
        history.export_csv(&filter, std::io::stdout().lock())
    } else {
        history.query(&filter).map(|entries| print_table(&entries))
    };
    match result {
        Ok(()) => 0,
        // `agentwatch history --csv | head` closes the pipe early: not a failure.
        Err(e) if e.to_string().contains("Broken pipe") => 0,
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            1
        }
    }
}

fn print_table(entries: &[HistoryEntry]) {
    if entries.is_empty() {
        terminal::warn("nothing recorded in that time");
        return;
    }
    let mut table = Table::new([
        "TIME", "ACCOUNT", "AGENT", "KIND", "CHANGE", "SEVERITY", "DETAIL",
    ])
    .text_column(6);
    for e in entries {
        table.row([
            local_datetime(e.at_ms),
            e.account_id.clone(),
            e.agent_label(),
            e.kind.to_string(),
            e.transition(),
            e.severity.map(|s| s.to_string()).unwrap_or_default(),
            e.detail_text(),
        ]);
    }
    // Ignore a closed pipe (`| head`) rather than panicking like print! would.
    let _ = std::io::stdout()
        .lock()
        .write_all(table.render().as_bytes());
}
