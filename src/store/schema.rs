//! The bookkeeping of a schema's migrations, the same on both engines: each
//! engine lists its own steps (its own SQL), oldest first, records each
//! step's version and name in its `schema_version` table as it applies it,
//! and refuses a database whose schema is newer than the steps it knows.

use crate::error::StoreError;

/// One migration step.
pub(in crate::store) struct Migration {
    /// The schema version it leads to.
    pub version: i64,
    /// What it does (recorded in `schema_version`).
    pub name: &'static str,
    /// Its SQL.
    pub sql: &'static str,
}

/// The newest schema version `steps` lead to (0 for none).
pub(in crate::store) fn latest(steps: &[Migration]) -> i64 {
    steps.last().map_or(0, |m| m.version)
}

/// Refuses a database at schema version `found` when it is newer than the
/// newest of `steps`: a newer library migrated it, and this one would
/// misread it.
pub(in crate::store) fn check_supported(found: i64, steps: &[Migration]) -> Result<(), StoreError> {
    if found > latest(steps) {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest(steps),
        });
    }
    Ok(())
}

/// The steps still to apply to a database at schema version `found`.
pub(in crate::store) fn pending(
    found: i64,
    steps: &[Migration],
) -> impl Iterator<Item = &Migration> {
    steps.iter().filter(move |m| m.version > found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[Migration] = &[
        Migration {
            version: 1,
            name: "one",
            sql: "",
        },
        Migration {
            version: 2,
            name: "two",
            sql: "",
        },
    ];

    #[test]
    fn a_newer_schema_is_refused_and_an_older_one_gets_the_rest() {
        assert_eq!(latest(STEPS), 2);
        assert_eq!(latest(&[]), 0);
        assert!(check_supported(2, STEPS).is_ok());
        assert!(matches!(
            check_supported(3, STEPS),
            Err(StoreError::SchemaTooNew {
                found: 3,
                supported: 2
            })
        ));
        let names: Vec<&str> = pending(1, STEPS).map(|m| m.name).collect();
        assert_eq!(names, ["two"]);
        assert_eq!(pending(2, STEPS).count(), 0);
    }
}
