//! # fapiao
//!
//! Issue electronic invoices (发票) through an e-commerce cloud platform, secured end
//! to end with PKI/CA certificates, after the method of patent CN105631721A.
//!
//! The library is sans-IO: every role takes bytes and returns bytes; the host (an
//! ERP module, a platform server) owns sockets, threads and HTTP.
//!
//! Everything is safe Rust except [`ffi`], the C API (header `include/fapiao.h`),
//! the only module allowed `unsafe`. The SQLite store uses SQLite's own file
//! layer.
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
pub use crate::device::{ControlCommand, DeviceFailure, IssuingDevice, SoftwareDevice};
pub use crate::error::StoreError;
pub use crate::error::{
    CertificateError, CredentialsError, CrlError, CryptoError, EnvelopeError, Error, ExchangeError,
    KeyError, PathError, PeerError,
};
pub use crate::exchange::{PartyBindings, PartyRole};
pub use crate::invoice::{
    InvoiceError, IssueRequest, IssueResponse, ValidatedRequest, ValidationPolicy, Violation,
    ViolationCode, Violations,
};
pub use crate::pki::{Certificate, Credentials, TrustStore};
pub use crate::platform::{CloudPlatform, FrontEndService, Order, PlatformTrust, ServicePlatform};
pub use crate::qualification::{
    EmbeddedRegistry, QualificationError, QualificationRegistry, Refusal,
};
pub use crate::store::SqliteStore;
pub use crate::tax::{TaxAuthority, UploadError, drain_outbox};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
