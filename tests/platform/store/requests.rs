//! Idempotency records: one answer per seller and serial number, conflicts and
//! duplicate invoice numbers refused, the invoice queued for upload with it.

use fapiao::StoreError;
use fapiao::platform::{IssuingStore, RequestState};
use fapiao::tax::{OutboxState, OutboxStore};

use super::invoices;
use crate::issuing_support::{SELLER, digest, response_for};

#[test]
fn the_same_serial_number_gets_the_same_answer_and_other_content_is_a_conflict() {
    let (store, invoices) = invoices(2);
    let answer = response_for(&invoices[0]);
    let first = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer, None)
        .unwrap();
    assert!(first.fresh);
    assert_eq!(first.record.state, RequestState::Issued);
    let again = store
        .record_issued(
            SELLER,
            "S-1",
            &digest("S-1"),
            &invoices[1],
            b"other answer",
            None,
        )
        .unwrap();
    assert!(!again.fresh);
    assert_eq!(again.record.response_json, answer);
    assert_eq!(
        again.record.invoice_number,
        Some(invoices[0].invoice_number.clone())
    );
    // The very same invoice again (its number is taken too, by the same row):
    // still the stored answer, not a duplicate number.
    let same = store
        .record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer, None)
        .unwrap();
    assert!(!same.fresh);
    assert_eq!(same.record, first.record);
    let conflict = store
        .record_refused(SELLER, "S-1", &digest("S-1-other"), b"refused")
        .unwrap_err();
    assert!(
        matches!(conflict, StoreError::Conflict { .. }),
        "{conflict}"
    );
    // Serial numbers are per seller.
    let other_seller = store
        .record_refused("91440101MA5CJQ4N59", "S-1", &digest("S-9"), b"refused")
        .unwrap();
    assert!(other_seller.fresh);
    let found = store.find_request(SELLER, "S-1").unwrap().unwrap();
    assert_eq!(found, first.record);
    assert!(store.find_request(SELLER, "S-404").unwrap().is_none());
    // The invoice went to the outbox in the same transaction.
    let entry = store
        .outbox_entry(&invoices[0].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, OutboxState::Pending);
    assert_eq!(entry.invoice, invoices[0]);
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn an_invoice_number_recorded_twice_is_refused_and_nothing_is_written() {
    let (store, invoices) = invoices(1);
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
    // An invoice of another seller is not recorded under this seller's request.
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
    assert!(
        store
            .find_request("91440101MA5CJQ4N59", "S-3")
            .unwrap()
            .is_none()
    );
    assert!(store.check_integrity().unwrap().is_empty());
}
