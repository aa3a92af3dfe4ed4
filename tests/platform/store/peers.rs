//! The peer directory persisted: pins and their status, rows read column by
//! column, damaged rows as typed errors.

use std::sync::Arc;

use fapiao::Error;
use fapiao::StoreError;
use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::store::SqliteStore;

use crate::issuing_support::{NOW, credentials, temp_dir};

#[test]
fn the_peer_directory_persists_pins_and_their_status() {
    let dir = temp_dir("store-peers");
    let path = dir.join("fapiao.db");
    let ecp = credentials("ecp-p256").leaf().clone();
    let rotated = credentials("ecp-rsa").leaf().clone();
    {
        let directory = PeerDirectory::new(Arc::new(SqliteStore::open(&path).unwrap()));
        directory
            .pin(PeerRecord::new(
                "ecp-main",
                PartyRole::CloudPlatform,
                ecp.clone(),
                NOW,
            ))
            .unwrap();
        directory
            .pin(PeerRecord::new(
                "ecp-main",
                PartyRole::CloudPlatform,
                rotated.clone(),
                NOW + 1,
            ))
            .unwrap();
        directory.retire(&ecp.spki_fingerprint()).unwrap();
    }
    let directory = PeerDirectory::new(Arc::new(SqliteStore::open(&path).unwrap()));
    let usable = directory.lookup_party("ecp-main", NOW + 2).unwrap();
    assert_eq!(usable.len(), 1);
    assert_eq!(usable[0].certificate, rotated);
    assert!(
        directory
            .lookup_fingerprint(&ecp.spki_fingerprint(), NOW + 2)
            .is_err()
    );
    assert!(
        directory
            .check("ecp-main", PartyRole::CloudPlatform, &rotated, NOW + 2)
            .is_ok()
    );
    // A certificate pinned for one party cannot be pinned for another.
    assert!(
        directory
            .pin(PeerRecord::new(
                "eisp",
                PartyRole::ServicePlatform,
                rotated,
                NOW
            ))
            .is_err()
    );
}

#[test]
fn peer_lookups_read_every_column_and_a_damaged_row_is_a_typed_error() {
    use fapiao::exchange::{PeerStatus, PeerStore};
    use fapiao::store::CorruptValue;

    let dir = temp_dir("store-peer-rows");
    let path = dir.join("fapiao.db");
    let store = SqliteStore::open(&path).unwrap();
    let first = credentials("ecp-p256").leaf().clone();
    let second = credentials("ecp-rsa").leaf().clone();
    let mut retired = PeerRecord::new(
        "ecp-main",
        PartyRole::CloudPlatform,
        second.clone(),
        NOW + 5,
    );
    retired.status = PeerStatus::Retired;
    store.put(&retired).unwrap();
    store
        .put(&PeerRecord::new(
            "ecp-main",
            PartyRole::CloudPlatform,
            first.clone(),
            NOW,
        ))
        .unwrap();

    let same = |a: &PeerRecord, b: &PeerRecord| {
        assert_eq!(
            (&a.party_id, a.role, a.fingerprint, &a.certificate),
            (&b.party_id, b.role, b.fingerprint, &b.certificate)
        );
        assert_eq!(
            (a.not_after, a.status, a.pinned_at),
            (b.not_after, b.status, b.pinned_at)
        );
    };
    // Every row of the party, oldest pin first, each column as written.
    let rows = store.by_party("ecp-main").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].certificate, first);
    assert_eq!(rows[0].pinned_at, NOW);
    assert_eq!(rows[0].status, PeerStatus::Active);
    same(&rows[1], &retired);
    assert_eq!(rows[1].not_after, second.not_after());
    // One row by its fingerprint (the primary key), or none.
    let found = store.by_fingerprint(&second.spki_fingerprint()).unwrap();
    same(&found.expect("pinned"), &retired);
    let other = credentials("eisp-p256").leaf().spki_fingerprint();
    assert!(store.by_fingerprint(&other).unwrap().is_none());

    // A row damaged behind the store's back: a typed error naming the column.
    let damage = |sql: &str| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(sql, []).unwrap();
    };
    let column_of = |error: Error| match error {
        Error::Store(StoreError::Corrupt {
            source: CorruptValue::Column { column, value },
            ..
        }) => (column, value),
        other => panic!("expected a corrupt column, got {other:?}"),
    };
    let second_row = format!("WHERE pinned_at = {}", NOW + 5);
    damage(&format!("UPDATE peers SET role = 'auditor' {second_row}"));
    let error = store
        .by_fingerprint(&second.spki_fingerprint())
        .unwrap_err();
    assert_eq!(column_of(error), ("peers.role", "auditor".to_owned()));
    damage(&format!("UPDATE peers SET role = x'00' {second_row}"));
    let error = store.by_party("ecp-main").unwrap_err();
    assert_eq!(column_of(error), ("peers.role", "Blob value".to_owned()));
    damage(&format!(
        "UPDATE peers SET role = 'cloud_platform', certificate_der = 'text' WHERE pinned_at = {NOW}"
    ));
    let error = store.by_fingerprint(&first.spki_fingerprint()).unwrap_err();
    assert_eq!(
        column_of(error),
        ("peers.certificate_der", "Text value".to_owned())
    );
}
