//! What a red-letter (红字) invoice reverses, and the rule that keeps the reds
//! against one blue invoice within it.
//!
//! A red invoice names the blue invoice it reverses. The service platform holds
//! it against its records: the original must have been issued through the
//! platform, by the same seller, be blue, and the reds against it, issued or
//! accepted and still pending on an enterprise's device, must together never
//! exceed its total with tax (价税合计) nor its amount without tax (金额). Amounts
//! are compared as positive fen: a red invoice's totals are negative, its
//! reversal is their absolute value.

use core::fmt;

use super::money::format_fen;
use super::{
    InvoiceColor, InvoiceNumber, IssuedInvoice, ValidatedRequest, Violation, ViolationCode,
};

/// What one red invoice reverses: the original's number and how much of it, as
/// positive fen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reversal {
    /// The blue invoice reversed (for the legacy kinds, its code and number).
    pub original: InvoiceNumber,
    /// How much of the original's total with tax it reverses (the absolute value
    /// of the red invoice's `totals.total_fen`).
    pub total_fen: i64,
    /// How much of the original's amount without tax it reverses (the absolute
    /// value of the red invoice's `totals.amount_fen`).
    pub amount_fen: i64,
}

/// How much of an original has been reversed so far, as positive fen: the sums
/// over the red invoices issued against it and those accepted and still pending
/// on an enterprise's device (failed and refused ones do not count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reversed {
    /// Sum of the reds' totals with tax.
    pub total_fen: i64,
    /// Sum of the reds' amounts without tax.
    pub amount_fen: i64,
}

/// Why a red invoice may not reverse the invoice it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReversalRefusal {
    /// The original was not issued through this service platform.
    OriginalNotFound,
    /// The original was issued by another seller.
    OriginalOfAnotherSeller,
    /// The original is red.
    OriginalNotBlue,
    /// The original has been reversed in full.
    FullyReversed {
        /// The original's total with tax, in fen.
        original_total_fen: i64,
    },
    /// This red, with the reds before it, would exceed the original.
    Exceeds {
        /// Which total: `"total_fen"` (with tax) or `"amount_fen"` (without).
        field: &'static str,
        /// What is left of the original in that total, in fen.
        remaining_fen: i64,
        /// What this red reverses of it, in fen.
        requested_fen: i64,
    },
}

impl Reversal {
    /// What `request` reverses, when it is a red invoice; `None` for a blue one,
    /// or when the original's number does not have its kind's format (which
    /// validation refuses first).
    pub fn of_request(request: &ValidatedRequest) -> Option<Self> {
        if request.color() != InvoiceColor::Red {
            return None;
        }
        let reference = request.request().red_letter.as_ref()?;
        let number = reference.original_invoice_number.as_str();
        let original = if request.invoice_kind().is_digital() {
            InvoiceNumber::digital(number)
        } else {
            InvoiceNumber::legacy(reference.original_invoice_code.as_deref()?, number)
        }
        .ok()?;
        let totals = request.totals();
        Some(Self {
            original,
            total_fen: totals.total_fen.saturating_abs(),
            amount_fen: totals.amount_fen.saturating_abs(),
        })
    }

    /// Whether `seller_tax_id` may issue this red invoice against `original` (as
    /// the platform recorded it, `None` when it holds no such invoice), given
    /// what the reds before it reversed (`so_far`).
    pub fn check(
        &self,
        seller_tax_id: &str,
        original: Option<&IssuedInvoice>,
        so_far: Reversed,
    ) -> Result<(), ReversalRefusal> {
        let Some(original) = original else {
            return Err(ReversalRefusal::OriginalNotFound);
        };
        if original.seller_tax_id.as_str() != seller_tax_id {
            return Err(ReversalRefusal::OriginalOfAnotherSeller);
        }
        if original.color != InvoiceColor::Blue {
            return Err(ReversalRefusal::OriginalNotBlue);
        }
        if so_far.total_fen >= original.total_fen {
            return Err(ReversalRefusal::FullyReversed {
                original_total_fen: original.total_fen,
            });
        }
        for (field, whole, before, requested) in [
            (
                "total_fen",
                original.total_fen,
                so_far.total_fen,
                self.total_fen,
            ),
            (
                "amount_fen",
                original.amount_fen,
                so_far.amount_fen,
                self.amount_fen,
            ),
        ] {
            let remaining_fen = whole.saturating_sub(before).max(0);
            if requested > remaining_fen {
                return Err(ReversalRefusal::Exceeds {
                    field,
                    remaining_fen,
                    requested_fen: requested,
                });
            }
        }
        Ok(())
    }
}

impl ReversalRefusal {
    /// The refusal as a violation of the red request, at the field it concerns.
    pub fn violation(&self, original: &InvoiceNumber) -> Violation {
        const NUMBER: &str = "red_letter.original_invoice_number";
        match self {
            Self::OriginalNotFound => Violation::new(
                NUMBER,
                ViolationCode::OriginalInvoiceNotFound,
                format!("no invoice {original} was issued through this platform"),
            ),
            Self::OriginalOfAnotherSeller => Violation::new(
                NUMBER,
                ViolationCode::OriginalInvoiceOfAnotherSeller,
                format!("invoice {original} was issued by another seller"),
            ),
            Self::OriginalNotBlue => Violation::new(
                NUMBER,
                ViolationCode::OriginalInvoiceNotBlue,
                format!("invoice {original} is red: only a blue invoice is reversed"),
            ),
            Self::FullyReversed { original_total_fen } => Violation::new(
                NUMBER,
                ViolationCode::OriginalFullyReversed,
                format!(
                    "invoice {original} ({}) is reversed in full already",
                    format_fen(*original_total_fen)
                ),
            ),
            Self::Exceeds {
                field,
                remaining_fen,
                requested_fen,
            } => Violation::new(
                format!("totals.{field}"),
                ViolationCode::ReversalExceedsOriginal,
                format!(
                    "at most {} of invoice {original} is left to reverse, got {}",
                    format_fen(*remaining_fen),
                    format_fen(*requested_fen)
                ),
            ),
        }
    }
}

impl fmt::Display for ReversalRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OriginalNotFound => f.write_str("the original was not issued here"),
            Self::OriginalOfAnotherSeller => f.write_str("the original is another seller's"),
            Self::OriginalNotBlue => f.write_str("the original is not blue"),
            Self::FullyReversed { .. } => f.write_str("the original is reversed in full"),
            Self::Exceeds {
                field,
                remaining_fen,
                requested_fen,
            } => write!(
                f,
                "{field} {} exceeds the {} left",
                format_fen(*requested_fen),
                format_fen(*remaining_fen)
            ),
        }
    }
}
