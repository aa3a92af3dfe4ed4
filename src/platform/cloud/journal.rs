//! The cloud platform's submission journal: every order is recorded before it
//! is sent, and stays outstanding until an answer closes it, so that an order
//! whose answer was lost (a crash between the service platform's commit and
//! ours, a dropped connection) is found and sent again.
//!
//! A re-send countersigns the stored enterprise-signed order afresh: the new
//! signature carries a new message id, so the service platform's replay guard
//! sees a new message, and its idempotency on the seller and serial number
//! answers with what it already did for the order (the invoice it issued, the
//! ticket it gave) instead of doing it again.

use crate::envelope::SignedMessage;
use crate::error::Error;
use crate::error::{CorruptValue, StoreError};
use crate::invoice::{FailureReason, IssueOutcome, IssueResponse};
use crate::platform::{CloudSubmission, NewSubmission, SubmissionState};

use super::CloudPlatform;

/// The request an order is for: its seller and serial number.
pub(super) struct OrderKey {
    /// The seller's tax id.
    pub seller_tax_id: String,
    /// The request serial number.
    pub serial_number: String,
}

impl CloudPlatform {
    /// Records `order` (the enterprise-signed order) in the journal,
    /// outstanding, in one unit of work: a savepoint of the
    /// caller's transaction when one is open on the platform's unit (the order
    /// and its journal entry then commit together), its own transaction
    /// otherwise.
    pub(super) fn journal(
        &self,
        key: &OrderKey,
        order: &SignedMessage,
        now: u64,
    ) -> Result<(), Error> {
        let record = || {
            self.parts.store.record_submission(NewSubmission {
                seller_tax_id: &key.seller_tax_id,
                serial_number: &key.serial_number,
                order_der: order.as_der(),
                now,
            })
        };
        match self.unit.as_ref() {
            Some(unit) => unit.run_atomically(&mut || Ok(record()?)),
            None => Ok(record()?),
        }
    }

    /// Closes the journal entry an answer settles (inside the answer's unit of
    /// work): an invoice, a ticket (polled from then on) or a final refusal or
    /// device failure closes it; a retryable device failure (the service
    /// platform did not record the request) and a query's "not found" leave it
    /// outstanding. A closed entry keeps its order until
    /// [`maintain`](Self::maintain) drops it after the journal retention.
    pub(super) fn close_journal(&self, response: &IssueResponse, now: u64) -> Result<(), Error> {
        let serial = response.serial_number.as_str();
        let seller = response.seller_tax_id.as_deref();
        let (seller, state) = match &response.outcome {
            IssueOutcome::Issued { invoice } => (
                Some(invoice.seller_tax_id.as_str()),
                SubmissionState::Issued,
            ),
            IssueOutcome::AcceptedPending { .. } => (seller, SubmissionState::Accepted),
            IssueOutcome::Failed { reason } => match reason {
                FailureReason::DeviceFailed {
                    retryable: true, ..
                }
                | FailureReason::NotFound { .. } => return Ok(()),
                FailureReason::DeviceFailed { .. } => (seller, SubmissionState::Failed),
                _ => (seller, SubmissionState::Refused),
            },
        };
        self.parts
            .store
            .close_submission(seller, serial, state, now)?;
        Ok(())
    }

    /// The orders sent and not yet answered for good after journal position
    /// `after` (0: from the first), in the order they were first sent, at most
    /// `limit`: after a restart, or when an answer may have been lost,
    /// [`resend`](Self::resend) each. An order just sent is among them until its
    /// answer is opened.
    pub fn outstanding_submissions(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<CloudSubmission>, Error> {
        Ok(self.parts.store.outstanding_submissions(after, limit)?)
    }

    /// Seals the outstanding order of `serial_number` by `seller_tax_id` again
    /// at `now`, for sending to the service platform in place of the first
    /// envelope: the stored enterprise-signed order countersigned afresh (a new
    /// message to the replay guard), addressed and encrypted as by
    /// [`submit`](Self::submit), the journal updated (one more attempt, sent at
    /// `now`). The service platform answers with what it did under the serial
    /// number, issuing only if it never received the order; open the answer with
    /// [`open_response`](Self::open_response) as usual.
    ///
    /// The enterprise's signature keeps its signing time, so the service
    /// platform opens the re-sent order only within its clock skew of it.
    /// An unknown order is [`StoreError::NotFound`]; one already answered for
    /// good is [`StoreError::WrongState`].
    pub fn resend(
        &self,
        seller_tax_id: &str,
        serial_number: &str,
        now: u64,
    ) -> Result<Vec<u8>, Error> {
        let record = self
            .parts
            .store
            .submission(seller_tax_id, serial_number)?
            .ok_or_else(|| StoreError::NotFound {
                what: "submission",
                key: format!("{seller_tax_id}/{serial_number}"),
            })?;
        if record.state != SubmissionState::Outstanding {
            return Err(StoreError::WrongState {
                what: "submission",
                key: format!("{seller_tax_id}/{serial_number}"),
                state: record.state.as_str(),
                expected: SubmissionState::Outstanding.as_str(),
            }
            .into());
        }
        let order_der = record.order_der.ok_or_else(|| StoreError::Corrupt {
            what: "outstanding submission",
            source: CorruptValue::Column {
                column: "cloud_submissions.order_der",
                value: "NULL".to_owned(),
            },
        })?;
        let order = SignedMessage::from_der(order_der)?;
        let (sealed, key) = self.countersign(&order, now)?;
        if key.seller_tax_id != seller_tax_id || key.serial_number != serial_number {
            return Err(StoreError::Mismatch {
                what: "the journaled order's seller and serial number",
                expected: format!("{seller_tax_id}/{serial_number}"),
                found: format!("{}/{}", key.seller_tax_id, key.serial_number),
            }
            .into());
        }
        self.journal(&key, &order, now)?;
        Ok(sealed)
    }

    /// Re-sends the first outstanding order after journal position `after`
    /// (see [`resend`](Self::resend)): the order (its
    /// [`position`](CloudSubmission::position) is the next call's `after`) and
    /// its fresh envelope, or `None` when none is left. Starting from 0 and
    /// going on from each answer's position goes through every outstanding
    /// order once.
    pub fn resend_next(
        &self,
        after: u64,
        now: u64,
    ) -> Result<Option<(CloudSubmission, Vec<u8>)>, Error> {
        let Some(next) = self.parts.store.outstanding_submissions(after, 1)?.pop() else {
            return Ok(None);
        };
        let sealed = self.resend(&next.seller_tax_id, &next.serial_number, now)?;
        Ok(Some((next, sealed)))
    }
}
