//! Violations of the order rules: each one a JSON path, a stable code and a message.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! violation_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// What rule a request broke. The string forms (`TAX_MISMATCH`, …) are stable:
        /// ERPs match on them, and the sample requests in `examples/requests/` are
        /// named after them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ViolationCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ViolationCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ViolationCode] = &[$(ViolationCode::$variant,)*];

            /// The stable SCREAMING_SNAKE_CASE form, e.g. `"TAX_MISMATCH"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ViolationCode::$variant => $text, )*
                }
            }
        }

        impl FromStr for ViolationCode {
            type Err = UnknownViolationCode;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $( $text => Ok(ViolationCode::$variant), )*
                    _ => Err(UnknownViolationCode { code: text.to_owned() }),
                }
            }
        }
    };
}

violation_codes! {
    /// The interface code does not fit the request: a blue invoice needs `ISSUE`, a
    /// red one `RED_LETTER_ISSUE`; other interfaces issue nothing.
    InterfaceMismatch = "INTERFACE_MISMATCH",
    /// The request serial number is not 1 to 64 of `A-Z a-z 0-9 _ -`.
    InvalidSerialNumber = "INVALID_SERIAL_NUMBER",
    /// A required field is absent or blank.
    MissingField = "MISSING_FIELD",
    /// A text field is longer than its limit.
    FieldTooLong = "FIELD_TOO_LONG",
    /// A taxpayer number is malformed or its GB 32100 check character is wrong.
    InvalidTaxId = "INVALID_TAX_ID",
    /// A delivery e-mail address or mobile number is malformed.
    InvalidContact = "INVALID_CONTACT",
    /// The invoice has no lines.
    NoLines = "NO_LINES",
    /// The invoice has more lines than the policy allows (2,000 by default).
    TooManyLines = "TOO_MANY_LINES",
    /// A tax classification code (税收分类编码) is not 19 digits.
    InvalidTaxClassificationCode = "INVALID_TAX_CLASSIFICATION_CODE",
    /// A quantity or unit price has more than 13 decimal places.
    TooManyDecimalPlaces = "TOO_MANY_DECIMAL_PLACES",
    /// An amount, quantity or price has the wrong sign for its line: positive on a
    /// blue invoice, negative on a red one, a unit price never negative.
    SignMismatch = "SIGN_MISMATCH",
    /// A line's amount is not quantity × unit price to the fen.
    AmountMismatch = "AMOUNT_MISMATCH",
    /// A line's tax is not its amount × rate (or total × rate / (1 + rate) when prices
    /// include tax), rounded half-up to the fen, within the tolerance.
    TaxMismatch = "TAX_MISMATCH",
    /// A tax rate is not in the allowed set.
    TaxRateNotAllowed = "TAX_RATE_NOT_ALLOWED",
    /// A zero rate without its zero-rate flag, or the flag on a non-zero rate.
    ZeroRateFlagMismatch = "ZERO_RATE_FLAG_MISMATCH",
    /// A discount line does not directly follow an ordinary line.
    DiscountMisplaced = "DISCOUNT_MISPLACED",
    /// A discount line does not have the opposite sign of the line it discounts
    /// (negative on a blue invoice).
    DiscountSign = "DISCOUNT_SIGN",
    /// A discount is larger than the line it discounts.
    DiscountExceedsLine = "DISCOUNT_EXCEEDS_LINE",
    /// A discount line's tax rate differs from the line it discounts.
    DiscountRateMismatch = "DISCOUNT_RATE_MISMATCH",
    /// The header amount is not the sum of the line amounts.
    TotalAmountMismatch = "TOTAL_AMOUNT_MISMATCH",
    /// The header tax is not the sum of the line taxes.
    TotalTaxMismatch = "TOTAL_TAX_MISMATCH",
    /// The total with tax (价税合计) is not amount + tax.
    GrandTotalMismatch = "GRAND_TOTAL_MISMATCH",
    /// The lines' rounding differences of tax add up beyond the bound (1.27 by
    /// default).
    TaxDifferenceExceeded = "TAX_DIFFERENCE_EXCEEDED",
    /// A product or a sum does not fit an `i64` count of fen.
    AmountOverflow = "AMOUNT_OVERFLOW",
    /// A red invoice lacks the original invoice's number or the red-letter
    /// confirmation number.
    RedReferenceMissing = "RED_REFERENCE_MISSING",
    /// A blue invoice carries a red-letter reference.
    UnexpectedRedReference = "UNEXPECTED_RED_REFERENCE",
    /// The red-letter reason code is not 1 to 4.
    InvalidRedReason = "INVALID_RED_REASON",
    /// The original invoice's number (and code) does not have the format of its kind.
    InvalidInvoiceNumber = "INVALID_INVOICE_NUMBER",
    /// The red-letter confirmation number is not 1 to 32 ASCII digits and letters.
    InvalidConfirmationNumber = "INVALID_CONFIRMATION_NUMBER",
    /// A blue invoice with negative totals.
    NegativeBlueTotal = "NEGATIVE_BLUE_TOTAL",
    /// A red invoice whose totals are not negative.
    RedNotNegative = "RED_NOT_NEGATIVE",
    /// The invoice a red invoice reverses was not issued through this service
    /// platform. Checked against the platform's records, not by validation.
    OriginalInvoiceNotFound = "ORIGINAL_INVOICE_NOT_FOUND",
    /// The invoice a red invoice reverses was issued by another seller. Checked
    /// against the platform's records, not by validation.
    OriginalInvoiceOfAnotherSeller = "ORIGINAL_INVOICE_OF_ANOTHER_SELLER",
    /// The invoice a red invoice reverses is itself red: only blue invoices are
    /// reversed. Checked against the platform's records, not by validation.
    OriginalInvoiceNotBlue = "ORIGINAL_INVOICE_NOT_BLUE",
    /// The invoice a red invoice reverses has been reversed in full already (by
    /// red invoices issued or accepted and still pending). Checked against the
    /// platform's records, not by validation.
    OriginalFullyReversed = "ORIGINAL_FULLY_REVERSED",
    /// A red invoice's total with tax (or amount without tax), with the red
    /// invoices already issued or pending against the same original, exceeds the
    /// original's. Checked against the platform's records, not by validation.
    ReversalExceedsOriginal = "REVERSAL_EXCEEDS_ORIGINAL",
}

