//! The peer directory and the replay guard.

use std::sync::Arc;

use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::{EnvelopeError, Error};

use super::ContractStore;
use crate::issuing_support::{NOW, credentials};

/// Pins are found by party and by fingerprint, a retired one no more for use,
/// and a certificate pinned for one party is not pinned for another.
pub fn pins_are_found_by_party_and_fingerprint<S: ContractStore>(store: Arc<S>) {
    let ecp = credentials("ecp-p256").leaf().clone();
    let rotated = credentials("ecp-rsa").leaf().clone();
    let directory = PeerDirectory::new(store.clone());
    let pin = |cert: &fapiao::Certificate, at| {
        PeerRecord::new("ecp-main", PartyRole::CloudPlatform, cert.clone(), at)
    };
    directory.pin(pin(&ecp, NOW)).unwrap();
    directory.pin(pin(&rotated, NOW + 1)).unwrap();
    assert_eq!(store.by_party("ecp-main").unwrap().len(), 2);
    directory.retire(&ecp.spki_fingerprint()).unwrap();
    let usable = directory.lookup_party("ecp-main", NOW + 2).unwrap();
    assert_eq!(usable.len(), 1);
    assert_eq!(usable[0].certificate, rotated);
    assert!(
        directory
            .lookup_fingerprint(&ecp.spki_fingerprint(), NOW + 2)
            .is_err()
    );
    let found = store
        .by_fingerprint(&rotated.spki_fingerprint())
        .unwrap()
        .unwrap();
    assert_eq!(found.party_id, "ecp-main");
    assert_eq!(found.pinned_at, NOW + 1);
    let other = PeerRecord::new("eisp", PartyRole::ServicePlatform, rotated, NOW);
    assert!(directory.pin(other).is_err());
    assert!(store.by_party("nobody").unwrap().is_empty());
}

/// A message id is refused as a replay until it expires; pruning forgets the
/// expired ones only.
pub fn a_message_id_is_accepted_once_until_it_expires<S: ContractStore>(store: Arc<S>) {
    store.check_and_record(b"msg-1", NOW, NOW + 600).unwrap();
    let replay = store
        .check_and_record(b"msg-1", NOW + 10, NOW + 610)
        .unwrap_err();
    assert!(
        matches!(replay, Error::Envelope(EnvelopeError::Replay { .. })),
        "{replay}"
    );
    store
        .check_and_record(b"msg-2", NOW + 10, NOW + 700)
        .unwrap();
    store
        .check_and_record(b"msg-1", NOW + 601, NOW + 1201)
        .unwrap();
    assert_eq!(store.prune(NOW + 701).unwrap(), 1, "msg-2 only");
    assert!(
        store
            .check_and_record(b"msg-1", NOW + 702, NOW + 1300)
            .is_err()
    );
    store
        .check_and_record(b"msg-2", NOW + 702, NOW + 1300)
        .unwrap();
}
