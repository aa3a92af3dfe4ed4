//! [`CloudStore`]: the cloud platform's records: invoices received from the
//! service platform, and the tickets it still polls.

use crate::invoice::IssuedInvoice;

use super::error::StoreError;

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
}
