//! Order validation: [`IssueRequest::validate`] checks every rule and returns either
//! a [`ValidatedRequest`] or every [`Violation`] at once.
//!
//! The rules, by file: `header.rs` (interface code, serial number, red-letter
//! reference, seller, buyer, people and remarks), `lines.rs` (per line: text,
//! classification code, decimals, signs, amount, tax, rate, zero-rate flag,
//! discounts) and `totals.rs` (header sums, total with tax, cumulative tax
//! difference, the sign of blue and red totals).

mod header;
mod lines;
mod text;
mod totals;

use serde::{Serialize, Serializer};

use super::error::InvoiceError;
use super::policy::ValidationPolicy;
use super::request::{InvoiceColor, InvoiceKind, IssueRequest, Totals};
use super::tax_id::{BuyerTaxId, UnifiedSocialCreditCode};
use super::violation::{Violation, ViolationCode, Violations};

impl IssueRequest {
    /// Checks every rule of the issuing protocol and of the order, and returns the
    /// request as a [`ValidatedRequest`], or all violations at once (in the order of
    /// the request's fields).
    ///
    /// When the request has more lines than the policy allows, the lines and totals
    /// are not checked (only `TOO_MANY_LINES` is reported for them), which bounds
    /// the work and the size of the answer.
    pub fn validate(&self, policy: &ValidationPolicy) -> Result<ValidatedRequest, Violations> {
        let facts = self.check(policy)?;
        Ok(facts.validated(self.clone()))
    }

    /// [`validate`](Self::validate), keeping the request itself in the
    /// [`ValidatedRequest`] instead of a copy (the request is dropped when it has
    /// violations).
    pub fn into_validated(self, policy: &ValidationPolicy) -> Result<ValidatedRequest, Violations> {
        let facts = self.check(policy)?;
        Ok(facts.validated(self))
    }

    /// Every rule: what the header checks parsed, or all violations.
    fn check(&self, policy: &ValidationPolicy) -> Result<header::HeaderFacts, Violations> {
        let mut out = Collector::default();
        let checked = header::check(self, policy, &mut out);
        if self.lines.is_empty() {
            out.push(
                "lines",
                ViolationCode::NoLines,
                "an invoice needs at least one line",
            );
        } else if self.lines.len() > policy.max_lines {
            out.push(
                "lines",
                ViolationCode::TooManyLines,
                format!(
                    "at most {} lines, got {}",
                    policy.max_lines,
                    self.lines.len()
                ),
            );
        } else {
            let figures = lines::check(self, policy, &mut out);
            totals::check(self, policy, &figures, &mut out);
        }
        header::check_people(self, &mut out);
        match (Violations::from_vec(out.violations), checked) {
            (None, Some(facts)) => Ok(facts),
            (Some(violations), _) => Err(violations),
            // The header checks return `None` only after reporting a violation.
            (None, None) => Err(Violations::one(Violation::new(
                "seller.tax_id",
                ViolationCode::InvalidTaxId,
                "the seller's tax id could not be checked",
            ))),
        }
    }

    /// Reads a request from JSON and validates it: [`InvoiceError::Invalid`] carries
    /// the violations.
    pub fn validated_from_json(
        json: &[u8],
        policy: &ValidationPolicy,
    ) -> Result<ValidatedRequest, InvoiceError> {
        Self::from_json(json)?
            .into_validated(policy)
            .map_err(InvoiceError::Invalid)
    }
}

/// Collects violations as the rules run.
#[derive(Default)]
pub(super) struct Collector {
    violations: Vec<Violation>,
}

impl Collector {
    pub(super) fn push(
        &mut self,
        path: impl Into<String>,
        code: ViolationCode,
        message: impl Into<String>,
    ) {
        self.violations.push(Violation::new(path, code, message));
    }
}

/// An [`IssueRequest`] that passed every rule of [`IssueRequest::validate`]: the only
/// form of a request that authentication, qualification and issuing take.
///
/// It cannot be built or deserialized any other way; it serializes as the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedRequest {
    request: IssueRequest,
    seller_tax_id: UnifiedSocialCreditCode,
    buyer_tax_id: Option<BuyerTaxId>,
    red_letter_reason: Option<RedLetterReason>,
}

impl ValidatedRequest {
    /// The request as received.
    pub fn request(&self) -> &IssueRequest {
        &self.request
    }

    /// Gives the request back.
    pub fn into_request(self) -> IssueRequest {
        self.request
    }

    /// The seller's unified social credit code, checked.
    pub fn seller_tax_id(&self) -> &UnifiedSocialCreditCode {
        &self.seller_tax_id
    }

    /// The buyer's tax id, checked; `None` for a natural person who gave none.
    pub fn buyer_tax_id(&self) -> Option<&BuyerTaxId> {
        self.buyer_tax_id.as_ref()
    }

    /// The request serial number (the idempotency key).
    pub fn serial_number(&self) -> &str {
        &self.request.serial_number
    }

    /// The kind of invoice requested.
    pub fn invoice_kind(&self) -> InvoiceKind {
        self.request.invoice_kind
    }

    /// Blue or red.
    pub fn color(&self) -> InvoiceColor {
        self.request.color
    }

    /// Why a red invoice is issued; `None` for a blue one.
    pub fn red_letter_reason(&self) -> Option<RedLetterReason> {
        self.red_letter_reason
    }

    /// The header totals, consistent with the lines.
    pub fn totals(&self) -> Totals {
        self.request.totals
    }

    /// Writes the request as pretty-printed JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, InvoiceError> {
        self.request.to_json()
    }
}

impl Serialize for ValidatedRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.request.serialize(serializer)
    }
}

/// Why a red invoice is issued (冲红原因), reason codes 1 to 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedLetterReason {
    /// 1: the blue invoice was issued in error (开票有误).
    IssuedInError,
    /// 2: goods were returned (销货退回).
    GoodsReturned,
    /// 3: the service was stopped (服务中止).
    ServiceStopped,
    /// 4: a sales allowance was granted (销售折让).
    SalesAllowance,
}

impl RedLetterReason {
    /// The reason for a code, 1 to 4.
    pub const fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::IssuedInError),
            2 => Some(Self::GoodsReturned),
            3 => Some(Self::ServiceStopped),
            4 => Some(Self::SalesAllowance),
            _ => None,
        }
    }

    /// The reason's code, 1 to 4.
    pub const fn code(self) -> u8 {
        match self {
            Self::IssuedInError => 1,
            Self::GoodsReturned => 2,
            Self::ServiceStopped => 3,
            Self::SalesAllowance => 4,
        }
    }
}
