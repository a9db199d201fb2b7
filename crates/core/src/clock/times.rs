//! Time as the policy and maintenance windows use it: the caller's `OffsetDateTime` (local offset) in, Unix
//! milliseconds in everything it keeps and reports (the rest of the core speaks milliseconds).

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

/// Unix time in milliseconds.
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Milliseconds between two instants, never negative: a clock that steps back is not a duration.
pub(crate) fn elapsed_secs(from_ms: i64, to_ms: i64) -> u64 {
    (to_ms.saturating_sub(from_ms).max(0) / 1000) as u64
}

/// Serialises an instant as Unix milliseconds (the `time` crate's serde feature is not enabled).
pub(crate) fn serialize_ms<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(to_ms(*t))
}

/// Reads an instant written by `serialize_ms` (in UTC: the caller re-offsets it when showing it).
pub(crate) fn deserialize_ms<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let ms = i64::deserialize(d)?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(serde::de::Error::custom)
}

/// How a person reads `t` when it is `now`: "14:00" today, "Tue 14:00" within a week,
/// "2025-03-12 14:00" further away. Shown in `now`'s offset, the supervisor's local time.
pub(crate) fn time_label(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let t = t.to_offset(now.offset());
    let hm = format!("{:02}:{:02}", t.hour(), t.minute());
    let days_ahead = (t.date() - now.date()).whole_days();
    if days_ahead == 0 {
        hm
    } else if (1..7).contains(&days_ahead) {
        let day = t.weekday().to_string();
        format!("{} {hm}", &day[..3])
    } else {
        format!("{:04}-{:02}-{:02} {hm}", t.year(), t.month() as u8, t.day())
    }
}
