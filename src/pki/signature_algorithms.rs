//! The signature algorithms accepted in certificates and CRLs, as
//! rustls-webpki verifiers: path building and the path diagnosis both check
//! signatures with this one list.

use pki_types::SignatureVerificationAlgorithm;

#[cfg(feature = "aws-lc")]
use webpki::aws_lc_rs as backend;
#[cfg(all(feature = "portable", not(feature = "aws-lc")))]
use webpki::ring as backend;

/// The signature algorithms accepted in certificates and CRLs: ECDSA P-256/P-384
/// with SHA-256/384, Ed25519, RSA PKCS#1 v1.5 and PSS with SHA-256/384/512 and
/// keys of 2048 to 8192 bits, and with the `gm` feature SM2-with-SM3 under the
/// distinguishing ID 1234567812345678. The same list for both providers; the
/// implementation comes from the provider's backend (aws-lc-rs or ring), SM2's
/// from `crypto::gm`.
pub(crate) static SIGNATURE_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    backend::ECDSA_P256_SHA256,
    backend::ECDSA_P256_SHA384,
    backend::ECDSA_P384_SHA256,
    backend::ECDSA_P384_SHA384,
    backend::ED25519,
    backend::RSA_PKCS1_2048_8192_SHA256,
    backend::RSA_PKCS1_2048_8192_SHA384,
    backend::RSA_PKCS1_2048_8192_SHA512,
    backend::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    backend::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    backend::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    backend::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    backend::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    backend::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    #[cfg(feature = "gm")]
    super::sm2_signature::SM2_WITH_SM3_DEFAULT_ID,
];
