//! Enterprise identity and qualification: who may issue, what, and how much.
//!
//! After the service platform has opened an envelope and validated its request:
//!
//! 1. [`authenticate`] binds the envelope's verified signers to the request's
//!    seller: the enterprise signer ([`SignerIdentity`], filled in by the envelope
//!    layer) must carry the seller's tax id or have a registered key, and the cloud
//!    platform ([`CloudPlatformIdentity`], from the peer directory) must be allowed
//!    to act for it.
//! 2. [`check_qualification`] checks status, validity window, invoice kind and
//!    single-invoice limit at a time the caller passes in, and reserves the monthly
//!    quota atomically, returning a [`ReservationGuard`] that gives the quota back
//!    unless the invoice is issued and the guard committed.
//!    [`check_qualification_in_unit`] makes the same checks for a caller that
//!    issues the invoice in the same transaction, and may charge the quota at
//!    once instead ([`QualificationRegistry::charge_quota`]).
//!
//! Every refusal is a typed [`Refusal`] with a stable code that the response
//! carries back to the ERP. Records and usage live behind the
//! [`QualificationRegistry`] trait; [`EmbeddedRegistry`] keeps them in memory and
//! reads and writes them as JSON.
//!
//! ```
//! use fapiao::invoice::{IssueRequest, ValidationPolicy};
//! use fapiao::pki::SpkiFingerprint;
//! use fapiao::qualification::*;
//! use fapiao::time::Timestamp;
//!
//! let registry = EmbeddedRegistry::from_json(r#"{ "version": "1.0", "enterprises": [ { "record": {
//!     "tax_id": "91350200776049653A", "name": "厦门示例科技有限公司", "status": "ACTIVE",
//!     "allowed_invoice_kinds": ["DIGITAL_ORDINARY", "DIGITAL_SPECIAL"],
//!     "single_invoice_limit_fen": 1000000000, "monthly_quota_fen": 5000000000,
//!     "valid_from_unix": 1767196800, "valid_until_unix": 1798732800,
//!     "hosting_mode": "PLATFORM_HOSTED", "allowed_platforms": ["ecp-demo"] } } ] }"#.as_bytes())?;
//!
//! let json = include_bytes!("../../examples/requests/valid-blue.json");
//! let request = IssueRequest::from_json(json)?
//!     .validate(&ValidationPolicy::default())
//!     .expect("a valid sample");
//! let signer = SignerIdentity {
//!     subject_serial_number: Some("91350200776049653A".into()),
//!     spki_fingerprint: SpkiFingerprint([7; 32]),
//! };
//! let platform = CloudPlatformIdentity {
//!     party_id: "ecp-demo".into(),
//!     spki_fingerprint: SpkiFingerprint([9; 32]),
//! };
//!
//! let enterprise = authenticate(&registry, &request, &signer, Some(&platform))?;
//! let now = Timestamp::from_unix_seconds(1_796_000_000);
//! let quota = check_qualification(&registry, &enterprise, &request, now)?;
//! // ... the device issues the invoice ...
//! quota.commit()?;
//! let usage = registry.usage(request.seller_tax_id(), now.china_year_month())?;
//! assert_eq!(usage.used_fen, request.totals().amount_fen);
//! # Ok::<(), fapiao::Error>(())
//! ```
#![forbid(unsafe_code)]

mod check;
mod embedded;
mod front_end_binding;
mod identity;
mod record;
mod registry;

pub use self::check::{
    authenticate, check_qualification, check_qualification_in_unit, check_standing,
};
pub use self::embedded::EmbeddedRegistry;
pub use self::front_end_binding::RegisteredFrontEnds;
pub use self::identity::{AuthenticatedEnterprise, Binding, CloudPlatformIdentity, SignerIdentity};
pub(crate) use self::record::DEVICE_OF_ANOTHER;
pub use self::record::{
    EnterpriseStatus, HostingMode, MonthlyUsage, QualificationRecord, RegisteredDevice,
};
pub use self::registry::{
    QualificationRegistry, QuotaReservation, RegistryAdmin, ReservationGuard,
};
pub use crate::error::{QualificationError, SUPPORTED_REGISTRY_VERSIONS};
pub use crate::invoice::Refusal;
