//! Conversions between the domain types and SQLite's columns.

use rusqlite::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{CorruptValue, StoreError};
use crate::invoice::{InvoiceKind, InvoiceNumber, IssuedInvoice};

/// Names the operation of a failed SQLite call.
pub(super) trait During<T> {
    /// The result, its error as a [`StoreError::Database`] of `operation`.
    fn during(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> During<T> for rusqlite::Result<T> {
    fn during(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(StoreError::db(operation))
    }
}

/// Maps a UNIQUE violation to [`StoreError::Duplicate`].
pub(super) fn unique_as(
    operation: &'static str,
    what: &'static str,
    key: &str,
) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |error| {
        if is_unique_violation(&error) {
            StoreError::Duplicate {
                what,
                key: key.to_owned(),
            }
        } else {
            StoreError::db(operation)(error)
        }
    }
}

/// Whether SQLite refused a write for a UNIQUE or PRIMARY KEY constraint.
fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == ErrorCode::ConstraintViolation
                && matches!(
                    e.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                )
    )
}

/// A time or count as SQLite's signed integer (saturating).
pub(in crate::store) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A SQLite integer as unsigned (negative values read as 0).
pub(in crate::store) fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A limit as SQLite's integer.
pub(in crate::store) fn limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// JSON text of a value.
pub(in crate::store) fn to_json<T: Serialize>(
    what: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encoding { what, source })
}

/// A value from its stored JSON.
pub(in crate::store) fn from_json<T: DeserializeOwned>(
    what: &'static str,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        what,
        source: CorruptValue::Json(source),
    })
}

/// An issued invoice from its stored JSON.
pub(in crate::store) fn invoice(json: &str) -> Result<IssuedInvoice, StoreError> {
    from_json("issued invoice", json)
}

/// The text key of an invoice number: 20 digits, or `code/number`.
pub(in crate::store) fn number_key(number: &InvoiceNumber) -> String {
    number.to_string()
}

/// An invoice number from its text key.
pub(in crate::store) fn number_from_key(key: &str) -> Result<InvoiceNumber, StoreError> {
    let parsed = match key.split_once('/') {
        Some((code, number)) => InvoiceNumber::legacy(code, number),
        None => InvoiceNumber::digital(key),
    };
    parsed.map_err(|_| corrupt_column("invoice_number", key))
}

/// The stored name of an invoice kind.
pub(in crate::store) fn kind_key(kind: InvoiceKind) -> &'static str {
    kind.as_str()
}

/// An invoice kind from its stored name.
pub(in crate::store) fn kind_from_key(key: &str) -> Result<InvoiceKind, StoreError> {
    InvoiceKind::ALL
        .iter()
        .copied()
        .find(|kind| kind.as_str() == key)
        .ok_or_else(|| corrupt_column("invoice_kind", key))
}

/// A column holding a value outside its domain.
pub(in crate::store) fn corrupt_column(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        what: "column value",
        source: CorruptValue::Column {
            column,
            value: value.to_owned(),
        },
    }
}

/// A 32-byte digest from a BLOB column.
pub(in crate::store) fn digest32(
    column: &'static str,
    bytes: &[u8],
) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| corrupt_column(column, &format!("{} bytes", bytes.len())))
}
