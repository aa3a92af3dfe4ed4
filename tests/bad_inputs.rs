//! A catalogue of hostile and broken inputs across the public API: each one must
//! give exactly the expected error kind (the typed `fapiao::Error` variant), never
//! a panic, never the wrong reason. Every case runs even when an earlier one
//! fails; the test lists all the failures at once.
//!
//! Envelopes, signed messages, certificates, CRLs, keys, credentials, the
//! certificate exchange and invoice requests. The C API's part (NULL pointers,
//! zero lengths, handles freed twice) joins when the C API lands (issue 7).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use cms::authenveloped_data::AuthEnvelopedData;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerInfos};
use common::*;
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::invoice::limits::JsonLimit;
use fapiao::invoice::{IssueRequest, ValidationPolicy, ViolationCode};
use fapiao::pki::{
    Certificate, Credentials, Crl, ExchangeKind, ExchangeParty, PartyRole, PathPolicy,
    PathValidator, PeerDirectory, PrivateKeyDer, TrustStore,
};
use fapiao::{
    CertificateError, CredentialsError, CrlError, CryptoError, CryptoProvider, EnvelopeError,
    Error, ExchangeError, InvoiceError, KeyError, PathError,
};
use serde_json::error::Category;

const NOW: u64 = TEST_TIME;
const PASSWORD: &[u8] = b"fapiao-test-password";

// ---- fixture -----------------------------------------------------------------

struct Fx {
    provider: &'static CryptoProvider,
    eisp_p256: Credentials,
    eisp_rsa: Credentials,
    ecp_p256: Credentials,
    ecp_rsa: Credentials,
    enterprise_rsa: Credentials,
    roots: TrustStore,
    crls: Vec<Crl>,
    /// ecp-p256 signs, encrypted to eisp-p256, at NOW.
    sealed: Vec<u8>,
    /// ecp-p256 signs "invoice A" at NOW.
    signed: SignedMessage,
}

static FX: LazyLock<Fx> = LazyLock::new(|| {
    let provider = providers()[0];
    let ecp_p256 = credentials("ecp-p256", provider);
    let eisp_p256 = credentials("eisp-p256", provider);
    let signed = SignedMessage::sign(b"invoice A", &ecp_p256, NOW, provider).unwrap();
    let sealed = envelope::encrypt(&signed, &[eisp_p256.leaf()], provider).unwrap();
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let mut crls = Crl::load_bundle(&data("crl/issuing-ca.crl.pem")).unwrap();
    crls.extend(Crl::load_bundle(&data("crl/root-ca.crl.pem")).unwrap());
    Fx {
        provider,
        eisp_p256,
        eisp_rsa: credentials("eisp-rsa", provider),
        ecp_rsa: credentials("ecp-rsa", provider),
        enterprise_rsa: credentials("enterprise-rsa", provider),
        ecp_p256,
        roots,
        crls,
        sealed,
        signed,
    }
});

impl Fx {
    fn validator(&self) -> PathValidator<'_> {
        PathValidator::new(&self.roots, PathPolicy::default()).with_crls(&self.crls)
    }

    /// Opens as the P-256 service platform, with a fresh replay guard.
    fn open(&self, envelope: &[u8]) -> Result<(), Error> {
        self.open_as(&self.eisp_p256, envelope)
    }

    fn open_as(&self, recipient: &Credentials, envelope: &[u8]) -> Result<(), Error> {
        let replay = MemoryReplayGuard::new();
        let validator = self.validator();
        Opener::new(recipient, &validator, &replay, self.provider)
            .open(envelope, NOW)
            .map(|_| ())
    }

    /// Encrypts a signed message to the P-256 service platform and opens it.
    fn seal_and_open(&self, signed: &SignedMessage) -> Result<(), Error> {
        let sealed = envelope::encrypt(signed, &[self.eisp_p256.leaf()], self.provider)?;
        self.open(&sealed)
    }

    fn verify(&self, signed: &SignedMessage) -> Result<(), Error> {
        signed
            .verify(
                &self.validator(),
                &EnvelopePolicy::default(),
                NOW,
                self.provider,
            )
            .map(|_| ())
    }

    fn party<'a>(
        &'a self,
        creds: &'a Credentials,
        id: &str,
        role: PartyRole,
        validator: &'a PathValidator<'a>,
        directory: &'a PeerDirectory,
        replay: &'a MemoryReplayGuard,
    ) -> ExchangeParty<'a> {
        ExchangeParty::new(creds, id, role, validator, directory, replay, self.provider)
    }

    /// An offer from the cloud platform (ecp-p256) at `at`.
    fn offer(&self, at: u64) -> Vec<u8> {
        let validator = self.validator();
        let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
        let ecp = self.party(
            &self.ecp_p256,
            "ECP-1",
            PartyRole::CloudPlatform,
            &validator,
            &directory,
            &replay,
        );
        ecp.offer(at).unwrap().1
    }

    /// The service platform (eisp-p256) answers `offer` with a fresh directory
    /// and replay guard, accepting the roles given.
    fn answer(&self, offer: &[u8], roles: &[PartyRole]) -> Result<Vec<u8>, Error> {
        let validator = self.validator();
        let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
        self.party(
            &self.eisp_p256,
            "EISP-1",
            PartyRole::ServicePlatform,
            &validator,
            &directory,
            &replay,
        )
        .accepting(roles)
        .answer(offer, NOW)
        .map(|(_, answer)| answer)
    }
}

