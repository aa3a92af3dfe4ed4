//! The schema: a file database in WAL mode, migrations applied once, a newer
//! schema refused.

use fapiao::store::{SqliteStore, StoreError};

use crate::issuing_support::temp_dir;

#[test]
fn a_file_database_is_in_wal_mode_at_the_latest_schema() {
    let dir = temp_dir("store-schema");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let steps: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        steps,
        (1..=SqliteStore::latest_schema_version()).collect::<Vec<_>>()
    );
    // Reopening applies nothing twice; a newer schema is refused.
    SqliteStore::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version, name) VALUES (99, 'future')",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::SchemaTooNew { found: 99, .. })
    ));
}
