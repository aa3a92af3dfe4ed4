//! The cloud platform's records: invoices by serial number, tickets polled
//! until resolved, the submission journal, and one-statement changes inside a
//! unit of work.

use fapiao::StoreError;
use fapiao::envelope::ReplayGuard;
use fapiao::invoice::UnifiedSocialCreditCode;
use fapiao::platform::{
    CloudStore, CloudTicketState, NewSubmission, SubmissionState, TicketResolution,
};
use fapiao::{EnvelopeError, Error};

use super::invoices;
use crate::issuing_support::{NOW, SELLER, response_for};

#[test]
fn the_cloud_platform_keeps_invoices_and_polls_tickets() {
    let (store, invoices) = invoices(2);
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
    assert!(matches!(
        store.store_invoice(SELLER, "S-1", &invoices[1], &answer),
        Err(StoreError::Conflict { .. })
    ));
    let stored = store.invoice_by_serial(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(stored.invoice, invoices[0]);

    store.record_ticket(SELLER, "S-2", "T-2", NOW).unwrap();
    store.record_ticket(SELLER, "S-2", "T-2", NOW + 1).unwrap();
    store.record_ticket(SELLER, "S-3", "T-3", NOW + 2).unwrap();
    // An invoice of another seller does not complete a ticket of SELLER.
    let mut foreign = invoices[1].clone();
    foreign.seller_tax_id = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    let foreign_answer = response_for(&foreign);
    assert!(matches!(
        store.complete_ticket(
            "T-2",
            TicketResolution::Issued {
                invoice: &foreign,
                response_json: &foreign_answer,
            }
        ),
        Err(StoreError::Mismatch { .. })
    ));
    assert!(store.record_ticket(SELLER, "S-4", "T-2", NOW).is_err());
    let outstanding = store.outstanding_tickets(10).unwrap();
    assert_eq!(
        outstanding
            .iter()
            .map(|t| t.ticket.as_str())
            .collect::<Vec<_>>(),
        ["T-2", "T-3"]
    );
    let of_s2 = store.outstanding_tickets_for_serial("S-2").unwrap();
    assert_eq!(of_s2.len(), 1);
    assert_eq!(of_s2[0].ticket, "T-2");
    assert!(
        store
            .outstanding_tickets_for_serial("S-9")
            .unwrap()
            .is_empty()
    );
    let answer = response_for(&invoices[1]);
    let resolution = TicketResolution::Issued {
        invoice: &invoices[1],
        response_json: &answer,
    };
    assert!(store.complete_ticket("T-2", resolution).unwrap());
    assert!(!store.complete_ticket("T-2", resolution).unwrap());
    assert!(
        store
            .complete_ticket(
                "T-3",
                TicketResolution::Failed {
                    response_json: b"no"
                }
            )
            .unwrap()
    );
    assert!(store.outstanding_tickets(10).unwrap().is_empty());
    assert!(
        store
            .outstanding_tickets_for_serial("S-2")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.cloud_ticket("T-3").unwrap().unwrap().state,
        CloudTicketState::Failed
    );
    assert_eq!(
        store
            .invoice_by_serial(SELLER, "S-2")
            .unwrap()
            .unwrap()
            .invoice,
        invoices[1]
    );
}

/// The replay check and the cloud platform's invoice row are changes of one
/// writing statement, run without a savepoint of their own
/// (`SqliteStore::write_statement`): one that fails inside a unit of work must
/// still leave nothing of itself, and the unit goes on and commits the rest.
#[test]
fn a_one_statement_change_that_fails_in_a_unit_leaves_nothing_and_the_unit_goes_on() {
    let (store, invoices) = invoices(2);
    let answer = response_for(&invoices[0]);
    store
        .atomically(|| -> Result<(), Error> {
            store.check_and_record(b"msg-1", NOW, NOW + 600)?;
            let replay = store
                .check_and_record(b"msg-1", NOW, NOW + 600)
                .unwrap_err();
            assert!(
                matches!(replay, Error::Envelope(EnvelopeError::Replay { .. })),
                "{replay}"
            );
            assert!(store.store_invoice(SELLER, "S-1", &invoices[0], &answer)?);
            // The same invoice number under another serial number: the insert
            // is refused by the table's UNIQUE invoice number.
            let duplicate = store
                .store_invoice(SELLER, "S-2", &invoices[0], &answer)
                .unwrap_err();
            assert!(
                matches!(duplicate, StoreError::Duplicate { .. }),
                "{duplicate}"
            );
            assert!(store.store_invoice(SELLER, "S-3", &invoices[1], &answer)?);
            store.check_and_record(b"msg-2", NOW, NOW + 600)?;
            Ok(())
        })
        .unwrap();
    assert!(store.invoice_by_serial(SELLER, "S-1").unwrap().is_some());
    assert!(store.invoice_by_serial(SELLER, "S-2").unwrap().is_none());
    assert!(store.invoice_by_serial(SELLER, "S-3").unwrap().is_some());
    for id in [b"msg-1", b"msg-2"] {
        assert!(store.check_and_record(id, NOW + 1, NOW + 601).is_err());
    }
    assert!(store.check_integrity().unwrap().is_empty());
}

/// The journal: an order outstanding until closed, a re-send keeping its place
/// and first time, a close by serial number alone (an answer without its
/// seller) closing every seller's outstanding order under it, and nothing
/// closed twice.
#[test]
fn submissions_stay_outstanding_until_closed() {
    let (store, _) = invoices(0);
    let submit = |seller: &str, serial: &str, order: &[u8], now: u64| {
        store
            .record_submission(NewSubmission {
                seller_tax_id: seller,
                serial_number: serial,
                order_der: order,
                now,
            })
            .unwrap()
    };
    submit(SELLER, "S-1", b"first", NOW);
    submit("OTHER", "S-1", b"other", NOW);
    submit(SELLER, "S-2", b"second", NOW + 1);
    submit(SELLER, "S-1", b"again", NOW + 5);
    let outstanding = store.outstanding_submissions(0, 10).unwrap();
    let keys: Vec<_> = outstanding
        .iter()
        .map(|s| (s.seller_tax_id.as_str(), s.serial_number.as_str()))
        .collect();
    assert_eq!(keys, [(SELLER, "S-1"), ("OTHER", "S-1"), (SELLER, "S-2")]);
    let first = &outstanding[0];
    assert_eq!(first.order_der.as_deref(), Some(&b"again"[..]));
    assert_eq!(
        (first.submitted_at, first.last_sent_at, first.attempts),
        (NOW, NOW + 5, 2)
    );
    let after_first = store.outstanding_submissions(first.position, 10).unwrap();
    assert_eq!(after_first.len(), 2);

    assert_eq!(
        store
            .close_submission(Some(SELLER), "S-2", SubmissionState::Issued, NOW)
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .close_submission(Some(SELLER), "S-2", SubmissionState::Refused, NOW)
            .unwrap(),
        0,
        "closed once"
    );
    assert_eq!(
        store
            .close_submission(None, "S-1", SubmissionState::Failed, NOW)
            .unwrap(),
        2
    );
    assert!(store.outstanding_submissions(0, 10).unwrap().is_empty());
    let closed = store.submission(SELLER, "S-2").unwrap().unwrap();
    assert_eq!(closed.state, SubmissionState::Issued);
    assert_eq!(closed.order_der.as_deref(), Some(&b"second"[..]));
    // Compaction drops the orders of entries closed before the cut-off only,
    // never an outstanding one, in pages.
    submit(SELLER, "S-3", b"third", NOW + 10);
    store
        .close_submission(Some(SELLER), "S-3", SubmissionState::Issued, NOW + 10)
        .unwrap();
    submit(SELLER, "S-4", b"fourth", NOW + 11);
    assert_eq!(store.compact_closed_submissions(NOW + 1, 1).unwrap(), 1);
    assert_eq!(store.compact_closed_submissions(NOW + 1, 10).unwrap(), 2);
    assert_eq!(store.compact_closed_submissions(NOW + 1, 10).unwrap(), 0);
    assert_eq!(
        store.submission(SELLER, "S-2").unwrap().unwrap().order_der,
        None
    );
    let kept = |serial: &str| store.submission(SELLER, serial).unwrap().unwrap().order_der;
    assert!(kept("S-3").is_some(), "closed after the cut-off");
    assert!(kept("S-4").is_some(), "outstanding");
    assert!(matches!(
        store.close_submission(None, "S-1", SubmissionState::Outstanding, NOW),
        Err(StoreError::WrongState { .. })
    ));
    // Submitted again after it was closed: outstanding again.
    submit(SELLER, "S-2", b"third", NOW + 9);
    assert_eq!(
        store.submission(SELLER, "S-2").unwrap().unwrap().state,
        SubmissionState::Outstanding
    );
}
