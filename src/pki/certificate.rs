//! X.509 certificates (RFC 5280) loaded from PEM or DER, singly or as bundles.

use core::fmt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use der::{Decode, Encode};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate as X509Certificate;

use super::bundle::{SplitError, parse_bundle};
use crate::crypto::{KeyFamily, key_family_of};
use crate::error::{CertificateError, Error};

/// The SHA-256 fingerprint of a certificate's DER `SubjectPublicKeyInfo`: the pin
/// the platforms record for each other (the value `openssl x509 -pubkey | openssl
/// pkey -pubin -outform DER | sha256sum` prints).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpkiFingerprint(pub [u8; 32]);

impl SpkiFingerprint {
    /// Computes the fingerprint of a DER `SubjectPublicKeyInfo`.
    pub fn of_spki_der(spki_der: &[u8]) -> Self {
        Self(Sha256::digest(spki_der).into())
    }

    /// Reads 64 hex digits (either case); `None` for anything else.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    /// The fingerprint as lower-case hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for SpkiFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpkiFingerprint({})", self.to_hex())
    }
}

impl fmt::Display for SpkiFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// One X.509 certificate: its exact DER bytes and the parsed structure.
///
/// ```
/// use fapiao::pki::Certificate;
/// let pem = std::fs::read("tests/data/ecp-rsa.pem").unwrap();
/// let cert = Certificate::from_pem(&pem).unwrap();
/// assert!(cert.subject().contains("Fapiao Cloud Platform"));
/// ```
///
/// Cloning is cheap: clones share one parsed certificate.
#[derive(Clone)]
pub struct Certificate {
    shared: Arc<Parsed>,
}

/// A parsed certificate, shared by its clones.
struct Parsed {
    der: Vec<u8>,
    parsed: X509Certificate,
    spki_der: Vec<u8>,
    key_family: KeyFamily,
    /// SHA-256 of `spki_der`, computed when first asked for.
    fingerprint: OnceLock<SpkiFingerprint>,
    /// The subject as text, made when first asked for.
    subject: OnceLock<String>,
}

/// At most this many certificates are kept by [`Certificate::from_der_shared`]
/// (then it starts over).
const SHARED_PARSES: usize = 128;

/// Certificates parsed by [`Certificate::from_der_shared`], by their exact DER.
static SHARED: Mutex<Option<HashMap<Vec<u8>, Certificate>>> = Mutex::new(None);

