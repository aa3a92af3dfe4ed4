//! The schema: a file database in WAL mode, migrations applied once, a newer
//! schema refused.

use fapiao::StoreError;
use fapiao::store::SqliteStore;

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
    // Every step once, oldest first, up to the latest (step numbers may leave
    // gaps: a number is reserved for a step another line of work adds).
    assert_eq!(steps.first(), Some(&1));
    assert_eq!(steps.last(), Some(&SqliteStore::latest_schema_version()));
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
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

/// A database from before commands kept their deadline: opening it adds the
/// column and reads each queued command's deadline from its bytes (0 where they
/// do not say), so the sweep finds the ones past it.
#[test]
fn the_deadline_step_reads_queued_commands_deadlines_from_their_bytes() {
    use fapiao::platform::{IssuingStore, NewCommand, RequestDigest};

    let dir = temp_dir("store-deadline-step");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    for (serial, bytes) in [
        (
            "S-1",
            &br#"{"command_id": "S-1", "deadline_unix": 1000}"#[..],
        ),
        (
            "S-2",
            &br#"{"command_id": "S-2", "deadline_unix": 5000}"#[..],
        ),
        ("S-3", &b"not json"[..]),
    ] {
        store
            .enqueue_command(&NewCommand {
                seller_tax_id: "91350200776049653A",
                serial_number: serial,
                digest: &RequestDigest([serial.as_bytes()[2]; 32]),
                command_id: serial,
                ticket: serial,
                command_bytes: bytes,
                accepted_response_json: b"{}",
                quota: None,
                reverses: None,
                platform: "ECP-1",
                deadline_unix: 0,
            })
            .unwrap();
    }
    drop(store);
    // Back to the schema before the step (and the steps after it).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE cloud_submissions;
         DROP INDEX outbox_uploaded;
         ALTER TABLE invoices DROP COLUMN uploaded_at;
         ALTER TABLE commands DROP COLUMN platform;
         DROP INDEX commands_by_deadline;
         ALTER TABLE commands DROP COLUMN deadline;
         ALTER TABLE peers DROP COLUMN encryption_certificate;
         DELETE FROM schema_version WHERE version >= 7;",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
    let past: Vec<_> = store
        .queued_past_deadline(2000, 10)
        .unwrap()
        .into_iter()
        .map(|c| (c.command_id, c.deadline_unix))
        .collect();
    assert_eq!(past, vec![("S-1".to_owned(), 1000)]);
    let unknown = store.queued_command("S-3").unwrap().unwrap();
    assert_eq!(
        unknown.deadline_unix, 0,
        "bytes that do not say leave it unknown"
    );
    assert_eq!(store.queued_past_deadline(6000, 10).unwrap().len(), 2);
}
