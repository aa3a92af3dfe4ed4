//! CMS SignedData (RFC 5652 §5): signing, adding a signer, verifying.
//!
//! Each signer signs the DER `SET OF Attribute` of its signed attributes:
//! contentType, messageDigest, signingTime and contentIdentifier (RFC 2634 §2.7,
//! the message id). The enterprise signs first; the cloud platform adds its own
//! SignerInfo over the same encapsulated content, whose bytes are carried over
//! unchanged.

use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::CmsVersion;
use cms::signed_data::{CertificateSet, SignedData, SignerIdentifier, SignerInfo, SignerInfos};
use der::asn1::{Any, AnyRef, ObjectIdentifier, OctetString, OctetStringRef, SetOfVec, UtcTime};
use der::{Decode, DecodeValue, Encode, EncodeValue, FixedTag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::addressing::{Addressing, ID_AA_CONTENT_HINT};
use super::asn1::*;
use super::policy::EnvelopePolicy;
use super::suite::{ContentDigest, Suite};
use crate::crypto::{CryptoProvider, HashAlgorithm, KeyFamily, SignatureScheme};
use crate::error::{EnvelopeError, Error, PathError};
use crate::pki::{Certificate, Credentials, SpkiFingerprint};

/// Length of the message id we write in contentIdentifier.
pub const MESSAGE_ID_LEN: usize = 16;
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

/// A DER `ContentInfo` holding a `SignedData` with the payload encapsulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage {
    der: Vec<u8>,
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |source| EnvelopeError::Malformed { what, source }.into()
}

fn algorithm(oid: ObjectIdentifier, null_params: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null_params.then(|| Any::from(der::asn1::Null)),
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    let values = SetOfVec::try_from(vec![value]).map_err(malformed("signed attribute"))?;
    Ok(Attribute { oid, values })
}

fn any_of<T: der::EncodeValue + der::Tagged>(value: &T) -> Result<Any, Error> {
    Any::encode_from(value).map_err(malformed("signed attribute"))
}

impl SignedMessage {
    /// Signs `payload` (encapsulated as id-data) with `signer`, at `now` (UNIX
    /// seconds), with a fresh random 16-byte message id.
    pub fn sign(
        payload: &[u8],
        signer: &Credentials,
        now: u64,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        Self::encode(
            signing_suite(signer).signed_data_type(),
            &sign_data(payload, signer, None, now, provider)?,
        )
    }

    /// [`sign`](Self::sign) with the signer's [`Addressing`] among the signed
    /// attributes: the role it signs in and the key it seals to.
    pub fn sign_addressed(
        payload: &[u8],
        signer: &Credentials,
        addressing: Addressing,
        now: u64,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        Self::encode(
            signing_suite(signer).signed_data_type(),
            &sign_data(payload, signer, Some(addressing), now, provider)?,
        )
    }

    /// Adds `signer`'s SignerInfo (and certificates) over the same encapsulated
    /// content. The content bytes are carried over unchanged; the new signer gets
    /// its own fresh message id.
    pub fn add_signer(
        &mut self,
        signer: &Credentials,
        now: u64,
        provider: &CryptoProvider,
    ) -> Result<(), Error> {
        self.add_signer_if(signer, None, now, provider, |_| Ok(()))
    }

