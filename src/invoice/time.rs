//! Time as the messages and the checks see it: whole seconds since the UNIX epoch,
//! always passed in by the caller (nothing here reads a clock), and the calendar
//! month in China Standard Time that monthly quotas count in.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Seconds of China Standard Time's offset from UTC (UTC+8, no daylight saving).
pub const CHINA_STANDARD_TIME_OFFSET_SECS: i64 = 8 * 3600;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z (UNIX time, leap
/// seconds not counted). Serialized as a JSON integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// The calendar month this instant falls in, in China Standard Time (UTC+8).
    pub fn china_year_month(self) -> YearMonth {
        let local = self.0.saturating_add(CHINA_STANDARD_TIME_OFFSET_SECS);
        let (year, month, _) = civil_from_days(local.div_euclid(86_400));
        YearMonth { year, month }
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.0.saturating_add(CHINA_STANDARD_TIME_OFFSET_SECS);
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// Converts a count of days since 1970-01-01 to a proleptic Gregorian
/// `(year, month 1-12, day 1-31)`.
///
/// This is Howard Hinnant's `civil_from_days` (public domain): shift the epoch to
/// 0000-03-01 so that the leap day ends each 400-year era, then split days into
/// era, year of era and day of year.
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u8; // [1, 31]
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u8; // [1, 12]
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
    }

    #[test]
    fn months_turn_at_midnight_china_standard_time() {
        // 2026-11-30T15:59:59Z is 23:59:59 on the 30th in Beijing.
        let before = UnixTime(1_796_054_399);
        assert_eq!(before.china_year_month().to_string(), "2026-11");
        assert_eq!(
            UnixTime(before.0 + 1).china_year_month().to_string(),
            "2026-12"
        );
        assert_eq!(
            UnixTime(before.0 + 1).to_string(),
            "2026-12-01T00:00:00+08:00"
        );
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
