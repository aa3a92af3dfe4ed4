//! SQLite errors as [`StoreError`]s. The column conversions both engines share
//! are in `store/columns.rs`.

use crate::error::StoreError;
use rusqlite::ErrorCode;

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
