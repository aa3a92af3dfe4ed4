//! The rules of the cloud platform's storage (`CloudStore`: received
//! invoices, polled tickets, the submission journal), whichever engine keeps
//! it: how a ticket and a journal entry read back from their rows, when an
//! invoice received again is the same one, who may hold a ticket, and what
//! resolving a ticket records.

use super::columns::{corrupt_column, invoice, uint};
use super::state_keys::cloud_ticket_state_from_key;
use crate::error::StoreError;
use crate::invoice::IssuedInvoice;
use crate::platform::{
    CloudSubmission, CloudTicket, CloudTicketState, SubmissionState, TicketResolution,
};

/// `SELECT` with a ticket's columns (a [`TicketRow`]), then `$rest`: one
/// literal, so a statement cache gets the same text without formatting it.
macro_rules! select_tickets {
    ($rest:literal) => {
        concat!(
            "SELECT ticket, seller_tax_id, serial_number, recorded_at, state, response_json ",
            $rest
        )
    };
}
pub(in crate::store) use select_tickets;

/// `SELECT` with a journal entry's columns (a [`SubmissionRow`]), then
/// `$rest`.
macro_rules! select_submissions {
    ($rest:literal) => {
        concat!(
            "SELECT seller_tax_id, serial_number, order_der, submitted_at, ",
            "last_sent_at, attempts, state, position ",
            $rest
        )
    };
}
pub(in crate::store) use select_submissions;

/// The columns of [`select_tickets!`]: ticket, seller, serial number,
/// recorded at, state, answer.
pub(in crate::store) type TicketRow = (String, String, String, i64, String, Option<Vec<u8>>);

/// A ticket from its row.
pub(in crate::store) fn to_ticket(
    (ticket, seller_tax_id, serial_number, recorded_at, state, response_json): TicketRow,
) -> Result<CloudTicket, StoreError> {
    Ok(CloudTicket {
        ticket,
        seller_tax_id,
        serial_number,
        recorded_at: uint(recorded_at),
        state: cloud_ticket_state_from_key(&state)?,
        response_json,
    })
}

/// The columns of [`select_submissions!`]: seller, serial number, order,
/// submitted at, last sent at, attempts, state, position.
pub(in crate::store) type SubmissionRow =
    (String, String, Option<Vec<u8>>, i64, i64, i64, String, i64);

/// A journal entry from its row.
pub(in crate::store) fn to_submission(
    (
        seller_tax_id,
        serial_number,
        order_der,
        submitted_at,
        last_sent_at,
        attempts,
        state,
        position,
    ): SubmissionRow,
) -> Result<CloudSubmission, StoreError> {
    Ok(CloudSubmission {
        seller_tax_id,
        serial_number,
        order_der,
        submitted_at: uint(submitted_at),
        last_sent_at: uint(last_sent_at),
        attempts: uint(attempts),
        state: SubmissionState::from_name(&state)
            .ok_or_else(|| corrupt_column("cloud_submissions.state", &state))?,
        position: uint(position),
    })
}

/// An invoice received again under a seller and serial number that already
/// hold `existing_json`: `false` (nothing stored) when it is the same
/// invoice, else a [`StoreError::Conflict`].
pub(in crate::store) fn received_again(
    existing_json: &str,
    issued: &IssuedInvoice,
    seller_tax_id: &str,
    serial_number: &str,
) -> Result<bool, StoreError> {
    if invoice(existing_json)? == *issued {
        return Ok(false);
    }
    Err(StoreError::Conflict {
        seller_tax_id: seller_tax_id.to_owned(),
        serial_number: serial_number.to_owned(),
    })
}

/// A ticket recorded again, already held by the request `holder` (seller,
/// serial number): nothing to do when it is the same request, else a
/// [`StoreError::Duplicate`].
pub(in crate::store) fn record_again(
    ticket: &str,
    holder: (&str, &str),
    seller_tax_id: &str,
    serial_number: &str,
) -> Result<(), StoreError> {
    if holder == (seller_tax_id, serial_number) {
        return Ok(());
    }
    Err(StoreError::Duplicate {
        what: "ticket",
        key: ticket.to_owned(),
    })
}