// ---- DER surgery -------------------------------------------------------------------

fn signed_data(msg: &SignedMessage) -> SignedData {
    ContentInfo::from_der(msg.as_der())
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn signed_message(data: &SignedData) -> SignedMessage {
    let info = ContentInfo {
        content_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2"),
        content: Any::encode_from(data).unwrap(),
    };
    SignedMessage::from_der(info.to_der().unwrap()).unwrap()
}

fn auth_enveloped(envelope: &[u8]) -> AuthEnvelopedData {
    ContentInfo::from_der(envelope)
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn envelope_of(auth: &AuthEnvelopedData) -> Vec<u8> {
    ContentInfo {
        content_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23"),
        content: Any::encode_from(auth).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// The fixture envelope with its AuthEnvelopedData changed by `change`.
fn altered_envelope(change: impl FnOnce(&mut AuthEnvelopedData)) -> Vec<u8> {
    let mut auth = auth_enveloped(&FX.sealed);
    change(&mut auth);
    envelope_of(&auth)
}

/// The fixture signed message with its SignedData changed by `change`.
fn altered_signed(change: impl FnOnce(&mut SignedData)) -> SignedMessage {
    let mut data = signed_data(&FX.signed);
    change(&mut data);
    signed_message(&data)
}

/// Replaces the first occurrence of `from` in `bytes` by `to` (same length).
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn flip(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 0x01;
    out
}

/// Credentials of a faulty fixture leaf with the chain it comes with.
fn faulty(name: &str) -> Credentials {
    let mut chain = data(&format!("faulty/{name}.pem"));
    chain.extend_from_slice(&data(&format!("faulty/{name}.chain.pem")));
    Credentials::from_pem(
        &chain,
        &data(&format!("faulty/{name}.key.pem")),
        None,
        FX.provider,
    )
    .unwrap()
}

fn seed(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fuzz/seeds/envelope_open/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/examples/requests/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn validated(json: &[u8]) -> Result<(), Error> {
    IssueRequest::validated_from_json(json, &ValidationPolicy::default())
        .map(|_| ())
        .map_err(Error::from)
}

/// The blue sample with `from` replaced by `to` in its text.
fn blue_with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(sample("valid-blue.json")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn json_error(err: &Error, category: Category, says: &str) -> bool {
    matches!(err, Error::Invoice(InvoiceError::Json { source, .. })
        if source.classify() == category && source.to_string().contains(says))
}

fn is_invalid(err: &Error, code: ViolationCode) -> bool {
    matches!(err, Error::Invoice(InvoiceError::Invalid(v)) if v.contains(code))
}

fn chain_invalid(err: &Error, reason: impl Fn(&PathError) -> bool) -> bool {
    match err {
        Error::Envelope(EnvelopeError::SignerChainInvalid { signer: 0, source }) => {
            matches!(&**source, Error::Path(path) if reason(path))
        }
        _ => false,
    }
}

// ---- the catalogue ---------------------------------------------------------------

struct Case {
    name: &'static str,
    run: fn() -> Result<(), Error>,
    expected: &'static str,
    check: fn(&Error) -> bool,
}

macro_rules! case {
    ($name:expr, $run:expr, $($pattern:tt)+) => {
        Case {
            name: $name,
            run: $run,
            expected: stringify!($($pattern)+),
            check: |e| matches!(e, $($pattern)+),
        }
    };
}

fn catalogue() -> Vec<Case> {
    use EnvelopeError as E;
    vec![
        // -- envelopes: framing --------------------------------------------------
        case!(
            "envelope: zero-length",
            || FX.open(&[]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: truncated by one byte",
            || FX.open(&FX.sealed[..FX.sealed.len() - 1]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: truncated to half",
            || FX.open(&FX.sealed[..FX.sealed.len() / 2]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: extended by a trailing byte",
            || FX.open(&[&FX.sealed[..], &[0]].concat()),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: huge length (4 GiB - 1)",
            || FX.open(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: 8-byte length",
            || FX.open(&[0x30, 0x88, 0, 0, 0, 0, 0, 0, 0, 3, 2, 1, 0]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: BER indefinite length",
            || FX.open(&[0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: random bytes",
            || FX.open(&[0x5a; 64]),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "envelope: over the size limit of the policy",
            || {
                let replay = MemoryReplayGuard::new();
                let validator = FX.validator();
                let policy = EnvelopePolicy {
                    max_envelope_size: 100,
                    ..EnvelopePolicy::default()
                };
                Opener::new(&FX.eisp_p256, &validator, &replay, FX.provider)
                    .with_policy(policy)
                    .open(&FX.sealed, NOW)
                    .map(|_| ())
            },
            Error::Envelope(E::TooLarge { max: 100, .. })
        ),
        // -- envelopes: integrity ------------------------------------------------
        case!(
            "envelope: bit flip in the GCM tag",
            || FX.open(&flip(&FX.sealed, FX.sealed.len() - 1)),
            Error::Envelope(E::TagMismatch)
        ),
        case!(
            "envelope: bit flip in the ciphertext",
            || FX.open(&flip(&FX.sealed, FX.sealed.len() - 100)),
            Error::Envelope(E::TagMismatch)
        ),
        case!(
            "envelope: bit flip in the wrapped content key",
            || FX.open(&altered_envelope(|auth| {
                let mut infos = auth.recip_infos.0.clone().into_vec();
                let cms::enveloped_data::RecipientInfo::Kari(kari) = &mut infos[0] else {
                    panic!("P-256 recipient")
                };
                let key = &mut kari.recipient_enc_keys[0].enc_key;
                *key = OctetString::new(flip(key.as_bytes(), 3)).unwrap();
                auth.recip_infos = cms::enveloped_data::RecipientInfos::try_from(infos).unwrap();
            })),
            Error::Crypto(CryptoError::KeyUnwrapFailed)
        ),
        case!(
            "envelope: GCM nonce of 8 bytes",
            || FX.open(&altered_envelope(|auth| {
                auth.auth_encrypted_content_info.content_enc_alg.parameters =
                    Some(gcm_parameters(8));
            })),
            Error::Crypto(CryptoError::InvalidLength {
                what: "GCM nonce",
                expected: 12,
                actual: 8
            })
        ),
        case!(
            "envelope: GCM tag of 12 bytes",
            || FX.open(&altered_envelope(|auth| {
                auth.mac = OctetString::new(vec![0; 12]).unwrap();
            })),
            Error::Crypto(CryptoError::InvalidLength {
                what: "GCM tag",
                actual: 12,
                ..
            })
        ),
        case!(
            "envelope: encrypted content absent (detached)",
            || FX.open(&altered_envelope(|auth| {
                auth.auth_encrypted_content_info.encrypted_content = None;
            })),
            Error::Envelope(E::ContentAbsent { what: "encrypted" })
        ),
        case!(
            "envelope: AuthEnvelopedData version 2",
            || FX.open(&altered_envelope(|auth| {
                auth.version = CmsVersion::V2;
            })),
            Error::Envelope(E::UnsupportedVersion {
                what: "AuthEnvelopedData",
                version: 2
            })
        ),
        case!(
            "envelope: inner content type neither data nor signedData",
            || FX.open(&altered_envelope(|auth| {
                auth.auth_encrypted_content_info.content_type =
                    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
            })),
            Error::Envelope(E::UnexpectedContentType {
                what: "encrypted content",
                ..
            })
        ),
        // -- envelopes: algorithms -----------------------------------------------
        case!(
            "envelope: AES-128-GCM instead of AES-256-GCM (OID)",
            || FX.open(&patched(
                &FX.sealed,
                &[
                    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e
                ],
                &[
                    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06
                ]
            )),
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "content encryption",
                ..
            })
        ),
        case!(
            "envelope: AES-128 key wrap instead of AES-256 (OID)",
            || FX.open(&patched(
                &FX.sealed,
                &[
                    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2d
                ],
                &[
                    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x05
                ]
            )),
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "key wrap",
                ..
            })
        ),
        case!(
            "envelope: OpenSSL's default SHA-1 ECDH KDF",
            || FX.open(&seed("openssl-p256-sha1-kdf.der")),
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "key agreement",
                ..
            })
        ),
        case!(
            "envelope: legacy AES-CBC EnvelopedData",
            || FX.open_as(&FX.eisp_rsa, &seed("openssl-legacy-cbc.der")),
            Error::Envelope(E::LegacyEnvelopeRefused)
        ),
        case!(
            "envelope: a bare SignedData where an envelope is expected",
            || FX.open(FX.signed.as_der()),
            Error::Envelope(E::UnexpectedContentType {
                what: "envelope",
                ..
            })
        ),
        // -- envelopes: recipients and keys ----------------------------------------
        case!(
            "envelope: recipient info for someone else (P-256)",
            || {
                let sealed =
                    envelope::seal(b"x", &FX.ecp_p256, &[FX.ecp_p256.leaf()], NOW, FX.provider)?;
                FX.open(&sealed)
            },
            Error::Envelope(E::NotForUs)
        ),
        case!(
            "envelope: recipient info for someone else (RSA, from OpenSSL)",
            || FX.open(&seed("openssl-rsa-oaep.der")),
            Error::Envelope(E::NotForUs)
        ),
        case!(
            "envelope: an RSA recipient's envelope opened with the P-256 key of the same subject",
            || {
                let sealed =
                    envelope::seal(b"x", &FX.ecp_p256, &[FX.eisp_rsa.leaf()], NOW, FX.provider)?;
                FX.open(&sealed)
            },
            Error::Envelope(E::NotForUs)
        ),
        case!(
            "seal: to an Ed25519 certificate",
            || {
                envelope::seal(
                    b"x",
                    &FX.ecp_p256,
                    &[&certificate("enterprise-ed25519")],
                    NOW,
                    FX.provider,
                )
                .map(|_| ())
            },
            Error::Envelope(E::UnsupportedRecipientKey { index: 0, .. })
        ),
        case!(
            "seal: to nobody",
            || { envelope::seal(b"x", &FX.ecp_p256, &[], NOW, FX.provider).map(|_| ()) },
            Error::Envelope(E::Empty { what: "encrypt to" })
        ),
        // -- envelopes: signers ----------------------------------------------------
        case!(
            "envelope: replayed message id",
            || {
                let replay = MemoryReplayGuard::new();
                let validator = FX.validator();
                let opener = Opener::new(&FX.eisp_p256, &validator, &replay, FX.provider);
                opener.open(&FX.sealed, NOW)?;
                opener.open(&FX.sealed, NOW).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "envelope: the same message re-encrypted is still a replay",
            || {
                let replay = MemoryReplayGuard::new();
                let validator = FX.validator();
                let opener = Opener::new(&FX.eisp_p256, &validator, &replay, FX.provider);
                opener.open(&FX.sealed, NOW)?;
                let again = envelope::encrypt(&FX.signed, &[FX.eisp_p256.leaf()], FX.provider)?;
                opener.open(&again, NOW).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "envelope: a signature moved to another envelope's content",
            || {
                let other = SignedMessage::sign(b"invoice B", &FX.ecp_p256, NOW, FX.provider)?;
                let mut moved = signed_data(&other);
                moved.signer_infos = signed_data(&FX.signed).signer_infos;
                FX.seal_and_open(&signed_message(&moved))
            },
            Error::Envelope(E::DigestMismatch { signer: 0 })
        ),
        case!(
            "envelope: signatures swapped between two signers",
            || {
                let mut two = FX.signed.clone();
                two.add_signer(&FX.enterprise_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&two);
                let mut infos = data.signer_infos.0.into_vec();
                let first = infos[0].signature.clone();
                infos[0].signature = infos[1].signature.clone();
                infos[1].signature = first;
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.seal_and_open(&signed_message(&data))
            },
            Error::Envelope(E::SignatureInvalid { signer: 0 })
        ),
        case!(
            "envelope: signer certificate left out",
            || { FX.seal_and_open(&altered_signed(|d| d.certificates = None)) },
            Error::Envelope(E::SignerCertificateMissing { signer: 0 })
        ),
        case!("envelope: expired signer", || {
            let signed = SignedMessage::sign(b"x", &faulty("expired"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::Expired { .. }))),
        case!("envelope: revoked signer", || {
            let signed = SignedMessage::sign(b"x", &faulty("revoked"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::Revoked { .. }))),
        case!("envelope: signer under an untrusted root", || {
            let signed = SignedMessage::sign(b"x", &faulty("untrusted-root"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::UntrustedRoot { .. } | PathError::UnknownIssuer { .. }))),
        case!("envelope: signer certified with SHA-1", || {
            let signed = SignedMessage::sign(b"x", &faulty("sha1-signature"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::WeakSignatureAlgorithm { .. }))),
        case!("credentials: an RSA-1024 key", || {
            Credentials::from_pem(&data("faulty/rsa-1024.pem"), &data("faulty/rsa-1024.key.pem"), None, FX.provider).map(|_| ())
        }, Error::Key(KeyError::Refused(e)) if matches!(**e, CryptoError::UnsupportedKeySize { bits: 1024, .. })),
        case!("envelope: signer whose key may not sign", || {
            let signed = SignedMessage::sign(b"x", &faulty("wrong-key-usage-sign"), NOW, FX.provider)?;
            FX.seal_and_open(&signed)
        }, e if chain_invalid(e, |p| matches!(p, PathError::KeyUsageForbidsPurpose { .. }))),
        case!(
            "envelope: signed an hour ago",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_p256, NOW - 3600, FX.provider)?;
                FX.seal_and_open(&signed)
            },
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
        case!(
            "envelope: signed by OpenSSL at another time",
            || FX.open_as(&FX.eisp_rsa, &seed("openssl-rsa-oaep.der")),
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
        // -- signed messages ---------------------------------------------------------
        case!(
            "signed message: zero-length",
            || SignedMessage::from_der(Vec::new()).map(|_| ()),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "signed message: an envelope instead",
            || SignedMessage::from_der(FX.sealed.clone()).map(|_| ()),
            Error::Envelope(E::UnexpectedContentType {
                what: "signed content",
                ..
            })
        ),
        case!(
            "signed message: no signer",
            || FX.verify(&altered_signed(|d| {
                d.signer_infos = SignerInfos::try_from(Vec::new()).unwrap();
            })),
            Error::Envelope(E::NoSigners)
        ),
        case!(
            "signed message: SignedData version 2",
            || FX.verify(&altered_signed(|d| d.version = CmsVersion::V2)),
            Error::Envelope(E::UnsupportedVersion {
                what: "SignedData",
                version: 2
            })
        ),
        case!(
            "signed message: SHA-1 announced as digest",
            || FX.verify(&altered_signed(|d| {
                d.digest_algorithms =
                    der::asn1::SetOfVec::try_from(vec![spki::AlgorithmIdentifierOwned {
                        oid: ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
                        parameters: None,
                    }])
                    .unwrap();
            })),
            Error::Envelope(E::UnsupportedAlgorithm { what: "digest", .. })
        ),
        case!(
            "signed message: the signer's digest not announced",
            || FX.verify(&altered_signed(|d| {
                d.digest_algorithms =
                    der::asn1::SetOfVec::try_from(vec![spki::AlgorithmIdentifierOwned {
                        oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2"),
                        parameters: None,
                    }])
                    .unwrap();
            })),
            Error::Envelope(E::DigestNotAnnounced { signer: 0 })
        ),
        case!(
            "signed message: MD5-with-RSA signature algorithm",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&signed);
                let mut infos = data.signer_infos.0.into_vec();
                infos[0].signature_algorithm.oid =
                    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.verify(&signed_message(&data))
            },
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "signature",
                ..
            })
        ),
        case!(
            "signed message: ECDSA algorithm on an RSA signer",
            || {
                let signed = SignedMessage::sign(b"x", &FX.ecp_rsa, NOW, FX.provider)?;
                let mut data = signed_data(&signed);
                let mut infos = data.signer_infos.0.into_vec();
                infos[0].signature_algorithm = spki::AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                    parameters: None,
                };
                data.signer_infos = SignerInfos::try_from(infos).unwrap();
                FX.verify(&signed_message(&data))
            },
            Error::Envelope(E::UnsupportedAlgorithm {
                what: "signature",
                ..
            })
        ),
        case!(
            "signed message: content type differs from the signed contentType",
            || FX.verify(&altered_signed(|d| {
                d.encap_content_info.econtent_type =
                    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
            })),
            Error::Envelope(E::ContentTypeMismatch { signer: 0 })
        ),
        case!(
            "signed message: content absent (detached signature)",
            || FX.verify(&altered_signed(|d| {
                d.encap_content_info.econtent = None;
            })),
            Error::Envelope(E::ContentAbsent { what: "signed" })
        ),
        case!(
            "signed message: signed attributes stripped",
            || FX.verify(&altered_signed(|d| {
                let mut infos = d.signer_infos.0.clone().into_vec();
                infos[0].signed_attrs = None;
                d.signer_infos = SignerInfos::try_from(infos).unwrap();
            })),
            Error::Envelope(E::MissingSignedAttribute {
                signer: 0,
                attribute: "(any)"
            })
        ),
        // -- certificates ----------------------------------------------------------
        case!(
            "certificate: zero-length",
            || Certificate::load_bundle(&[]).map(|_| ()),
            Error::Certificate(CertificateError::Empty)
        ),
        case!(
            "certificate: truncated DER",
            || {
                let der = data("root-ca.der");
                Certificate::load_bundle(&der[..der.len() - 10]).map(|_| ())
            },
            Error::Certificate(CertificateError::Der { index: 0, .. })
        ),
        case!(
            "certificate: a stray byte after the certificate",
            || {
                Certificate::load_bundle(&[&data("root-ca.der")[..], &[0x00]].concat()).map(|_| ())
            },
            Error::Certificate(CertificateError::Der { index: 1, .. })
        ),
        case!(
            "certificate: PEM with a private-key label",
            || Certificate::load_bundle(&data("ecp-p256.key.pem")).map(|_| ()),
            Error::Certificate(CertificateError::UnexpectedPemLabel { index: 0, .. })
        ),
        case!(
            "certificate: PEM with broken base64",
            || {
                Certificate::load_bundle(
                    b"-----BEGIN CERTIFICATE-----\nMII*not base64*\n-----END CERTIFICATE-----\n",
                )
                .map(|_| ())
            },
            Error::Certificate(CertificateError::Pem { index: 0, .. })
        ),
        case!(
            "certificate: two where one is expected",
            || Certificate::from_pem(&data("chain.pem")).map(|_| ()),
            Error::Certificate(CertificateError::TooMany { found: 2 })
        ),
        case!(
            "certificate: unknown public-key algorithm (OID)",
            || {
                let der = Certificate::from_pem(&data("ecp-p256.pem"))?.der().to_vec();
                // id-ecPublicKey 1.2.840.10045.2.1 -> 1.2.840.10045.2.2
                let der = patched(
                    &der,
                    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
                    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x02],
                );
                Certificate::from_der(&der).map(|_| ())
            },
            Error::Certificate(CertificateError::UnsupportedKeyAlgorithm { index: 0, .. })
        ),
        case!(
            "path: bit flip in the signature",
            || {
                let leaf = Certificate::from_pem(&data("faulty/broken-signature.pem"))?;
                FX.validator()
                    .verify(
                        &leaf,
                        &[certificate("issuing-ca")],
                        &[],
                        fapiao::pki::Timestamp::from_unix_seconds(NOW),
                        fapiao::pki::Purpose::Sign,
                    )
                    .map(|_| ())
            },
            Error::Path(PathError::BadSignature { .. })
        ),
        // -- CRLs ---------------------------------------------------------------------
        case!(
            "CRL: zero-length",
            || Crl::load_bundle(&[]).map(|_| ()),
            Error::Crl(CrlError::Empty)
        ),
        case!(
            "CRL: a certificate's PEM",
            || Crl::load_bundle(&data("root-ca.pem")).map(|_| ()),
            Error::Crl(CrlError::UnexpectedPemLabel { index: 0, .. })
        ),
        case!(
            "CRL: truncated DER",
            || {
                let der = data("crl/issuing-ca.crl.der");
                Crl::load_bundle(&der[..der.len() - 1]).map(|_| ())
            },
            Error::Crl(CrlError::Der { index: 0, .. })
        ),
        case!(
            "CRL: a certificate's DER",
            || Crl::load_bundle(&data("root-ca.der")).map(|_| ()),
            Error::Crl(CrlError::Der { index: 0, .. })
        ),
        // -- keys and credentials ------------------------------------------------------
        case!(
            "key: zero-length",
            || PrivateKeyDer::load(&[], None).map(|_| ()),
            Error::Key(KeyError::Der { .. })
        ),
        case!(
            "key: truncated DER",
            || {
                let der = data("enterprise-p256.key.der");
                PrivateKeyDer::load(&der[..der.len() - 1], None).map(|_| ())
            },
            Error::Key(KeyError::Der { .. })
        ),
        case!(
            "key: encrypted, no password",
            || PrivateKeyDer::load(&data("enterprise-p256.enc.pem"), None).map(|_| ()),
            Error::Key(KeyError::PasswordRequired)
        ),
        case!(
            "key: encrypted, wrong password",
            || PrivateKeyDer::load(&data("enterprise-p256.enc.pem"), Some(b"wrong")).map(|_| ()),
            Error::Key(KeyError::WrongPassword)
        ),
        case!(
            "key: bit flip in the encrypted key",
            || {
                let der = data("enterprise-p256.enc.der");
                PrivateKeyDer::load(&flip(&der, der.len() - 1), Some(PASSWORD)).map(|_| ())
            },
            Error::Key(KeyError::WrongPassword)
        ),
        case!(
            "key: a certificate's PEM",
            || PrivateKeyDer::load(&data("root-ca.pem"), None).map(|_| ()),
            Error::Key(KeyError::UnexpectedPemLabel { .. })
        ),
        case!(
            "key: SEC1 without its curve",
            || {
                let key = sec1::EcPrivateKey {
                    private_key: &[1; 32],
                    parameters: None,
                    public_key: None,
                };
                let pem = der::pem::encode_string(
                    "EC PRIVATE KEY",
                    der::pem::LineEnding::LF,
                    &key.to_der().unwrap(),
                )
                .unwrap();
                PrivateKeyDer::load(pem.as_bytes(), None).map(|_| ())
            },
            Error::Key(KeyError::MissingCurve)
        ),
        case!(
            "key: SEC1 on secp256k1",
            || {
                let key = sec1::EcPrivateKey {
                    private_key: &[1; 32],
                    parameters: Some(sec1::EcParameters::NamedCurve(
                        ObjectIdentifier::new_unwrap("1.3.132.0.10"),
                    )),
                    public_key: None,
                };
                let pem = der::pem::encode_string(
                    "EC PRIVATE KEY",
                    der::pem::LineEnding::LF,
                    &key.to_der().unwrap(),
                )
                .unwrap();
                PrivateKeyDer::load(pem.as_bytes(), None).map(|_| ())
            },
            Error::Key(KeyError::UnsupportedAlgorithm { .. })
        ),
        case!(
            "credentials: a key that is not the certificate's",
            || {
                Credentials::from_pem(
                    &data("eisp-rsa.pem"),
                    &data("enterprise-rsa.key.pem"),
                    None,
                    FX.provider,
                )
                .map(|_| ())
            },
            Error::Credentials(CredentialsError::KeyMismatch)
        ),
        case!(
            "credentials: no certificate",
            || {
                let key = FX.provider.keys.load_private_key(
                    PrivateKeyDer::load(&data("ecp-p256.key.pem"), None)?.pkcs8_der(),
                )?;
                Credentials::new(Vec::new(), key).map(|_| ())
            },
            Error::Credentials(CredentialsError::EmptyChain)
        ),
        // -- certificate exchange ---------------------------------------------------
        case!(
            "exchange: zero-length offer",
            || FX.answer(&[], &[PartyRole::CloudPlatform]).map(|_| ()),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "exchange: bit flip in the offer's signature",
            || {
                let offer = FX.offer(NOW);
                FX.answer(&flip(&offer, offer.len() - 2), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Envelope(E::SignatureInvalid { signer: 0 })
        ),
        case!(
            "exchange: an answer where an offer is expected",
            || {
                let answer = FX.answer(&FX.offer(NOW), &[PartyRole::CloudPlatform])?;
                FX.answer(&answer, &[PartyRole::ServicePlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::WrongKind {
                expected: ExchangeKind::Offer,
                found: ExchangeKind::Answer
            })
        ),
        case!(
            "exchange: a role not accepted",
            || FX
                .answer(&FX.offer(NOW), &[PartyRole::EnterpriseFrontEnd])
                .map(|_| ()),
            Error::Exchange(ExchangeError::RoleNotAccepted {
                role: PartyRole::CloudPlatform
            })
        ),
        case!(
            "exchange: offer replayed",
            || {
                let validator = FX.validator();
                let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
                let eisp = FX.party(
                    &FX.eisp_p256,
                    "EISP-1",
                    PartyRole::ServicePlatform,
                    &validator,
                    &directory,
                    &replay,
                );
                let offer = FX.offer(NOW);
                eisp.answer(&offer, NOW)?;
                eisp.answer(&offer, NOW + 1).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "exchange: stale offer",
            || FX
                .answer(&FX.offer(NOW - 3600), &[PartyRole::CloudPlatform])
                .map(|_| ()),
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
        case!(
            "exchange: answer to someone else's offer",
            || {
                let validator = FX.validator();
                let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
                let ecp = FX.party(
                    &FX.ecp_p256,
                    "ECP-1",
                    PartyRole::CloudPlatform,
                    &validator,
                    &directory,
                    &replay,
                );
                let (ours, _) = ecp.offer(NOW)?;
                let answer = FX.answer(&FX.offer(NOW), &[PartyRole::CloudPlatform])?;
                ecp.confirm(ours, &answer, NOW).map(|_| ())
            },
            Error::Exchange(ExchangeError::NonceMismatch)
        ),
        case!(
            "exchange: offer with a second signer",
            || {
                let mut offer = SignedMessage::from_der(FX.offer(NOW))?;
                offer.add_signer(&FX.enterprise_rsa, NOW, FX.provider)?;
                FX.answer(offer.as_der(), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::SignerCount { found: 2 })
        ),
        case!(
            "exchange: signed body that is not JSON",
            || {
                let signed =
                    SignedMessage::sign(b"\xff\xfe not json", &FX.ecp_p256, NOW, FX.provider)?;
                FX.answer(signed.as_der(), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::MalformedBody { .. })
        ),
        // -- invoice requests ----------------------------------------------------------
        case!("request: zero-length", || validated(b""),
            e if json_error(e, Category::Eof, "EOF while parsing")),
        case!("request: invalid UTF-8", || validated(b"{\"version\":\"1.\xff\"}"),
            e if json_error(e, Category::Syntax, "invalid unicode")),
        case!("request: truncated JSON", || validated(&sample("valid-blue.json")[..200]),
            e if json_error(e, Category::Eof, "EOF while parsing")),
        case!(
            "request: no version",
            || validated(b"{\"serial_number\":\"X\"}"),
            Error::Invoice(InvoiceError::MissingVersion { .. })
        ),
        case!(
            "request: a version we do not speak",
            || validated(&blue_with("\"version\": \"1.0\"", "\"version\": \"9.9\"")),
            Error::Invoice(InvoiceError::UnsupportedVersion { .. })
        ),
        case!("request: unknown field", || validated(&blue_with("\"drawer\":", "\"nickname\": 1, \"drawer\":")),
            e if json_error(e, Category::Data, "unknown field `nickname`")),
        case!("request: NaN as a quantity", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"NaN\"")),
            e if json_error(e, Category::Data, "\"NaN\" is not a decimal string")),
        case!("request: Infinity as a unit price", || validated(&blue_with("\"unit_price\": \"5000.00\"", "\"unit_price\": \"Infinity\"")),
            e if json_error(e, Category::Data, "\"Infinity\" is not a decimal string")),
        case!("request: exponent in a decimal", || validated(&blue_with("\"tax_rate\": \"0.06\"", "\"tax_rate\": \"6e-2\"")),
            e if json_error(e, Category::Data, "\"6e-2\" is not a decimal string")),
        case!("request: a decimal of 30 digits (beyond 96 bits)", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"123456789012345678901234567890\"")),
            e if json_error(e, Category::Data, "more than 28 significant digits")),
        case!("request: a quantity of 29 digits times the price overflows", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"12345678901234567890123456789\"")),
            e if is_invalid(e, ViolationCode::AmountOverflow)),
        case!("request: a JSON number where a decimal string is expected", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": 2")),
            e if json_error(e, Category::Data, "invalid type: integer `2`")),
        case!("request: a float where fen are expected", || validated(&blue_with("\"amount_fen\": 1000000", "\"amount_fen\": 0.5")),
            e if json_error(e, Category::Data, "invalid type: floating point `0.5`")),
        case!("request: fen beyond i64", || validated(&blue_with("\"amount_fen\": 1000000", "\"amount_fen\": 9223372036854775808")),
            e if json_error(e, Category::Data, "9223372036854775808")),
        case!("request: negative quantity on a blue invoice (amount positive)", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"-2\"")),
            e if is_invalid(e, ViolationCode::AmountMismatch)),
        case!("request: negative quantity and amount on a blue invoice", || validated(&blue_with(
            "\"quantity\": \"2\",\n      \"unit_price\": \"5000.00\",\n      \"amount_fen\": 1000000",
            "\"quantity\": \"-2\",\n      \"unit_price\": \"5000.00\",\n      \"amount_fen\": -1000000")),
            e if is_invalid(e, ViolationCode::SignMismatch)),
        case!("request: negative unit price", || validated(&blue_with("\"unit_price\": \"5000.00\"", "\"unit_price\": \"-5000.00\"")),
            e if is_invalid(e, ViolationCode::SignMismatch)),
        case!("request: overflowing totals", || validated(&sample("invalid-amount-overflow.json")),
            e if is_invalid(e, ViolationCode::AmountOverflow)),
        case!("request: negative blue total", || validated(&sample("invalid-negative-blue-total.json")),
            e if is_invalid(e, ViolationCode::NegativeBlueTotal)),
        case!("request: 14 decimal places", || validated(&sample("invalid-too-many-decimal-places.json")),
            e if is_invalid(e, ViolationCode::TooManyDecimalPlaces)),
        case!("request: bad tax id check character", || validated(&sample("invalid-invalid-tax-id.json")),
            e if is_invalid(e, ViolationCode::InvalidTaxId)),
        case!(
            "request: JSON nested 17 deep",
            || validated(format!("{{\"version\":\"1.0\",\"x\":{}}}", "[".repeat(17)).as_bytes()),
            Error::Invoice(InvoiceError::LimitExceeded {
                limit: JsonLimit::Depth,
                found: 17,
                max: 16,
                ..
            })
        ),
    ]
}

/// GCM parameters (RFC 5084) with a nonce of `len` bytes and the default tag length.
fn gcm_parameters(len: u8) -> Any {
    let mut der = vec![0x30, len + 2, 0x04, len];
    der.extend(std::iter::repeat_n(0, usize::from(len)));
    Any::from_der(&der).unwrap()
}

#[test]
fn every_bad_input_gets_exactly_its_error() {
    let cases = catalogue();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    LazyLock::force(&FX);
    let mut failures = Vec::new();
    for case in &cases {
        match catch_unwind(AssertUnwindSafe(case.run)) {
            Ok(Ok(())) => failures.push(format!(
                "{}: accepted, expected {}",
                case.name, case.expected
            )),
            Ok(Err(err)) if (case.check)(&err) => {}
            Ok(Err(err)) => failures.push(format!(
                "{}: got {err:?}\n    expected {}",
                case.name, case.expected
            )),
            Err(_) => failures.push(format!("{}: PANICKED", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
