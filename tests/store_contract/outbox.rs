//! The tax outbox.

use std::sync::Arc;

use fapiao::invoice::InvoiceNumber;
use fapiao::store::StoreError;
use fapiao::tax::{OutboxState, TaxReceipt};

use super::{ContractStore, invoices};
use crate::issuing_support::{NOW, SELLER, digest, response_for};

fn receipt(number: &InvoiceNumber, id: &str) -> TaxReceipt {
    TaxReceipt {
        invoice_number: number.clone(),
        receipt_id: id.to_owned(),
        accepted_at_unix: NOW,
    }
}

/// Each recorded invoice is due once; an upload keeps its first receipt; a
/// retry waits; a parked entry waits for `requeue`; uploads are compacted.
pub fn uploads_are_marked_retried_parked_requeued_and_compacted<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 3);
    for (n, invoice) in invoices.iter().enumerate() {
        let serial = format!("S-{}", n + 1);
        let answer = response_for(invoice);
        store
            .record_issued(SELLER, &serial, &digest(&serial), invoice, &answer, None)
            .unwrap();
    }
    let due = store.due_uploads(NOW, 10).unwrap();
    let numbers: Vec<_> = due
        .iter()
        .map(|e| e.invoice.invoice_number.clone())
        .collect();
    let expected: Vec<_> = invoices.iter().map(|i| i.invoice_number.clone()).collect();
    assert_eq!(numbers, expected);
    let [one, two, three] = [0, 1, 2].map(|i| &invoices[i].invoice_number);
    store.mark_uploaded(one, &receipt(one, "r-1"), NOW).unwrap();
    store
        .mark_uploaded(one, &receipt(one, "r-again"), NOW + 1)
        .unwrap();
    let uploaded = store.outbox_entry(one).unwrap().unwrap();
    assert_eq!(uploaded.state, OutboxState::Uploaded);
    assert_eq!(uploaded.receipt.unwrap().receipt_id, "r-1");
    store.schedule_retry(two, 1, NOW + 60, "busy").unwrap();
    store.park(three, 3, "refused", NOW).unwrap();
    assert!(store.due_uploads(NOW + 59, 10).unwrap().is_empty());
    let retried = store.due_uploads(NOW + 60, 10).unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("busy"));
    assert_eq!(store.parked(10).unwrap()[0].invoice.invoice_number, *three);
    let not_parked = store.requeue(one, NOW).unwrap_err();
    assert!(
        matches!(not_parked, StoreError::WrongState { .. }),
        "{not_parked}"
    );
    store.requeue(three, NOW + 100).unwrap();
    assert_eq!(
        store.outbox_entry(three).unwrap().unwrap().state,
        OutboxState::Pending
    );
    assert_eq!(store.uploaded(10).unwrap().len(), 1);
    assert_eq!(store.compact_uploaded(NOW, 10).unwrap(), 0);
    assert_eq!(store.compact_uploaded(NOW + 1, 10).unwrap(), 1);
    assert!(store.outbox_entry(one).unwrap().is_none());
    assert!(store.integrity().unwrap().is_empty());
    let missing = store
        .schedule_retry(
            &InvoiceNumber::digital("26350000000000999999").unwrap(),
            1,
            NOW,
            "x",
        )
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
}
