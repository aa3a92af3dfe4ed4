//! [`StoreError`]: why the store could not read or record something.

/// Failures of a store: the database itself, or a change the store refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed; `operation` names what the store was doing,
    /// `engine` which database it was, `kind` whether it could not be reached,
    /// was contended, or refused the statement.
    #[error("{engine} database: {operation}: {kind}: {source}")]
    Database {
        /// What the store was doing (e.g. "record an issued invoice").
        operation: &'static str,
        /// The database engine.
        engine: DatabaseEngine,
        /// What kind of failure it was.
        kind: DatabaseFailure,
        /// The engine's own error (`rusqlite::Error`, `postgres::Error`, or the
        /// pool's).
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
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
    /// A setting the store was opened with is unusable (a connection string
    /// that does not parse, a schema name that is not a plain identifier).
    #[error("store setting {setting}: {problem}")]
    InvalidSetting {
        /// Which setting.
        setting: &'static str,
        /// What is wrong with it (never the setting's value, which may hold a
        /// password).
        problem: String,
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

/// The database engine behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatabaseEngine {
    /// The embedded SQLite of [`SqliteStore`](crate::store::SqliteStore).
    Sqlite,
    /// A PostgreSQL server (`PostgresStore`, feature `postgres`).
    Postgres,
}

impl core::fmt::Display for DatabaseEngine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// What kind of database failure a [`StoreError::Database`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatabaseFailure {
    /// The database could not be reached: the connection was lost, the server
    /// is down, restarting or refusing connections, or no pooled connection
    /// came in time. Nothing of the change was written (a server rolls back a
    /// transaction whose connection is gone).
    Unavailable,
    /// Another writer was in the way: SQLite busy or locked, a PostgreSQL
    /// serialization failure (40001) or deadlock (40P01) still there after the
    /// store's own retries. Nothing was written; trying again may succeed.
    Contention,
    /// The database refused or failed the statement (a constraint, a disk
    /// error, a broken file, a bug).
    Failed,
}

impl core::fmt::Display for DatabaseFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Unavailable => "unavailable",
            Self::Contention => "contention",
            Self::Failed => "failed",
        })
    }
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
    /// A SQLite failure of `operation`.
    pub(crate) fn db(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |source| {
            let kind = match source.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    DatabaseFailure::Contention
                }
                _ => DatabaseFailure::Failed,
            };
            Self::Database {
                operation,
                engine: DatabaseEngine::Sqlite,
                kind,
                source: Box::new(source),
            }
        }
    }

    /// The kind of database failure this is, `None` for every other error.
    pub fn database_failure(&self) -> Option<DatabaseFailure> {
        match self {
            Self::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether the database could not be reached (the connection lost, the
    /// server down): [`DatabaseFailure::Unavailable`].
    pub fn is_unavailable(&self) -> bool {
        self.database_failure() == Some(DatabaseFailure::Unavailable)
    }

    /// Whether trying the same change again later may succeed: the database was
    /// busy or failed to read or write, not a refusal of the change itself.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Database { .. })
    }
}
