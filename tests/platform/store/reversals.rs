//! What red invoices reverse: the original found by its number, the sums of the
//! reds issued and pending against it (failed and refused ones not counted), and
//! the recording transaction refusing a red that does not fit.

use fapiao::StoreError;
use fapiao::invoice::{InvoiceColor, InvoiceNumber, IssuedInvoice};
use fapiao::invoice::{Reversal, ReversalRefusal, Reversed};
use fapiao::platform::{CommandOutcome, IssuingStore, NewCommand};
use fapiao::store::SqliteStore;

use super::invoices;
use crate::issuing_support::{SELLER, digest, response_for};

/// A store with the blue invoice `invoices[0]` recorded (serial `B-1`), and
/// further invoices from the same device to record reds under.
fn with_original() -> (std::sync::Arc<SqliteStore>, Vec<IssuedInvoice>) {
    let (store, invoices) = invoices(6);
    let blue = &invoices[0];
    assert_eq!(blue.color, InvoiceColor::Blue);
    assert!(blue.total_fen > 0 && blue.amount_fen > 0);
    store
        .record_issued(
            SELLER,
            "B-1",
            &digest("B-1"),
            blue,
            &response_for(blue),
            None,
        )
        .unwrap();
    (store, invoices)
}

fn reversal(of: &IssuedInvoice, total_fen: i64, amount_fen: i64) -> Reversal {
    Reversal {
        original: of.invoice_number.clone(),
        total_fen,
        amount_fen,
    }
}

/// Records `invoice` as a red issued under `serial` reversing `how`.
fn record_red(
    store: &SqliteStore,
    serial: &str,
    invoice: &IssuedInvoice,
    how: &Reversal,
) -> Result<(), StoreError> {
    store
        .record_issued(
            SELLER,
            serial,
            &digest(serial),
            invoice,
            &response_for(invoice),
            Some(how),
        )
        .map(|_| ())
}

#[test]
fn the_original_is_found_by_its_number_and_nothing_else() {
    let (store, invoices) = with_original();
    let found = store
        .original_invoice(&invoices[0].invoice_number)
        .unwrap()
        .expect("the recorded invoice");
    assert_eq!(found, invoices[0]);
    // Issued by the device but never recorded by the platform: not an original.
    assert!(
        store
            .original_invoice(&invoices[1].invoice_number)
            .unwrap()
            .is_none()
    );
    let made_up = InvoiceNumber::digital("26350000000099999999").unwrap();
    assert!(store.original_invoice(&made_up).unwrap().is_none());
    assert_eq!(
        store.reversed_so_far(&made_up).unwrap(),
        Reversed::default()
    );
}

