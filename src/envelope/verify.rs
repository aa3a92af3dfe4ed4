//! Verifying a CMS SignedData (RFC 5652 §5.6): each SignerInfo's signed
//! attributes (contentType, messageDigest, signingTime, the contentIdentifier
//! and the addressing attribute), its signature over their DER, and its
//! signer's certificate chain through a [`SignerTrust`].

use cms::content_info::CmsVersion;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::asn1::{Any, ObjectIdentifier, OctetStringRef};
use der::{Encode, Tagged};
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::addressing::{Addressing, ID_AA_CONTENT_HINT};
use super::asn1::*;
use super::policy::EnvelopePolicy;
use super::suite::{ContentDigest, Suite};
use crate::crypto::{CryptoProvider, HashAlgorithm, KeyFamily, SignatureScheme};
use crate::error::{EnvelopeError, Error, PathError};
use crate::pki::{Certificate, SpkiFingerprint};

/// Longest contentIdentifier we accept when opening.
pub const MAX_MESSAGE_ID_LEN: usize = 64;

/// Validates a signer's certificate chain for the purpose "sign" at a time. The
/// PKI module's trust store implements it; tests and hosts may supply their own.
pub trait SignerTrust: Send + Sync {
    /// Checks that `leaf`, with the untrusted `intermediates` found in the
    /// SignedData, chains to a trust anchor and may sign at `at` (UNIX seconds).
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError>;

    /// The SM2 distinguishing ID `signer` signs under (read for SM2-with-SM3
    /// signatures only): [`DEFAULT_SM2_ID`](crate::crypto::DEFAULT_SM2_ID)
    /// unless the trust configuration names another for this signer.
    fn sm2_id<'s>(&'s self, signer: &Certificate) -> &'s [u8] {
        let _ = signer;
        crate::crypto::DEFAULT_SM2_ID
    }
}

/// A signer whose signature, signed attributes and certificate chain verified.
#[derive(Clone, Debug)]
pub struct VerifiedSigner {
    /// The signer's certificate.
    pub certificate: Certificate,
    /// The certificate's subject (RFC 4514).
    pub subject: String,
    /// The subject's serialNumber attribute (an enterprise's credit code), if any.
    pub subject_serial_number: Option<String>,
    /// SHA-256 of the signer's SubjectPublicKeyInfo.
    pub spki_fingerprint: SpkiFingerprint,
    /// The signingTime attribute (UNIX seconds).
    pub signing_time: u64,
    /// The contentIdentifier attribute (our message id), when present. OpenSSL
    /// does not write one.
    pub message_id: Option<Vec<u8>>,
    /// The addressing attribute (who the signer sent the message to, as what),
    /// when present: the platforms write and require it.
    pub addressing: Option<Addressing>,
    /// SHA-256 of the DER signed attributes the signature covers: what the
    /// replay guard keys on, with the signer's key.
    pub signed_attributes_digest: [u8; 32],
}

/// The single value of signed attribute `oid`, if present exactly once.
fn single_attr(info: &SignerInfo, oid: ObjectIdentifier) -> Option<&Any> {
    let attrs = info.signed_attrs.as_ref()?;
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let attr = found.next()?;
    if found.next().is_some() || attr.values.len() != 1 {
        return None;
    }
    attr.values.get(0)
}

/// The addressing attribute, if present; more than one, or one with several
/// values, is refused.
fn addressing(info: &SignerInfo) -> Result<Option<Addressing>, Error> {
    let Some(attrs) = info.signed_attrs.as_ref() else {
        return Ok(None);
    };
    let mut found = attrs.iter().filter(|a| a.oid == ID_AA_CONTENT_HINT);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(EnvelopeError::BadAddressing {
            problem: "it must appear once, with one value",
        }
        .into());
    }
    let value = attr.values.get(0).ok_or(EnvelopeError::BadAddressing {
        problem: "it has no value",
    })?;
    Addressing::from_any(value.into())
}

fn content_identifier(info: &SignerInfo) -> Result<Option<&[u8]>, ()> {
    match single_attr(info, ATTR_CONTENT_IDENTIFIER) {
        None => Ok(None),
        Some(any) => {
            let id: &OctetStringRef = any.decode_as().map_err(|_| ())?;
            if id.as_bytes().is_empty() || id.as_bytes().len() > MAX_MESSAGE_ID_LEN {
                return Err(());
            }
            Ok(Some(id.as_bytes()))
        }
    }
}

