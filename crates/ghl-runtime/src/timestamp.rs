//! Timestamps as the API writes them: ISO 8601 in UTC, e.g. `2026-06-01T10:00:00.000Z`.
//!
//! Many bodies carry dates as strings (a social post's `scheduleDate`, an invoice's due date);
//! these two functions turn them into [`SystemTime`] and back, so helpers can compare and move
//! them without a date library of their own.

use std::time::SystemTime;

/// Parses an RFC 3339 UTC timestamp (`2026-06-01T10:00:00Z`, fractional seconds allowed);
/// `None` for anything else, e.g. a date without a time or an offset other than `Z`.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text.trim()).ok()
}

/// Formats `time` the way the API writes timestamps: `2026-06-01T10:00:00.000Z`.
pub fn format_timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
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
    fn refuses_what_it_cannot_read() {
        assert_eq!(parse_timestamp("2026-06-01"), None);
        assert_eq!(parse_timestamp("tomorrow"), None);
        assert_eq!(parse_timestamp(""), None);
    }
}
