//! Idempotency records and the command queue.

use std::sync::Arc;

use fapiao::platform::{CommandOutcome, NewCommand, RequestState, TicketState};
use fapiao::store::StoreError;
use fapiao::tax::OutboxState;

use super::{ContractStore, invoices};
use crate::issuing_support::{NOW, SELLER, digest, response_for};

/// One answer per seller and serial number; other content is a conflict.
pub fn the_same_serial_number_gets_the_same_answer<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 2);
    let answer = response_for(&invoices[0]);
    let first = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer, None)
        .unwrap();
    assert!(first.fresh);
    assert_eq!(first.record.state, RequestState::Issued);
    let again = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[1], b"other", None)
        .unwrap();
    assert!(!again.fresh);
    assert_eq!(again.record.response_json, answer);
    assert_eq!(
        again.record.invoice_number,
        Some(invoices[0].invoice_number.clone())
    );
    let conflict = store
        .record_refused(SELLER, "S-1", &digest("S-1-other"), b"refused")
        .unwrap_err();
    assert!(
        matches!(conflict, StoreError::Conflict { .. }),
        "{conflict}"
    );
    let other_seller = store
        .record_refused("91440101MA5CJQ4N59", "S-1", &digest("S-9"), b"refused")
        .unwrap();
    assert!(other_seller.fresh);
    assert_eq!(
        store.find_request(SELLER, "S-1").unwrap().unwrap(),
        first.record
    );
    assert!(store.find_request(SELLER, "S-404").unwrap().is_none());
    let entry = store
        .outbox_entry(&invoices[0].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, OutboxState::Pending);
    assert_eq!(entry.invoice, invoices[0]);
    assert_eq!(
        store.original_invoice(&invoices[0].invoice_number).unwrap(),
        Some(invoices[0].clone())
    );
    assert!(store.integrity().unwrap().is_empty());
}

/// An invoice number recorded for a second request is refused, leaving nothing.
pub fn a_duplicate_invoice_number_writes_nothing<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 1);
    let answer = response_for(&invoices[0]);
    store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer, None)
        .unwrap();
    let duplicate = store
        .record_issued(SELLER, "S-2", &digest("S-2"), &invoices[0], &answer, None)
        .unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Duplicate { .. }),
        "{duplicate}"
    );
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    let foreign = store
        .record_issued(
            "91440101MA5CJQ4N59",
            "S-3",
            &digest("S-3"),
            &invoices[0],
            &answer,
            None,
        )
        .unwrap_err();
    assert!(matches!(foreign, StoreError::Mismatch { .. }), "{foreign}");
    assert!(store.integrity().unwrap().is_empty());
}

/// A queued command is listed until completed, completed once, and its ticket
/// answers with the outcome.
pub fn commands_are_queued_completed_once_and_ticketed<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 1);
    let new = |serial: &'static str, ticket: &'static str, command_id: &'static str| NewCommand {
        seller_tax_id: SELLER,
        serial_number: serial,
        digest: Box::leak(Box::new(digest(serial))),
        command_id,
        ticket,
        command_bytes: b"{\"command\": 1}",
        accepted_response_json: b"accepted",
        quota: None,
        reverses: None,
        platform: "ECP-1",
        deadline_unix: NOW + 600,
    };
    let first = store.enqueue_command(&new("S-1", "t-1", "c-1")).unwrap();
    assert!(first.fresh);
    assert!(
        !store
            .enqueue_command(&new("S-1", "t-1", "c-1"))
            .unwrap()
            .fresh
    );
    store.enqueue_command(&new("S-2", "t-2", "c-2")).unwrap();
    let taken = store
        .enqueue_command(&new("S-3", "t-2", "c-3"))
        .unwrap_err();
    assert!(matches!(taken, StoreError::Duplicate { .. }), "{taken}");
    let pending = store.pending_commands(SELLER, 10).unwrap();
    let ids: Vec<_> = pending.iter().map(|c| c.command_id.as_str()).collect();
    assert_eq!(ids, ["c-1", "c-2"]);
    assert_eq!(store.queued_past_deadline(NOW + 601, 10).unwrap().len(), 2);
    assert_eq!(
        store.ticket("t-1").unwrap().unwrap().state,
        TicketState::Pending
    );
    let answer = response_for(&invoices[0]);
    let issued = CommandOutcome::Issued {
        invoice: &invoices[0],
        response_json: &answer,
    };
    let done = store.complete_command("c-1", issued).unwrap();
    assert!(done.first_time);
    assert_eq!(done.ticket.state, TicketState::Issued);
    assert_eq!(done.ticket.invoice.as_ref(), Some(&invoices[0]));
    let again = store
        .complete_command(
            "c-1",
            CommandOutcome::Failed {
                response_json: b"late",
            },
        )
        .unwrap();
    assert!(!again.first_time);
    assert_eq!(again.ticket.state, TicketState::Issued);
    let failed = store
        .complete_command(
            "c-2",
            CommandOutcome::Failed {
                response_json: b"failed",
            },
        )
        .unwrap();
    assert_eq!(failed.ticket.state, TicketState::Failed);
    assert!(store.pending_commands(SELLER, 10).unwrap().is_empty());
    let missing = store
        .complete_command(
            "c-404",
            CommandOutcome::Failed {
                response_json: b"x",
            },
        )
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
    assert_eq!(store.queued_command("c-1").unwrap().unwrap().ticket, "t-1");
    assert!(store.integrity().unwrap().is_empty());
}
