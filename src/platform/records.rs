//! [`IssuingStore`]: the service platform's records: idempotency by request serial
//! number, issued invoices, and the asynchronous command queue with its tickets.
//!
//! Requests are keyed by the seller's tax id and the request serial number as
//! written in the request (serial numbers are unique per seller). Each record
//! keeps the [`RequestDigest`] of the request and the exact answer the platform
//! sealed, so that the same request gets the same answer and a different request
//! under the same serial number is a [`StoreError::Conflict`].

use core::fmt;

use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::invoice::{InvoiceNumber, IssuedInvoice, YearMonth, hex};

use crate::error::StoreError;
use crate::invoice::{Reversal, Reversed};

/// SHA-256 of a request's JSON, as received.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestDigest(pub [u8; 32]);

impl RequestDigest {
    /// The digest of `request_json` with the provider's SHA-256.
    pub fn of(provider: &CryptoProvider, request_json: &[u8]) -> Self {
        let mut out = [0u8; 32];
        out.copy_from_slice(
            provider
                .hasher
                .hash(HashAlgorithm::Sha256, request_json)
                .as_ref(),
        );
        Self(out)
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }
}

impl fmt::Debug for RequestDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestDigest({})", self.to_hex())
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestState {
    /// Issued; the answer carries the invoice.
    Issued,
    /// Refused; the answer says why.
    Refused,
    /// Accepted for the enterprise's own device; the answer carries the ticket.
    Accepted,
    /// Accepted, then failed on the enterprise's device; the answer says why.
    Failed,
}

/// What the platform recorded for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// The seller's tax id, as written in the request.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// The digest of the request.
    pub digest: RequestDigest,
    /// Where it stands.
    pub state: RequestState,
    /// The answer to give (the IssueResponse JSON the platform sealed): the final
    /// one once there is one.
    pub response_json: Vec<u8>,
    /// The invoice's number, once issued.
    pub invoice_number: Option<InvoiceNumber>,
    /// The ticket, for a request accepted for an enterprise's device.
    pub ticket: Option<String>,
}

/// The result of recording a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The record as it now stands.
    pub record: RequestRecord,
    /// `false` when the same request was already recorded and nothing changed:
    /// answer with `record.response_json`.
    pub fresh: bool,
}

/// Quota held for a queued command: the qualification registry's reservation
/// (for the command's enterprise), kept with the command until its front end
/// reports, then committed (issued) or released (failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldQuota {
    /// The registry's reservation id ([`QuotaReservation::id`](crate::qualification::QuotaReservation::id)).
    pub reservation_id: u64,
    /// The month whose quota it holds.
    pub month: YearMonth,
    /// How much it holds, in fen.
    pub amount_fen: i64,
}

/// A command to queue for an enterprise's front-end service, with the request
/// that caused it.
#[derive(Clone, Copy, Debug)]
pub struct NewCommand<'a> {
    /// The seller's tax id: the enterprise whose front end takes the command.
    pub seller_tax_id: &'a str,
    /// The request serial number.
    pub serial_number: &'a str,
    /// The digest of the request.
    pub digest: &'a RequestDigest,
    /// The command id (unique).
    pub command_id: &'a str,
    /// The ticket the answer carries (unique).
    pub ticket: &'a str,
    /// The command as the front end will receive it.
    pub command_bytes: &'a [u8],
    /// The "accepted" answer to give until the result is in.
    pub accepted_response_json: &'a [u8],
    /// The quota reserved for it, if any.
    pub quota: Option<HeldQuota>,
    /// For a red invoice, what it reverses: recorded with the request, so that
    /// it counts against its original while the command is pending (and until
    /// the front end reports that it failed).
    pub reverses: Option<&'a Reversal>,
    /// The party id of the cloud platform that submitted the request: only it
    /// is answered about the ticket.
    pub platform: &'a str,
    /// The command's deadline (UNIX seconds; 0 when unknown): after it the
    /// command is no longer delivered, and is failed by
    /// [`queued_past_deadline`](IssuingStore::queued_past_deadline)'s sweep.
    pub deadline_unix: u64,
}

/// A command waiting for its front end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedCommand {
    /// The command id.
    pub command_id: String,
    /// The enterprise.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// The ticket.
    pub ticket: String,
    /// The command bytes.
    pub command_bytes: Vec<u8>,
    /// The command's deadline (UNIX seconds) as queued; 0 when the store does not
    /// know it (read it from the command bytes).
    pub deadline_unix: u64,
}

/// How a queued command ended, as the front end reported it.
#[derive(Clone, Copy, Debug)]
pub enum CommandOutcome<'a> {
    /// The enterprise's device issued the invoice.
    Issued {
        /// The invoice.
        invoice: &'a IssuedInvoice,
        /// The final answer (an IssueResponse with the invoice).
        response_json: &'a [u8],
    },
    /// The device failed for good.
    Failed {
        /// The final answer (an IssueResponse saying why).
        response_json: &'a [u8],
    },
}

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TicketState {
    /// The command waits for (or is being run by) the front end.
    Pending,
    /// Issued.
    Issued,
    /// Failed.
    Failed,
}

