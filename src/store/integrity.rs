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
    /// One invoice number is recorded for more than one request (across the
    /// invoices, the device journal and the invoices a cloud platform
    /// received): a number given out twice. Checked by `integrity_report`.
    DuplicateNumber {
        /// The invoice number.
        invoice_number: String,
        /// How many requests (seller and serial number, or device command)
        /// it is recorded for.
        requests: u64,
    },
}

impl core::fmt::Display for IntegrityProblem {
    /// One line: the problem's name, then its fields as `key=value`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Database { message } => write!(f, "database message={message:?}"),
            Self::NumberingGap {
                segment_id,
                given_out,
                recorded,
            } => write!(
                f,
                "numbering-gap segment={segment_id} given_out={given_out} recorded={recorded}"
            ),
            Self::InvoiceNotInJournal { invoice_number } => {
                write!(f, "invoice-not-in-journal invoice={invoice_number}")
            }
            Self::RequestWithoutInvoice {
                seller_tax_id,
                serial_number,
            } => write!(
                f,
                "request-without-invoice seller={seller_tax_id} serial={serial_number:?}"
            ),
            Self::InvoiceWithoutRequest { invoice_number } => {
                write!(f, "invoice-without-request invoice={invoice_number}")
            }
            Self::InvoiceNotInOutbox { invoice_number } => {
                write!(f, "invoice-not-in-outbox invoice={invoice_number}")
            }
            Self::UploadedWithoutReceipt { invoice_number } => {
                write!(f, "uploaded-without-receipt invoice={invoice_number}")
            }
            Self::AcceptedWithoutCommand {
                seller_tax_id,
                serial_number,
            } => write!(
                f,
                "accepted-without-command seller={seller_tax_id} serial={serial_number:?}"
            ),
            Self::CommandStateMismatch { command_id } => {
                write!(f, "command-state-mismatch command={command_id:?}")
            }
            Self::DuplicateNumber {
                invoice_number,
                requests,
            } => write!(
                f,
                "duplicate-number invoice={invoice_number} requests={requests}"
            ),
        }
    }
}

/// What a store's integrity check found: how many invoices it holds, how many
/// numbers are recorded for more than one request, and every broken invariant
/// (`SqliteStore::integrity_report`, `PostgresStore::integrity_report`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Distinct invoice numbers the store holds (issued, journaled by a
    /// device, or received by a cloud platform).
    pub invoices: u64,
    /// Invoice numbers recorded for more than one request.
    pub duplicate_numbers: u64,
    /// Every broken invariant, duplicate numbers included.
    pub problems: Vec<IntegrityProblem>,
}

impl IntegrityReport {
    /// Whether every invariant holds.
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }
}
