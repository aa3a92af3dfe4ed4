//! The cloud platform's records: received invoices, tickets, the journal.

use std::sync::Arc;

use fapiao::platform::{CloudTicketState, NewSubmission, SubmissionState, TicketResolution};
use fapiao::store::StoreError;

use super::{ContractStore, invoices};
use crate::issuing_support::{NOW, SELLER, response_for};

/// An invoice is stored once per request (the same again: nothing changes;
/// another: a conflict); a ticket is recorded once and completed once.
pub fn received_invoices_and_tickets_are_kept_once<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 2);
    let answer = response_for(&invoices[0]);
    assert!(
        store
            .store_invoice(SELLER, "S-1", &invoices[0], &answer)
            .unwrap()
    );
    assert!(
        !store
            .store_invoice(SELLER, "S-1", &invoices[0], &answer)
            .unwrap()
    );
    let conflict = store
        .store_invoice(SELLER, "S-1", &invoices[1], &answer)
        .unwrap_err();
    assert!(
        matches!(conflict, StoreError::Conflict { .. }),
        "{conflict}"
    );
    let stored = store.invoice_by_serial(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(stored.invoice, invoices[0]);
    assert_eq!(stored.response_json, answer);
    store.record_ticket(SELLER, "S-2", "t-1", NOW).unwrap();
    store.record_ticket(SELLER, "S-2", "t-1", NOW + 5).unwrap();
    let taken = store.record_ticket(SELLER, "S-3", "t-1", NOW).unwrap_err();
    assert!(matches!(taken, StoreError::Duplicate { .. }), "{taken}");
    store.record_ticket(SELLER, "S-4", "t-2", NOW + 1).unwrap();
    let outstanding = store.outstanding_tickets(10).unwrap();
    let tickets: Vec<_> = outstanding.iter().map(|t| t.ticket.as_str()).collect();
    assert_eq!(tickets, ["t-1", "t-2"]);
    assert_eq!(
        store.outstanding_tickets_for_serial("S-2").unwrap().len(),
        1
    );
    let answer = response_for(&invoices[1]);
    let issued = TicketResolution::Issued {
        invoice: &invoices[1],
        response_json: &answer,
    };
    assert!(store.complete_ticket("t-1", issued).unwrap());
    let failed = TicketResolution::Failed {
        response_json: b"no",
    };
    assert!(!store.complete_ticket("t-1", failed).unwrap());
    let ticket = store.cloud_ticket("t-1").unwrap().unwrap();
    assert_eq!(ticket.state, CloudTicketState::Issued);
    assert_eq!(ticket.response_json.as_deref(), Some(&answer[..]));
    assert_eq!(
        store
            .invoice_by_serial(SELLER, "S-2")
            .unwrap()
            .unwrap()
            .invoice,
        invoices[1]
    );
    let missing = store
        .complete_ticket(
            "t-404",
            TicketResolution::Failed {
                response_json: b"no",
            },
        )
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
}

/// A submission is journaled (a re-send keeps its place and counts the
/// attempt), closed once, and its order compacted after it closed.
pub fn the_submission_journal_opens_closes_and_compacts<S: ContractStore>(store: Arc<S>) {
    let submit = |serial, now| NewSubmission {
        seller_tax_id: SELLER,
        serial_number: serial,
        order_der: b"order",
        now,
    };
    store.record_submission(submit("S-1", NOW)).unwrap();
    store.record_submission(submit("S-2", NOW + 1)).unwrap();
    store.record_submission(submit("S-1", NOW + 2)).unwrap();
    let open = store.outstanding_submissions(0, 10).unwrap();
    let serials: Vec<_> = open.iter().map(|s| s.serial_number.as_str()).collect();
    assert_eq!(serials, ["S-1", "S-2"]);
    assert_eq!(open[0].attempts, 2);
    assert_eq!(open[0].last_sent_at, NOW + 2);
    let after_first = store.outstanding_submissions(open[0].position, 10).unwrap();
    assert_eq!(after_first.len(), 1);
    let closing = store
        .close_submission(None, "S-1", SubmissionState::Outstanding, NOW)
        .unwrap_err();
    assert!(
        matches!(closing, StoreError::WrongState { .. }),
        "{closing}"
    );
    assert_eq!(
        store
            .close_submission(Some(SELLER), "S-1", SubmissionState::Issued, NOW + 10)
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .close_submission(None, "S-1", SubmissionState::Refused, NOW + 11)
            .unwrap(),
        0
    );
    let closed = store.submission(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(closed.state, SubmissionState::Issued);
    assert_eq!(store.compact_closed_submissions(NOW + 10, 10).unwrap(), 0);
    assert_eq!(store.compact_closed_submissions(NOW + 11, 10).unwrap(), 1);
    assert!(
        store
            .submission(SELLER, "S-1")
            .unwrap()
            .unwrap()
            .order_der
            .is_none()
    );
    assert!(store.submission(SELLER, "S-404").unwrap().is_none());
}
