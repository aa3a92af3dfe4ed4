//! The replay guard persisted: message ids remembered across a restart until
//! they expire.

use fapiao::envelope::ReplayGuard;
use fapiao::store::{Durability, SqliteStore, StoreOptions};
use fapiao::{EnvelopeError, Error};

use crate::issuing_support::{NOW, temp_dir};

#[test]
fn the_replay_guard_remembers_across_a_restart() {
    let dir = temp_dir("store-replay");
    let path = dir.join("fapiao.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.check_and_record(b"msg-1", NOW, NOW + 600).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let err = store
        .check_and_record(b"msg-1", NOW + 10, NOW + 610)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    store
        .check_and_record(b"msg-2", NOW + 10, NOW + 610)
        .unwrap();
    // Forgotten after it expires.
    store
        .check_and_record(b"msg-1", NOW + 601, NOW + 1201)
        .unwrap();
}

/// A store on `path` that syncs at checkpoints only: these tests commit tens
/// of thousands of times.
fn fast_store(path: &std::path::Path) -> SqliteStore {
    let options = StoreOptions {
        durability: Durability::Normal,
        ..StoreOptions::default()
    };
    SqliteStore::open_with(path, options).unwrap()
}

/// Rows in the replay guard table of the database at `path`.
fn replay_rows(path: &std::path::Path) -> u64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM replay_guard", [], |row| {
            row.get::<_, i64>(0)
        })
        .map(|n| n as u64)
        .unwrap()
}

#[test]
fn the_replay_table_holds_about_one_window_of_traffic() {
    let dir = temp_dir("store-replay-bounded");
    let path = dir.join("fapiao.db");
    let store = fast_store(&path);
    // Five ids a second for forty minutes, each kept for the window of 600 s:
    // 3000 unexpired at any time.
    let mut most = 0;
    for i in 0..12_000u32 {
        let now = NOW + u64::from(i / 5);
        store
            .check_and_record(&i.to_be_bytes(), now, now + 600)
            .unwrap();
        if i % 1000 == 999 {
            most = most.max(replay_rows(&path));
        }
    }
    // The unexpired ids, plus fewer than one prune period (256) of expired ones.
    assert!(most <= 3005 + 256, "{most} rows at most");
    let now = NOW + 2_400;
    // An id within its window is still a replay.
    let err = store
        .check_and_record(&11_999u32.to_be_bytes(), now, now + 600)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    // An explicit prune leaves exactly the unexpired ones.
    store.prune(now).unwrap();
    let live = replay_rows(&path);
    assert!((2995..=3005).contains(&live), "{live} rows after a prune");
    // The oldest is gone: recording it again is accepted.
    store
        .check_and_record(&0u32.to_be_bytes(), now, now + 600)
        .unwrap();
}

#[test]
fn a_backlog_drains_as_traffic_goes_on_and_at_once_by_a_prune() {
    let dir = temp_dir("store-replay-backlog");
    let path = dir.join("fapiao.db");
    {
        let store = fast_store(&path);
        for i in 0..20_000u32 {
            store
                .check_and_record(&i.to_be_bytes(), NOW, NOW + 600)
                .unwrap();
        }
    }
    assert_eq!(replay_rows(&path), 20_000, "all within their window");
    // A day later, reopened: new traffic deletes twice what it adds.
    let later = NOW + 86_400;
    let store = fast_store(&path);
    for i in 0..2_560u32 {
        let id = (1_000_000 + i).to_be_bytes();
        store.check_and_record(&id, later, later + 600).unwrap();
    }
    let rows = replay_rows(&path);
    assert!(
        rows <= 20_000 - 2_560,
        "{rows} rows: the backlog did not drain"
    );
    // A prune forgets the rest of the backlog and nothing unexpired.
    let pruned = store.prune(later).unwrap();
    assert_eq!(pruned + 2_560, rows);
    assert_eq!(replay_rows(&path), 2_560);
    assert_eq!(store.prune(later).unwrap(), 0, "nothing left to prune");
    assert!(
        store
            .check_and_record(&1_000_000u32.to_be_bytes(), later + 1, later + 601)
            .is_err()
    );
}
