//! [`StoreError`]: why the store could not read or record something.

/// Failures of a store: the database itself, or a change the store refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed; `operation` names what the store was doing.
    #[error("database: {operation}: {source}")]
    Database {
        /// What the store was doing (e.g. "record an issued invoice").
        operation: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A request serial number seen before arrived with different content: the
    /// platform refuses it as a conflict and never issues a second invoice.
    #[error(
        "request {serial_number} of seller {seller_tax_id} was already received with different content"
    )]
    Conflict {
        /// The seller's tax id, as written in the request.
        seller_tax_id: String,
        /// The request serial number.
        serial_number: String,
    },
    /// A command id seen before arrived with different content.
    #[error("command {command_id} was already received with different content")]
    CommandConflict {
        /// The command id.
        command_id: String,
    },
    /// A value that must be unique is already taken (a ticket, an invoice number, a
    /// number segment's id).
    #[error("{what} {key} is already recorded")]
    Duplicate {
        /// What kind of value.
        what: &'static str,
        /// The value.
        key: String,
    },
    /// A value does not belong with the record it is stored under (e.g. an invoice
    /// of another seller than the request's).
    #[error("{what}: expected {expected}, found {found}")]
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The value the record has.
        expected: String,
        /// The value given.
        found: String,
    },
    /// A change names something the store does not hold.
    #[error("no {what} {key}")]
    NotFound {
        /// What was looked for (e.g. "queued command").
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A change is not allowed in the record's current state.
    #[error("{what} {key} is {state}, not {expected}")]
    WrongState {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// Its state.
        state: &'static str,
        /// The state the change needs.
        expected: &'static str,
    },
    /// A red invoice's reversal was refused when it was recorded: checked again
    /// in the transaction that records it, its original is not one it may
    /// reverse, or the reds before it leave too little.
    #[error("a red invoice reversing {original} is refused: {refusal}")]
    ReversalRefused {
        /// The original's number as stored (`code/number` for the legacy kinds).
        original: String,
        /// Why.
        refusal: crate::invoice::ReversalRefusal,
    },
    /// A number segment overlaps one already configured.
    #[error("number segment {segment_id} overlaps segment {existing}")]
    SegmentOverlap {
        /// The segment being added.
        segment_id: String,
        /// The segment it overlaps.
        existing: String,
    },
    /// A stored value does not read back (the database was altered or damaged).
    #[error("corrupt {what} in the store: {source}")]
    Corrupt {
        /// What could not be read.
        what: &'static str,
        /// Why.
        source: CorruptValue,
    },
    /// A value could not be encoded for storage.
    #[error("cannot encode {what}: {source}")]
    Encoding {
        /// What was being stored.
        what: &'static str,
        /// serde_json's error.
        source: serde_json::Error,
    },
    /// The database was written by a newer version of this library.
    #[error("the database has schema version {found}; this library knows up to {supported}")]
    SchemaTooNew {
        /// The version found in `schema_version`.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
}

/// Why a stored value did not read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorruptValue {
    /// Stored JSON does not parse as the type it should be.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A stored certificate does not parse.
    #[error("{0}")]
    Certificate(super::CertificateError),
    /// A stored column has a value outside its domain.
    #[error("unexpected value {value:?} in column {column}")]
    Column {
        /// The column.
        column: &'static str,
        /// The value found.
        value: String,
    },
}

impl StoreError {
    /// A database failure of `operation`.
    pub(crate) fn db(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |source| Self::Database { operation, source }
    }

    /// Whether trying the same change again later may succeed: the database was
    /// busy or failed to read or write, not a refusal of the change itself.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Database { .. })
    }
}
