//! CMS SignedData (RFC 5652 §5): signing and adding a signer (verifying is in
//! `verify`).
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

use super::addressing::{Addressing, ID_AA_CONTENT_HINT};
use super::asn1::*;
use super::policy::EnvelopePolicy;
use super::suite::{ContentDigest, Suite};
use crate::crypto::{CryptoProvider, SignatureScheme};
use crate::error::{EnvelopeError, Error};
use crate::pki::{Certificate, Credentials};

use super::verify::{SignerTrust, VerifiedSigner, verify_signed_data};

/// Length of the message id we write in contentIdentifier.
pub const MESSAGE_ID_LEN: usize = 16;

/// A DER `ContentInfo` holding a `SignedData` with the payload encapsulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage {
    der: Vec<u8>,
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
