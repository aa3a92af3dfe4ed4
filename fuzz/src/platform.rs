//! A service platform for the `service_platform_handle` target: fresh per input
//! (an in-memory SQLite store), with the fixture cloud platform and enterprise
//! front end pinned and two enterprises registered, one per hosting mode.

use std::sync::{Arc, LazyLock};

use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::pki::{Credentials, TrustStore};
use fapiao::platform::{PlatformTrust, ServicePlatform};
use fapiao::store::SqliteStore;
use fapiao_testkit::{CLOUD_PLATFORM, hosted_device, register_enterprises};

use crate::{CRLS, NOW, credentials};

pub use fapiao_testkit::{HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM};

/// The parties' credentials, loaded once.
pub struct Parties {
    /// The service platform (P-256).
    pub eisp: Credentials,
    /// The cloud platform, pinned as ECP-1 (P-256).
    pub ecp: Credentials,
    /// The platform-hosted enterprise's ERP (Ed25519, bound by fingerprint).
    pub erp: Credentials,
    /// The enterprise-hosted enterprise's front end (P-256).
    pub front_end: Credentials,
}

/// The parties.
pub static PARTIES: LazyLock<Parties> = LazyLock::new(|| Parties {
    eisp: credentials(data!("eisp-p256.pem"), data!("eisp-p256.key.pem")),
    ecp: credentials(data!("ecp-p256.pem"), data!("ecp-p256.key.pem")),
    erp: credentials(
        data!("enterprise-ed25519.pem"),
        data!("enterprise-ed25519.key.pem"),
    ),
    front_end: credentials(
        data!("enterprise-p256.pem"),
        data!("enterprise-p256.key.pem"),
    ),
});

/// A service platform on its own in-memory store.
pub struct World {
    /// The platform under test.
    pub service: ServicePlatform,
}

impl World {
    /// Sets up a fresh platform.
    pub fn new() -> Self {
        let parties = &*PARTIES;
        let store = Arc::new(SqliteStore::open_in_memory().expect("in-memory store"));
        let peers = PeerDirectory::new(store.clone());
        peers
            .pin(PeerRecord::new(
                CLOUD_PLATFORM,
                PartyRole::CloudPlatform,
                parties.ecp.leaf().clone(),
                NOW,
            ))
            .expect("pin the cloud platform");
        peers
            .pin(PeerRecord::new(
                HOSTED_BY_ENTERPRISE,
                PartyRole::EnterpriseFrontEnd,
                parties.front_end.leaf().clone(),
                NOW,
            ))
            .expect("pin the front end");
        // Both enterprises (the testkit's records): the enterprise-hosted one's
        // own device seals with the front end's key and has its numbers
        // allocated here, so reported invoices get as far as the seal check.
        register_enterprises(&store, &parties.erp, 1_000_000_000);
        let device = hosted_device(parties.eisp.clone(), store.clone());
        let roots = TrustStore::from_pem_or_der(data!("root-ca.pem")).expect("fixture root");
        // The builder's unit of work is the store, as the device shares it:
        // each message's changes in one transaction.
        let service = ServicePlatform::builder(
            parties.eisp.clone(),
            PlatformTrust::new(roots).with_crls(CRLS.clone()),
        )
        .store(store)
        .hosted_device(Arc::new(device))
        .build()
        .expect("the service platform");
        Self { service }
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}
