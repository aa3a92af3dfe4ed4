//! The command queue: delivered until completed and applied exactly once (also
//! when completions race), a failed command closing its ticket, a completion
//! whose step fails rolled back whole.

use std::sync::Arc;

use fapiao::StoreError;
use fapiao::platform::{
    CommandOutcome, HeldQuota, IssuingStore, NewCommand, RequestDigest, RequestState, TicketState,
};
use fapiao::tax::OutboxStore;

use super::invoices;
use crate::issuing_support::{NOW, SELLER, digest, memory_store, response_for};

fn new_command<'a>(serial: &'a str, digest: &'a RequestDigest, ticket: &'a str) -> NewCommand<'a> {
    NewCommand {
        seller_tax_id: SELLER,
        serial_number: serial,
        digest,
        command_id: serial,
        ticket,
        command_bytes: b"sealed command",
        accepted_response_json: b"{\"status\":\"ACCEPTED_PENDING\"}",
        quota: Some(HeldQuota {
            reservation_id: 7,
            month: "2027-06".parse().unwrap(),
            amount_fen: 12_345,
        }),
        reverses: None,
        platform: "ECP-1",
        deadline_unix: NOW + 600,
    }
}

#[test]
fn a_queued_command_is_delivered_until_completed_and_applied_exactly_once() {
    let (store, invoices) = invoices(2);
    let d = digest("S-1");
    let queued = store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    assert!(queued.fresh);
    assert_eq!(queued.record.state, RequestState::Accepted);
    assert_eq!(queued.record.ticket.as_deref(), Some("T-1"));
    // Enqueuing the same request again changes nothing.
    assert!(
        !store
            .enqueue_command(&new_command("S-1", &d, "T-1"))
            .unwrap()
            .fresh
    );
    // At least once: listed on every pull until completed.
    for _ in 0..2 {
        let pending = store.pending_commands(SELLER, 10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].command_bytes, b"sealed command");
        assert_eq!(pending[0].ticket, "T-1");
    }
    assert!(
        store
            .pending_commands("91440101MA5CJQ4N59", 10)
            .unwrap()
            .is_empty()
    );
    let ticket = store.ticket("T-1").unwrap().unwrap();
    assert_eq!(ticket.state, TicketState::Pending);
    assert_eq!(ticket.response_json, b"{\"status\":\"ACCEPTED_PENDING\"}");

    let answer = response_for(&invoices[0]);
    let done = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[0],
                response_json: &answer,
            },
        )
        .unwrap();
    assert!(done.first_time);
    // The quota the command held goes back to the caller, once.
    assert_eq!(done.quota, new_command("S-1", &d, "T-1").quota);
    assert_eq!(done.ticket.state, TicketState::Issued);
    assert_eq!(done.ticket.invoice.as_ref(), Some(&invoices[0]));
    // Exactly once: a second report (even a different one) changes nothing.
    let again = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[1],
                response_json: b"other",
            },
        )
        .unwrap();
    assert!(!again.first_time);
    assert_eq!(again.quota, None);
    assert_eq!(again.ticket, done.ticket);
    let failed = store
        .complete_command(
            "S-1",
            CommandOutcome::Failed {
                response_json: b"failed",
            },
        )
        .unwrap();
    assert_eq!(failed.ticket, done.ticket);
    // The request's record carries the final answer, and the invoice is in the outbox.
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Issued);
    assert_eq!(record.response_json, answer);
    assert!(store.pending_commands(SELLER, 10).unwrap().is_empty());
    assert_eq!(store.due_uploads(NOW, 10).unwrap().len(), 1);
    assert!(
        store
            .outbox_entry(&invoices[1].invoice_number)
            .unwrap()
            .is_none()
    );
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_failed_command_closes_its_ticket_with_the_failure() {
    let store = memory_store();
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    let done = store
        .complete_command(
            "S-1",
            CommandOutcome::Failed {
                response_json: b"deadline passed",
            },
        )
        .unwrap();
    assert_eq!(done.ticket.state, TicketState::Failed);
    assert_eq!(done.ticket.response_json, b"deadline passed");
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Failed);
    assert!(matches!(
        store.complete_command("nope", CommandOutcome::Failed { response_json: b"" }),
        Err(StoreError::NotFound { .. })
    ));
    // A ticket or command id in use cannot be queued again for another request.
    let other = digest("S-2");
    let reused_ticket = store
        .enqueue_command(&new_command("S-2", &other, "T-1"))
        .unwrap_err();
    assert!(
        matches!(reused_ticket, StoreError::Duplicate { what: "ticket", .. }),
        "{reused_ticket}"
    );
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_failing_step_rolls_the_whole_completion_back() {
    let (store, invoices) = invoices(1);
    let answer = response_for(&invoices[0]);
    store
        .record_issued(SELLER, "S-0", &digest("S-0"), &invoices[0], &answer, None)
        .unwrap();
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    // The front end reports an invoice whose number is already recorded: the
    // command's state was updated before the failing step, and is rolled back.
    let err = store
        .complete_command(
            "S-1",
            CommandOutcome::Issued {
                invoice: &invoices[0],
                response_json: &answer,
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    assert_eq!(
        store.ticket("T-1").unwrap().unwrap().state,
        TicketState::Pending
    );
    assert_eq!(store.pending_commands(SELLER, 10).unwrap().len(), 1);
    let record = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(record.state, RequestState::Accepted);
    assert_eq!(record.invoice_number, None);
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn concurrent_completions_apply_once() {
    let (store, invoices) = invoices(1);
    let d = digest("S-1");
    store
        .enqueue_command(&new_command("S-1", &d, "T-1"))
        .unwrap();
    let invoice = Arc::new(invoices[0].clone());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (store, invoice) = (store.clone(), invoice.clone());
            std::thread::spawn(move || {
                let answer = response_for(&invoice);
                store
                    .complete_command(
                        "S-1",
                        CommandOutcome::Issued {
                            invoice: &invoice,
                            response_json: &answer,
                        },
                    )
                    .unwrap()
                    .first_time
            })
        })
        .collect();
    let firsts = handles.into_iter().map(|h| h.join().unwrap());
    assert_eq!(firsts.filter(|first| *first).count(), 1);
}

/// The sweep's list: queued commands whose deadline is known and before `now`,
/// oldest first, at most `limit`; completed ones and unknown deadlines are not in
/// it.
#[test]
fn commands_past_their_deadline_are_listed_until_completed() {
    let store = memory_store();
    let digests: Vec<_> = (1..=4).map(|n| digest(&format!("D-{n}"))).collect();
    let serials = ["D-1", "D-2", "D-3", "D-4"];
    let deadlines = [NOW + 10, NOW + 20, NOW + 30, 0];
    for ((serial, digest), deadline) in serials.iter().zip(&digests).zip(deadlines) {
        let mut command = new_command(serial, digest, serial);
        command.deadline_unix = deadline;
        store.enqueue_command(&command).unwrap();
    }
    let ids = |now, limit| -> Vec<String> {
        store
            .queued_past_deadline(now, limit)
            .unwrap()
            .into_iter()
            .map(|c| c.command_id)
            .collect()
    };
    assert!(
        ids(NOW + 10, 10).is_empty(),
        "a deadline is not past at itself"
    );
    assert_eq!(ids(NOW + 25, 10), ["D-1", "D-2"]);
    assert_eq!(ids(NOW + 25, 1), ["D-1"]);
    assert_eq!(
        store.queued_command("D-2").unwrap().unwrap().deadline_unix,
        NOW + 20
    );
    store
        .complete_command(
            "D-1",
            CommandOutcome::Failed {
                response_json: b"deadline passed",
            },
        )
        .unwrap();
    assert_eq!(
        ids(NOW + 1000, 10),
        ["D-2", "D-3"],
        "D-4's deadline is unknown"
    );
}
