//! Units of work: one transaction; a change that fails inside leaves nothing of
//! itself.

use std::sync::Arc;

use fapiao::Error;
use fapiao::store::StoreError;

use super::{ContractStore, invoices};
use crate::issuing_support::{SELLER, digest, response_for};

/// A unit that fails leaves nothing; a change that fails inside a unit that
/// goes on leaves nothing of itself, and the rest commits.
pub fn a_failed_unit_leaves_nothing_and_a_failed_change_only_itself<S: ContractStore>(
    store: Arc<S>,
) {
    let failed = store.run_atomically(&mut || {
        store.record_refused(SELLER, "S-1", &digest("S-1"), b"{}")?;
        store.record_refused(SELLER, "S-1", &digest("S-other"), b"{}")?;
        Ok(())
    });
    assert!(
        matches!(failed, Err(Error::Store(StoreError::Conflict { .. }))),
        "{failed:?}"
    );
    assert!(store.find_request(SELLER, "S-1").unwrap().is_none());
    store
        .run_atomically(&mut || {
            store.record_refused(SELLER, "S-1", &digest("S-1"), b"{}")?;
            let conflict = store.record_refused(SELLER, "S-1", &digest("S-other"), b"{}");
            assert!(matches!(conflict, Err(StoreError::Conflict { .. })));
            // Nested units join as savepoints.
            let inner = store.run_atomically(&mut || {
                store.record_refused(SELLER, "S-2", &digest("S-2"), b"{}")?;
                Err(Error::from(StoreError::NotFound {
                    what: "test",
                    key: "inner".into(),
                }))
            });
            assert!(inner.is_err());
            store.record_refused(SELLER, "S-3", &digest("S-3"), b"{}")?;
            Ok(())
        })
        .unwrap();
    assert!(store.find_request(SELLER, "S-1").unwrap().is_some());
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    assert!(store.find_request(SELLER, "S-3").unwrap().is_some());
}

/// A change the database itself rejects (a duplicate invoice number: on
/// PostgreSQL an error that aborts the transaction) inside a unit that goes
/// on leaves nothing of itself, and the rest of the unit commits.
pub fn a_change_the_database_rejects_leaves_the_rest_of_the_unit<S: ContractStore>(store: Arc<S>) {
    let invoices = invoices(&store, 1);
    let answer = response_for(&invoices[0]);
    store
        .run_atomically(&mut || {
            store.record_issued(SELLER, "S-1", &digest("S-1"), &invoices[0], &answer, None)?;
            let duplicate =
                store.record_issued(SELLER, "S-2", &digest("S-2"), &invoices[0], &answer, None);
            assert!(
                matches!(duplicate, Err(StoreError::Duplicate { .. })),
                "{duplicate:?}"
            );
            store.record_refused(SELLER, "S-3", &digest("S-3"), b"{}")?;
            Ok(())
        })
        .unwrap();
    assert!(store.find_request(SELLER, "S-1").unwrap().is_some());
    assert!(store.find_request(SELLER, "S-2").unwrap().is_none());
    assert!(store.find_request(SELLER, "S-3").unwrap().is_some());
    assert!(store.integrity().unwrap().is_empty());
}