    /// [`add_signer`](Self::add_signer) once `vouch` has accepted the
    /// encapsulated content (a cloud platform vouches only for issuing
    /// requests); `vouch`'s error is returned and nothing is signed otherwise.
    /// The message is decoded once for both. With `addressing`, the new
    /// SignerInfo carries it among its signed attributes.
    pub fn add_signer_if(
        &mut self,
        signer: &Credentials,
        addressing: Option<Addressing>,
        now: u64,
        provider: &CryptoProvider,
        vouch: impl FnOnce(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut signed = decode_signed_data(&self.der)?;
        let content = octets(
            signed
                .encap_content_info
                .econtent
                .as_ref()
                .map(AnyRef::from),
        )?;
        vouch(content)?;
        let digest_alg = ContentDigest::for_family(signer.leaf().key_family());
        let suite = digest_alg.suite();
        if signed
            .signer_infos
            .0
            .iter()
            .filter_map(|si| ContentDigest::from_oid(&si.digest_alg.oid))
            .any(|d| d.suite() != suite)
        {
            return Err(EnvelopeError::MixedSuites {
                what: "adding a signer of the other suite",
            }
            .into());
        }
        let digest_oid = digest_alg.oid();
        let digest = digest_alg.hash(provider, content)?;
        // Each signer gets its own fresh message id: a cloud platform that signs
        // the same enterprise order again (a retry) sends a new message.
        let message_id = provider.random_bytes(MESSAGE_ID_LEN)?;
        let econtent_type = signed.encap_content_info.econtent_type;
        let info = signer_info(
            signer,
            digest.as_ref(),
            digest_oid,
            econtent_type,
            now,
            &message_id,
            addressing,
        )?;
        signed
            .signer_infos
            .0
            .insert(info)
            .map_err(malformed("SignedData"))?;
        let alg = algorithm(digest_oid, false);
        if !signed.digest_algorithms.iter().any(|a| a.oid == digest_oid) {
            signed
                .digest_algorithms
                .insert(alg)
                .map_err(malformed("SignedData"))?;
        }
        signed.certificates = Some(certificate_set(signer.chain(), signed.certificates.take())?);
        *self = Self::encode(suite.signed_data_type(), &signed)?;
        Ok(())
    }

    fn encode<T: EncodeValue + Tagged>(
        content_type: ObjectIdentifier,
        signed: &T,
    ) -> Result<Self, Error> {
        let info = ContentInfoOf {
            content_type,
            content: signed,
        };
        Ok(Self {
            der: info.to_der().map_err(malformed("ContentInfo"))?,
        })
    }

    /// Wraps DER bytes (a `ContentInfo` with a `SignedData`), checking that they
    /// decode within the default [`EnvelopePolicy`]'s DER element and depth bounds.
    pub fn from_der(der: Vec<u8>) -> Result<Self, Error> {
        Self::from_der_within(der, &EnvelopePolicy::default())
    }

    /// [`from_der`](Self::from_der) within `policy`'s DER bounds, checked before
    /// anything is decoded.
    pub(crate) fn from_der_within(der: Vec<u8>, policy: &EnvelopePolicy) -> Result<Self, Error> {
        super::strict_der::check_der_shape(policy, &der, "ContentInfo")?;
        decode_signed_data_ref(&der)?;
        Ok(Self { der })
    }

    /// The encapsulated content, *unverified*: for a sender that wants to read
    /// back what it (or its ERP) signed. Receivers use [`SignedMessage::verify`].
    pub fn content(&self) -> Result<Vec<u8>, Error> {
        let signed = decode_signed_data_ref(&self.der)?;
        Ok(octets(signed.encap_content_info.econtent)?.to_vec())
    }

    /// The DER `ContentInfo`.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// Consumes the message and returns its DER.
    pub fn into_der(self) -> Vec<u8> {
        self.der
    }

    /// Verifies every signer: its certificate is in the SignedData, its signed
    /// attributes match the content, its signature verifies, it signed within
    /// `policy.clock_skew` of `now`, and its chain is valid at its signing time.
    /// Returns the payload and one [`VerifiedSigner`] per SignerInfo, in order.
    pub fn verify(
        &self,
        trust: &dyn SignerTrust,
        policy: &EnvelopePolicy,
        now: u64,
        provider: &CryptoProvider,
    ) -> Result<(Vec<u8>, Vec<VerifiedSigner>), Error> {
        let signed = decode_signed_data_ref(&self.der)?;
        let (payload, signers) = verify_signed_data(&signed, trust, policy, now, provider)?;
        Ok((payload.to_vec(), signers))
    }
}

/// The SignedData of [`SignedMessage::sign`], not yet encoded: [`super::seal`]
/// encodes it straight into the envelope, where it is encrypted in place.
pub(crate) fn sign_data<'a>(
    payload: &'a [u8],
    signer: &'a Credentials,
    addressing: Option<Addressing>,
    now: u64,
    provider: &CryptoProvider,
) -> Result<SignedDataRef<'a>, Error> {
    let mut message_id = [0u8; MESSAGE_ID_LEN];
    provider.random.fill(&mut message_id)?;
    let digest_alg = ContentDigest::for_family(signer.leaf().key_family());
    let digest_oid = digest_alg.oid();
    let digest = digest_alg.hash(provider, payload)?;
    let data_type = signing_suite(signer).data_type();
    let info = signer_info(
        signer,
        digest.as_ref(),
        digest_oid,
        data_type,
        now,
        &message_id,
        addressing,
    )?;
    // Borrowed, so that the payload is copied once, into the DER.
    let econtent = AnyRef::from(OctetStringRef::new(payload).map_err(malformed("payload"))?);
    Ok(SignedDataRef {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(digest_oid, false)])
            .map_err(malformed("SignedData"))?,
        encap_content_info: EncapsulatedContentInfoRef {
            econtent_type: data_type,
            econtent: Some(econtent),
        },
        certificates: Some(certificate_ders(signer.chain())?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![info]).map_err(malformed("SignedData"))?,
    })
}

/// Decodes a ContentInfo that holds a SignedData; also accepts a bare SignedData
/// (some peers put one directly inside the encrypted content). Owned: for
/// changing and re-encoding it.
pub(crate) fn decode_signed_data(der: &[u8]) -> Result<SignedData, Error> {
    decode_signed(der)
}

