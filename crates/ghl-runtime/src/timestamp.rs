//! Timestamps as the API writes them: ISO 8601 in UTC, e.g. `2026-06-01T10:00:00.000Z`.
//!
//! Many bodies carry dates as strings (a social post's `scheduleDate`, an invoice's due date);
//! these functions turn them into [`SystemTime`] and back, so helpers can compare and move
//! them without a date library of their own.

use std::time::{Duration, SystemTime};

/// Parses an RFC 3339 timestamp: `2026-06-01T10:00:00Z`, fractional seconds allowed, with
/// `Z` or an offset such as `+02:00`; `None` for anything else, e.g. a date without a time.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    // An offset `±HH:MM`: read the time as UTC, then move it by the offset.
    let (local, offset) = match text.len().checked_sub(6).map(|at| text.split_at(at)) {
        Some((local, offset))
            if matches!(offset.as_bytes(), [b'+' | b'-', _, _, b':', _, _])
                && local.len() >= 19 =>
        {
            let hours: u64 = offset.get(1..3)?.parse().ok()?;
            let minutes: u64 = offset.get(4..6)?.parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = Duration::from_secs(hours * 3600 + minutes * 60);
            (local, Some((offset.starts_with('+'), seconds)))
        }
        _ => (text, None),
    };
    match offset {
        None => humantime::parse_rfc3339(local).ok(),
        Some((ahead, by)) => {
            let utc = humantime::parse_rfc3339(&format!("{local}Z")).ok()?;
            if ahead {
                utc.checked_sub(by)
            } else {
                utc.checked_add(by)
            }
        }
    }
}

/// Formats `time` the way the API writes timestamps: `2026-06-01T10:00:00.000Z`.
pub fn format_timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// The date a full update sends for an item that has (or should have) one: the first of
/// `dates` that is not blank, as written, unless `must_be_future` and it is not at or after
/// `now` (or cannot be read); with no date, or one that must be in the future and is not,
/// `lead` from `now`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use ghl_runtime::timestamp::keep_or_ahead;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_780_308_000); // 2026-06-01T10:00:00Z
/// let lead = Duration::from_secs(600);
/// let past = Some("2026-01-01T10:00:00.000Z");
/// assert_eq!(keep_or_ahead(&[None, past], false, now, lead), "2026-01-01T10:00:00.000Z");
/// assert_eq!(keep_or_ahead(&[Some(" "), past], true, now, lead), "2026-06-01T10:10:00.000Z");
/// assert_eq!(keep_or_ahead(&[], false, now, lead), "2026-06-01T10:10:00.000Z");
/// ```
pub fn keep_or_ahead(
    dates: &[Option<&str>],
    must_be_future: bool,
    now: SystemTime,
    lead: Duration,
) -> String {
    let own = dates.iter().flatten().find(|date| !date.trim().is_empty());
    match own {
        Some(date) if !must_be_future => (*date).to_owned(),
        Some(date) if parse_timestamp(date).is_some_and(|time| time >= now) => (*date).to_owned(),
        _ => format_timestamp(now + lead),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn round_trips_the_api_format() {
        let time = UNIX_EPOCH + Duration::from_millis(1_780_308_000_123);
        let text = format_timestamp(time);
        assert_eq!(text, "2026-06-01T10:00:00.123Z");
        assert_eq!(parse_timestamp(&text), Some(time));
        assert_eq!(
            parse_timestamp("2026-06-01T10:00:00Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_780_308_000))
        );
    }

    #[test]
    fn offsets_move_the_time() {
        let utc = parse_timestamp("2026-06-01T10:00:00Z").unwrap();
        assert_eq!(parse_timestamp("2026-06-01T12:00:00+02:00"), Some(utc));
        assert_eq!(parse_timestamp("2026-06-01T05:30:00.000-04:30"), Some(utc));
        assert_eq!(parse_timestamp("2026-06-01T10:00:00+24:00"), None);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(parse_timestamp("2026-06-01"), None);
        assert_eq!(parse_timestamp("tomorrow"), None);
        assert_eq!(parse_timestamp(""), None);
    }
}
