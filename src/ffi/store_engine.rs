//! [`StoreEngine`]: the store behind a `fapiao_store` handle, on either engine
//! (SQLite, or PostgreSQL with the `postgres` feature), as the platform,
//! device, front-end and exchange constructors take it.
//!
//! The handle holds an `Arc<dyn StoreEngine>`; each constructor asks it for the
//! store traits it needs ([`StoreViews`], implemented once for every store that
//! serves both platforms), so no constructor knows which engine it runs on.

use std::sync::Arc;

use crate::CryptoProvider;
use crate::device::{DeviceStore, IssuingDevice};
use crate::envelope::ReplayGuard;
use crate::error::Error;
use crate::exchange::PeerStore;
use crate::pki::Credentials;
use crate::platform::{
    CloudPlatformParts, CloudStore, PlatformTrust, ServicePlatformParts, ServicePlatformStore,
    UnitOfWork,
};
use crate::qualification::{QualificationRecord, QualificationRegistry};
use crate::store::SqliteStore;

/// The store traits a C handle's store is used as, each a shared handle on the
/// one store.
pub(crate) trait StoreViews: Send + Sync {
    /// Every part of a service platform on this store, hosting `device`.
    fn service_parts(
        self: Arc<Self>,
        credentials: Credentials,
        trust: PlatformTrust,
        device: Arc<dyn IssuingDevice>,
    ) -> ServicePlatformParts;
    /// Every part of a cloud platform on this store, sending to the service
    /// platform pinned as `service_platform`.
    fn cloud_parts(
        self: Arc<Self>,
        credentials: Credentials,
        trust: PlatformTrust,
        service_platform: &str,
    ) -> CloudPlatformParts;
    /// The store as a unit of work (one commit per message).
    fn unit_of_work(self: Arc<Self>) -> Arc<dyn UnitOfWork>;
    /// The store as a peer directory's storage.
    fn peer_store(self: Arc<Self>) -> Arc<dyn PeerStore>;
    /// The store as a replay guard.
    fn replay_guard(self: Arc<Self>) -> Arc<dyn ReplayGuard>;
    /// The store as a device's number journal.
    fn device_store(self: Arc<Self>) -> Arc<dyn DeviceStore>;
    /// The store as a qualification registry.
    fn registry(self: Arc<Self>) -> Arc<dyn QualificationRegistry>;
}

impl<S: ServicePlatformStore + CloudStore> StoreViews for S {
    fn service_parts(
        self: Arc<Self>,
        credentials: Credentials,
        trust: PlatformTrust,
        device: Arc<dyn IssuingDevice>,
    ) -> ServicePlatformParts {
        ServicePlatformParts::on_sqlite(
            credentials,
            trust,
            self,
            device,
            CryptoProvider::default_provider(),
        )
    }

    fn cloud_parts(
        self: Arc<Self>,
        credentials: Credentials,
        trust: PlatformTrust,
        service_platform: &str,
    ) -> CloudPlatformParts {
        CloudPlatformParts::on_sqlite(
            credentials,
            trust,
            self,
            service_platform,
            CryptoProvider::default_provider(),
        )
    }

    fn unit_of_work(self: Arc<Self>) -> Arc<dyn UnitOfWork> {
        self
    }

    fn peer_store(self: Arc<Self>) -> Arc<dyn PeerStore> {
        self
    }

    fn replay_guard(self: Arc<Self>) -> Arc<dyn ReplayGuard> {
        self
    }

    fn device_store(self: Arc<Self>) -> Arc<dyn DeviceStore> {
        self
    }

    fn registry(self: Arc<Self>) -> Arc<dyn QualificationRegistry> {
        self
    }
}

/// A store a `fapiao_store` handle holds: every platform store trait, plus
/// what the C API does with the engine itself.
pub(crate) trait StoreEngine: ServicePlatformStore + CloudStore + StoreViews {
    /// Adds an enterprise to the qualification registry, or replaces its record.
    fn upsert_enterprise(&self, record: &QualificationRecord) -> Result<(), Error>;
}

impl StoreEngine for SqliteStore {
    fn upsert_enterprise(&self, record: &QualificationRecord) -> Result<(), Error> {
        SqliteStore::upsert_enterprise(self, record).map(drop)
    }
}

#[cfg(feature = "postgres")]
impl StoreEngine for crate::store::PostgresStore {
    fn upsert_enterprise(&self, record: &QualificationRecord) -> Result<(), Error> {
        crate::store::PostgresStore::upsert_enterprise(self, record).map(drop)
    }
}
