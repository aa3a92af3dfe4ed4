//! Conversions between the domain's values and the columns both engines
//! store them in: signed 64-bit integers, JSON text, invoice numbers and kinds
//! as text, digests as bytes.
//!
//! Both engines write and read the same text and numbers through these, so a
//! row means the same on SQLite and PostgreSQL, and a value outside its domain
//! is the same [`StoreError::Corrupt`] on either.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{CorruptValue, StoreError};
use crate::invoice::{InvoiceKind, InvoiceNumber, IssuedInvoice};

/// A time or count as a signed 64-bit column (saturating).
pub(in crate::store) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A signed 64-bit column as unsigned (negative values read as 0).
pub(in crate::store) fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A row limit as a signed 64-bit parameter (saturating).
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

/// A 32-byte digest from a binary column.
pub(in crate::store) fn digest32(
    column: &'static str,
    bytes: &[u8],
) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| corrupt_column(column, &format!("{} bytes", bytes.len())))
}
