//! Exact money: amounts in fen (分, 0.01 yuan) as `i64`, quantities, prices and
//! rates as [`Decimal`]s written as JSON strings.
//!
//! There is no floating point anywhere on money. Amounts travel as JSON integers in
//! fen (every field carrying one ends in `_fen`); quantities, unit prices and tax
//! rates travel as JSON strings holding a plain decimal number (`"6.50"`, `"0.13"`),
//! so that no JSON parser can turn them into binary floating point on the way.

use core::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serializer};

/// Most decimal places a quantity or a unit price may have.
pub const MAX_DECIMAL_PLACES: u32 = 13;

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = 100;

/// Writes an amount in fen as yuan with two decimals: `1300` is `13.00`, `-5` is
/// `-0.05`.
pub fn format_fen(fen: i64) -> String {
    YuanDisplay(fen).to_string()
}

/// Displays an amount in fen as yuan with two decimals (see [`format_fen`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YuanDisplay(pub i64);

impl fmt::Display for YuanDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

/// Writes a decimal number of fen as yuan, rounded half away from zero to the fen.
pub(crate) fn format_fen_decimal(fen: Decimal) -> String {
    let rounded = round_half_away(fen);
    match i64::try_from(rounded) {
        Ok(fen) => format_fen(fen),
        // Out of i64 range: still say something exact about it.
        Err(_) => format!("{} fen", rounded),
    }
}

/// Rounds a decimal number of fen to a whole fen, half away from zero: a red
/// (negative) line rounds exactly as the blue line it mirrors.
pub fn round_half_away(fen: Decimal) -> Decimal {
    fen.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
}

/// Why a string is not a plain decimal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalSyntaxError {
    /// The string is empty or only a sign.
    #[error("an empty decimal number")]
    Empty,
    /// A character other than an ASCII digit, one leading `-` and one `.`.
    #[error(
        "character {position} is not part of a plain decimal number (digits, one leading '-', one '.')"
    )]
    UnexpectedCharacter {
        /// Zero-based character position.
        position: usize,
    },
    /// The number does not fit a 96-bit decimal mantissa exactly.
    #[error("a decimal number with more than 28 significant digits")]
    TooLarge,
}

/// Parses a plain decimal number: an optional leading `-`, ASCII digits, and at most
/// one `.` with digits on both sides. No exponent, no `+`, no separators, no
/// rounding: a number that cannot be held exactly is refused.
pub fn parse_decimal(text: &str) -> Result<Decimal, DecimalSyntaxError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let offset = text.len() - digits.len();
    if digits.is_empty() {
        return Err(DecimalSyntaxError::Empty);
    }
    let mut seen_point = false;
    for (index, byte) in digits.bytes().enumerate() {
        let at_edge = index == 0 || index == digits.len() - 1;
        match byte {
            b'0'..=b'9' => {}
            b'.' if !seen_point && !at_edge => seen_point = true,
            _ => {
                return Err(DecimalSyntaxError::UnexpectedCharacter {
                    position: offset + index,
                });
            }
        }
    }
    Decimal::from_str_exact(text).map_err(|_| DecimalSyntaxError::TooLarge)
}

/// Serde helpers writing a [`Decimal`] as a JSON string and reading it only from one
/// (a JSON number is refused: it may already have passed through a float).
pub(crate) mod decimal_string {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse_decimal(&text).map_err(|e| {
            serde::de::Error::custom(format_args!("\"{text}\" is not a decimal string: {e}"))
        })
    }

    /// The same for `Option<Decimal>`.
    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.collect_str(value),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            #[derive(Deserialize)]
            #[serde(transparent)]
            struct Wrapped(#[serde(with = "super")] Decimal);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(d)| d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fen_as_yuan() {
        assert_eq!(format_fen(1300), "13.00");
        assert_eq!(format_fen(-5), "-0.05");
        assert_eq!(format_fen(0), "0.00");
        assert_eq!(format_fen(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn parses_only_plain_decimals() {
        assert_eq!(parse_decimal("6.50").unwrap().to_string(), "6.50");
        assert_eq!(parse_decimal("-2").unwrap().to_string(), "-2");
        for bad in [
            "", "-", "1e3", "+1", "1_000", ".5", "5.", "1.2.3", " 1", "0x10",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            parse_decimal("123456789012345678901234567890"),
            Err(DecimalSyntaxError::TooLarge)
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_half_away(Decimal::new(1005, 1)), Decimal::from(101));
        assert_eq!(round_half_away(Decimal::new(-1005, 1)), Decimal::from(-101));
        assert_eq!(round_half_away(Decimal::new(1004, 1)), Decimal::from(100));
    }
}