impl ViolationCode {
    /// Whether the code is found only against the service platform's records
    /// (the invoice a red invoice reverses), never by validating a request on its
    /// own: no sample request in `examples/requests/` can show it.
    pub const fn needs_records(self) -> bool {
        matches!(
            self,
            ViolationCode::OriginalInvoiceNotFound
                | ViolationCode::OriginalInvoiceOfAnotherSeller
                | ViolationCode::OriginalInvoiceNotBlue
                | ViolationCode::OriginalFullyReversed
                | ViolationCode::ReversalExceedsOriginal
        )
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ViolationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ViolationCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A string that is not a known [`ViolationCode`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} is not a known violation code")]
pub struct UnknownViolationCode {
    /// The text that was refused.
    pub code: String,
}

/// One broken rule: where (a JSON path such as `lines[3].tax_amount_fen`), which rule,
/// and what was expected and found.
///
/// Displays as `lines[3].tax_amount_fen: TAX_MISMATCH expected 13.00 ±0.06, got 14.00`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Violation {
    /// JSON path of the offending field, from the request's root.
    pub path: String,
    /// The rule broken.
    pub code: ViolationCode,
    /// What was expected and what was found.
    pub message: String,
}

impl Violation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, code: ViolationCode, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.path, self.code, self.message)
    }
}

/// Every rule a request broke, in the order of the request's fields; never empty.
///
/// Displays one violation per line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Wraps a list of violations; `None` when the list is empty.
    pub fn from_vec(violations: Vec<Violation>) -> Option<Self> {
        (!violations.is_empty()).then_some(Self(violations))
    }

    /// A single violation.
    pub fn one(violation: Violation) -> Self {
        Self(vec![violation])
    }

    /// The violations, in request order.
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// The violations, in request order.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    /// Iterates over the violations.
    pub fn iter(&self) -> core::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many rules were broken (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: there is at least one violation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any violation has this code.
    pub fn contains(&self, code: ViolationCode) -> bool {
        self.0.iter().any(|v| v.code == code)
    }
}

impl<'de> Deserialize<'de> for Violations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_vec(Vec::deserialize(deserializer)?)
            .ok_or_else(|| serde::de::Error::custom("a list of violations must not be empty"))
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = core::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, violation) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_strings() {
        for &code in ViolationCode::ALL {
            assert_eq!(code.as_str().parse::<ViolationCode>(), Ok(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_')
            );
        }
        assert!("tax_mismatch".parse::<ViolationCode>().is_err());
    }

    #[test]
    fn displays_path_code_and_message() {
        let v = Violation::new(
            "lines[3].tax_amount_fen",
            ViolationCode::TaxMismatch,
            "expected 13.00 ±0.06, got 14.00",
        );
        assert_eq!(
            v.to_string(),
            "lines[3].tax_amount_fen: TAX_MISMATCH expected 13.00 ±0.06, got 14.00"
        );
        assert!(Violations::from_vec(vec![]).is_none());
    }
}
