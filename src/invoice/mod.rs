//! Invoice messages and order validation.
//!
//! * [`IssueRequest`]: the order an ERP sends, read from strict, versioned JSON
//!   ([`IssueRequest::from_json`]): unknown fields are refused, and so is a
//!   [`ProtocolVersion`] this library does not speak, naming the ones it does.
//! * [`IssueRequest::validate`] checks every rule of the interface protocol and the
//!   order and returns a [`ValidatedRequest`] (the only form the rest of the system
//!   takes) or all [`Violations`] at once, each with a JSON path and a stable
//!   [`ViolationCode`].
//! * [`IssueResponse`] and [`IssuedInvoice`]: what comes back; a [`Refusal`] when
//!   the enterprise may not issue what it asked for.
//! * [`Reversal`]: what a red-letter invoice reverses, and the rule that keeps
//!   the reds against one blue invoice within it.
//!
//! Money is exact: amounts are `i64` fen (fields ending in `_fen`), quantities, unit
//! prices and rates are [`Decimal`]s written as JSON strings; there is no floating
//! point on money anywhere ([`money`]).
//!
//! ```
//! use fapiao::invoice::{IssueRequest, ValidationPolicy};
//!
//! let json = include_bytes!("../../examples/requests/valid-blue.json");
//! let request = IssueRequest::from_json(json)?;
//! let validated = request.validate(&ValidationPolicy::default()).expect("a valid sample");
//! assert_eq!(validated.seller_tax_id().as_str(), "91350200776049653A");
//!
//! let bad = include_bytes!("../../examples/requests/invalid-tax-mismatch.json");
//! let violations = IssueRequest::from_json(bad)?
//!     .validate(&ValidationPolicy::default())
//!     .unwrap_err();
//! assert!(violations.to_string().contains("TAX_MISMATCH"));
//! # Ok::<(), fapiao::invoice::InvoiceError>(())
//! ```
#![forbid(unsafe_code)]

mod error;
pub(crate) mod hex;
pub mod limits;
pub mod money;
mod policy;
mod refusal;
mod request;
mod response;
mod reversal;
mod tax_id;
mod validate;
mod version;
mod violation;

pub use rust_decimal::Decimal;

pub use self::error::InvoiceError;
pub use self::policy::{DEFAULT_MAX_LINES, ValidationPolicy};
pub use self::refusal::Refusal;
pub use self::request::{
    Buyer, Delivery, InterfaceCode, InvoiceColor, InvoiceKind, InvoiceLine, IssueRequest, LineKind,
    RedLetterReference, Seller, Totals, ZeroRateFlag,
};
pub use self::response::{
    CheckCode, FailureReason, FormatError, InvoiceNumber, IssueOutcome, IssueResponse,
    IssuedInvoice,
};
pub use self::reversal::{Reversal, ReversalRefusal, Reversed};
pub use self::tax_id::{
    BuyerTaxId, CREDIT_CODE_ALPHABET, TaxIdError, UnifiedSocialCreditCode,
    credit_code_check_character,
};
pub use self::validate::{RedLetterReason, ValidatedRequest};
pub use self::version::{ProtocolVersion, SUPPORTED_VERSIONS};
pub use self::violation::{UnknownViolationCode, Violation, ViolationCode, Violations};
pub use crate::time::{YearMonth, YearMonthSyntaxError};
