//! Project Wycheproof conformance of every crypto provider compiled in.
//!
//! Each vector goes through the provider's own API (the `CryptoProvider` trait
//! objects), never through the underlying crate directly. For every set the test
//! prints one line of totals (run `cargo test --test crypto wycheproof:: -- --nocapture` to see
//! them), asserts that vectors actually ran, that every vector of the set was run or
//! skipped with a reason, and that there was no unexpected result: a "valid" vector
//! must pass, an "invalid" one must fail with the expected error, and an
//! "acceptable" one must do what the decision recorded for its flags says (see the
//! `*_acceptable` functions in each module).

#[path = "wycheproof/ec.rs"]
mod ec;
#[path = "wycheproof/rsa.rs"]
mod rsa;
#[path = "wycheproof/symmetric.rs"]
mod symmetric;
#[path = "wycheproof/tally.rs"]
mod tally;

use fapiao::CryptoProvider;
use fapiao::{CryptoError, Error, KeyError};

/// Every provider compiled into this build.
fn providers() -> Vec<&'static CryptoProvider> {
    let providers = vec![
        #[cfg(feature = "aws-lc")]
        &fapiao::crypto::aws_lc::PROVIDER,
        #[cfg(feature = "portable")]
        &fapiao::crypto::portable::PROVIDER,
    ];
    assert!(!providers.is_empty(), "no provider compiled in");
    providers
}

/// Runs `suite` for every provider and fails with all unexpected results at once.
fn run(suite: fn(&'static CryptoProvider, &mut Vec<String>)) {
    let mut failures = Vec::new();
    for provider in providers() {
        suite(provider, &mut failures);
    }
    tally::assert_none(failures);
}

/// Expects success.
pub(crate) fn expect_ok(result: Result<(), Error>) -> Result<(), String> {
    result.map_err(|e| format!("expected success, got error: {e}"))
}

/// Expects a failure that `is_expected` accepts.
pub(crate) fn expect_err<T>(
    result: Result<T, Error>,
    is_expected: fn(&Error) -> bool,
    expected: &str,
) -> Result<(), String> {
    match result {
        Ok(_) => Err(format!("expected {expected}, but the operation succeeded")),
        Err(e) if is_expected(&e) => Ok(()),
        Err(e) => Err(format!("expected {expected}, got another error: {e:?}")),
    }
}

/// `CryptoError::BadSignature`.
pub(crate) fn bad_signature(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::BadSignature))
}

/// `CryptoError::DecryptFailed`.
pub(crate) fn decrypt_failed(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::DecryptFailed))
}

/// `CryptoError::UnsupportedKeySize`, directly (a public key) or as the reason a
/// private key was refused.
pub(crate) fn unsupported_key_size(e: &Error) -> bool {
    match e {
        Error::Crypto(CryptoError::UnsupportedKeySize { .. }) => true,
        Error::Key(KeyError::Refused(inner)) => {
            matches!(**inner, CryptoError::UnsupportedKeySize { .. })
        }
        _ => false,
    }
}

/// `CryptoError::InvalidPublicKey`.
pub(crate) fn invalid_public_key(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::InvalidPublicKey { .. }))
}

/// `CryptoError::TagMismatch`.
pub(crate) fn tag_mismatch(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::TagMismatch))
}

/// `CryptoError::KeyUnwrapFailed`.
pub(crate) fn key_unwrap_failed(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::KeyUnwrapFailed))
}

/// `CryptoError::InvalidLength`.
pub(crate) fn invalid_length(e: &Error) -> bool {
    matches!(e, Error::Crypto(CryptoError::InvalidLength { .. }))
}

#[test]
fn rsa_oaep_sha256_decrypt() {
    run(rsa::oaep_decrypt);
}

#[test]
fn rsa_pkcs1_v1_5_verify() {
    run(rsa::pkcs1_verify);
}

#[test]
fn rsa_pss_verify() {
    run(rsa::pss_verify);
}

#[test]
fn ecdsa_verify() {
    run(ec::ecdsa_verify);
}

#[test]
fn ed25519_verify() {
    run(ec::ed25519_verify);
}

#[test]
fn ecdh_p256() {
    run(ec::ecdh_p256);
}

#[test]
fn aes_cbc_pkcs7_decrypt() {
    run(symmetric::aes_cbc_pkcs7);
}

#[test]
fn aes_256_gcm() {
    run(symmetric::aes_256_gcm);
}

#[test]
fn aes_256_key_wrap() {
    run(symmetric::aes_256_key_wrap);
}
