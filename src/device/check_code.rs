//! The check code (校验码): 20 digits computed from the invoice and a secret of the
//! issuing device, so that whoever holds the secret (the device, the tax
//! authority) can tell a genuine invoice from an altered one.
//!
//! # Definition
//!
//! ```text
//! mac        = HMAC-SHA256(device secret, canonical JSON of the check-code input)
//! check code = (first 16 bytes of mac, as a big-endian integer) mod 10^20,
//!              written as 20 decimal digits with leading zeros
//! ```
//!
//! The check-code input is the issued invoice's JSON without `check_code` and
//! `device_signature_hex`, plus a member `"content_sha256"`: the lowercase hex
//! SHA-256 of the canonical JSON of the whole request (buyer, lines, remarks), so
//! that the check code covers what the invoice says and not only its header.
//! Canonical JSON is compact with object members sorted by name (see
//! `canonical.rs`). HMAC (RFC 2104) is built here on the crypto provider's
//! SHA-256, so a provider swapped in for the hashing is used for it too. The
//! reduction mod 10^20 of a 128-bit value is uniform to within 2^-60.

use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use super::canonical;
use crate::crypto::{CryptoProvider, HashAlgorithm, Hasher};
use crate::error::DeviceFailure;
use crate::invoice::{CheckCode, IssueRequest, IssuedInvoice, hex};

/// SHA-256's block length, for HMAC.
const BLOCK: usize = 64;

/// The device's check-code secret: 16 to 64 bytes, zeroized when dropped and
/// never printed.
#[derive(Clone)]
pub struct DeviceSecret(Zeroizing<Vec<u8>>);

impl DeviceSecret {
    /// Shortest accepted secret.
    pub const MIN_LEN: usize = 16;
    /// Longest accepted secret (one SHA-256 block: HMAC would hash a longer key).
    pub const MAX_LEN: usize = BLOCK;

    /// A secret from its bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, DeviceFailure> {
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            return Err(DeviceFailure::InvalidSecret {
                min: Self::MIN_LEN,
                max: Self::MAX_LEN,
                actual: bytes.len(),
            });
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// A fresh 32-byte secret from the provider's random generator.
    pub fn generate(provider: &CryptoProvider) -> Result<Self, crate::Error> {
        let mut bytes = Zeroizing::new(vec![0u8; 32]);
        provider.random.fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The secret's bytes, to store it in a key store. Handle with care.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret(<redacted>)")
    }
}

/// HMAC-SHA256 (RFC 2104) of the concatenation of `parts`, on `hasher`. `key` is at
/// most one block long (the caller guarantees it).
pub(crate) fn hmac_sha256(hasher: &dyn Hasher, key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut pad = Zeroizing::new([0u8; BLOCK]);
    pad[..key.len()].copy_from_slice(key);
    for byte in pad.iter_mut() {
        *byte ^= 0x36;
    }
    let mut inner = hasher.start(HashAlgorithm::Sha256);
    inner.update(&pad[..]);
    for part in parts {
        inner.update(part);
    }
    let inner = inner.finish();
    for byte in pad.iter_mut() {
        *byte ^= 0x36 ^ 0x5c;
    }
    let mut outer = hasher.start(HashAlgorithm::Sha256);
    outer.update(&pad[..]);
    outer.update(inner.as_ref());
    let mut mac = [0u8; 32];
    mac.copy_from_slice(outer.finish().as_ref());
    pad.zeroize();
    mac
}

/// The lowercase hex SHA-256 of the request's canonical JSON.
pub(crate) fn content_sha256(
    hasher: &dyn Hasher,
    request: &IssueRequest,
) -> Result<String, DeviceFailure> {
    let json = canonical::to_vec(request).map_err(DeviceFailure::Encoding)?;
    Ok(sha256_hex(hasher, &json))
}

/// The lowercase hex SHA-256 of `bytes` (a request's canonical JSON, for
/// [`compute_check_code_with`]).
pub(crate) fn sha256_hex(hasher: &dyn Hasher, bytes: &[u8]) -> String {
    hex::encode(hasher.hash(HashAlgorithm::Sha256, bytes).as_ref())
}

/// Computes the check code of `invoice` (its `check_code` and signature are
/// ignored) issued for `request`, with the device's secret.
pub fn compute_check_code(
    secret: &DeviceSecret,
    provider: &CryptoProvider,
    invoice: &IssuedInvoice,
    request: &IssueRequest,
) -> Result<CheckCode, DeviceFailure> {
    let content = content_sha256(provider.hasher, request)?;
    compute_check_code_with(secret, provider, invoice, &content)
}

