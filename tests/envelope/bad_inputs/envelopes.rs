//! Envelopes: framing, integrity, algorithms, recipients and keys.

use super::*;
use cms::authenveloped_data::AuthEnvelopedData;
use cms::content_info::CmsVersion;
use der::asn1::OctetString;
use fapiao::envelope::EnvelopePolicy;
use fapiao::{CryptoError, EnvelopeError};

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

pub(super) fn cases() -> Vec<Case> {
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
        // -- envelopes: the other recipient's entry and unauthAttrs ------------------
        // Sealed to eisp-p256 and eisp-rsa; eisp-p256 opens, its own entry intact.
        case!(
            "envelope: the other recipient's entry has an OID of length 0",
            || FX.open(&two_recipients("ours-other-recipient-oid-length-0.der")),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                source,
            }) if source.kind() == der::ErrorKind::OidMalformed
        ),
        case!(
            "envelope: the other recipient's entry has a long-form length where the short suffices",
            || FX.open(&two_recipients("ours-other-recipient-long-form-length.der")),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                source,
            }) if source.kind() == der::ErrorKind::Length { tag: der::Tag::Integer }
        ),
        case!(
            "envelope: the other recipient's entry has a trailing byte",
            || FX.open(&two_recipients("ours-other-recipient-trailing-byte.der")),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                source,
            }) if source.kind() == der::ErrorKind::TagUnknown { byte: 0 }
        ),
        case!(
            "envelope: an unauthenticated attribute's value is not DER",
            || FX.open(&two_recipients("ours-unauth-attr-integer-not-minimal.der")),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                source,
            }) if source.kind() == der::ErrorKind::Noncanonical { tag: der::Tag::Integer }
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
    ]
}

/// The envelope ecp-p256 seals to eisp-p256 and eisp-rsa (which eisp-p256
/// opens), made malformed as `name` says (tests/common/reshape.rs).
fn two_recipients(name: &str) -> Vec<u8> {
    static VARIANTS: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
        let sealed = envelope::seal(
            b"invoice B",
            &FX.ecp_p256,
            &[FX.eisp_p256.leaf(), FX.eisp_rsa.leaf()],
            NOW,
            FX.provider,
        )
        .unwrap();
        FX.open(&sealed).expect("the intact envelope opens");
        common::reshape::malformed_two_recipient_envelopes(&sealed)
    });
    VARIANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, envelope)| envelope.clone())
        .expect("a variant of that name")
}

/// GCM parameters (RFC 5084) with a nonce of `len` bytes and the default tag length.
fn gcm_parameters(len: u8) -> Any {
    let mut der = vec![0x30, len + 2, 0x04, len];
    der.extend(std::iter::repeat_n(0, usize::from(len)));
    Any::from_der(&der).unwrap()
}
