//! The replay guard persisted: message ids remembered across a restart until
//! they expire.

use fapiao::envelope::ReplayGuard;
use fapiao::store::SqliteStore;
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
