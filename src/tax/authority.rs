//! [`TaxAuthority`]: the uplink to the tax authority, and what it answers.

use serde::{Deserialize, Serialize};

use crate::error::UploadError;
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

/// The uplink to the tax authority.
///
/// Implementations must be idempotent by invoice number: uploading an invoice
/// again returns the receipt of the first upload.
pub trait TaxAuthority: Send + Sync {
    /// Uploads one issued invoice at `now` (UNIX seconds).
    fn upload(&self, invoice: &IssuedInvoice, now: u64) -> Result<TaxReceipt, UploadError>;
}