#[test]
fn issued_reds_add_up_and_the_one_past_the_total_is_refused_on_record() {
    let (store, invoices) = with_original();
    let blue = &invoices[0];
    let (total, amount) = (blue.total_fen, blue.amount_fen);
    let half = total / 2;
    record_red(
        &store,
        "R-1",
        &invoices[1],
        &reversal(blue, half, amount / 2),
    )
    .unwrap();
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed {
            total_fen: half,
            amount_fen: amount / 2
        }
    );
    // One fen more than what is left: refused, and nothing of it is recorded.
    let left = total - half;
    let error = record_red(&store, "R-2", &invoices[2], &reversal(blue, left + 1, 1)).unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::ReversalRefused {
                refusal: ReversalRefusal::Exceeds {
                    field: "total_fen",
                    remaining_fen,
                    requested_fen,
                },
                ..
            } if *remaining_fen == left && *requested_fen == left + 1
        ),
        "{error}"
    );
    assert!(store.find_request(SELLER, "R-2").unwrap().is_none());
    assert!(
        store
            .original_invoice(&invoices[2].invoice_number)
            .unwrap()
            .is_none()
    );
    // Within the total but past the amount without tax: refused too.
    let error = record_red(
        &store,
        "R-2",
        &invoices[2],
        &reversal(blue, left, amount - amount / 2 + 1),
    )
    .unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::ReversalRefused {
                refusal: ReversalRefusal::Exceeds {
                    field: "amount_fen",
                    ..
                },
                ..
            }
        ),
        "{error}"
    );
    // Exactly the rest passes; then the original is reversed in full.
    let rest = reversal(blue, left, amount - amount / 2);
    record_red(&store, "R-2", &invoices[2], &rest).unwrap();
    // The same red recorded again is the same request: nothing changes.
    record_red(&store, "R-2", &invoices[2], &rest).unwrap();
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed {
            total_fen: total,
            amount_fen: amount
        }
    );
    let error = record_red(&store, "R-3", &invoices[3], &reversal(blue, 1, 1)).unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::ReversalRefused {
                refusal: ReversalRefusal::FullyReversed { .. },
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_red_against_a_missing_a_foreign_or_a_red_original_is_refused_on_record() {
    let (store, invoices) = with_original();
    let blue = &invoices[0];
    let refusal = |serial: &str, invoice: &IssuedInvoice, how: &Reversal| match record_red(
        &store, serial, invoice, how,
    )
    .unwrap_err()
    {
        StoreError::ReversalRefused { refusal, .. } => refusal,
        other => panic!("expected a refused reversal, got {other}"),
    };
    // Not recorded by the platform.
    assert_eq!(
        refusal("R-1", &invoices[1], &reversal(&invoices[5], 1, 1)),
        ReversalRefusal::OriginalNotFound
    );
    // Another seller's invoice.
    let mut foreign = invoices[4].clone();
    foreign.seller_tax_id =
        fapiao::invoice::UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap();
    store
        .record_issued(
            "91440101MA5CJQ4N59",
            "F-1",
            &digest("F-1"),
            &foreign,
            &response_for(&foreign),
            None,
        )
        .unwrap();
    assert_eq!(
        refusal("R-1", &invoices[1], &reversal(&foreign, 1, 1)),
        ReversalRefusal::OriginalOfAnotherSeller
    );
    // A red invoice as the original.
    let mut red = invoices[2].clone();
    red.color = InvoiceColor::Red;
    red.total_fen = -red.total_fen;
    red.amount_fen = -red.amount_fen;
    red.tax_amount_fen = -red.tax_amount_fen;
    record_red(&store, "R-0", &red, &reversal(blue, 1, 1)).unwrap();
    assert_eq!(
        refusal("R-1", &invoices[1], &reversal(&red, 1, 1)),
        ReversalRefusal::OriginalNotBlue
    );
    // None of the refused ones counts.
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed {
            total_fen: 1,
            amount_fen: 1
        }
    );
}

fn queue_red<'a>(
    serial: &'a str,
    digest: &'a fapiao::platform::RequestDigest,
    how: &'a Reversal,
) -> NewCommand<'a> {
    NewCommand {
        seller_tax_id: SELLER,
        serial_number: serial,
        digest,
        command_id: serial,
        ticket: serial,
        command_bytes: b"sealed command",
        accepted_response_json: b"{\"status\":\"ACCEPTED_PENDING\"}",
        quota: None,
        reverses: Some(how),
        platform: "ECP-1",
        deadline_unix: 0,
    }
}

#[test]
fn pending_reds_count_until_their_front_end_reports_them_failed() {
    let (store, invoices) = with_original();
    let blue = &invoices[0];
    let total = blue.total_fen;
    let two_thirds = reversal(blue, total * 2 / 3, 1);
    let (d1, d2) = (digest("Q-1"), digest("Q-2"));
    store
        .enqueue_command(&queue_red("Q-1", &d1, &two_thirds))
        .unwrap();
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed {
            total_fen: total * 2 / 3,
            amount_fen: 1
        }
    );
    // A second queued red would take more than is left: refused, not queued.
    let error = store
        .enqueue_command(&queue_red("Q-2", &d2, &two_thirds))
        .unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::ReversalRefused {
                refusal: ReversalRefusal::Exceeds { .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(store.find_request(SELLER, "Q-2").unwrap().is_none());
    assert!(store.queued_command("Q-2").unwrap().is_none());
    assert_eq!(store.pending_commands(SELLER, 10).unwrap().len(), 1);

    // The front end reports the first one failed: its amount is free again.
    store
        .complete_command(
            "Q-1",
            CommandOutcome::Failed {
                response_json: b"{\"status\":\"FAILED\"}",
            },
        )
        .unwrap();
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed::default()
    );
    store
        .enqueue_command(&queue_red("Q-2", &d2, &two_thirds))
        .unwrap();
    // Issued, it keeps counting.
    let red = &invoices[1];
    store
        .complete_command(
            "Q-2",
            CommandOutcome::Issued {
                invoice: red,
                response_json: &response_for(red),
            },
        )
        .unwrap();
    assert_eq!(
        store.reversed_so_far(&blue.invoice_number).unwrap(),
        Reversed {
            total_fen: total * 2 / 3,
            amount_fen: 1
        }
    );
}