/// What resolving an outstanding ticket records: its new stored state, the
/// answer, the seller (an issued invoice names its own: a ticket recorded
/// after a restart may not know it), and the invoice to store when issued.
pub(in crate::store) struct ResolvedTicket<'a> {
    /// The ticket's new stored state.
    pub state: &'static str,
    /// The final answer.
    pub response_json: &'a [u8],
    /// The seller to record on the ticket.
    pub seller: &'a str,
    /// The invoice to store with the ticket's serial number, when issued.
    pub issued: Option<&'a IssuedInvoice>,
}

/// What `resolution` records on `current`, an outstanding ticket; an invoice
/// of another seller than the ticket's is a [`StoreError::Mismatch`].
pub(in crate::store) fn resolve<'a>(
    current: &'a CloudTicket,
    resolution: &TicketResolution<'a>,
) -> Result<ResolvedTicket<'a>, StoreError> {
    match *resolution {
        TicketResolution::Issued {
            invoice: issued,
            response_json,
        } => {
            let seller = issued.seller_tax_id.as_str();
            if !current.seller_tax_id.is_empty() && current.seller_tax_id != seller {
                return Err(StoreError::Mismatch {
                    what: "the invoice's seller against the ticket's",
                    expected: current.seller_tax_id.clone(),
                    found: seller.to_owned(),
                });
            }
            Ok(ResolvedTicket {
                state: "ISSUED",
                response_json,
                seller,
                issued: Some(issued),
            })
        }
        TicketResolution::Failed { response_json } => Ok(ResolvedTicket {
            state: "FAILED",
            response_json,
            seller: current.seller_tax_id.as_str(),
            issued: None,
        }),
    }
}

/// Whether a ticket can still be resolved.
pub(in crate::store) fn is_outstanding(ticket: &CloudTicket) -> bool {
    ticket.state == CloudTicketState::Outstanding
}

/// Refuses to close a journal entry into the outstanding state.
pub(in crate::store) fn check_closing(
    state: SubmissionState,
    serial_number: &str,
) -> Result<(), StoreError> {
    if state == SubmissionState::Outstanding {
        return Err(StoreError::WrongState {
            what: "submission",
            key: serial_number.to_owned(),
            state: "OUTSTANDING",
            expected: "a closing state",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(seller: &str, state: &str) -> CloudTicket {
        let row = (
            "T-1".to_owned(),
            seller.to_owned(),
            "S-1".to_owned(),
            -1,
            state.to_owned(),
            None,
        );
        to_ticket(row).unwrap()
    }

    #[test]
    fn a_ticket_row_reads_back_or_names_its_bad_state() {
        let read = ticket("", "OUTSTANDING");
        assert_eq!(read.recorded_at, 0);
        assert!(is_outstanding(&read));
        let row = ("T".into(), "".into(), "".into(), 0, "DONE".into(), None);
        let error = to_ticket(row).unwrap_err();
        assert!(error.to_string().contains("cloud_tickets.state"), "{error}");
    }

    #[test]
    fn a_failure_keeps_the_tickets_seller() {
        let current = ticket("91350200776049653A", "OUTSTANDING");
        let resolution = TicketResolution::Failed {
            response_json: b"{}",
        };
        let resolved = resolve(&current, &resolution).unwrap();
        assert_eq!(resolved.state, "FAILED");
        assert_eq!(resolved.seller, "91350200776049653A");
        assert!(resolved.issued.is_none());
    }

    #[test]
    fn a_ticket_is_held_by_one_request() {
        assert!(record_again("T", ("A", "1"), "A", "1").is_ok());
        assert!(matches!(
            record_again("T", ("A", "1"), "A", "2"),
            Err(StoreError::Duplicate { what: "ticket", .. })
        ));
    }

    #[test]
    fn a_journal_entry_closes_only_into_a_closing_state() {
        assert!(check_closing(SubmissionState::Outstanding, "S-1").is_err());
        let row = ("A".into(), "S".into(), None, 1, 2, 3, "NOPE".into(), 4);
        let error = to_submission(row).unwrap_err();
        assert!(
            error.to_string().contains("cloud_submissions.state"),
            "{error}"
        );
    }
}
