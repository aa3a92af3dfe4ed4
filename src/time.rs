//! Time as fapiao sees it: [`Timestamp`], an instant in whole seconds since the
//! UNIX epoch, printed and parsed as RFC 3339; and the calendar of China Standard
//! Time (a constant UTC+08:00, no daylight saving), in which invoices are dated and
//! monthly quotas count ([`YearMonth`]).
//!
//! The calendar is `jiff`'s proleptic Gregorian one. Nothing here reads a clock:
//! callers pass the time in.
#![forbid(unsafe_code)]

use core::fmt;
use core::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::SignedDuration;
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use thiserror::Error as ThisError;

/// Seconds of China Standard Time's offset from UTC (UTC+8, no daylight saving).
pub const CHINA_STANDARD_TIME_OFFSET_SECS: i64 = 8 * 3600;

/// An instant: whole seconds since 1970-01-01T00:00:00Z (UNIX time, leap seconds
/// not counted), signed. Serialized as a JSON integer.
///
/// ```
/// use fapiao::time::Timestamp;
/// let t: Timestamp = "2027-06-01T00:00:00Z".parse().unwrap();
/// assert_eq!(t.unix_seconds(), 1_811_808_000);
/// assert_eq!(t.to_string(), "2027-06-01T00:00:00Z");
/// assert_eq!(t.china_standard_time().to_string(), "2027-06-01T08:00:00+08:00");
/// assert_eq!(t.china_year_month().to_string(), "2027-06");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `secs` seconds after the UNIX epoch (saturating at
    /// `i64::MAX` seconds, as the SQLite columns do).
    pub const fn from_unix_seconds(secs: u64) -> Self {
        if secs > i64::MAX as u64 {
            Self(i64::MAX)
        } else {
            Self(secs as i64)
        }
    }

    /// The instant `secs` seconds after the UNIX epoch, or before it when
    /// negative.
    pub const fn from_signed_unix_seconds(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the UNIX epoch; 0 for an instant before it (see
    /// [`signed_unix_seconds`](Self::signed_unix_seconds)).
    pub const fn unix_seconds(self) -> u64 {
        if self.0 < 0 { 0 } else { self.0 as u64 }
    }

    /// Seconds since the UNIX epoch, negative before it.
    pub const fn signed_unix_seconds(self) -> i64 {
        self.0
    }

    /// Converts a [`SystemTime`]; `None` before the UNIX epoch. Sub-second parts
    /// are dropped.
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        time.duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| Self::from_unix_seconds(d.as_secs()))
    }

    /// The same instant as a [`SystemTime`]; `None` when the platform's
    /// `SystemTime` cannot represent it.
    pub fn to_system_time(self) -> Option<SystemTime> {
        let magnitude = Duration::from_secs(self.0.unsigned_abs());
        if self.0 < 0 {
            UNIX_EPOCH.checked_sub(magnitude)
        } else {
            UNIX_EPOCH.checked_add(magnitude)
        }
    }

    /// Parses an RFC 3339 `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction (truncated to whole seconds), then `Z` or `±HH:MM`. `t`,
    /// `z` and a space instead of `T` are accepted (RFC 3339 allows them). Leap
    /// seconds (`:60`) and instants before 1970 are refused.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampParseError> {
        parse(text.as_bytes())
            .filter(|t| t.0 >= 0)
            .ok_or_else(|| TimestampParseError {
                input: text.chars().take(64).collect(),
            })
    }

    /// The calendar month this instant falls in, in China Standard Time.
    pub fn china_year_month(self) -> YearMonth {
        let civil = Civil::of(self.0.saturating_add(CHINA_STANDARD_TIME_OFFSET_SECS));
        YearMonth {
            year: civil.year,
            month: civil.month,
        }
    }

    /// This instant on China Standard Time's clock; it displays as RFC 3339 with
    /// its offset, e.g. `2026-12-01T00:00:00+08:00`.
    pub fn china_standard_time(self) -> ChinaStandardTime {
        ChinaStandardTime(self)
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
        write!(f, "{}Z", Civil::of(self.0))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

/// A [`Timestamp`] shown on China Standard Time's clock (from
/// [`Timestamp::china_standard_time`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChinaStandardTime(Timestamp);

impl fmt::Display for ChinaStandardTime {
    /// RFC 3339 at UTC+08:00, e.g. `2026-12-01T00:00:00+08:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.0.0.saturating_add(CHINA_STANDARD_TIME_OFFSET_SECS);
        write!(f, "{}+08:00", Civil::of(local))
    }
}

/// The text is not an RFC 3339 date-time at or after 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[error("\"{input}\" is not an RFC 3339 date-time such as 2027-06-01T00:00:00Z")]
pub struct TimestampParseError {
    /// The refused input (its first 64 characters).
    pub input: String,
}

