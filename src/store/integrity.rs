//! [`IntegrityProblem`]: an invariant of the store found broken, by either engine.

/// A broken invariant found by [`SqliteStore::check_integrity`](crate::store::SqliteStore::check_integrity)
/// (or `PostgresStore::check_integrity`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntegrityProblem {
    /// The database's own check failed (SQLite's `quick_check`).
    Database {
        /// Its message.
        message: String,
    },
    /// A segment's used numbers are not exactly `first..next` with one journal
    /// entry each: a number was skipped without a record.
    NumberingGap {
        /// The segment.
        segment_id: String,
        /// Numbers the segment says it gave out.
        given_out: u64,
        /// Journal entries found for it.
        recorded: u64,
    },
    /// An issued invoice of a device of this store is not in its journal. (An
    /// enterprise's own device, listed in its qualification record, journals in
    /// its front end's store: only its segments are here.)
    InvoiceNotInJournal {
        /// The invoice number.
        invoice_number: String,
    },
    /// A request recorded as issued has no invoice.
    RequestWithoutInvoice {
        /// The seller.
        seller_tax_id: String,
        /// The serial number.
        serial_number: String,
    },
    /// An invoice is not the one its request record names.
    InvoiceWithoutRequest {
        /// The invoice number.
        invoice_number: String,
    },
    /// An invoice has no outbox entry (neither pending, uploaded nor parked)
    /// and was not uploaded before its entry was compacted.
    InvoiceNotInOutbox {
        /// The invoice number.
        invoice_number: String,
    },
    /// An uploaded outbox entry has no receipt.
    UploadedWithoutReceipt {
        /// The invoice number.
        invoice_number: String,
    },
    /// An accepted request has no queued command.
    AcceptedWithoutCommand {
        /// The seller.
        seller_tax_id: String,
        /// The serial number.
        serial_number: String,
    },
    /// A command's state disagrees with its request's.
    CommandStateMismatch {
        /// The command.
        command_id: String,
    },
}
