//! The rules of the service platform's request records and command queue
//! (`IssuingStore`), whichever engine keeps them: what a request record's
//! insert means when it met a row already there, which seller an invoice may
//! name, how a red request's reversal is checked against the reds before it,
//! and what completing a command changes.
//!
//! Each engine runs its own SQL around these (SQLite one connection at a time,
//! PostgreSQL with row locks for several nodes) and gets the same records, the
//! same errors and the same stored text.

use super::columns::{corrupt_column, number_from_key, number_key, uint};
use super::state_keys::{COMMAND_FAILED, COMMAND_ISSUED};
use crate::error::StoreError;
use crate::invoice::{IssuedInvoice, Reversal, Reversed};
use crate::platform::{
    CommandOutcome, HeldQuota, NewCommand, Recorded, RequestDigest, RequestRecord, RequestState,
};

/// A request record to insert.
pub(in crate::store) struct NewRequest<'a> {
    /// The seller.
    pub seller_tax_id: &'a str,
    /// The seller's serial number of the request.
    pub serial_number: &'a str,
    /// The digest of the request.
    pub digest: &'a RequestDigest,
    /// Its state.
    pub state: RequestState,
    /// The answer to send again when the same request comes back.
    pub response_json: &'a [u8],
    /// The issued invoice's number key, when issued.
    pub invoice_number: Option<&'a str>,
    /// The ticket, when accepted for an enterprise-hosted device.
    pub ticket: Option<&'a str>,
    /// What a red request reverses.
    pub reverses: Option<&'a Reversal>,
}

