//! A service platform for the `service_platform_handle` target: fresh per input
//! (an in-memory SQLite store), with the fixture cloud platform and enterprise
//! front end pinned and two enterprises registered, one per hosting mode.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use fapiao::device::{DeviceSecret, NumberSegment, SoftwareDevice};
use fapiao::invoice::{InvoiceKind, UnifiedSocialCreditCode};
use fapiao::pki::{Credentials, TrustStore};
use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
use fapiao::time::Timestamp;
use fapiao::platform::{PlatformTrust, ServicePlatform, ServicePlatformParts};
use fapiao::qualification::{
    EnterpriseStatus, HostingMode, QualificationRecord, RegisteredDevice,
};
use fapiao::device::DeviceStore;
use fapiao::store::SqliteStore;

use crate::{CRLS, NOW, credentials, provider};

/// Enterprise-hosted: the front end runs its own device.
pub const HOSTED_BY_ENTERPRISE: &str = "91350200776049653A";
/// Platform-hosted: the service platform's device issues for it.
pub const HOSTED_BY_PLATFORM: &str = "91440101MA5CJQ4N59";

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

fn record(tax_id: &str, mode: HostingMode) -> QualificationRecord {
    QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(tax_id).expect("fixture tax id"),
        name: format!("Enterprise {tax_id}"),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: [InvoiceKind::DigitalOrdinary, InvoiceKind::DigitalSpecial]
            .into_iter()
            .collect(),
        single_invoice_limit_fen: 10_000_000,
        monthly_quota_fen: 1_000_000_000,
        valid_from_unix: Timestamp::from_unix_seconds(1_767_225_600),
        valid_until_unix: Timestamp::from_unix_seconds(2_082_758_400),
        hosting_mode: mode,
        allowed_platforms: ["ECP-1".to_owned()].into_iter().collect(),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    }
}

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
                "ECP-1",
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
        let mut platform_hosted = record(HOSTED_BY_PLATFORM, HostingMode::PlatformHosted);
        platform_hosted
            .bound_certificates
            .insert(parties.erp.leaf().spki_fingerprint());
        store
            .upsert_enterprise(&platform_hosted)
            .expect("register an enterprise");
        // The enterprise-hosted enterprise's own device, sealing with the front
        // end's key, its numbers allocated here: reported invoices get as far
        // as the seal check.
        let mut enterprise_hosted = record(HOSTED_BY_ENTERPRISE, HostingMode::EnterpriseHosted);
        enterprise_hosted.devices.push(RegisteredDevice {
            device_id: "ENT-DEV-1".to_owned(),
            seal_certificate_pem: String::from_utf8_lossy(data!("enterprise-p256.pem"))
                .into_owned(),
        });
        store
            .upsert_enterprise(&enterprise_hosted)
            .expect("register an enterprise");
        store
            .add_segment(
                &NumberSegment::digital(
                    "seg-e",
                    "ENT-DEV-1",
                    InvoiceKind::DigitalOrdinary,
                    "26350",
                    1,
                    1_000_000,
                )
                .expect("number segment"),
            )
            .expect("allocate the front end's segment");
        let device = SoftwareDevice::new(
            "EISP-DEV-1",
            parties.eisp.clone(),
            DeviceSecret::new(&[7u8; 32]).expect("device secret"),
            store.clone(),
            provider(),
        )
        .expect("software device");
        device
            .add_segment(
                &NumberSegment::digital(
                    "seg-1",
                    "EISP-DEV-1",
                    InvoiceKind::DigitalOrdinary,
                    "26440",
                    1,
                    1_000_000,
                )
                .expect("number segment"),
            )
            .expect("add the segment");
        let roots = TrustStore::from_pem_or_der(data!("root-ca.pem")).expect("fixture root");
        let service = ServicePlatform::new(ServicePlatformParts::on_sqlite(
            parties.eisp.clone(),
            PlatformTrust::new(roots).with_crls(CRLS.clone()),
            store.clone(),
            Arc::new(device),
            provider(),
        ))
        // As the library recommends when the device shares the store: each
        // message's changes in one transaction.
        .with_unit_of_work(store);
        Self { service }
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}
