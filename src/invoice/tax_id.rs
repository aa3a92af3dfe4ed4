//! Taxpayer identification numbers: the unified social credit code (统一社会信用代码)
//! of GB 32100-2015, and the legacy numbers some buyers still use.
//!
//! A unified social credit code is 18 characters from the alphabet
//! `0-9 A-H J-N P-R T U W-Y` (31 characters: no I, O, S, V, Z). Character *i*
//! (1-based) of the first 17 has weight `3^(i-1) mod 31`; the 18th is the check
//! character `31 − (Σ value × weight mod 31)`, where a result of 31 is written `0`.
//! Because 31 is prime and no weight is 0, any single changed character is caught.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// The 31-character alphabet of GB 32100-2015, in value order.
pub const CREDIT_CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Length of a unified social credit code.
pub const CREDIT_CODE_LEN: usize = 18;

/// Lengths of the legacy taxpayer numbers accepted in lenient mode: the old
/// 15-character tax registration number, 17-character numbers, and the 20-character
/// number built from an 18-character resident identity card number plus 2 digits.
pub const LEGACY_TAX_ID_LENS: [usize; 3] = [15, 17, 20];

/// Weights `3^(i-1) mod 31` for positions 1 to 17.
const WEIGHTS: [u32; 17] = {
    let mut weights = [0u32; 17];
    let mut power = 1u32;
    let mut i = 0;
    while i < 17 {
        weights[i] = power;
        power = power * 3 % 31;
        i += 1;
    }
    weights
};

/// Why a string is not a valid taxpayer identification number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaxIdError {
    /// The number has a length that no accepted format has.
    #[error("{len} characters: a unified social credit code has 18{legacy}")]
    WrongLength {
        /// Characters found.
        len: usize,
        /// Legacy lengths accepted in this mode, as text (empty when none).
        legacy: &'static str,
    },
    /// A character outside the alphabet.
    #[error(
        "character {position} ({found:?}) is not in the GB 32100 alphabet 0-9 A-H J-N P-R T U W-Y"
    )]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// A legacy number with a character other than an ASCII digit or capital letter.
    #[error(
        "character {position} ({found:?}) of a legacy taxpayer number is not a digit or capital letter"
    )]
    InvalidLegacyCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The check character does not match the first 17 characters.
    #[error("check character is {found:?}, the first 17 characters give {expected:?}")]
    CheckCharacterMismatch {
        /// The check character computed from the first 17 characters.
        expected: char,
        /// The 18th character found.
        found: char,
    },
}

fn alphabet_value(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    CREDIT_CODE_ALPHABET
        .iter()
        .position(|&a| a == byte)
        .map(|v| v as u32)
}

/// Computes the GB 32100-2015 check character of the first 17 characters of a
/// unified social credit code.
pub fn credit_code_check_character(first_17: &str) -> Result<char, TaxIdError> {
    let len = first_17.chars().count();
    if len != CREDIT_CODE_LEN - 1 {
        return Err(TaxIdError::WrongLength {
            len: len + 1,
            legacy: "",
        });
    }
    let mut sum = 0u32;
    for (index, c) in first_17.chars().enumerate() {
        let value = alphabet_value(c).ok_or(TaxIdError::InvalidCharacter {
            position: index + 1,
            found: c,
        })?;
        sum += value * WEIGHTS[index];
    }
    let check = (31 - sum % 31) % 31;
    Ok(char::from(CREDIT_CODE_ALPHABET[check as usize]))
}

/// A unified social credit code (统一社会信用代码) whose check character is right.
///
/// The only way to get one is to parse it, so holding one means it is well formed.
/// Serialized as its 18-character string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnifiedSocialCreditCode(String);

impl UnifiedSocialCreditCode {
    /// Parses and checks a unified social credit code. Letters must be capitals.
    pub fn parse(text: &str) -> Result<Self, TaxIdError> {
        let len = text.chars().count();
        if len != CREDIT_CODE_LEN {
            return Err(TaxIdError::WrongLength { len, legacy: "" });
        }
        let first_17: String = text.chars().take(CREDIT_CODE_LEN - 1).collect();
        let expected = credit_code_check_character(&first_17)?;
        let found = text.chars().last().unwrap_or_default();
        if alphabet_value(found).is_none() {
            return Err(TaxIdError::InvalidCharacter {
                position: CREDIT_CODE_LEN,
                found,
            });
        }
        if found != expected {
            return Err(TaxIdError::CheckCharacterMismatch { expected, found });
        }
        Ok(Self(text.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UnifiedSocialCreditCode {
    type Err = TaxIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for UnifiedSocialCreditCode {
    type Error = TaxIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<UnifiedSocialCreditCode> for String {
    fn from(code: UnifiedSocialCreditCode) -> Self {
        code.0
    }
}

/// A buyer's taxpayer identification number, as accepted by validation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuyerTaxId {
    /// An 18-character unified social credit code with a correct check character.
    CreditCode(UnifiedSocialCreditCode),
    /// A legacy 15-, 17- or 20-character number, accepted only in lenient mode. Its
    /// format has no check character; only its length and characters were checked.
    Legacy(String),
}

impl BuyerTaxId {
    /// Parses a buyer's tax id: 18 characters are checked as a unified social credit
    /// code; with `lenient`, legacy 15-, 17- and 20-character numbers of digits and
    /// capital letters are accepted too.
    pub fn parse(text: &str, lenient: bool) -> Result<Self, TaxIdError> {
        let len = text.chars().count();
        if len == CREDIT_CODE_LEN {
            return UnifiedSocialCreditCode::parse(text).map(Self::CreditCode);
        }
        if !LEGACY_TAX_ID_LENS.contains(&len) {
            return Err(TaxIdError::WrongLength {
                len,
                legacy: if lenient {
                    " (or legacy 15, 17 or 20)"
                } else {
                    ""
                },
            });
        }
        if !lenient {
            return Err(TaxIdError::WrongLength {
                len,
                legacy: " (legacy 15-, 17- and 20-character numbers only in lenient mode)",
            });
        }
        if let Some((index, found)) = text
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_digit() || c.is_ascii_uppercase()))
        {
            return Err(TaxIdError::InvalidLegacyCharacter {
                position: index + 1,
                found,
            });
        }
        Ok(Self::Legacy(text.to_owned()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::CreditCode(code) => code.as_str(),
            Self::Legacy(number) => number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        assert_eq!(&WEIGHTS[..6], &[1, 3, 9, 27, 19, 26]);
    }

    #[test]
    fn computes_known_check_characters() {
        assert_eq!(credit_code_check_character("91350200776049653"), Ok('A'));
        assert_eq!(credit_code_check_character("91440101MA5CJQ4N5"), Ok('9'));
    }

    #[test]
    fn lenient_mode_gates_legacy_numbers() {
        assert!(BuyerTaxId::parse("350200776049653", false).is_err());
        assert_eq!(
            BuyerTaxId::parse("350200776049653", true),
            Ok(BuyerTaxId::Legacy("350200776049653".into()))
        );
        assert!(BuyerTaxId::parse("35020077604965a", true).is_err());
        assert!(BuyerTaxId::parse("9135020077604965", true).is_err());
    }
}