impl<'a> NewRequest<'a> {
    /// The record of a request whose invoice, numbered `invoice_number` (its
    /// key), was issued at once.
    pub(in crate::store) fn issued(
        (seller_tax_id, serial_number, digest): (&'a str, &'a str, &'a RequestDigest),
        response_json: &'a [u8],
        invoice_number: &'a str,
        reverses: Option<&'a Reversal>,
    ) -> Self {
        Self {
            seller_tax_id,
            serial_number,
            digest,
            state: RequestState::Issued,
            response_json,
            invoice_number: Some(invoice_number),
            ticket: None,
            reverses,
        }
    }

    /// The record of a refused request.
    pub(in crate::store) fn refused(
        (seller_tax_id, serial_number, digest): (&'a str, &'a str, &'a RequestDigest),
        response_json: &'a [u8],
    ) -> Self {
        Self {
            seller_tax_id,
            serial_number,
            digest,
            state: RequestState::Refused,
            response_json,
            invoice_number: None,
            ticket: None,
            reverses: None,
        }
    }

    /// The record of a request accepted as `command`, queued for the
    /// enterprise's front end.
    pub(in crate::store) fn accepted(command: &NewCommand<'a>) -> Self {
        Self {
            seller_tax_id: command.seller_tax_id,
            serial_number: command.serial_number,
            digest: command.digest,
            state: RequestState::Accepted,
            response_json: command.accepted_response_json,
            invoice_number: None,
            ticket: Some(command.ticket),
            reverses: command.reverses,
        }
    }

    /// The record just inserted, as the caller's answer (`fresh`).
    pub(in crate::store) fn inserted(&self) -> Result<Recorded, StoreError> {
        Ok(Recorded {
            record: RequestRecord {
                seller_tax_id: self.seller_tax_id.to_owned(),
                serial_number: self.serial_number.to_owned(),
                digest: *self.digest,
                state: self.state,
                response_json: self.response_json.to_vec(),
                invoice_number: self.invoice_number.map(number_from_key).transpose()?,
                ticket: self.ticket.map(str::to_owned),
            },
            fresh: true,
        })
    }

    /// What a UNIQUE violation of the insert is a duplicate of: the ticket
    /// when there is one, else the invoice number.
    pub(in crate::store) fn unique_key(&self) -> (&'static str, &str) {
        match self.ticket {
            Some(ticket) => ("ticket", ticket),
            None => ("invoice number", self.invoice_number.unwrap_or_default()),
        }
    }

    /// What an insert that met a row under the same seller and serial number
    /// means, given the record then read under them: the same request again
    /// (not `fresh`), or a [`StoreError::Conflict`] for another request under
    /// that serial number. No record at all means the insert met a row the
    /// transaction cannot see: only a corrupt database does that.
    pub(in crate::store) fn already_there(
        &self,
        found: Option<RequestRecord>,
    ) -> Result<Recorded, StoreError> {
        match found {
            Some(record) if record.digest != *self.digest => Err(StoreError::Conflict {
                seller_tax_id: self.seller_tax_id.to_owned(),
                serial_number: self.serial_number.to_owned(),
            }),
            Some(record) => Ok(Recorded {
                record,
                fresh: false,
            }),
            None => Err(corrupt_column("requests.serial_number", self.serial_number)),
        }
    }
}

/// Refuses an invoice of another seller than the request's.
pub(in crate::store) fn same_seller(
    seller_tax_id: &str,
    issued: &IssuedInvoice,
) -> Result<(), StoreError> {
    if issued.seller_tax_id.as_str() == seller_tax_id {
        return Ok(());
    }
    Err(StoreError::Mismatch {
        what: "the invoice's seller",
        expected: seller_tax_id.to_owned(),
        found: issued.seller_tax_id.as_str().to_owned(),
    })
}

/// Checks a red request's reversal, already inserted by this transaction, so
/// `with_this` (the sums recorded against the original) counts it: against
/// `original` and the reds before it. The error rolls the insert back with
/// the transaction.
pub(in crate::store) fn check_inserted_reversal(
    seller_tax_id: &str,
    reversal: &Reversal,
    original: Option<&IssuedInvoice>,
    with_this: Reversed,
) -> Result<(), StoreError> {
    let before = Reversed {
        total_fen: with_this.total_fen.saturating_sub(reversal.total_fen),
        amount_fen: with_this.amount_fen.saturating_sub(reversal.amount_fen),
    };
    reversal
        .check(seller_tax_id, original, before)
        .map_err(|refusal| StoreError::ReversalRefused {
            original: number_key(&reversal.original),
            refusal,
        })
}

/// The quota a queued command holds, from its `quota_reservation_id`,
/// `quota_month` and `quota_fen` columns: released or charged only the first
/// time the command completes, so `None` afterwards (or when it holds none).
pub(in crate::store) fn held_quota(
    first_time: bool,
    (reservation_id, month, amount_fen): (Option<i64>, Option<String>, Option<i64>),
) -> Result<Option<HeldQuota>, StoreError> {
    match (reservation_id, month, amount_fen) {
        (Some(id), Some(month), Some(amount_fen)) if first_time => Ok(Some(HeldQuota {
            reservation_id: uint(id),
            month: month
                .parse()
                .map_err(|_| corrupt_column("commands.quota_month", &month))?,
            amount_fen,
        })),
        _ => Ok(None),
    }
}

/// What completing a command changes: its command's and its request's new
/// states, the request's final answer, and the invoice to record (when
/// issued).
pub(in crate::store) struct Settlement<'a> {
    /// The command's new stored state.
    pub command_state: &'static str,
    /// The request's new state.
    pub request_state: RequestState,
    /// The request's final answer.
    pub response_json: &'a [u8],
    /// The invoice to record, when the command issued one.
    pub issued: Option<&'a IssuedInvoice>,
}

impl<'a> Settlement<'a> {
    /// The changes `outcome` makes.
    pub(in crate::store) fn of(outcome: CommandOutcome<'a>) -> Self {
        match outcome {
            CommandOutcome::Issued {
                invoice,
                response_json,
            } => Self {
                command_state: COMMAND_ISSUED,
                request_state: RequestState::Issued,
                response_json,
                issued: Some(invoice),
            },
            CommandOutcome::Failed { response_json } => Self {
                command_state: COMMAND_FAILED,
                request_state: RequestState::Failed,
                response_json,
                issued: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_request<'a>(digest: &'a RequestDigest, ticket: Option<&'a str>) -> NewRequest<'a> {
        NewRequest {
            seller_tax_id: "91350200776049653A",
            serial_number: "S-1",
            digest,
            state: RequestState::Refused,
            response_json: b"{}",
            invoice_number: None,
            ticket,
            reverses: None,
        }
    }

    #[test]
    fn a_row_already_there_is_the_same_request_or_a_conflict() {
        let digest = RequestDigest([1; 32]);
        let new = new_request(&digest, None);
        let record = new.inserted().unwrap().record;
        let again = new.already_there(Some(record.clone())).unwrap();
        assert!(!again.fresh);
        assert_eq!(again.record, record);
        let other = RequestDigest([2; 32]);
        let conflict = new_request(&other, None).already_there(Some(record));
        assert!(matches!(conflict, Err(StoreError::Conflict { .. })));
        assert!(matches!(
            new.already_there(None),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_unique_violation_names_the_ticket_or_the_invoice_number() {
        let digest = RequestDigest([1; 32]);
        assert_eq!(
            new_request(&digest, Some("T-1")).unique_key(),
            ("ticket", "T-1")
        );
        assert_eq!(
            new_request(&digest, None).unique_key(),
            ("invoice number", "")
        );
    }

    #[test]
    fn quota_is_held_only_until_the_first_completion() {
        let columns = || (Some(7), Some("2024-05".to_owned()), Some(100));
        let held = held_quota(true, columns()).unwrap().unwrap();
        assert_eq!((held.reservation_id, held.amount_fen), (7, 100));
        assert_eq!(held.month.to_string(), "2024-05");
        assert!(held_quota(false, columns()).unwrap().is_none());
        assert!(held_quota(true, (None, None, None)).unwrap().is_none());
        let bad = held_quota(true, (Some(7), Some("May".to_owned()), Some(100)));
        assert!(matches!(bad, Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn a_failed_command_records_no_invoice() {
        let settled = Settlement::of(CommandOutcome::Failed {
            response_json: b"{}",
        });
        assert_eq!(settled.command_state, COMMAND_FAILED);
        assert_eq!(settled.request_state, RequestState::Failed);
        assert!(settled.issued.is_none());
    }
}
