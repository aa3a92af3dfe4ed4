//! The tax outbox: retries with exponential backoff and jitter, parks final
//! errors, and uploads each invoice once.

use crate::issuing_support;

use std::sync::Arc;

use fapiao::IssuingDevice;
use fapiao::StoreError;
use fapiao::invoice::IssuedInvoice;
use fapiao::platform::IssuingStore;
use fapiao::store::SqliteStore;
use fapiao::tax::{
    DrainEvent, RecordingTaxAuthority, RetryPolicy, SeededJitter, TaxAuthority, UploadError,
    drain_outbox,
};
use fapiao::tax::{OutboxState, OutboxStore};
use issuing_support::*;

/// A store with `count` issued invoices recorded (each with its outbox entry).
fn store_with_invoices(count: u64) -> (Arc<SqliteStore>, Vec<IssuedInvoice>) {
    let store = memory_store();
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    let invoices = (1..=count)
        .map(|n| {
            let serial = format!("S-{n}");
            let invoice = device.issue(&command(&serial), NOW).unwrap();
            store
                .record_issued(
                    SELLER,
                    &serial,
                    &digest(&serial),
                    &invoice,
                    &response_for(&invoice),
                    None,
                )
                .unwrap();
            invoice
        })
        .collect();
    (store, invoices)
}

fn no_jitter(base: u64, max: u64, attempts: u32) -> RetryPolicy {
    RetryPolicy {
        base_delay_secs: base,
        max_delay_secs: max,
        max_attempts: attempts,
        jitter_percent: 0,
        batch_limit: 100,
    }
}

#[test]
fn retryable_failures_back_off_exponentially_until_the_upload_goes_through() {
    let (store, invoices) = store_with_invoices(1);
    let authority = RecordingTaxAuthority::new();
    authority.fail_next(2);
    authority.time_out_next(1);
    let policy = no_jitter(10, 60, 10);
    let mut jitter = SeededJitter::new(1);
    let mut now = NOW;
    let mut schedule = Vec::new();
    loop {
        let report = drain_outbox(&*store, &authority, now, &policy, &mut jitter).unwrap();
        match report.events.as_slice() {
            [
                DrainEvent::RetryScheduled {
                    next_attempt_at,
                    attempts,
                    ..
                },
            ] => {
                schedule.push((*attempts, *next_attempt_at - now));
                // Nothing is due a second before the retry.
                let early = drain_outbox(
                    &*store,
                    &authority,
                    next_attempt_at - 1,
                    &policy,
                    &mut jitter,
                )
                .unwrap();
                assert_eq!(early.due, 0);
                now = *next_attempt_at;
            }
            [DrainEvent::Uploaded { receipt_id, .. }] => {
                assert_eq!(receipt_id, "TAX-00000001");
                break;
            }
            other => panic!("unexpected drain: {other:?}"),
        }
    }
    // Time-out first, then twice unavailable: delays of 10, 20, 40 seconds.
    assert_eq!(schedule, [(1, 10), (2, 20), (3, 40)]);
    assert_eq!(authority.calls().len(), 4);
    let entry = store
        .outbox_entry(&invoices[0].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, OutboxState::Uploaded);
    assert_eq!(entry.attempts, 3);
    assert_eq!(entry.receipt.unwrap().receipt_id, "TAX-00000001");
    assert!(entry.last_error.unwrap().contains("unavailable"));
}

#[test]
fn delays_are_capped_and_jitter_stays_within_its_share() {
    let policy = RetryPolicy {
        base_delay_secs: 10,
        max_delay_secs: 60,
        max_attempts: 20,
        jitter_percent: 50,
        batch_limit: 100,
    };
    let run = |seed| {
        let (store, _) = store_with_invoices(1);
        let authority = RecordingTaxAuthority::new();
        authority.fail_next(6);
        let mut jitter = SeededJitter::new(seed);
        let mut now = NOW;
        let mut waits = Vec::new();
        for _ in 0..6 {
            let report = drain_outbox(&*store, &authority, now, &policy, &mut jitter).unwrap();
            let [
                DrainEvent::RetryScheduled {
                    next_attempt_at, ..
                },
            ] = report.events.as_slice()
            else {
                panic!("{report:?}");
            };
            waits.push(next_attempt_at - now);
            now = *next_attempt_at;
        }
        waits
    };
    let waits = run(99);
    for (n, wait) in waits.iter().enumerate() {
        let delay = [10, 20, 40, 60, 60, 60][n];
        assert!(
            (delay..=delay + delay / 2).contains(wait),
            "attempt {}: {wait}",
            n + 1
        );
    }
    assert_eq!(run(99), waits, "the same seed gives the same schedule");
    assert_ne!(run(7), waits, "another seed another one");
}

