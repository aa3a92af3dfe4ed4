//! The device's electronic seal: its signature over the issued invoice.
//!
//! The signed bytes are the invoice's canonical JSON (compact, object members
//! sorted by name, see `canonical.rs`) without the `device_signature_hex`
//! member. The scheme follows the device certificate's key: RSA PKCS#1 v1.5 with
//! SHA-256, ECDSA P-256 with SHA-256 (DER signature), ECDSA P-384 with SHA-384, or
//! Ed25519, the defaults of [`Credentials::sign`]. The check code is among the
//! signed members, and it covers the request's content (see
//! [`compute_check_code`](super::compute_check_code)).

use super::canonical;
use crate::crypto::{CryptoError, CryptoProvider, KeyFamily, SignatureScheme};
use crate::error::DeviceFailure;
use crate::invoice::IssuedInvoice;
use crate::pki::{Certificate, Credentials};

/// The bytes the device signs for `invoice`: its canonical JSON without the
/// signature.
pub fn sealed_bytes(invoice: &IssuedInvoice) -> Result<Vec<u8>, DeviceFailure> {
    canonical::object_to_vec(invoice, &["device_signature_hex"], &[])
        .map_err(DeviceFailure::Encoding)
}

/// Signs `invoice` with the device's credentials and puts the signature in it.
pub(crate) fn seal(
    invoice: &mut IssuedInvoice,
    credentials: &Credentials,
) -> Result<(), DeviceFailure> {
    let message = sealed_bytes(invoice)?;
    let (_, signature) = credentials.sign(&message).map_err(seal_failure)?;
    invoice.device_signature = signature;
    Ok(())
}

/// The failure of a signing key as a [`DeviceFailure::Seal`]: the key's
/// provider fails with a [`CryptoError`]; any other failure of a key outside
/// the library (an HSM behind a callback) is its provider failing to sign.
fn seal_failure(error: crate::Error) -> DeviceFailure {
    match error {
        crate::Error::Crypto(error) => DeviceFailure::Seal(error),
        crate::Error::Key(crate::error::KeyError::Refused(error)) => DeviceFailure::Seal(*error),
        _ => DeviceFailure::Seal(CryptoError::ProviderFailed {
            operation: "sealing the invoice",
        }),
    }
}

/// The scheme a device with a key of `family` seals with.
pub fn seal_scheme(family: KeyFamily) -> SignatureScheme {
    match family {
        KeyFamily::Rsa => SignatureScheme::RsaPkcs1Sha256,
        KeyFamily::EcP256 => SignatureScheme::EcdsaP256Sha256,
        KeyFamily::EcP384 => SignatureScheme::EcdsaP384Sha384,
        KeyFamily::Ed25519 => SignatureScheme::Ed25519,
        KeyFamily::Sm2 => SignatureScheme::Sm2Sm3,
    }
}

/// Verifies the device's seal on `invoice` with the device's certificate.
///
/// This checks the signature only: that the certificate belongs to the device
/// named in `invoice.device_id`, and its chain, are for the caller to establish
/// (e.g. from the device registry and a path validation).
/// A signature that does not verify gives
/// [`CryptoError::BadSignature`](crate::CryptoError::BadSignature).
pub fn verify_device_signature(
    invoice: &IssuedInvoice,
    device_certificate: &Certificate,
    provider: &CryptoProvider,
) -> Result<(), crate::Error> {
    let message = sealed_bytes(invoice)?;
    provider.verifier.verify(
        seal_scheme(device_certificate.key_family()),
        device_certificate.public_key(),
        &message,
        &invoice.device_signature,
    )
}
