//! The fixture enterprises as the service platform registers them, their
//! devices and the number segments allocated to them.

use std::collections::BTreeSet;
use std::sync::Arc;

use fapiao::device::{DeviceSecret, DeviceStore, NumberSegment, SoftwareDevice};
use fapiao::invoice::{InvoiceKind, UnifiedSocialCreditCode};
use fapiao::pki::Credentials;
use fapiao::qualification::{
    EnterpriseStatus, HostingMode, QualificationRecord, RegisteredDevice, RegistryAdmin,
};
use fapiao::store::SqliteStore;
use fapiao::time::Timestamp;

use crate::fixture::{data, provider, sample};

/// Enterprise-hosted: its front end runs its own device. The subject of the
/// `enterprise-*` fixture certificates names this credit code.
pub const HOSTED_BY_ENTERPRISE: &str = "91350200776049653A";
/// Platform-hosted: the service platform's device issues for it. Its ERP signs
/// with `enterprise-ed25519`, bound to it by fingerprint.
pub const HOSTED_BY_PLATFORM: &str = "91440101MA5CJQ4N59";
/// The cloud platform's party id.
pub const CLOUD_PLATFORM: &str = "ECP-1";
/// The service platform's party id.
pub const SERVICE_PLATFORM: &str = "EISP-1";
/// The device the service platform hosts.
pub const HOSTED_DEVICE: &str = "EISP-DEV-1";
/// The enterprise-hosted enterprise's own device, sealing with
/// `enterprise-p256`.
pub const FRONT_DEVICE: &str = "ENT-DEV-1";

/// An active record of `tax_id` in `mode`: both digital kinds, a single-invoice
/// limit of 100 000 yuan, a monthly quota of 10 million yuan, valid 2026 to
/// 2036, through [`CLOUD_PLATFORM`], no bound certificates, no devices.
pub fn record(tax_id: &str, mode: HostingMode) -> QualificationRecord {
    QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(tax_id).expect("a fixture credit code"),
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
        allowed_platforms: [CLOUD_PLATFORM.to_owned()].into_iter().collect(),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    }
}

/// The platform-hosted enterprise's record, its ERP's certificate `erp` bound
/// by fingerprint (its subject names another company).
pub fn platform_hosted_record(erp: &Credentials) -> QualificationRecord {
    let mut record = record(HOSTED_BY_PLATFORM, HostingMode::PlatformHosted);
    record
        .bound_certificates
        .insert(erp.leaf().spki_fingerprint());
    record
}

/// The enterprise-hosted enterprise's record, with its device [`FRONT_DEVICE`].
pub fn enterprise_hosted_record() -> QualificationRecord {
    enterprise_hosted_record_sealing("enterprise-p256.pem")
}

/// The enterprise-hosted enterprise's record, with its device [`FRONT_DEVICE`]
/// sealing with the fixture certificate `seal_certificate` (a path under
/// `tests/data`: `enterprise-p256.pem`, `gm/enterprise-sign.pem`).
pub fn enterprise_hosted_record_sealing(seal_certificate: &str) -> QualificationRecord {
    let mut record = record(HOSTED_BY_ENTERPRISE, HostingMode::EnterpriseHosted);
    record.devices.push(RegisteredDevice {
        device_id: FRONT_DEVICE.to_owned(),
        seal_certificate_pem: String::from_utf8(data(seal_certificate)).expect("a PEM certificate"),
    });
    record
}

/// The segment the service platform allocated to [`FRONT_DEVICE`]: `seg-e`,
/// prefix 26350, 1 to 1 000 000.
pub fn front_segment() -> NumberSegment {
    NumberSegment::digital(
        "seg-e",
        FRONT_DEVICE,
        InvoiceKind::DigitalOrdinary,
        "26350",
        1,
        1_000_000,
    )
    .expect("a fixture segment")
}

/// The hosted device's segment: `seg-1`, prefix 26440, 1 to 1 000 000.
pub fn hosted_segment() -> NumberSegment {
    NumberSegment::digital(
        "seg-1",
        HOSTED_DEVICE,
        InvoiceKind::DigitalOrdinary,
        "26440",
        1,
        1_000_000,
    )
    .expect("a fixture segment")
}

/// Registers both enterprises at the service platform's `store` (the
/// platform-hosted one's ERP signing with `erp`, each record's monthly quota
/// replaced by `monthly_quota_fen`) and allocates [`front_segment`] to the
/// enterprise's device. Registering again changes nothing.
pub fn register_enterprises(store: &SqliteStore, erp: &Credentials, monthly_quota_fen: i64) {
    register_enterprises_sealing(store, erp, monthly_quota_fen, "enterprise-p256.pem");
}

/// [`register_enterprises`], the enterprise's device sealing with the fixture
/// certificate `seal_certificate` ([`enterprise_hosted_record_sealing`]).
pub fn register_enterprises_sealing<S: RegistryAdmin + DeviceStore + ?Sized>(
    store: &S,
    erp: &Credentials,
    monthly_quota_fen: i64,
    seal_certificate: &str,
) {
    for mut record in [
        platform_hosted_record(erp),
        enterprise_hosted_record_sealing(seal_certificate),
    ] {
        record.monthly_quota_fen = monthly_quota_fen;
        store
            .upsert_enterprise(&record)
            .expect("register a fixture enterprise");
    }
    store
        .add_segment(&front_segment())
        .expect("allocate the front end's segment");
}

/// The service platform's software device [`HOSTED_DEVICE`], sealing with
/// `credentials` and numbering in `store` from [`hosted_segment`].
pub fn hosted_device<S: DeviceStore + 'static>(
    credentials: Credentials,
    store: Arc<S>,
) -> SoftwareDevice {
    let secret = DeviceSecret::new(&[7u8; 32]).expect("a device secret");
    let device = SoftwareDevice::new(HOSTED_DEVICE, credentials, secret, store, provider())
        .expect("the hosted device");
    device
        .add_segment(&hosted_segment())
        .expect("the hosted device's segment");
    device
}

/// A sample request (`valid-blue.json`, `valid-red.json`) with its seller
/// replaced by `seller`, its buyer by the other fixture enterprise, and its
/// serial number by `serial`.
pub fn request(sample_name: &str, seller: &str, serial: &str) -> Vec<u8> {
    let buyer = if seller == HOSTED_BY_PLATFORM {
        HOSTED_BY_ENTERPRISE
    } else {
        HOSTED_BY_PLATFORM
    };
    let sample = String::from_utf8(sample(sample_name)).expect("a UTF-8 sample");
    sample
        .replace(
            "\"tax_id\": \"91440101MA5CJQ4N59\"",
            "\"tax_id\": \"BUYER\"",
        )
        .replace(
            "\"tax_id\": \"91350200776049653A\"",
            &format!("\"tax_id\": \"{seller}\""),
        )
        .replace("\"tax_id\": \"BUYER\"", &format!("\"tax_id\": \"{buyer}\""))
        .replace("ERP-20261128-000001", serial)
        .replace("ERP-20261128-000002", serial)
        .into_bytes()
}
