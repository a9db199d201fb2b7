//! Wall-clock helpers: timestamps as Unix milliseconds, formatted in local time for people.

pub(crate) mod times;
pub mod week;

use time::{OffsetDateTime, UtcOffset};

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn local_offset() -> UtcOffset {
    // The offset is read once: reading it later can fail in a multi-threaded process.
    static OFFSET: std::sync::OnceLock<UtcOffset> = std::sync::OnceLock::new();
    *OFFSET.get_or_init(|| UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC))
}

/// Call early in `main`, before threads start, so that local times are right.
pub fn init_local_offset() {
    let _ = local_offset();
}

/// Now, in the local time zone (what quiet hours are read in).
pub fn now_local() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(local_offset())
}

/// A Unix-ms timestamp as a local date and time.
pub fn to_local(at_ms: i64) -> OffsetDateTime {
    local(at_ms)
}

fn local(at_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(at_ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(local_offset())
}

/// `HH:MM:SS` in local time.
pub fn local_hms(at_ms: i64) -> String {
    let t = local(at_ms);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `YYYY-MM-DD HH:MM:SS` in local time.
pub fn local_datetime(at_ms: i64) -> String {
    let t = local(at_ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// "45 s", "12 min", "3 h 5 min", "2 d 4 h".
pub fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => match (s / 3600, (s % 3600) / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        },
        s => match (s / 86_400, (s % 86_400) / 3600) {
            (d, 0) => format!("{d} d"),
            (d, h) => format!("{d} d {h} h"),
        },
    }
}

/// "45 s", "3 min", "3 min 20 s", "1 h 5 min": a wait to the second while it is short, where
/// a supervisor tells 3 min 20 s from 3 min 55 s.
pub fn minutes_seconds(secs: u64) -> String {
    match secs {
        s if !(60..3600).contains(&s) => human_duration(s),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{} min {} s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_to_the_second_under_an_hour() {
        assert_eq!(minutes_seconds(45), "45 s");
        assert_eq!(minutes_seconds(180), "3 min");
        assert_eq!(minutes_seconds(200), "3 min 20 s");
        assert_eq!(minutes_seconds(3900), "1 h 5 min");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(5), "5 s");
        assert_eq!(human_duration(720), "12 min");
        assert_eq!(human_duration(3600), "1 h");
        assert_eq!(human_duration(3900), "1 h 5 min");
        assert_eq!(human_duration(86_400 * 2 + 3600 * 4), "2 d 4 h");
    }

    #[test]
    fn times_format_with_two_digits() {
        let s = local_hms(0);
        assert_eq!(s.len(), 8);
        assert_eq!(&s[2..3], ":");
    }
}
