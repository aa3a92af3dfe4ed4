//! The peer directory unreadable while a message arrives (a database down or
//! a connection lost): the service platform, and the cloud platform opening
//! the answer, fail with the store's error, one the caller may retry, not as if
//! the sender were unknown or another party; and since nothing of the message
//! was recorded, the same envelope goes through once the store is back.

use crate::platform_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fapiao::Error;
use fapiao::exchange::{PeerDirectory, PeerRecord, PeerStore};
use fapiao::invoice::IssueOutcome;
use fapiao::pki::SpkiFingerprint;
use fapiao::platform::{CloudPlatform, CloudPlatformParts, Order, ServicePlatform};
use fapiao::store::{DatabaseEngine, DatabaseFailure, SqliteStore, StoreError};
use platform_support::*;

/// A party's peer records, whose fingerprint lookups fail as a
/// database that cannot be reached does while `down` is set.
struct Outage {
    store: Arc<SqliteStore>,
    down: AtomicBool,
}

impl PeerStore for Outage {
    fn put(&self, record: &PeerRecord) -> Result<(), Error> {
        self.store.put(record)
    }

    fn by_party(&self, party_id: &str) -> Result<Vec<PeerRecord>, Error> {
        self.store.by_party(party_id)
    }

    fn by_fingerprint(&self, fingerprint: &SpkiFingerprint) -> Result<Option<PeerRecord>, Error> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Database {
                operation: "find a pinned peer",
                engine: DatabaseEngine::Sqlite,
                kind: DatabaseFailure::Unavailable,
                source: "the database cannot be reached".into(),
            }
            .into());
        }
        self.store.by_fingerprint(fingerprint)
    }
}

#[test]
fn an_unreadable_peer_directory_is_a_retryable_store_error_not_an_unknown_sender() {
    let world = World::new();
    let eisp = creds("eisp-p256");
    let outage = Arc::new(Outage {
        store: world.service_store.clone(),
        down: AtomicBool::new(true),
    });
    let service = ServicePlatform::builder(eisp.clone(), trust())
        .store(world.service_store.clone())
        .peers(PeerDirectory::new(outage.clone()))
        .hosted_device(Arc::new(hosted_device(eisp, world.service_store.clone())))
        .build()
        .unwrap();
    let json = World::request(HOSTED_BY_PLATFORM, "OUTAGE-1");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let sealed = world.cloud.submit(order, NOW).unwrap();

    let failed = service.handle(&sealed, NOW).unwrap_err();
    assert!(
        matches!(&failed, Error::Store(e) if e.is_unavailable()),
        "{failed}"
    );
    assert!(failed.is_retryable(), "{failed}");

    outage.down.store(false, Ordering::SeqCst);
    let answer = service.handle(&sealed, NOW).unwrap();
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    assert!(
        matches!(response.outcome, IssueOutcome::Issued { .. }),
        "{response:?}"
    );
}

#[test]
fn an_unreadable_peer_directory_at_the_cloud_platform_is_a_retryable_store_error() {
    let world = World::new();
    let outage = Arc::new(Outage {
        store: world.cloud_store.clone(),
        down: AtomicBool::new(false),
    });
    let mut parts = CloudPlatformParts::on_sqlite(
        creds("ecp-rsa"),
        trust(),
        world.cloud_store.clone(),
        SERVICE_PLATFORM,
        provider(),
    );
    parts.peers = PeerDirectory::new(outage.clone());
    let cloud = CloudPlatform::new(parts).with_unit_of_work(world.cloud_store.clone());
    let json = World::request(HOSTED_BY_PLATFORM, "OUTAGE-2");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let answer = world
        .service
        .handle(&cloud.submit(order, NOW).unwrap(), NOW)
        .unwrap();

    outage.down.store(true, Ordering::SeqCst);
    let failed = cloud.open_response(&answer, NOW).unwrap_err();
    assert!(
        matches!(&failed, Error::Store(e) if e.is_unavailable()),
        "{failed}"
    );
    assert!(failed.is_retryable(), "{failed}");

    outage.down.store(false, Ordering::SeqCst);
    let response = cloud.open_response(&answer, NOW).unwrap();
    assert!(
        matches!(response.outcome, IssueOutcome::Issued { .. }),
        "{response:?}"
    );
}