#[test]
fn a_refusal_is_parked_at_once_for_an_operator() {
    let (store, invoices) = store_with_invoices(2);
    let authority = RecordingTaxAuthority::new();
    let refused = &invoices[0].invoice_number;
    authority.refuse(refused, "E1021", "buyer tax id unknown");
    let policy = no_jitter(10, 60, 10);
    let mut jitter = SeededJitter::new(1);
    let report = drain_outbox(&*store, &authority, NOW, &policy, &mut jitter).unwrap();
    assert_eq!(
        (report.due, report.uploaded, report.parked, report.retried),
        (2, 1, 1, 0)
    );
    let parked = store.parked(10).unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(&parked[0].invoice.invoice_number, refused);
    assert_eq!(parked[0].attempts, 1);
    assert!(parked[0].last_error.as_deref().unwrap().contains("E1021"));
    // Parked entries are not retried by themselves.
    let later = drain_outbox(&*store, &authority, NOW + 86_400, &policy, &mut jitter).unwrap();
    assert_eq!(later.due, 0);
    // The operator fixes the cause and puts it back in line.
    authority.clear_refusal(refused);
    store.requeue(refused, NOW + 90_000).unwrap();
    let retried = drain_outbox(&*store, &authority, NOW + 90_000, &policy, &mut jitter).unwrap();
    assert_eq!(retried.uploaded, 1);
    assert_eq!(store.uploaded(10).unwrap().len(), 2);
    assert!(store.parked(10).unwrap().is_empty());
    // Only a parked entry can be requeued.
    assert!(matches!(
        store.requeue(refused, NOW + 90_001),
        Err(StoreError::WrongState { .. })
    ));
}

#[test]
fn an_entry_out_of_attempts_is_parked() {
    let (store, invoices) = store_with_invoices(1);
    let authority = RecordingTaxAuthority::new();
    authority.time_out_next(100);
    let policy = no_jitter(1, 1, 3);
    let mut jitter = SeededJitter::new(1);
    let mut last = None;
    for now in NOW..NOW + 3 {
        let report = drain_outbox(&*store, &authority, now, &policy, &mut jitter).unwrap();
        last = report.events.into_iter().next();
    }
    match last {
        Some(DrainEvent::Parked {
            attempts, reason, ..
        }) => {
            assert_eq!(attempts, 3);
            assert!(reason.starts_with("gave up after 3 attempts"), "{reason}");
        }
        other => panic!("expected a parked entry, got {other:?}"),
    }
    let entry = store
        .outbox_entry(&invoices[0].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, OutboxState::Parked);
    assert_eq!(authority.calls().len(), 3);
}

#[test]
fn uploads_are_idempotent_by_invoice_number() {
    let (store, invoices) = store_with_invoices(3);
    let authority = RecordingTaxAuthority::new();
    // A crash after an upload and before its record: the authority already has it.
    let early = authority.upload(&invoices[1], NOW).unwrap();
    let policy = RetryPolicy::default();
    let mut jitter = SeededJitter::new(1);
    let report = drain_outbox(&*store, &authority, NOW, &policy, &mut jitter).unwrap();
    assert_eq!(report.uploaded, 3);
    let entry = store
        .outbox_entry(&invoices[1].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.receipt.as_ref(),
        Some(&early),
        "the same receipt again"
    );
    // Draining again uploads nothing.
    let again = drain_outbox(&*store, &authority, NOW + 10_000, &policy, &mut jitter).unwrap();
    assert_eq!(again.due, 0);
    assert_eq!(authority.calls().len(), 4);
    assert_eq!(authority.receipts().len(), 3);
    // Recording a receipt twice keeps the first.
    let mut other = early.clone();
    other.receipt_id = "TAX-99999999".into();
    store
        .mark_uploaded(&invoices[1].invoice_number, &other, NOW + 1)
        .unwrap();
    let entry = store
        .outbox_entry(&invoices[1].invoice_number)
        .unwrap()
        .unwrap();
    assert_eq!(entry.receipt.unwrap(), early);
}