impl Certificate {
    /// Parses one DER certificate. Trailing bytes after the certificate are refused.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Ok(Self::parse_at(der, 0)?)
    }

    /// [`from_der`](Self::from_der), failing with the [`CertificateError`] alone.
    pub(crate) fn parse_der(der: &[u8]) -> Result<Self, CertificateError> {
        Self::parse_at(der, 0)
    }

    /// [`from_der`](Self::from_der), sharing the parse with earlier calls on the
    /// same bytes: the certificates inside envelopes are the same few senders'
    /// again and again. Keyed by the exact DER (a cached certificate is always
    /// the one these bytes encode), at most a few hundred kept; a certificate
    /// that does not parse is not kept.
    pub(crate) fn from_der_shared(der: &[u8]) -> Result<Self, Error> {
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        let cache = shared.get_or_insert_with(HashMap::new);
        if let Some(certificate) = cache.get(der) {
            return Ok(certificate.clone());
        }
        let certificate = Self::from_der(der)?;
        if cache.len() >= SHARED_PARSES {
            cache.clear();
        }
        cache.insert(der.to_vec(), certificate.clone());
        Ok(certificate)
    }

    /// Parses exactly one PEM `CERTIFICATE` block (text around it is ignored).
    pub fn from_pem(pem_text: &[u8]) -> Result<Self, Error> {
        let mut all = Self::load_bundle(pem_text)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            0 => Err(CertificateError::Empty.into()),
            n => Err(CertificateError::TooMany { found: n }.into()),
        }
    }

    /// Loads one certificate or a bundle, from PEM (any number of `CERTIFICATE`
    /// blocks) or DER (one certificate, or several concatenated). Errors name the
    /// position of the failing certificate.
    pub fn load_bundle(input: &[u8]) -> Result<Vec<Self>, Error> {
        parse_bundle(
            input,
            "CERTIFICATE",
            |der, index| Ok(Self::parse_at(der, index)?),
            split_error,
            || CertificateError::Empty.into(),
        )
    }

    fn parse_at(der: &[u8], index: usize) -> Result<Self, CertificateError> {
        let parsed = X509Certificate::from_der(der)
            .map_err(|source| CertificateError::Der { index, source })?;
        let spki = parsed.tbs_certificate().subject_public_key_info();
        let spki_der = spki
            .to_der()
            .map_err(|source| CertificateError::Der { index, source })?;
        let key_family = key_family_of(&spki.algorithm)
            .map_err(|oid| CertificateError::UnsupportedKeyAlgorithm { index, oid })?;
        Ok(Self {
            shared: Arc::new(Parsed {
                der: der.to_vec(),
                parsed,
                spki_der,
                key_family,
                fingerprint: OnceLock::new(),
                subject: OnceLock::new(),
            }),
        })
    }

    /// The certificate's DER encoding, exactly as loaded.
    pub fn der(&self) -> &[u8] {
        &self.shared.der
    }

    /// The parsed structure (RustCrypto `x509-cert`), for anything this type does
    /// not expose directly.
    pub fn x509(&self) -> &X509Certificate {
        &self.shared.parsed
    }

    /// The subject as an RFC 4514 string, e.g. `CN=Fapiao Cloud Platform,O=…`.
    pub fn subject(&self) -> String {
        self.shared
            .subject
            .get_or_init(|| self.shared.parsed.tbs_certificate().subject().to_string())
            .clone()
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.shared.parsed.tbs_certificate().issuer().to_string()
    }

    /// The subject's `serialNumber` attribute (OID 2.5.4.5), where Chinese CAs put an
    /// enterprise's unified social credit code. `None` when absent.
    pub fn subject_serial_number(&self) -> Option<String> {
        const SERIAL_NUMBER: der::asn1::ObjectIdentifier =
            der::asn1::ObjectIdentifier::new_unwrap("2.5.4.5");
        self.shared
            .parsed
            .tbs_certificate()
            .subject()
            .by_oid::<der::asn1::PrintableStringRef<'_>>(SERIAL_NUMBER)
            .ok()
            .flatten()
            .map(|s| s.as_str().to_owned())
    }

    /// The certificate serial number as big-endian bytes.
    pub fn serial_number(&self) -> &[u8] {
        self.shared
            .parsed
            .tbs_certificate()
            .serial_number()
            .as_bytes()
    }

    /// Start of the validity period, in seconds since the UNIX epoch.
    pub fn not_before(&self) -> u64 {
        self.shared
            .parsed
            .tbs_certificate()
            .validity()
            .not_before
            .to_unix_duration()
            .as_secs()
    }

    /// End of the validity period, in seconds since the UNIX epoch.
    pub fn not_after(&self) -> u64 {
        self.shared
            .parsed
            .tbs_certificate()
            .validity()
            .not_after
            .to_unix_duration()
            .as_secs()
    }

    /// The family of the certificate's public key.
    pub fn key_family(&self) -> KeyFamily {
        self.shared.key_family
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.shared.spki_der
    }

    /// The public key: the contents of the `subjectPublicKey` BIT STRING (the format
    /// the crypto providers take).
    pub fn public_key(&self) -> &[u8] {
        self.shared
            .parsed
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
    }

    /// SHA-256 over the DER `SubjectPublicKeyInfo`.
    pub fn spki_fingerprint(&self) -> SpkiFingerprint {
        *self
            .shared
            .fingerprint
            .get_or_init(|| SpkiFingerprint::of_spki_der(&self.shared.spki_der))
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("spki_sha256", &self.spki_fingerprint())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.shared.der == other.shared.der
    }
}

impl Eq for Certificate {}

fn split_error(index: usize, why: SplitError) -> Error {
    match why {
        SplitError::Pem(source) => CertificateError::Pem { index, source },
        SplitError::UnexpectedLabel(label) => CertificateError::UnexpectedPemLabel { index, label },
        SplitError::Der(source) => CertificateError::Der { index, source },
    }
    .into()
}

#[cfg(test)]
mod shared_parse_tests {
    use super::*;

    #[test]
    fn shared_parses_are_the_certificate_the_bytes_encode() {
        let pem = std::fs::read("tests/data/ecp-rsa.pem").unwrap();
        let der = Certificate::from_pem(&pem).unwrap().der().to_vec();
        let first = Certificate::from_der_shared(&der).unwrap();
        let again = Certificate::from_der_shared(&der).unwrap();
        assert_eq!(first, again);
        assert_eq!(first.subject(), again.subject());
        assert!(first.subject().contains("Fapiao Cloud Platform"));
        // Other bytes, another answer; bad bytes, an error every time.
        let other_pem = std::fs::read("tests/data/eisp-p256.pem").unwrap();
        let other = Certificate::from_pem(&other_pem).unwrap();
        assert_eq!(Certificate::from_der_shared(other.der()).unwrap(), other);
        let mut bad = der.clone();
        bad.truncate(der.len() - 1);
        assert!(Certificate::from_der_shared(&bad).is_err());
        assert!(Certificate::from_der_shared(&bad).is_err());
    }
}
