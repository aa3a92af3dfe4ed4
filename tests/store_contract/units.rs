//! Units of work: one transaction, each change a savepoint of it.

use std::sync::Arc;

use fapiao::Error;
use fapiao::store::StoreError;

use super::ContractStore;
use crate::issuing_support::{SELLER, digest};

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