fn signature_scheme(
    info: &SignerInfo,
    digest: ContentDigest,
    family: KeyFamily,
) -> Result<SignatureScheme, Error> {
    let oid = info.signature_algorithm.oid;
    let unsupported = || EnvelopeError::UnsupportedAlgorithm {
        what: "signature",
        oid,
    };
    // RSA identifiers carry NULL (or absent) parameters, ECDSA and Ed25519 none
    // (RFC 4055, RFC 5758, RFC 8410), SM2 none or NULL (toolkits write
    // both); anything else is not what was signed.
    let params = &info.signature_algorithm.parameters;
    let params_ok = match family {
        KeyFamily::Rsa | KeyFamily::Sm2 => params.as_ref().is_none_or(|p| p.is_null()),
        _ => params.is_none(),
    };
    let digest_params_ok = info
        .digest_alg
        .parameters
        .as_ref()
        .is_none_or(|p| p.is_null());
    if !params_ok || !digest_params_ok {
        return Err(unsupported().into());
    }
    if Suite::of(family) != digest.suite() {
        return Err(EnvelopeError::MixedSuites {
            what: "a signer's key and its digest algorithm",
        }
        .into());
    }
    let scheme = match (oid, family) {
        (SM2_SIGN | SM2_WITH_SM3, KeyFamily::Sm2) => SignatureScheme::Sm2Sm3,
        (RSA_ENCRYPTION, KeyFamily::Rsa) => match digest.sha() {
            Some(HashAlgorithm::Sha256) => SignatureScheme::RsaPkcs1Sha256,
            Some(HashAlgorithm::Sha384) => SignatureScheme::RsaPkcs1Sha384,
            _ => SignatureScheme::RsaPkcs1Sha512,
        },
        (SHA256_WITH_RSA, KeyFamily::Rsa) => SignatureScheme::RsaPkcs1Sha256,
        (SHA384_WITH_RSA, KeyFamily::Rsa) => SignatureScheme::RsaPkcs1Sha384,
        (SHA512_WITH_RSA, KeyFamily::Rsa) => SignatureScheme::RsaPkcs1Sha512,
        (ECDSA_WITH_SHA256, KeyFamily::EcP256) => SignatureScheme::EcdsaP256Sha256,
        (ECDSA_WITH_SHA384, KeyFamily::EcP384) => SignatureScheme::EcdsaP384Sha384,
        (ED25519, KeyFamily::Ed25519) => SignatureScheme::Ed25519,
        _ => return Err(unsupported().into()),
    };
    Ok(scheme)
}

fn find_certificate(sid: &SignerIdentifier, certs: &[Certificate]) -> Option<usize> {
    certs.iter().position(|cert| {
        let tbs = cert.x509().tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                *tbs.issuer() == isn.issuer && *tbs.serial_number() == isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own == *ski)
            }
        }
    })
}

