//! Fixtures shared by the device, outbox, store and crash-safety tests: sample
//! requests, a software device on the fixture PKI, temporary databases.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fapiao::CryptoProvider;
use fapiao::device::DeviceStore;
use fapiao::device::{ControlCommand, DeviceSecret, NumberSegment, SoftwareDevice};
use fapiao::invoice::{
    InvoiceKind, IssueRequest, IssuedInvoice, ValidatedRequest, ValidationPolicy,
};
use fapiao::pki::Credentials;
use fapiao::platform::RequestDigest;
use fapiao::store::SqliteStore;

/// The seller of the sample requests.
pub const SELLER: &str = "91350200776049653A";
/// 2026-11-28T12:00:00+08:00.
pub const NOW: u64 = 1_795_838_400;
/// The device id the tests use.
pub const DEVICE: &str = "eisp-device-01";
/// Digital prefix of the tests' segments: year 26, region 35, channel 0.
pub const PREFIX: &str = "26350";

/// The provider of this build.
pub fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

/// Credentials of a fixture leaf (`eisp-p256`, `enterprise-rsa`, …).
pub fn credentials(name: &str) -> Credentials {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let read = |file: String| std::fs::read(format!("{dir}/{file}")).unwrap();
    let mut chain = read(format!("{name}.pem"));
    chain.extend_from_slice(&read("issuing-ca.pem".into()));
    Credentials::from_pem(&chain, &read(format!("{name}.key.pem")), None, provider()).unwrap()
}

/// The blue sample request with another serial number, as JSON.
pub fn request_json(serial: &str) -> Vec<u8> {
    blue(serial).to_json().unwrap()
}

/// The blue sample request with another serial number.
pub fn blue(serial: &str) -> IssueRequest {
    let mut request =
        IssueRequest::from_json(include_bytes!("../../examples/requests/valid-blue.json")).unwrap();
    request.serial_number = serial.to_owned();
    request
}

/// The blue sample, validated, with another serial number and kind.
pub fn validated(serial: &str, kind: InvoiceKind) -> ValidatedRequest {
    let mut request = blue(serial);
    request.invoice_kind = kind;
    request.validate(&ValidationPolicy::default()).unwrap()
}

/// A command for the blue sample under serial `serial`, deadline an hour after NOW.
pub fn command(serial: &str) -> ControlCommand {
    command_of_kind(serial, InvoiceKind::DigitalOrdinary)
}

/// A command for a request of `kind`.
pub fn command_of_kind(serial: &str, kind: InvoiceKind) -> ControlCommand {
    ControlCommand::new(
        format!("{SELLER}:{serial}"),
        validated(serial, kind),
        NOW + 3600,
    )
    .unwrap()
}

/// The digest of the blue sample under `serial`.
pub fn digest(serial: &str) -> RequestDigest {
    RequestDigest::of(provider(), &request_json(serial))
}

/// The device secret the tests use.
pub fn secret() -> DeviceSecret {
    DeviceSecret::new(b"fapiao test device secret, 32 b").unwrap()
}

/// A software device `DEVICE` sealing with `eisp-p256`, over `store`.
pub fn device(store: Arc<dyn DeviceStore>) -> SoftwareDevice {
    device_with(store, "eisp-p256")
}

/// A software device `DEVICE` sealing with the fixture leaf `leaf`.
pub fn device_with(store: Arc<dyn DeviceStore>, leaf: &str) -> SoftwareDevice {
    SoftwareDevice::new(DEVICE, credentials(leaf), secret(), store, provider()).unwrap()
}

/// A digital segment of `DEVICE` for DIGITAL_ORDINARY: `PREFIX`, `first..=last`.
pub fn segment(id: &str, first: u64, last: u64) -> NumberSegment {
    NumberSegment::digital(
        id,
        DEVICE,
        InvoiceKind::DigitalOrdinary,
        PREFIX,
        first,
        last,
    )
    .unwrap()
}

/// The 20-digit number of sequence `n` under `PREFIX`.
pub fn number(n: u64) -> String {
    format!("{PREFIX}{n:015}")
}

/// The response JSON the tests record for an invoice (any bytes would do).
pub fn response_for(invoice: &IssuedInvoice) -> Vec<u8> {
    serde_json::to_vec(invoice).unwrap()
}

/// A fresh directory under the Cargo target's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An in-memory store.
pub fn memory_store() -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open_in_memory().unwrap())
}
