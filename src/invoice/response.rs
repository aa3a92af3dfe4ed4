//! [`IssueResponse`]: what the service platform answers, and [`IssuedInvoice`]: the
//! invoice the issuing device made.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::Refusal;
use super::error::InvoiceError;
use super::hex;
use super::request::{InvoiceColor, InvoiceKind};
use super::tax_id::UnifiedSocialCreditCode;
use super::version::{self, ProtocolVersion};
use super::violation::Violations;
use crate::time::Timestamp;

/// The answer to an [`IssueRequest`](crate::invoice::IssueRequest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueResponse {
    /// Protocol version, `"1.0"`.
    pub version: ProtocolVersion,
    /// The request's serial number, echoed.
    pub serial_number: String,
    /// The seller's unified social credit code as the request gave it, echoed
    /// whenever the request was read (absent when it did not parse, and in
    /// answers from service platforms older than this field). Serial numbers are
    /// the sellers' own: the cloud platform keys its tickets with both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_tax_id: Option<String>,
    /// What happened.
    pub outcome: IssueOutcome,
}

impl IssueResponse {
    /// What error messages call this message.
    pub const WHAT: &'static str = "issue response";

    /// Reads a response from JSON, strictly (see
    /// [`IssueRequest::from_json`](crate::invoice::IssueRequest::from_json)).
    pub fn from_json(json: &[u8]) -> Result<Self, InvoiceError> {
        version::from_json(json, Self::WHAT)
    }

    /// Writes the response as pretty-printed JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, InvoiceError> {
        version::to_json(self, Self::WHAT)
    }
}

/// What happened to a request: `"status"` says which, the other fields depend on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum IssueOutcome {
    /// The invoice was issued (platform-hosted, synchronous mode).
    Issued {
        /// The invoice.
        invoice: IssuedInvoice,
    },
    /// The request was accepted and waits for the enterprise's own issuing device
    /// (enterprise-hosted, asynchronous mode); poll with the ticket.
    AcceptedPending {
        /// Ticket to poll for the result with.
        ticket: String,
    },
    /// The request was not issued.
    Failed {
        /// Why.
        reason: FailureReason,
    },
}

/// Why a request was not issued: a distinct, typed reason with a stable `"code"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
#[non_exhaustive]
pub enum FailureReason {
    /// The request breaks order rules; every violation is listed.
    InvalidRequest {
        /// Every violation, in request order.
        violations: Violations,
    },
    /// The request is of a protocol version the service platform does not speak.
    UnsupportedVersion {
        /// The version found.
        found: String,
        /// The versions the service platform speaks.
        supported: Vec<String>,
    },
    /// The enterprise was not authenticated or is not qualified for this invoice.
    Refused {
        /// The refusal, with its own stable code.
        refusal: Refusal,
    },
    /// The request is not a readable issuing request (bad JSON, a missing or
    /// unknown field).
    MalformedRequest {
        /// What the parser said, with line and column.
        detail: String,
    },
    /// A different request was already received under this serial number.
    SerialNumberConflict {
        /// The serial number.
        serial_number: String,
    },
    /// Nothing was issued under this serial number (answer to a query).
    NotFound {
        /// The serial number (or ticket) asked about.
        reference: String,
    },
    /// The issuing device failed.
    DeviceFailed {
        /// Whether sending the same request again may succeed.
        retryable: bool,
        /// What the device reported.
        detail: String,
    },
}

/// An issued invoice, as the issuing device reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedInvoice {
    /// The invoice number (and code, for the legacy kinds).
    pub invoice_number: InvoiceNumber,
    /// Kind of invoice.
    pub invoice_kind: InvoiceKind,
    /// Blue or red.
    pub color: InvoiceColor,
    /// When it was issued, in UNIX seconds.
    pub issued_at_unix: Timestamp,
    /// The 20-digit check code (校验码).
    pub check_code: CheckCode,
    /// The seller's unified social credit code.
    pub seller_tax_id: UnifiedSocialCreditCode,
    /// Total amount without tax, in fen.
    pub amount_fen: i64,
    /// Total tax, in fen.
    pub tax_amount_fen: i64,
    /// Total with tax (价税合计), in fen.
    pub total_fen: i64,
    /// The issuing device (税控设备 / 开票设备) that issued it.
    pub device_id: String,
    /// The device's signature over the invoice, as lowercase hex.
    #[serde(rename = "device_signature_hex", with = "hex::bytes")]
    pub device_signature: Vec<u8>,
}

/// A value that does not have the format of its field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {expected}, got {found:?}")]
pub struct FormatError {
    /// The field.
    pub field: &'static str,
    /// The format it needs.
    pub expected: &'static str,
    /// What was found.
    pub found: String,
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// An invoice number: 20 digits for the fully digital kinds; an invoice code of 10
/// or 12 digits and an 8-digit number for the legacy kinds.
///
/// JSON: `{"number": "…"}` or `{"code": "…", "number": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawInvoiceNumber", into = "RawInvoiceNumber")]
pub enum InvoiceNumber {
    /// A fully digital invoice's 20-digit number.
    Digital(String),
    /// A legacy invoice's code (发票代码) and number (发票号码).
    Legacy {
        /// Invoice code, 10 or 12 digits.
        code: String,
        /// Invoice number, 8 digits.
        number: String,
    },
}

impl InvoiceNumber {
    /// A fully digital invoice number: 20 digits.
    pub fn digital(number: &str) -> Result<Self, FormatError> {
        if !all_digits(number, 20) {
            return Err(FormatError {
                field: "invoice_number.number",
                expected: "20 digits",
                found: number.to_owned(),
            });
        }
        Ok(Self::Digital(number.to_owned()))
    }

    /// A legacy invoice code (10 or 12 digits) and number (8 digits).
    pub fn legacy(code: &str, number: &str) -> Result<Self, FormatError> {
        if !(all_digits(code, 10) || all_digits(code, 12)) {
            return Err(FormatError {
                field: "invoice_number.code",
                expected: "10 or 12 digits",
                found: code.to_owned(),
            });
        }
        if !all_digits(number, 8) {
            return Err(FormatError {
                field: "invoice_number.number",
                expected: "8 digits",
                found: number.to_owned(),
            });
        }
        Ok(Self::Legacy {
            code: code.to_owned(),
            number: number.to_owned(),
        })
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Digital(number) => f.write_str(number),
            Self::Legacy { code, number } => write!(f, "{code}/{number}"),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvoiceNumber {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    number: String,
}

impl TryFrom<RawInvoiceNumber> for InvoiceNumber {
    type Error = FormatError;

    fn try_from(raw: RawInvoiceNumber) -> Result<Self, Self::Error> {
        match raw.code {
            None => Self::digital(&raw.number),
            Some(code) => Self::legacy(&code, &raw.number),
        }
    }
}

impl From<InvoiceNumber> for RawInvoiceNumber {
    fn from(number: InvoiceNumber) -> Self {
        match number {
            InvoiceNumber::Digital(number) => Self { code: None, number },
            InvoiceNumber::Legacy { code, number } => Self {
                code: Some(code),
                number,
            },
        }
    }
}

/// A 20-digit check code (校验码).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CheckCode(String);

impl CheckCode {
    /// A check code: 20 digits.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        if !all_digits(text, 20) {
            return Err(FormatError {
                field: "check_code",
                expected: "20 digits",
                found: text.to_owned(),
            });
        }
        Ok(Self(text.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CheckCode {
    type Error = FormatError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<CheckCode> for String {
    fn from(code: CheckCode) -> Self {
        code.0
    }
}
