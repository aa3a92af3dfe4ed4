//! PostgreSQL errors as [`StoreError`]s, and the reading of a row's columns.
//! The conversions between domain values and columns both engines share are
//! in `store/columns.rs`.

use postgres::error::SqlState;

use crate::error::{DatabaseEngine, DatabaseFailure, StoreError};

/// What kind of failure a PostgreSQL error is. A serialization failure or a
/// deadlock is also counted on this thread, so the transaction is run again.
pub(super) fn classify(error: &postgres::Error) -> DatabaseFailure {
    if let Some(code) = error.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            super::note_contention();
            return DatabaseFailure::Contention;
        }
        let class = &code.code()[..2];
        // 08: connection exception; 57P01..57P03: the server shutting down,
        // crashed, or not accepting connections yet.
        if class == "08"
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
        {
            return DatabaseFailure::Unavailable;
        }
        return DatabaseFailure::Failed;
    }
    if error.is_closed()
        || std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>())
    {
        return DatabaseFailure::Unavailable;
    }
    DatabaseFailure::Failed
}

/// A PostgreSQL failure of `operation`.
pub(super) fn db(operation: &'static str) -> impl FnOnce(postgres::Error) -> StoreError {
    move |source| StoreError::Database {
        operation,
        engine: DatabaseEngine::Postgres,
        kind: classify(&source),
        source: Box::new(source),
    }
}

/// The pool gave no connection in time, with no failure to connect on
/// record: every connection is busy.
pub(super) fn pool_error(operation: &'static str) -> impl FnOnce(r2d2::Error) -> StoreError {
    move |source| StoreError::Database {
        operation,
        engine: DatabaseEngine::Postgres,
        kind: DatabaseFailure::Unavailable,
        source: Box::new(source),
    }
}

/// A failure of the store's own bookkeeping of a connection.
pub(super) fn lost_connection(operation: &'static str) -> StoreError {
    StoreError::Database {
        operation,
        engine: DatabaseEngine::Postgres,
        kind: DatabaseFailure::Unavailable,
        source: "the unit of work's connection is gone".into(),
    }
}

/// Names the operation of a failed PostgreSQL call.
pub(super) trait During<T> {
    /// The result, its error as a [`StoreError::Database`] of `operation`.
    fn during(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> During<T> for Result<T, postgres::Error> {
    fn during(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(db(operation))
    }
}

/// Maps a UNIQUE violation to [`StoreError::Duplicate`].
pub(super) fn unique_as(
    operation: &'static str,
    what: &'static str,
    key: &str,
) -> impl FnOnce(postgres::Error) -> StoreError {
    move |error| {
        if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StoreError::Duplicate {
                what,
                key: key.to_owned(),
            }
        } else {
            db(operation)(error)
        }
    }
}

/// A column of `row`, its decoding error as a database failure of `operation`.
pub(super) fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r postgres::Row,
    index: usize,
    operation: &'static str,
) -> Result<T, StoreError> {
    row.try_get(index).during(operation)
}

/// A row's leading columns read into a tuple of owned values (the shape of
/// the shared `…Row` types the engine-neutral rules take).
pub(super) trait Columns: Sized {
    /// The tuple from `row`, a decoding error as a database failure of
    /// `operation`.
    fn read(row: &postgres::Row, operation: &'static str) -> Result<Self, StoreError>;
}

macro_rules! columns_tuple {
    ($($column:ident $index:tt),+) => {
        impl<$($column: postgres::types::FromSqlOwned),+> Columns for ($($column,)+) {
            fn read(row: &postgres::Row, operation: &'static str) -> Result<Self, StoreError> {
                Ok(($(get::<$column>(row, $index, operation)?,)+))
            }
        }
    };
}

columns_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
columns_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// `row`'s leading columns as the tuple `C`.
pub(super) fn columns<C: Columns>(
    row: &postgres::Row,
    operation: &'static str,
) -> Result<C, StoreError> {
    C::read(row, operation)
}