/// Verifies every signer of `signed` (see [`SignedMessage::verify`]); returns the
/// encapsulated content, borrowed, and the verified signers.
pub(crate) fn verify_signed_data<'a>(
    signed: &SignedDataRef<'a>,
    trust: &dyn SignerTrust,
    policy: &EnvelopePolicy,
    now: u64,
    provider: &CryptoProvider,
) -> Result<(&'a [u8], Vec<VerifiedSigner>), Error> {
    if !matches!(signed.version, CmsVersion::V1 | CmsVersion::V3) {
        return Err(EnvelopeError::UnsupportedVersion {
            what: "SignedData",
            version: signed.version as u8,
        }
        .into());
    }
    let signer_count = signed.signer_infos.0.len();
    if signer_count == 0 {
        return Err(EnvelopeError::NoSigners.into());
    }
    policy.check_count("signers", signer_count, policy.max_signers)?;
    let mut certs = Vec::new();
    if let Some(set) = &signed.certificates {
        policy.check_count("certificates", set.len(), policy.max_certificates)?;
        // CertificateChoices: only `certificate` (a SEQUENCE) is a plain X.509
        // certificate; the other choices are implicitly tagged [0]..[3].
        for choice in set.iter().filter(|c| c.tag() == der::Tag::Sequence) {
            let der = choice
                .to_der()
                .map_err(malformed("SignedData certificate"))?;
            certs.push(Certificate::from_der_shared(&der)?);
        }
    }
    for announced in signed.digest_algorithms.iter() {
        ContentDigest::from_oid(&announced.oid).ok_or(EnvelopeError::UnsupportedAlgorithm {
            what: "digest",
            oid: announced.oid,
        })?;
        if announced.parameters.as_ref().is_some_and(|p| !p.is_null()) {
            return Err(EnvelopeError::UnsupportedAlgorithm {
                what: "digest (with parameters)",
                oid: announced.oid,
            }
            .into());
        }
    }
    let content = octets(signed.encap_content_info.econtent)?;
    let econtent_type = signed.encap_content_info.econtent_type;
    let mut verified = Vec::with_capacity(signer_count);
    let mut first_suite = None;
    for (signer, info) in signed.signer_infos.0.iter().enumerate() {
        let missing = |attribute| EnvelopeError::MissingSignedAttribute { signer, attribute };
        // RFC 5652 §5.3: 1 with issuerAndSerialNumber, 3 with a key id.
        let expected = match info.sid {
            SignerIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V1,
            SignerIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V3,
        };
        if info.version != expected {
            return Err(EnvelopeError::UnsupportedVersion {
                what: "SignerInfo",
                version: info.version as u8,
            }
            .into());
        }
        let index = find_certificate(&info.sid, &certs)
            .ok_or(EnvelopeError::SignerCertificateMissing { signer })?;
        // The signer's certificate goes last, so that the others (the chain for
        // the trust check) are a slice and need no cloning.
        let last = certs.len() - 1;
        certs.swap(index, last);
        let (others, cert) = certs.split_at(last);
        let cert = &cert[0];
        let digest_alg = ContentDigest::from_oid(&info.digest_alg.oid).ok_or(
            EnvelopeError::UnsupportedAlgorithm {
                what: "digest",
                oid: info.digest_alg.oid,
            },
        )?;
        // One suite per SignedData: every signer's key of the first's.
        let suite = Suite::of(cert.key_family());
        if *first_suite.get_or_insert(suite) != suite {
            return Err(EnvelopeError::MixedSuites {
                what: "signers of both kinds",
            }
            .into());
        }
        // The SignerInfo's digest must be announced in digestAlgorithms (RFC 5652
        // §5.1), and nothing unknown may be announced there.
        if !signed
            .digest_algorithms
            .iter()
            .any(|a| a.oid == info.digest_alg.oid)
        {
            return Err(EnvelopeError::DigestNotAnnounced { signer }.into());
        }
        let scheme = signature_scheme(info, digest_alg, cert.key_family())?;
        let attrs = info.signed_attrs.as_ref().ok_or(missing("(any)"))?;

        let content_type: ObjectIdentifier = single_attr(info, ATTR_CONTENT_TYPE)
            .and_then(|a| a.decode_as().ok())
            .ok_or(missing("contentType"))?;
        if content_type != econtent_type {
            return Err(EnvelopeError::ContentTypeMismatch { signer }.into());
        }
        let digest: &OctetStringRef = single_attr(info, ATTR_MESSAGE_DIGEST)
            .and_then(|a| a.decode_as().ok())
            .ok_or(missing("messageDigest"))?;
        let signing_time: x509_cert::time::Time = single_attr(info, ATTR_SIGNING_TIME)
            .and_then(|a| a.decode_as().ok())
            .ok_or(missing("signingTime"))?;
        let message_id = content_identifier(info).map_err(|()| missing("contentIdentifier"))?;
        let addressing = addressing(info)?;

        let computed = digest_alg.hash(provider, content)?;
        if computed.as_ref() != digest.as_bytes() {
            return Err(EnvelopeError::DigestMismatch { signer }.into());
        }
        let to_verify = attrs.to_der().map_err(malformed("signed attributes"))?;
        let mut signed_attributes_digest = [0u8; 32];
        signed_attributes_digest.copy_from_slice(
            provider
                .hasher
                .hash(HashAlgorithm::Sha256, &to_verify)
                .as_ref(),
        );
        provider
            .verifier
            .verify_with_sm2_id(
                scheme,
                trust.sm2_id(cert),
                cert.public_key(),
                &to_verify,
                info.signature.as_bytes(),
            )
            .map_err(|_| EnvelopeError::SignatureInvalid { signer })?;

        let signing_time = signing_time.to_unix_duration().as_secs();
        if signing_time.abs_diff(now) > policy.clock_skew {
            return Err(EnvelopeError::SigningTimeOutsideWindow {
                signer,
                signing_time,
                now,
                skew: policy.clock_skew,
            }
            .into());
        }
        trust
            .verify_signer(cert, others, signing_time)
            .map_err(|source| EnvelopeError::SignerChainInvalid { signer, source })?;
        verified.push(VerifiedSigner {
            certificate: cert.clone(),
            subject: cert.subject(),
            subject_serial_number: cert.subject_serial_number(),
            spki_fingerprint: cert.spki_fingerprint(),
            signing_time,
            message_id: message_id.map(<[u8]>::to_vec),
            addressing,
            signed_attributes_digest,
        });
    }
    Ok((content, verified))
}
