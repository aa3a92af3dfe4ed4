//! The rules of the tax outbox's storage (`OutboxStore`), whichever engine
//! keeps it: how an entry reads back from its row joined to its invoice, which
//! entries an operator may requeue, and what a change to an entry that is not
//! there is.

use super::columns::{from_json, invoice, uint};
use super::state_keys::outbox_state_from_key;
use crate::error::StoreError;
use crate::tax::{OutboxEntry, TaxReceipt};

/// The query of outbox entries joined to their invoices (an [`EntryRow`]),
/// ending with `$filter`, a string literal: every statement is fixed at
/// compile time.
macro_rules! entries_where {
    ($filter:literal) => {
        concat!(
            "SELECT i.invoice_json, o.state, o.attempts, o.next_attempt_at, \
             o.last_error, o.receipt_json \
             FROM outbox o JOIN invoices i USING (invoice_number) ",
            $filter
        )
    };
}
pub(in crate::store) use entries_where;

/// The columns of [`entries_where!`]: the invoice's JSON, state, attempts,
/// next attempt at, last error, the receipt's JSON.
pub(in crate::store) type EntryRow = (String, String, i64, i64, Option<String>, Option<String>);

/// An entry from its row.
pub(in crate::store) fn to_entry(
    (json, state, attempts, next, last_error, receipt): EntryRow,
) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        invoice: invoice(&json)?,
        state: outbox_state_from_key(&state)?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: uint(next),
        last_error,
        receipt: receipt
            .as_deref()
            .map(|json| from_json::<TaxReceipt>("tax receipt", json))
            .transpose()?,
    })
}

/// The error of a change to the entry of `key` that is not in the outbox.
pub(in crate::store) fn missing(key: &str) -> StoreError {
    StoreError::NotFound {
        what: "outbox entry",
        key: key.to_owned(),
    }
}

/// Checks that the entry of `key`, in the stored `state` (`None`: no entry),
/// may be requeued: only a parked one may.
pub(in crate::store) fn check_requeue(key: &str, state: Option<&str>) -> Result<(), StoreError> {
    match state {
        None => Err(missing(key)),
        Some("PARKED") => Ok(()),
        Some(other) => Err(StoreError::WrongState {
            what: "outbox entry",
            key: key.to_owned(),
            state: if other == "UPLOADED" {
                "uploaded"
            } else {
                "pending"
            },
            expected: "parked",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_parked_entry_is_requeued() {
        assert!(check_requeue("1", Some("PARKED")).is_ok());
        assert!(matches!(
            check_requeue("1", None),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            check_requeue("1", Some("UPLOADED")),
            Err(StoreError::WrongState {
                state: "uploaded",
                ..
            })
        ));
        assert!(matches!(
            check_requeue("1", Some("PENDING")),
            Err(StoreError::WrongState {
                state: "pending",
                ..
            })
        ));
    }

    #[test]
    fn an_entry_whose_invoice_does_not_read_back_is_corrupt() {
        let row = ("{}".into(), "PENDING".into(), 0, 0, None, None);
        assert!(matches!(to_entry(row), Err(StoreError::Corrupt { .. })));
    }
}