#[test]
fn the_recording_authority_answers_the_same_receipt_twice_and_records_every_call() {
    let (_, invoices) = store_with_invoices(1);
    let authority = RecordingTaxAuthority::new();
    authority.fail_next(1);
    assert!(matches!(
        authority.upload(&invoices[0], NOW),
        Err(UploadError::Unavailable { .. })
    ));
    let first = authority.upload(&invoices[0], NOW + 1).unwrap();
    let second = authority.upload(&invoices[0], NOW + 2).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.accepted_at_unix, NOW + 1);
    let calls = authority.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.invoice == invoices[0]));
    assert!(UploadError::TimedOut.is_retryable());
    assert!(
        !UploadError::Refused {
            code: "E".into(),
            message: "m".into()
        }
        .is_retryable()
    );
}

#[test]
fn unknown_outbox_entries_are_reported() {
    let (store, invoices) = store_with_invoices(1);
    let mut unknown = invoices[0].invoice_number.clone();
    if let fapiao::invoice::InvoiceNumber::Digital(n) = &mut unknown {
        *n = number(999);
    }
    assert!(matches!(
        store.park(&unknown, 1, "x", NOW),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.outbox_entry(&unknown).unwrap().is_none());
}

#[test]
fn uploads_past_their_retention_are_compacted_and_their_invoices_stay() {
    const DAY: u64 = 86_400;
    let (store, invoices) = store_with_invoices(5);
    let authority = RecordingTaxAuthority::new();
    let number = |i: usize| &invoices[i].invoice_number;
    // 0 and 1 uploaded on day 0, 2 on day 20; 3 parked on day 0; 4 pending.
    for (i, day) in [(0, 0), (1, 0), (2, 20)] {
        let receipt = authority.upload(&invoices[i], NOW + day * DAY).unwrap();
        store
            .mark_uploaded(number(i), &receipt, NOW + day * DAY)
            .unwrap();
    }
    store.park(number(3), 5, "refused", NOW).unwrap();
    // Day 30: uploads before day 10 go, one page at a time.
    let before = NOW + 10 * DAY;
    assert_eq!(store.compact_uploaded(before, 1).unwrap(), 1);
    assert_eq!(store.compact_uploaded(before, 100).unwrap(), 1);
    assert_eq!(
        store.compact_uploaded(before, 100).unwrap(),
        0,
        "idempotent"
    );
    assert!(store.outbox_entry(number(0)).unwrap().is_none());
    assert!(store.outbox_entry(number(1)).unwrap().is_none());
    // The recent upload keeps its receipt; parked and pending are untouched.
    let recent = store.outbox_entry(number(2)).unwrap().unwrap();
    assert_eq!(recent.state, OutboxState::Uploaded);
    assert!(recent.receipt.is_some());
    assert_eq!(
        store.outbox_entry(number(3)).unwrap().unwrap().state,
        OutboxState::Parked
    );
    assert_eq!(
        store.outbox_entry(number(4)).unwrap().unwrap().state,
        OutboxState::Pending
    );
    assert_eq!(store.uploaded(10).unwrap().len(), 1);
    // Even far later, only uploads are compacted.
    assert_eq!(store.compact_uploaded(NOW + 1000 * DAY, 100).unwrap(), 1);
    assert_eq!(store.parked(10).unwrap().len(), 1);
    assert_eq!(store.due_uploads(NOW + 1000 * DAY, 10).unwrap().len(), 1);
    // The compacted invoices are still there, and the store is consistent.
    for (i, invoice) in invoices.iter().enumerate().take(3) {
        let record = store
            .find_request(SELLER, &format!("S-{}", i + 1))
            .unwrap()
            .unwrap();
        assert_eq!(record.invoice_number.as_ref(), Some(number(i)));
        let kept = store.original_invoice(number(i)).unwrap();
        assert_eq!(kept.as_ref(), Some(invoice));
    }
    assert_eq!(store.check_integrity().unwrap(), vec![]);
}
