//! [`TaxAuthority`]: the uplink to the tax authority, and what it answers.

use serde::{Deserialize, Serialize};

use crate::invoice::{InvoiceNumber, IssuedInvoice};

/// The tax authority's acknowledgement of an uploaded invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxReceipt {
    /// The invoice acknowledged.
    pub invoice_number: InvoiceNumber,
    /// The authority's id for the acknowledgement.
    pub receipt_id: String,
    /// When the authority accepted it (UNIX seconds, its clock).
    pub accepted_at_unix: u64,
}

/// Why an upload failed, and whether to try again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// No answer in time. Retryable: the upload may or may not have arrived, and
    /// uploads are idempotent by invoice number.
    #[error("the tax authority did not answer in time")]
    TimedOut,
    /// The authority (or the way to it) is unavailable for now. Retryable.
    #[error("the tax authority is unavailable ({code})")]
    Unavailable {
        /// The authority's or the transport's code (e.g. an HTTP status).
        code: String,
    },
    /// The authority refused the invoice. Final: an operator must look at it.
    #[error("the tax authority refused the invoice: {code}: {message}")]
    Refused {
        /// The authority's refusal code.
        code: String,
        /// Its explanation.
        message: String,
    },
}

impl UploadError {
    /// Whether the same upload may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::TimedOut | Self::Unavailable { .. })
    }
}

/// The uplink to the tax authority.
///
/// Implementations must be idempotent by invoice number: uploading an invoice
/// again returns the receipt of the first upload.
pub trait TaxAuthority: Send + Sync {
    /// Uploads one issued invoice at `now` (UNIX seconds).
    fn upload(&self, invoice: &IssuedInvoice, now: u64) -> Result<TaxReceipt, UploadError>;
}