/// [`decode_signed_data`] borrowing the encapsulated content from `der`: for
/// reading and verifying, without copying the payload.
pub(crate) fn decode_signed_data_ref(der: &[u8]) -> Result<SignedDataRef<'_>, Error> {
    decode_signed(der)
}

fn decode_signed<'a, T>(der: &'a [u8]) -> Result<T, Error>
where
    T: Decode<'a, Error = der::Error> + DecodeValue<'a, Error = der::Error> + FixedTag,
{
    match ContentInfoRef::from_der(der) {
        Ok(info) => {
            if info.content_type != ID_SIGNED_DATA && info.content_type != GM_SIGNED_DATA {
                return Err(EnvelopeError::UnexpectedContentType {
                    what: "signed content",
                    oid: info.content_type,
                }
                .into());
            }
            info.content
                .decode_as::<T>()
                .map_err(malformed("SignedData"))
        }
        Err(first) => T::from_der(der).map_err(|_| malformed("ContentInfo")(first)),
    }
}

/// The bytes of an encapsulated content (an OCTET STRING).
fn octets(econtent: Option<AnyRef<'_>>) -> Result<&[u8], Error> {
    let any = econtent.ok_or(EnvelopeError::ContentAbsent { what: "signed" })?;
    let octets: &OctetStringRef = any.decode_as().map_err(malformed("encapsulated content"))?;
    Ok(octets.as_bytes())
}

/// The SignedData `certificates` for `chain`, borrowing each certificate's DER
/// (no decoding or re-encoding).
fn certificate_ders(chain: &[Certificate]) -> Result<SetOfVec<AnyRef<'_>>, Error> {
    let mut ders = Vec::with_capacity(chain.len());
    for cert in chain {
        let der = AnyRef::from_der(cert.der()).map_err(malformed("SignedData certificates"))?;
        if !ders.contains(&der) {
            ders.push(der);
        }
    }
    SetOfVec::try_from(ders).map_err(malformed("SignedData certificates"))
}

fn certificate_set(
    chain: &[Certificate],
    existing: Option<CertificateSet>,
) -> Result<CertificateSet, Error> {
    let mut set = existing.map(|s| s.0).unwrap_or_default();
    for cert in chain {
        let choice = CertificateChoices::Certificate(cert.x509().clone());
        if !set.iter().any(|c| *c == choice) {
            set.insert(choice)
                .map_err(malformed("SignedData certificates"))?;
        }
    }
    Ok(CertificateSet(set))
}

fn signer_info(
    signer: &Credentials,
    digest: &[u8],
    digest_oid: ObjectIdentifier,
    content_type: ObjectIdentifier,
    now: u64,
    message_id: &[u8],
    addressing: Option<Addressing>,
) -> Result<SignerInfo, Error> {
    let time =
        UtcTime::from_unix_duration(Duration::from_secs(now)).map_err(malformed("signingTime"))?;
    let mut attrs = vec![
        attribute(ATTR_CONTENT_TYPE, any_of(&content_type)?)?,
        attribute(ATTR_SIGNING_TIME, any_of(&time)?)?,
        attribute(
            ATTR_MESSAGE_DIGEST,
            any_of(&OctetStringRef::new(digest).map_err(malformed("messageDigest"))?)?,
        )?,
        attribute(
            ATTR_CONTENT_IDENTIFIER,
            any_of(&OctetStringRef::new(message_id).map_err(malformed("contentIdentifier"))?)?,
        )?,
    ];
    if let Some(addressing) = addressing {
        attrs.push(attribute(ID_AA_CONTENT_HINT, addressing.to_any()?)?);
    }
    let attrs = SetOfVec::try_from(attrs).map_err(malformed("signed attributes"))?;
    let to_sign = attrs.to_der().map_err(malformed("signed attributes"))?;
    let scheme = signer.default_scheme();
    let signature = signer.sign_with(scheme, &to_sign)?;
    let signature_algorithm = match scheme {
        SignatureScheme::RsaPkcs1Sha256 => algorithm(SHA256_WITH_RSA, true),
        SignatureScheme::EcdsaP384Sha384 => algorithm(ECDSA_WITH_SHA384, false),
        SignatureScheme::Ed25519 => algorithm(ED25519, false),
        SignatureScheme::Sm2Sm3 => algorithm(SM2_SIGN, false),
        _ => algorithm(ECDSA_WITH_SHA256, false),
    };
    let tbs = signer.leaf().x509().tbs_certificate();
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: algorithm(digest_oid, false),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(malformed("signature"))?,
        unsigned_attrs: None,
    })
}

/// The suite `signer` signs in (its signing key's).
fn signing_suite(signer: &Credentials) -> Suite {
    Suite::of(signer.leaf().key_family())
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
