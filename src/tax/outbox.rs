//! [`OutboxStore`]: issued invoices waiting to be uploaded to the tax authority.

use crate::invoice::{InvoiceNumber, IssuedInvoice};
use crate::tax::TaxReceipt;

use crate::error::StoreError;

/// Where an outbox entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting for its (next) upload.
    Pending,
    /// Uploaded; the receipt is recorded.
    Uploaded,
    /// Given up on: waits for an operator.
    Parked,
}

/// One invoice in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The invoice to upload.
    pub invoice: IssuedInvoice,
    /// Where it stands.
    pub state: OutboxState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (UNIX seconds).
    pub next_attempt_at: u64,
    /// The last failure, as text.
    pub last_error: Option<String>,
    /// The receipt, once uploaded.
    pub receipt: Option<TaxReceipt>,
}

/// The tax outbox, as [`drain_outbox`](crate::tax::drain_outbox) uses it. Entries
/// are added by the [`IssuingStore`](crate::platform::IssuingStore) in the transaction that
/// records the invoice. Each method is one transaction.
///
/// An uploaded entry is kept, with its receipt, until it is compacted
/// ([`compact_uploaded`](Self::compact_uploaded), which the service platform's
/// `maintain` runs after [`DEFAULT_OUTBOX_RETENTION`]): the outbox then holds the
/// pending and parked entries and the uploads of one retention period. The
/// invoices themselves are never compacted: keeping them is the operator's duty.
pub trait OutboxStore: Send + Sync {
    /// Pending entries due at `now`, oldest due first, at most `limit`.
    fn due_uploads(&self, now: u64, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records the upload and its receipt. An entry already uploaded keeps its
    /// first receipt.
    fn mark_uploaded(
        &self,
        invoice_number: &InvoiceNumber,
        receipt: &TaxReceipt,
        now: u64,
    ) -> Result<(), StoreError>;

    /// Records a failed attempt and when to try again.
    fn schedule_retry(
        &self,
        invoice_number: &InvoiceNumber,
        attempts: u32,
        next_attempt_at: u64,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Parks an entry for an operator.
    fn park(
        &self,
        invoice_number: &InvoiceNumber,
        attempts: u32,
        reason: &str,
        now: u64,
    ) -> Result<(), StoreError>;

    /// Puts a parked entry back in line, due at `now`, its attempts reset (after an
    /// operator has dealt with the cause).
    fn requeue(&self, invoice_number: &InvoiceNumber, now: u64) -> Result<(), StoreError>;

    /// One entry, whatever its state.
    fn outbox_entry(
        &self,
        invoice_number: &InvoiceNumber,
    ) -> Result<Option<OutboxEntry>, StoreError>;

    /// Parked entries, at most `limit`.
    fn parked(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Uploaded entries, at most `limit`.
    fn uploaded(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Compacts at most `limit` entries uploaded before `uploaded_before` (UNIX
    /// seconds), oldest upload first, and returns how many: each entry and its
    /// receipt are deleted, its invoice stays and notes when it was uploaded.
    /// A compacted entry is no longer listed ([`outbox_entry`](Self::outbox_entry)
    /// finds none); pending and parked entries are never compacted. Calling it
    /// again compacts nothing more.
    fn compact_uploaded(&self, uploaded_before: u64, limit: usize) -> Result<usize, StoreError>;
}

/// How long an uploaded outbox entry is kept with its receipt before the
/// service platform's maintenance compacts it: 30 days, in seconds.
pub const DEFAULT_OUTBOX_RETENTION: u64 = 30 * 24 * 3600;
