//! # fapiao
//!
//! Issue electronic invoices (发票) through an e-commerce cloud platform, secured end
//! to end with PKI/CA certificates, after the method of patent CN105631721A.
//!
//! The library is sans-IO: every role takes bytes and returns bytes; the host (an
//! ERP module, a platform server) owns sockets, threads and HTTP.
//!
//! Everything is safe Rust except [`ffi`], the C API (header `include/fapiao.h`),
//! the only module allowed `unsafe`: every other module is
//! `#![forbid(unsafe_code)]`. The SQLite store uses SQLite's own file
//! layer.
//!
//! ## Issuing one invoice
//!
//! A cloud platform (ECP-1) and a service platform (EISP-1) on in-memory
//! stores and the fixture certificates of `tests/data`; the service platform
//! hosts a software device and the enterprise is platform-hosted, so the answer
//! carries the invoice:
//!
//! ```
//! use std::sync::Arc;
//! use fapiao::{CloudPlatform, Credentials, DeviceSecret, InvoiceKind, IssueOutcome, NumberSegment};
//! use fapiao::{Order, PartyRole, PeerDirectory, PeerRecord, PlatformTrust, QualificationRecord};
//! use fapiao::{ServicePlatform, SignedMessage, SoftwareDevice, SqliteStore, TrustStore};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (provider, now) = (fapiao::CryptoProvider::default_provider(), 1_811_808_000); // UNIX s
//! let read = |file: &str| std::fs::read(format!("{}/{file}", env!("CARGO_MANIFEST_DIR")));
//! let creds = |name: &str| -> Result<Credentials, Box<dyn std::error::Error>> {
//!     let chain = [read(&format!("tests/data/{name}.pem"))?, read("tests/data/issuing-ca.pem")?];
//!     let key = read(&format!("tests/data/{name}.key.pem"))?;
//!     Ok(Credentials::from_pem(&chain.concat(), &key, None, provider)?)
//! };
//! let roots = TrustStore::from_pem_or_der(&read("tests/data/root-ca.pem")?)?;
//! let (ecp, eisp) = (creds("ecp-rsa")?, creds("eisp-p256")?);
//! let (ecp_store, eisp_store) = (SqliteStore::open_in_memory()?, SqliteStore::open_in_memory()?);
//! let (ecp_store, eisp_store) = (Arc::new(ecp_store), Arc::new(eisp_store));
//! // Each operator pins the other platform's certificate, received out of band
//! // (`ExchangeParty` would exchange and pin them in four sealed messages).
//! let peer = |id, role, party: &Credentials| PeerRecord::new(id, role, party.leaf().clone(), now);
//! PeerDirectory::new(ecp_store.clone()).pin(peer("EISP-1", PartyRole::ServicePlatform, &eisp))?;
//! PeerDirectory::new(eisp_store.clone()).pin(peer("ECP-1", PartyRole::CloudPlatform, &ecp))?;
//! // The enterprise may issue through ECP-1 on the service platform's device.
//! eisp_store.upsert_enterprise(&QualificationRecord::from_json(br#"{"tax_id": "91350200776049653A",
//!     "name": "Xiamen Example Trading Co.", "status": "ACTIVE", "hosting_mode": "PLATFORM_HOSTED",
//!     "allowed_invoice_kinds": ["DIGITAL_ORDINARY"], "allowed_platforms": ["ECP-1"],
//!     "single_invoice_limit_fen": 100000000, "monthly_quota_fen": 1000000000,
//!     "valid_from_unix": 1767225600, "valid_until_unix": 2082758400}"#)?)?;
//! let secret = DeviceSecret::new(&[7; 32])?;
//! let device = SoftwareDevice::new("EISP-DEV-1", eisp.clone(), secret, eisp_store.clone(), provider)?;
//! let kind = InvoiceKind::DigitalOrdinary;
//! device.add_segment(&NumberSegment::digital("seg-1", "EISP-DEV-1", kind, "26440", 1, 999_999)?)?;
//! let service = ServicePlatform::builder(eisp, PlatformTrust::new(roots.clone()))
//!     .store(eisp_store).hosted_device(Arc::new(device)).build()?;
//! let cloud = CloudPlatform::builder(ecp, PlatformTrust::new(roots))
//!     .store(ecp_store).service_platform("EISP-1").build()?;
//!
//! // The enterprise's ERP signs the order; ECP seals it to EISP, which issues and answers.
//! let request = read("examples/requests/valid-blue.json")?;
//! let order = Order::Signed(SignedMessage::sign(&request, &creds("enterprise-rsa")?, now, provider)?);
//! let answer = service.handle(&cloud.submit(order, now)?, now)?;
//! let IssueOutcome::Issued { invoice } = cloud.open_response(&answer, now)?.outcome else { panic!() };
//! assert!(invoice.invoice_number.to_string().starts_with("26440"));
//! # Ok(())
//! # }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod crypto;
pub mod device;
pub mod envelope;
mod error;
pub mod exchange;
#[allow(unsafe_code)]
pub mod ffi;
pub mod invoice;
pub mod pki;
pub mod platform;
pub mod qualification;
pub mod store;
pub mod tax;
pub mod time;

pub use crate::crypto::CryptoProvider;
pub use crate::device::{
    ControlCommand, DeviceFailure, DeviceSecret, IssuingDevice, NumberSegment, SoftwareDevice,
};
pub use crate::envelope::SignedMessage;
pub use crate::error::StoreError;
pub use crate::error::{
    CertificateError, CredentialsError, CrlError, CryptoError, EnvelopeError, Error, ExchangeError,
    KeyError, PathError, PeerError, PlatformError,
};
pub use crate::exchange::{ExchangeParty, PartyBindings, PartyRole, PeerDirectory, PeerRecord};
pub use crate::invoice::{
    InvoiceError, InvoiceKind, IssueOutcome, IssueRequest, IssueResponse, UnifiedSocialCreditCode,
    ValidatedRequest, ValidationPolicy, Violation, ViolationCode, Violations,
};
pub use crate::pki::{Certificate, Credentials, TrustStore};
pub use crate::platform::{
    CloudPlatform, CloudPlatformBuilder, FrontEndBuilder, FrontEndService, Order, PlatformTrust,
    RunReport, ServicePlatform, ServicePlatformBuilder,
};
pub use crate::qualification::{
    EmbeddedRegistry, HostingMode, QualificationError, QualificationRecord, QualificationRegistry,
    Refusal,
};
pub use crate::store::SqliteStore;
pub use crate::tax::{TaxAuthority, UploadError, drain_outbox};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
