//! [`CloudStore`]: the cloud platform's records: invoices received from the
//! service platform, the tickets it still polls, and the journal of the orders
//! it sent (each outstanding until an answer closes it).

use crate::invoice::IssuedInvoice;

use crate::error::StoreError;

/// An invoice the cloud platform received, with the answer it came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInvoice {
    /// The seller's tax id.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// The invoice.
    pub invoice: IssuedInvoice,
    /// The service platform's answer (the IssueResponse JSON, opened).
    pub response_json: Vec<u8>,
}

/// Where a polled ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloudTicketState {
    /// No final answer yet: keep polling.
    Outstanding,
    /// The invoice arrived.
    Issued,
    /// The request failed.
    Failed,
}

/// A ticket the cloud platform holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudTicket {
    /// The ticket.
    pub ticket: String,
    /// The seller's tax id.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// When it was recorded (UNIX seconds).
    pub recorded_at: u64,
    /// Where it stands.
    pub state: CloudTicketState,
    /// The final answer, once there is one.
    pub response_json: Option<Vec<u8>>,
}

/// How a ticket ended.
#[derive(Clone, Copy, Debug)]
pub enum TicketResolution<'a> {
    /// The invoice arrived.
    Issued {
        /// The invoice.
        invoice: &'a IssuedInvoice,
        /// The answer it came in.
        response_json: &'a [u8],
    },
    /// The request failed.
    Failed {
        /// The answer saying why.
        response_json: &'a [u8],
    },
}

/// Where a journaled submission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubmissionState {
    /// Sent, no final answer yet: re-send it after a crash or a lost answer.
    Outstanding,
    /// The invoice arrived.
    Issued,
    /// Accepted with a ticket: the ticket is polled from now on.
    Accepted,
    /// Refused for good (invalid, unqualified, a serial number conflict).
    Refused,
    /// The device failed for good.
    Failed,
}

impl SubmissionState {
    /// The state's stored name (`OUTSTANDING`, `ISSUED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outstanding => "OUTSTANDING",
            Self::Issued => "ISSUED",
            Self::Accepted => "ACCEPTED",
            Self::Refused => "REFUSED",
            Self::Failed => "FAILED",
        }
    }

    /// The state named `name` ([`as_str`](Self::as_str)'s inverse).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "OUTSTANDING" => Self::Outstanding,
            "ISSUED" => Self::Issued,
            "ACCEPTED" => Self::Accepted,
            "REFUSED" => Self::Refused,
            "FAILED" => Self::Failed,
            _ => return None,
        })
    }
}

/// An order the cloud platform sent to the service platform, as its journal
/// holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudSubmission {
    /// The seller's tax id.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// The order as the enterprise signed it (a DER CMS `ContentInfo` with a
    /// `SignedData`, without the cloud platform's signature): what a re-send
    /// countersigns again. Kept while the order is outstanding and for the
    /// journal retention after an answer closed it; `None` once
    /// [`CloudStore::compact_closed_submissions`] dropped it (a closed order is
    /// never sent again; the entry then holds a few dozen bytes).
    pub order_der: Option<Vec<u8>>,
    /// When it was first sent (UNIX seconds).
    pub submitted_at: u64,
    /// When it was last sent (UNIX seconds).
    pub last_sent_at: u64,
    /// How many times it was sent.
    pub attempts: u64,
    /// Where it stands.
    pub state: SubmissionState,
    /// Its place in the journal, increasing with each new order (a re-send
    /// keeps it): a cursor for going through the outstanding orders once.
    pub position: u64,
}

/// An order about to be sent, for [`CloudStore::record_submission`].
#[derive(Clone, Copy, Debug)]
pub struct NewSubmission<'a> {
    /// The seller's tax id.
    pub seller_tax_id: &'a str,
    /// The request serial number.
    pub serial_number: &'a str,
    /// The enterprise-signed order (DER `ContentInfo`).
    pub order_der: &'a [u8],
    /// When (UNIX seconds).
    pub now: u64,
}

/// The cloud platform's store. Every method is one transaction.
pub trait CloudStore: Send + Sync {
    /// Stores a received invoice. The same invoice again changes nothing and returns
    /// `false`; another invoice for the same request is a [`StoreError::Conflict`].
    fn store_invoice(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        invoice: &IssuedInvoice,
        response_json: &[u8],
    ) -> Result<bool, StoreError>;

    /// The invoice received for a request.
    fn invoice_by_serial(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<StoredInvoice>, StoreError>;

    /// Records a ticket to poll. Recording the same ticket for the same request
    /// again changes nothing.
    fn record_ticket(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        ticket: &str,
        now: u64,
    ) -> Result<(), StoreError>;

    /// Outstanding tickets, oldest first, at most `limit`.
    fn outstanding_tickets(&self, limit: usize) -> Result<Vec<CloudTicket>, StoreError>;

    /// The outstanding tickets of requests with `serial_number` (of any seller),
    /// oldest first: the ones an answer to that serial number completes.
    fn outstanding_tickets_for_serial(
        &self,
        serial_number: &str,
    ) -> Result<Vec<CloudTicket>, StoreError>;

    /// Closes a ticket and, when issued, stores the invoice under its seller (a
    /// ticket recorded with an empty seller takes the invoice's; a different one
    /// is a [`StoreError::Mismatch`]), in one transaction. Closing it again
    /// changes nothing and returns `false`.
    fn complete_ticket(
        &self,
        ticket: &str,
        resolution: TicketResolution<'_>,
    ) -> Result<bool, StoreError>;

    /// A ticket, whatever its state.
    fn cloud_ticket(&self, ticket: &str) -> Result<Option<CloudTicket>, StoreError>;

    /// Records that an order is about to be sent, outstanding until an answer
    /// closes it. The same seller and serial number again (a re-send, or the ERP
    /// submitting under it again) replaces the order and envelope, counts one
    /// more attempt and makes it outstanding again; its first submission time
    /// stays.
    fn record_submission(&self, submission: NewSubmission<'_>) -> Result<(), StoreError>;

    /// Closes the outstanding submission of `serial_number` by `seller_tax_id`
    /// (by any seller when `None`: an answer from an older service platform
    /// does not name it) with `state`. Returns how many were closed; a closed
    /// or unknown one is left alone.
    fn close_submission(
        &self,
        seller_tax_id: Option<&str>,
        serial_number: &str,
        state: SubmissionState,
        now: u64,
    ) -> Result<usize, StoreError>;

    /// A journaled submission, whatever its state.
    fn submission(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<CloudSubmission>, StoreError>;

    /// Outstanding submissions after `position` (0: from the first) in journal
    /// order, at most `limit`.
    fn outstanding_submissions(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<CloudSubmission>, StoreError>;

    /// Drops the stored order of at most `max` submissions closed before
    /// `before` (UNIX seconds), keeping their entries; returns how many.
    fn compact_closed_submissions(&self, before: u64, max: usize) -> Result<usize, StoreError>;
}