/// A ticket and its current answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketRecord {
    /// The ticket.
    pub ticket: String,
    /// The command it stands for.
    pub command_id: String,
    /// The enterprise.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
    /// Where it stands.
    pub state: TicketState,
    /// The answer to give now: "accepted" while pending, then the final one.
    pub response_json: Vec<u8>,
    /// The invoice, once issued.
    pub invoice: Option<IssuedInvoice>,
    /// The party id of the cloud platform that submitted the request (`None`
    /// for a command queued before it was recorded).
    pub platform: Option<String>,
}

/// The result of completing a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The ticket as it now stands (never [`TicketState::Pending`]).
    pub ticket: TicketRecord,
    /// `false` when the command had been completed before and nothing changed.
    pub first_time: bool,
    /// The quota the command held, the first time only: the caller commits it
    /// (issued) or releases it (failed).
    pub quota: Option<HeldQuota>,
}

/// The service platform's store. Every method is one transaction.
pub trait IssuingStore: Send + Sync {
    /// The record of a request, if any.
    fn find_request(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
    ) -> Result<Option<RequestRecord>, StoreError>;

    /// Records an issued request: the idempotency record with the answer, the
    /// invoice, and its tax outbox entry, in one transaction. The same request
    /// again changes nothing (`fresh` is false); a different one under the same
    /// serial number is a [`StoreError::Conflict`]; an invoice number already
    /// recorded for another request is a [`StoreError::Duplicate`].
    ///
    /// A red invoice gives what it `reverses`. In the same transaction the
    /// reversal is checked again against its original and the reds recorded
    /// before it ([`Reversal::check`]), and refused with
    /// [`StoreError::ReversalRefused`] (recording nothing) when it does not fit:
    /// two reds recorded at once cannot both take the same remainder, whether or
    /// not the caller checked inside a unit of work.
    fn record_issued(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        digest: &RequestDigest,
        invoice: &IssuedInvoice,
        response_json: &[u8],
        reverses: Option<&Reversal>,
    ) -> Result<Recorded, StoreError>;

    /// Records a refused request and its answer (same rules as `record_issued`).
    fn record_refused(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        digest: &RequestDigest,
        response_json: &[u8],
    ) -> Result<Recorded, StoreError>;

    /// Records an accepted request and queues its command, in one transaction (same
    /// rules as `record_issued`, the reversal of a red invoice included; a ticket
    /// or command id in use is a [`StoreError::Duplicate`]).
    fn enqueue_command(&self, command: &NewCommand<'_>) -> Result<Recorded, StoreError>;

    /// Commands waiting for `seller_tax_id`'s front end, oldest first, at most
    /// `limit`. A command stays here until completed: delivery is at least once.
    fn pending_commands(
        &self,
        seller_tax_id: &str,
        limit: usize,
    ) -> Result<Vec<QueuedCommand>, StoreError>;

    /// Queued commands whose known deadline (UNIX seconds, not 0) is before
    /// `now`, oldest first, at most `limit`, of every enterprise: what a sweep
    /// fails and releases the quota of.
    fn queued_past_deadline(
        &self,
        now: u64,
        limit: usize,
    ) -> Result<Vec<QueuedCommand>, StoreError>;

    /// The command queued under `command_id`, whatever its state (`None` when
    /// there is none).
    fn queued_command(&self, command_id: &str) -> Result<Option<QueuedCommand>, StoreError>;

    /// Applies a command's outcome exactly once: the command is closed, the
    /// request's record gets the final answer and, when issued, the invoice and
    /// its outbox entry are recorded, in one transaction. Completing it again
    /// changes nothing and returns what was recorded (`first_time` false).
    fn complete_command(
        &self,
        command_id: &str,
        outcome: CommandOutcome<'_>,
    ) -> Result<Completion, StoreError>;

    /// A ticket and its current answer.
    fn ticket(&self, ticket: &str) -> Result<Option<TicketRecord>, StoreError>;

    /// The invoice recorded under `number` (issued through this platform, in
    /// either hosting mode), if any: the original a red invoice names.
    fn original_invoice(&self, number: &InvoiceNumber)
    -> Result<Option<IssuedInvoice>, StoreError>;

    /// How much of the invoice `original` the red invoices recorded against it
    /// reverse: those issued and those accepted and still pending on an
    /// enterprise's device. Refused requests, and commands their front end
    /// reported failed, do not count.
    fn reversed_so_far(&self, original: &InvoiceNumber) -> Result<Reversed, StoreError>;
}