/// 1970-01-01T00:00:00, the civil time of the UNIX epoch in UTC.
const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// Seconds in 400 Gregorian years (146,097 days): the calendar repeats after
/// them, which carries `jiff`'s years -9999..=9999 to any `i64` of seconds.
const GREGORIAN_CYCLE_SECS: i64 = 146_097 * 86_400;

/// A civil date and time of day, the year unbounded.
struct Civil {
    year: i64,
    month: u8,
    time: DateTime,
}

impl Civil {
    /// The civil time `secs` seconds after 1970-01-01T00:00:00 (on a clock at
    /// any fixed offset: the caller adds the offset first).
    fn of(secs: i64) -> Self {
        let cycles = secs.div_euclid(GREGORIAN_CYCLE_SECS);
        let within = SignedDuration::from_secs(secs.rem_euclid(GREGORIAN_CYCLE_SECS));
        let time = EPOCH
            .checked_add(within)
            .expect("1970 plus less than 400 years is a jiff civil time");
        Self {
            year: i64::from(time.year()) + 400 * cycles,
            month: time.month().unsigned_abs(),
            time,
        }
    }
}

impl fmt::Display for Civil {
    /// `YYYY-MM-DDTHH:MM:SS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.time;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year,
            self.month,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// The RFC 3339 `date-time` grammar, which is narrower than the ISO 8601 forms
/// `jiff`'s parser takes (no `:60`, no `+0800`, no date alone); `jiff` checks the
/// calendar (month lengths, leap days) and counts the seconds.
fn parse(s: &[u8]) -> Option<Timestamp> {
    let num = |range: core::ops::Range<usize>| -> Option<i8> {
        let digits = s.get(range)?;
        digits.iter().try_fold(0i8, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i8)
        })
    };
    let at = |i: usize, allowed: &[u8]| s.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let year = i16::from(num(0..2)?) * 100 + i16::from(num(2..4)?);
    let (month, day) = (num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let civil = DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
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
    let local = civil.duration_since(EPOCH).as_secs();
    Some(Timestamp(local - offset_seconds))
}

/// A calendar month, as the monthly quota counts it. Written `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    /// The year (proleptic Gregorian).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u8,
}

/// A string that is not a `YYYY-MM` month.
#[derive(Clone, Debug, PartialEq, Eq, ThisError)]
#[error("{text:?} is not a month written YYYY-MM")]
pub struct YearMonthSyntaxError {
    /// The text that was refused.
    pub text: String,
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = YearMonthSyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || YearMonthSyntaxError {
            text: text.to_owned(),
        };
        let (year, month) = text.split_once('-').ok_or_else(error)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(error());
        }
        if !(year.bytes().all(|b| b.is_ascii_digit()) && month.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(error());
        }
        let year: i64 = year.parse().map_err(|_| error())?;
        let month: u8 = month.parse().map_err(|_| error())?;
        if !(1..=12).contains(&month) {
            return Err(error());
        }
        Ok(Self { year, month })
    }
}

impl TryFrom<String> for YearMonth {
    type Error = YearMonthSyntaxError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<YearMonth> for String {
    fn from(month: YearMonth) -> Self {
        month.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_signed_unix_seconds(secs)
    }

    #[test]
    fn parses_and_formats_the_fixture_times() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2027-06-01T00:00:00Z", 1_811_808_000),
            ("2026-01-01T00:00:00Z", 1_767_225_600),
            ("2036-01-01T00:00:00Z", 2_082_758_400),
            ("2000-02-29T23:59:59Z", 951_868_799),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
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
        assert_eq!(
            Timestamp::parse_rfc3339("2027-06-01T00:00:00.123456789012Z"),
            Ok(z)
        );
        // The offset may carry an instant past the last civil second of 9999.
        assert_eq!(
            Timestamp::parse_rfc3339("9999-12-31T23:59:59-23:59")
                .unwrap()
                .to_string(),
            "10000-01-01T23:58:59Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("1970-01-01T08:00:00+08:00"),
            Ok(at(0))
        );
    }

