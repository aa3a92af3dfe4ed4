//! [`DeviceStore`]: an issuing device's number segments and its journal of issued
//! invoices.

use crate::device::{AllocatedNumber, DeviceFailure, NumberSegment, SegmentState};
use crate::invoice::{InvoiceKind, InvoiceNumber, IssuedInvoice};

use crate::error::{Error, StoreError};

/// What the device asks the store for: the next number of a kind, for a command.
#[derive(Clone, Copy, Debug)]
pub struct NextNumber<'a> {
    /// The device.
    pub device_id: &'a str,
    /// The command: the idempotency key.
    pub command_id: &'a str,
    /// SHA-256 identifying the command's content (a retry has the same).
    pub command_digest: &'a [u8; 32],
    /// The kind of invoice, which picks the segments.
    pub invoice_kind: InvoiceKind,
}

/// The invoice a command got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceIssue {
    /// The invoice.
    pub invoice: IssuedInvoice,
    /// `true` when the command had been issued before and this is its invoice
    /// from the journal.
    pub replayed: bool,
}

/// One line of a device's journal: a number given out and the invoice it went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// The command it was issued for.
    pub command_id: String,
    /// The segment the number came from.
    pub segment_id: String,
    /// The number's sequence in the segment.
    pub sequence: u64,
    /// The invoice.
    pub invoice: IssuedInvoice,
}

/// Where an issuing device keeps its numbering, durably.
pub trait DeviceStore: Send + Sync {
    /// Adds a number segment. Adding an identical segment again changes nothing; a
    /// different segment under the same id is a [`StoreError::Duplicate`], and one
    /// whose numbers overlap another segment's is a [`StoreError::SegmentOverlap`].
    fn add_segment(&self, segment: &NumberSegment) -> Result<(), StoreError>;

    /// The segment whose numbers include `number`, whichever device it is
    /// registered to (`None` when no segment does). Segments never overlap, so
    /// there is at most one: this is how the service platform finds which device
    /// a number belongs to.
    fn segment_of(&self, number: &InvoiceNumber) -> Result<Option<NumberSegment>, StoreError>;

    /// The device's segments, in the order they were added, with their use.
    fn segments(&self, device_id: &str) -> Result<Vec<SegmentState>, StoreError>;

    /// Issues under one transaction: if the command is in the journal, returns its
    /// invoice (or [`DeviceFailure::CommandConflict`] when the digest differs);
    /// otherwise takes the next number of the first segment of the kind that has
    /// one left, calls `build` with it, and records the number as used together
    /// with the invoice `build` returns. When `build` fails, or anything else
    /// does, nothing is recorded and the number stays free. A failure of the
    /// store itself is an [`Error::Store`], one of `build` an [`Error::Device`].
    fn issue_next(
        &self,
        next: &NextNumber<'_>,
        build: &mut dyn FnMut(&AllocatedNumber) -> Result<IssuedInvoice, DeviceFailure>,
    ) -> Result<DeviceIssue, Error>;

    /// The journal entry of a command, if it was issued.
    fn issued_for_command(
        &self,
        device_id: &str,
        command_id: &str,
    ) -> Result<Option<JournalEntry>, StoreError>;

    /// The device's whole journal, by segment and sequence (for audits).
    fn journal(&self, device_id: &str) -> Result<Vec<JournalEntry>, StoreError>;
}
