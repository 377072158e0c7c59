//! Timestamps as the API writes them: ISO 8601 in UTC, e.g. `2026-06-01T10:00:00.000Z`.
//!
//! Many bodies carry dates as strings (a social post's `scheduleDate`, an invoice's due date);
//! these functions turn them into [`SystemTime`] and back, so helpers can compare and move
//! them without a date library of their own. [`Timestamp`] is what a generated setter of a
//! date-time input takes: text as written, or a time value.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A date-time input: what a generated setter of a `date-time` field or parameter takes.
///
/// From text as written (`"2026-12-24T09:00:00.000Z"`, sent unchanged) or from a
/// [`SystemTime`] (sent as UTC with milliseconds, the API's own format). Other date
/// libraries convert through text: `time.to_rfc3339()` (chrono), `timestamp.to_string()`
/// (jiff). What the server sends back is kept as the `String` it sent.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use ghl_runtime::Timestamp;
///
/// let christmas = UNIX_EPOCH + Duration::from_secs(1_766_566_800);
/// assert_eq!(Timestamp::from(christmas).as_str(), "2025-12-24T09:00:00.000Z");
/// assert_eq!(Timestamp::from("2025-12-24T10:00:00+01:00").as_str(), "2025-12-24T10:00:00+01:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

impl Timestamp {
    /// The text a date-time input sends for `value`: generated setters store this.
    pub fn text(value: impl Into<Timestamp>) -> String {
        value.into().0
    }

    /// The text this timestamp sends.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Timestamp {
    fn from(text: &str) -> Self {
        Timestamp(text.to_owned())
    }
}

impl From<String> for Timestamp {
    fn from(text: String) -> Self {
        Timestamp(text)
    }
}

impl From<&String> for Timestamp {
    fn from(text: &String) -> Self {
        Timestamp(text.clone())
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        Timestamp(format_timestamp(time))
    }
}

impl From<Timestamp> for String {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

/// Formats `time` the way the API writes timestamps: `2026-06-01T10:00:00.000Z`. Any
/// `SystemTime` formats, also one before 1970 (humantime's formatter panics on those).
pub fn format_timestamp(time: SystemTime) -> String {
    // Milliseconds from the epoch, negative before it.
    let millis: i128 = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_millis() as i128,
        Err(before) => -(before.duration().as_millis() as i128),
    };
    let (days, in_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (in_day / 3_600_000, in_day / 60_000 % 60);
    let (second, milli) = (in_day / 1000 % 60, in_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    (year, month, day)
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
    fn formats_like_humantime_where_humantime_can_and_before_1970_too() {
        // Every 7,919,993 seconds (about 92 days) from 1970 to 2100, and leap days.
        for secs in (0..4_102_444_800u64).step_by(7_919_993) {
            let time = UNIX_EPOCH + Duration::from_millis(secs * 1000 + secs % 1000);
            assert_eq!(
                format_timestamp(time),
                humantime::format_rfc3339_millis(time).to_string()
            );
        }
        let leap = parse_timestamp("2024-02-29T23:59:59.999Z").unwrap();
        assert_eq!(format_timestamp(leap), "2024-02-29T23:59:59.999Z");
        let before = UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(format_timestamp(before), "1969-12-31T23:59:59.999Z");
        let long_ago = UNIX_EPOCH - Duration::from_secs(2_208_988_800);
        assert_eq!(format_timestamp(long_ago), "1900-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_timestamp_sends_text_as_written_and_times_in_the_api_format() {
        let time = UNIX_EPOCH + Duration::from_millis(1_780_308_000_123);
        assert_eq!(Timestamp::text(time), "2026-06-01T10:00:00.123Z");
        assert_eq!(Timestamp::text("2026-06-01"), "2026-06-01");
        assert_eq!(Timestamp::text(String::from("x")), "x");
        assert_eq!(String::from(Timestamp::from(&String::from("y"))), "y");
        assert_eq!(
            Timestamp::from(time).to_string(),
            "2026-06-01T10:00:00.123Z"
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(parse_timestamp("2026-06-01"), None);
        assert_eq!(parse_timestamp("tomorrow"), None);
        assert_eq!(parse_timestamp(""), None);
    }
}
