//! [`Timestamp`]: an instant in UTC, in whole seconds since the UNIX epoch, with
//! RFC 3339 parsing and formatting (no calendar dependency: the civil-date
//! conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`).
//!
//! Path validation never reads a clock: the caller passes the time to validate at.

use core::fmt;
use core::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error as ThisError;

/// An instant in UTC, in whole seconds since 1970-01-01T00:00:00Z.
///
/// ```
/// use fapiao::pki::Timestamp;
/// let t: Timestamp = "2027-06-01T00:00:00Z".parse().unwrap();
/// assert_eq!(t.unix_seconds(), 1_811_808_000);
/// assert_eq!(t.to_string(), "2027-06-01T00:00:00Z");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The instant `secs` seconds after the UNIX epoch.
    pub const fn from_unix_seconds(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the UNIX epoch.
    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    /// Converts a [`SystemTime`]; `None` before the UNIX epoch. Sub-second parts
    /// are dropped.
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        time.duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| Self(d.as_secs()))
    }

    /// The same instant as a [`SystemTime`]; `None` when the platform's
    /// `SystemTime` cannot represent it.
    pub fn to_system_time(self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(self.0))
    }

    /// Parses an RFC 3339 `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction (truncated to whole seconds), then `Z` or `±HH:MM`. `t`,
    /// `z` and a space instead of `T` are accepted (RFC 3339 allows them). Leap
    /// seconds (`:60`) and instants before 1970 are refused.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampParseError> {
        parse(text.as_bytes()).ok_or_else(|| TimestampParseError {
            input: text.chars().take(64).collect(),
        })
    }
}

impl FromStr for Timestamp {
    type Err = TimestampParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_rfc3339(s)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2027-06-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = (self.0 / 86_400) as i64;
        let secs = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

/// The text is not an RFC 3339 date-time at or after 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[error("\"{input}\" is not an RFC 3339 date-time such as 2027-06-01T00:00:00Z")]
pub struct TimestampParseError {
    /// The refused input (its first 64 characters).
    pub input: String,
}

fn parse(s: &[u8]) -> Option<Timestamp> {
    let num = |range: core::ops::Range<usize>| -> Option<i64> {
        let digits = s.get(range)?;
        digits.iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| s.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let magnitude = oh * 3600 + om * 60;
            if *sign == b'+' { magnitude } else { -magnitude }
        }
        _ => return None,
    };
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(local - offset_seconds).ok().map(Timestamp)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` days after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_the_fixture_times() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2027-06-01T00:00:00Z", 1_811_808_000),
            ("2026-01-01T00:00:00Z", 1_767_225_600),
            ("2036-01-01T00:00:00Z", 2_082_758_400),
            ("2000-02-29T23:59:59Z", 951_868_799),
        ] {
            let t = Timestamp::parse_rfc3339(text).unwrap();
            assert_eq!(t.unix_seconds(), secs, "{text}");
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn offsets_fractions_and_lowercase() {
        let z = Timestamp::parse_rfc3339("2027-06-01T00:00:00Z").unwrap();
        assert_eq!(Timestamp::parse_rfc3339("2027-06-01T08:00:00+08:00"), Ok(z));
        assert_eq!(Timestamp::parse_rfc3339("2027-05-31T23:30:00-00:30"), Ok(z));
        assert_eq!(Timestamp::parse_rfc3339("2027-06-01t00:00:00.999z"), Ok(z));
        assert_eq!(Timestamp::parse_rfc3339("2027-06-01 00:00:00Z"), Ok(z));
    }

    #[test]
    fn system_time_round_trip_and_extremes() {
        let t = Timestamp::from_unix_seconds(1_811_808_000);
        assert_eq!(
            Timestamp::from_system_time(t.to_system_time().unwrap()),
            Some(t)
        );
        // Formatting never panics, whatever the value.
        let far = Timestamp::from_unix_seconds(u64::MAX);
        assert!(!far.to_string().is_empty());
        let _ = far.to_system_time();
    }

    #[test]
    fn refuses_malformed_input() {
        for bad in [
            "",
            "2027-06-01",
            "2027-06-01T00:00:00",
            "2027-13-01T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "2027-06-01T24:00:00Z",
            "2027-06-01T00:00:60Z",
            "2027-06-01T00:00:00.Z",
            "2027-06-01T00:00:00+0800",
            "1969-12-31T23:59:59Z",
            "2027-06-01T00:00:00Zjunk",
            "２027-06-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }
}