    #[test]
    fn system_time_round_trip_and_extremes() {
        let t = Timestamp::from_unix_seconds(1_811_808_000);
        assert_eq!(
            Timestamp::from_system_time(t.to_system_time().unwrap()),
            Some(t)
        );
        assert_eq!(
            Timestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(1)),
            None
        );
        assert_eq!(
            Timestamp::from_system_time(UNIX_EPOCH + Duration::from_millis(1_999)),
            Some(at(1))
        );
        assert_eq!(
            at(-1).to_system_time(),
            UNIX_EPOCH.checked_sub(Duration::from_secs(1))
        );
        // Formatting never panics, whatever the value.
        for extreme in [
            Timestamp::from_unix_seconds(u64::MAX),
            at(i64::MAX),
            at(i64::MIN),
        ] {
            assert!(!extreme.to_string().is_empty());
            assert!(!extreme.china_standard_time().to_string().is_empty());
            let _ = extreme.china_year_month();
            let _ = extreme.to_system_time();
        }
        assert_eq!(Timestamp::from_unix_seconds(u64::MAX), at(i64::MAX));
        assert_eq!(at(-5).unix_seconds(), 0);
        assert_eq!(at(-5).signed_unix_seconds(), -5);
    }

    #[test]
    fn refuses_malformed_input() {
        for bad in [
            "",
            "2027-06-01",
            "2027-06-01T00:00:00",
            "2027-13-01T00:00:00Z",
            "2027-00-01T00:00:00Z",
            "2027-06-00T00:00:00Z",
            "2027-04-31T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2027-06-01T24:00:00Z",
            "2027-06-01T00:60:00Z",
            "2027-06-01T00:00:60Z",
            "2027-06-01T00:00:00.Z",
            "2027-06-01T00:00:00+0800",
            "2027-06-01T00:00:00+24:00",
            "2027-06-01T00:00:00+08:60",
            "2027-06-01T00:00:00+08",
            "20270601T000000Z",
            "2027-06-01T00:00Z",
            "+02027-06-01T00:00:00Z",
            "2027-06-01T00:00:00Z[Asia/Shanghai]",
            "1969-12-31T23:59:59Z",
            "1970-01-01T07:59:59+08:00",
            "2027-06-01T00:00:00Zjunk",
            "２027-06-01T00:00:00Z",
            "-027-06-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            "1969-12-31T23:59:59Z"
                .parse::<Timestamp>()
                .unwrap_err()
                .to_string(),
            "\"1969-12-31T23:59:59Z\" is not an RFC 3339 date-time such as 2027-06-01T00:00:00Z"
        );
    }

    #[test]
    fn civil_dates_either_side_of_the_epoch_and_far_out() {
        for (secs, text) in [
            (-1, "1969-12-31T23:59:59Z"),
            (-86_400, "1969-12-31T00:00:00Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
            (-62_135_596_800, "0001-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (253_402_300_800, "10000-01-01T00:00:00Z"),
            // 400 years on, the calendar repeats: a leap day still falls on a leap year.
            (
                951_782_400 + 4 * GREGORIAN_CYCLE_SECS,
                "3600-02-29T00:00:00Z",
            ),
        ] {
            assert_eq!(at(secs).to_string(), text, "{secs}");
        }
    }

    #[test]
    fn months_turn_at_midnight_china_standard_time() {
        // 2026-11-30T15:59:59Z is 23:59:59 on the 30th in Beijing.
        let before = at(1_796_054_399);
        assert_eq!(before.china_year_month().to_string(), "2026-11");
        assert_eq!(at(1_796_054_400).china_year_month().to_string(), "2026-12");
        assert_eq!(
            at(1_796_054_400).china_standard_time().to_string(),
            "2026-12-01T00:00:00+08:00"
        );
        // 2026-01-31T16:00:00Z is already February in China.
        let february = Timestamp::parse_rfc3339("2026-01-31T16:00:00Z").unwrap();
        assert_eq!(february.china_year_month().to_string(), "2026-02");
        assert_eq!(at(february.0 - 1).china_year_month().to_string(), "2026-01");
        // A leap day and the turn of a year, in Beijing.
        let leap = Timestamp::parse_rfc3339("2028-02-28T16:00:00Z").unwrap();
        assert_eq!(
            leap.china_standard_time().to_string(),
            "2028-02-29T00:00:00+08:00"
        );
        assert_eq!(leap.china_year_month().to_string(), "2028-02");
        let new_year = Timestamp::parse_rfc3339("2026-12-31T16:00:00Z").unwrap();
        assert_eq!(new_year.china_year_month().to_string(), "2027-01");
        // Before the epoch: 1969-12-31T16:00:00Z is 1970 in Beijing.
        assert_eq!(at(-8 * 3600).china_year_month().to_string(), "1970-01");
        assert_eq!(at(-8 * 3600 - 1).china_year_month().to_string(), "1969-12");
        assert_eq!(
            at(-1).china_standard_time().to_string(),
            "1970-01-01T07:59:59+08:00"
        );
    }

    #[test]
    fn serialized_as_signed_seconds() {
        assert_eq!(
            serde_json::to_string(&at(1_796_000_000)).unwrap(),
            "1796000000"
        );
        assert_eq!(serde_json::from_str::<Timestamp>("-5").unwrap(), at(-5));
        assert!(serde_json::from_str::<Timestamp>("9223372036854775808").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"2027-06-01T00:00:00Z\"").is_err());
    }

    #[test]
    fn year_month_text() {
        assert_eq!(
            "2026-07".parse::<YearMonth>().unwrap(),
            YearMonth {
                year: 2026,
                month: 7
            }
        );
        for bad in ["2026-13", "2026-7", "26-07", "2026/07", "2026-00"] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
    }
}
