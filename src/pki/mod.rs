//! Keys, certificates and credentials: the PKI/CA side of fapiao.
//!
//! * [`Certificate`]: X.509 from PEM or DER, single or bundles.
//! * [`PrivateKeyDer`]: PKCS#8 (plain or PBES2-encrypted), PKCS#1 and SEC1 keys.
//! * [`Credentials`]: a chain and the private key of its leaf.
//! * [`TrustStore`], [`PathValidator`], [`VerifiedPath`]: certificate path
//!   validation (RFC 5280, built on rustls-webpki) for a [`Purpose`] under a
//!   [`PathPolicy`], with revocation by [`Crl`]; failures are [`PathError`]s.
#![forbid(unsafe_code)]

mod bundle;
mod certificate;
mod credentials;
mod crl;
mod der_parts;
mod diagnosis;
pub(crate) mod inspect;
mod names;
pub(crate) mod pem;
mod policy;
mod private_key;
mod signature_algorithms;
#[cfg(feature = "gm")]
mod sm2_signature;
mod trust_store;
mod validator;
mod verified_path;

pub use crate::time::{Timestamp, TimestampParseError};
pub use certificate::{Certificate, SpkiFingerprint};
pub use credentials::Credentials;
pub use crl::{Crl, MAX_CRL_ENTRIES, check_pinned_not_revoked};
pub use diagnosis::MAX_DIAGNOSIS_SIGNATURES;
pub use policy::{EkuPolicy, Limits, PathPolicy, key_purpose};
pub use private_key::{MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, PrivateKeyDer};
pub use trust_store::TrustStore;
pub use validator::PathValidator;
pub use verified_path::VerifiedPath;

pub use crate::error::{
    CertificateError, CertificateRef, ChainRole, CredentialsError, CrlError, CrlFeature, CrlRef,
    Malformation, PathError, ProfileRule, Purpose, WeakDigest, WorkBudget,
};