/// [`compute_check_code`] given the request's `content_sha256` (lowercase hex
/// SHA-256 of its canonical JSON), for a device that has encoded the request
/// already.
pub(crate) fn compute_check_code_with(
    secret: &DeviceSecret,
    provider: &CryptoProvider,
    invoice: &IssuedInvoice,
    content: &str,
) -> Result<CheckCode, DeviceFailure> {
    let message = canonical::object_to_vec(
        invoice,
        &["check_code", "device_signature_hex"],
        &[("content_sha256", content)],
    )
    .map_err(DeviceFailure::Encoding)?;
    let mac = hmac_sha256(provider.hasher, secret.expose(), &[&message]);
    let mut head = [0u8; 16];
    head.copy_from_slice(&mac[..16]);
    let value = u128::from_be_bytes(head) % 100_000_000_000_000_000_000u128;
    Ok(CheckCode::parse(&format!("{value:020}")).expect("20 digits by construction"))
}

/// Whether `invoice` carries the check code the device secret gives for it and
/// `request`.
pub fn check_code_matches(
    secret: &DeviceSecret,
    provider: &CryptoProvider,
    invoice: &IssuedInvoice,
    request: &IssueRequest,
) -> Result<bool, DeviceFailure> {
    Ok(compute_check_code(secret, provider, invoice, request)? == invoice.check_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        let provider = CryptoProvider::default_provider();
        let mac = hmac_sha256(
            provider.hasher,
            b"Jefe",
            &[b"what do ya want ", b"for nothing?"],
        );
        assert_eq!(
            hex::encode(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_sha256_rfc4231_case_1() {
        let provider = CryptoProvider::default_provider();
        let mac = hmac_sha256(provider.hasher, &[0x0b; 20], &[b"Hi There"]);
        assert_eq!(
            hex::encode(&mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    /// The canonical encodings are a persisted format: check codes and seals
    /// already issued must verify after any change to how they are produced.
    /// These values were computed by the first implementation (through
    /// `serde_json::Value`) and must never change.
    #[test]
    fn check_code_and_sealed_bytes_are_stable() {
        use crate::invoice::{InvoiceColor, InvoiceKind, InvoiceNumber, UnifiedSocialCreditCode};
        use crate::time::Timestamp;
        let provider = CryptoProvider::default_provider();
        let request =
            IssueRequest::from_json(include_bytes!("../../examples/requests/valid-blue.json"))
                .unwrap();
        let invoice = IssuedInvoice {
            invoice_number: InvoiceNumber::digital("26352000000012345678").unwrap(),
            invoice_kind: InvoiceKind::DigitalOrdinary,
            color: InvoiceColor::Blue,
            issued_at_unix: Timestamp::from_unix_seconds(1_811_808_000),
            check_code: CheckCode::parse("12345678901234567890").unwrap(),
            seller_tax_id: UnifiedSocialCreditCode::parse("91350200776049653A").unwrap(),
            amount_fen: 2_499_997,
            tax_amount_fen: 149_999,
            total_fen: 2_649_996,
            device_id: "EISP-DEV-1 \"é\u{1}".into(),
            device_signature: vec![0xde, 0xad, 0xbe, 0xef],
        };
        let sha =
            |bytes: &[u8]| hex::encode(provider.hasher.hash(HashAlgorithm::Sha256, bytes).as_ref());
        assert_eq!(
            content_sha256(provider.hasher, &request).unwrap(),
            "a29ae81d6081e136aac2de369b1760db0a41e8bca30d3ed1496cf9856452af33"
        );
        assert_eq!(
            sha(&super::super::sealed_bytes(&invoice).unwrap()),
            "6465cf563c9e014f80215f2f2e9887b21e8d2d1702dec9abbc841fff50726346"
        );
        let secret = DeviceSecret::new(&[7; 32]).unwrap();
        assert_eq!(
            String::from(compute_check_code(&secret, provider, &invoice, &request).unwrap()),
            "79870884671549038685"
        );
        let validated = request
            .clone()
            .validate(&crate::invoice::ValidationPolicy::default())
            .unwrap();
        let command =
            super::super::ControlCommand::new("91350200776049653A:S-1", validated, 1).unwrap();
        assert_eq!(
            hex::encode(&command.digest(provider).unwrap()),
            "0f23826d32464a0af1b4caff317ef2427907574fc3e1d6ad7c0e68d9bae57f4a"
        );
    }

    #[test]
    fn secret_is_redacted_and_bounded() {
        let secret = DeviceSecret::new(&[7; 32]).unwrap();
        assert_eq!(format!("{secret:?}"), "DeviceSecret(<redacted>)");
        assert!(DeviceSecret::new(&[7; 15]).is_err());
        assert!(DeviceSecret::new(&[7; 65]).is_err());
    }
}
