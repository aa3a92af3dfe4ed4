//! The ASN.1 pieces the `cms` crate does not define, and the object identifiers
//! the envelope writes and reads.

use cms::authenveloped_data::{AuthAttributes, UnauthAttributes};
use cms::content_info::CmsVersion;
use cms::enveloped_data::{OriginatorInfo, RecipientInfos};
use cms::revocation::RevocationInfoChoices;
use cms::signed_data::{DigestAlgorithmIdentifiers, SignerInfos};
use der::asn1::{
    AnyRef, ContextSpecificRef, ObjectIdentifier, OctetString, OctetStringRef, SetOfVec,
};
use der::{
    Encode, EncodeValue, FixedTag, Header, Length, Sequence, Tag, TagMode, TagNumber, Tagged,
    Writer,
};
use spki::AlgorithmIdentifierOwned;

use crate::crypto::{GCM_NONCE_LEN, GCM_TAG_LEN};
use crate::error::{CryptoError, EnvelopeError, Error};

/// id-data (RFC 5652 §4).
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData (RFC 5652 §6.1): legacy AES-CBC envelopes.
pub const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// id-ct-authEnvelopedData (RFC 5083 §1).
pub const ID_AUTH_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23");

/// id-contentType signed attribute (RFC 5652 §11.1).
pub const ATTR_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest signed attribute (RFC 5652 §11.2).
pub const ATTR_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime signed attribute (RFC 5652 §11.3).
pub const ATTR_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-contentIdentifier signed attribute (RFC 2634 §2.7).
pub const ATTR_CONTENT_IDENTIFIER: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.7");

/// id-sha1, named only to refuse it.
pub const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// id-sha256 (RFC 5754).
pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// rsaEncryption, which OpenSSL writes as a CMS signature algorithm (RFC 3370 §3.2).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// ecdsa-with-SHA256 (RFC 5758).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// id-Ed25519 (RFC 8419).
pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// id-RSAES-OAEP (RFC 8017, RFC 4055 §4.1).
pub const RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
/// id-mgf1 (RFC 8017).
pub const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
/// id-pSpecified (RFC 8017).
pub const P_SPECIFIED: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// dhSinglePass-stdDH-sha256kdf-scheme (RFC 5753 §7.1.4).
pub const DH_SINGLE_PASS_STD_DH_SHA256_KDF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.132.1.11.1");
/// id-aes256-wrap (RFC 3394).
pub const AES256_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.45");
/// id-aes128-CBC (RFC 3565 §4.1): legacy EnvelopedData only.
pub const AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
/// id-aes256-CBC (RFC 3565 §4.1): legacy EnvelopedData only.
pub const AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
/// id-aes256-GCM (RFC 5084 §3.2).
pub const AES256_GCM: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.46");

/// GM/T 0010-2012 (GB/T 35275) data: the content type we write for the
/// signed payload and the encrypted content of a GM envelope.
pub const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
/// GM/T 0010 signedData.
pub const GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// GM/T 0010 envelopedData.
pub const GM_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.3");
/// SM3 (GM/T 0006): the digest of GM SignedData.
pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// sm2sign (GM/T 0006 1.2.156.10197.1.301.1): the signature algorithm we
/// write in a GM SignerInfo.
pub const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");
/// SM2-with-SM3 (1.2.156.10197.1.501), which some toolkits write in a
/// SignerInfo instead of sm2sign: read.
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// sm2encrypt (1.2.156.10197.1.301.3): SM2 key transport.
pub const SM2_ENCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.3");
/// SM4-CBC (1.2.156.10197.1.104.2), parameters the IV as an OCTET STRING.
pub const SM4_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104.2");
/// The bare SM4 arc (1.2.156.10197.1.104), which CFCA's toolkit writes for
/// SM4-CBC: read as SM4-CBC.
pub const SM4_CFCA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104");
/// SM4-GCM (1.2.156.10197.1.104.8), parameters GCMParameters (RFC 5084).
pub const SM4_GCM: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104.8");

/// A `ContentInfo` (RFC 5652 §3) that borrows its content from the input.
///
/// ```text
/// ContentInfo ::= SEQUENCE {
///   contentType ContentType,
///   content [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
///
/// `cms::content_info::ContentInfo` owns its content, so decoding one copies the
/// whole envelope (or the whole decrypted SignedData) once more; opening decodes
/// through this type instead to keep the peak heap of a large envelope low.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Sequence)]
pub struct ContentInfoRef<'a> {
    /// What `content` is.
    pub content_type: ObjectIdentifier,
    /// The content, borrowed.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub content: AnyRef<'a>,
}

/// `SignedData` (RFC 5652 §5.1) with the encapsulated content borrowed: the
/// `cms` type owns it, so decoding a signed 1 MiB payload would copy it, and
/// encoding one would first copy it into an owned `Any`. Field for field the same
/// as `cms::signed_data::SignedData` otherwise.
///
/// ```text
/// SignedData ::= SEQUENCE {
///   version CMSVersion,
///   digestAlgorithms DigestAlgorithmIdentifiers,
///   encapContentInfo EncapsulatedContentInfo,
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SignerInfos }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SignedDataRef<'a> {
    /// 1 with issuerAndSerialNumber signers and id-data content, else 3.
    pub version: CmsVersion,
    /// The digests the signers use.
    pub digest_algorithms: DigestAlgorithmIdentifiers,
    /// The signed content, borrowed.
    pub encap_content_info: EncapsulatedContentInfoRef<'a>,
    /// Certificates to help find and validate the signers, each borrowed as
    /// its DER (`CertificateChoices`: a plain certificate is a SEQUENCE; the
    /// other, tagged choices are skipped when reading). Not decoded here: the
    /// pki `Certificate` parses the ones that are used, once.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<SetOfVec<AnyRef<'a>>>,
    /// Revocation information (we write none).
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<RevocationInfoChoices>,
    /// One per signer.
    pub signer_infos: SignerInfos,
}

/// `EncapsulatedContentInfo` (RFC 5652 §5.2), the content borrowed.
///
/// ```text
/// EncapsulatedContentInfo ::= SEQUENCE {
///   eContentType ContentType,
///   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Clone, Copy, Debug, Eq, PartialEq, Sequence)]
pub struct EncapsulatedContentInfoRef<'a> {
    /// What the content is (id-data for an invoice message).
    pub econtent_type: ObjectIdentifier,
    /// The OCTET STRING with the content; absent for a detached signature.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub econtent: Option<AnyRef<'a>>,
}

/// `AuthEnvelopedData` (RFC 5083 §2.1) with the encrypted content borrowed, for
/// the same reason as [`SignedDataRef`]; otherwise the same as
/// `cms::authenveloped_data::AuthEnvelopedData`.
///
/// ```text
/// AuthEnvelopedData ::= SEQUENCE {
///   version CMSVersion,
///   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
///   recipientInfos RecipientInfos,
///   authEncryptedContentInfo EncryptedContentInfo,
///   authAttrs [1] IMPLICIT AuthAttributes OPTIONAL,
///   mac MessageAuthenticationCode,
///   unauthAttrs [2] IMPLICIT UnauthAttributes OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub struct AuthEnvelopedDataRef<'a> {
    /// Always 0.
    pub version: CmsVersion,
    /// Originator certificates and CRLs (unused).
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub originator_info: Option<OriginatorInfo>,
    /// How each recipient gets the content key.
    pub recip_infos: RecipientInfos,
    /// The encrypted content, borrowed.
    pub auth_encrypted_content_info: EncryptedContentInfoRef<'a>,
    /// Authenticated attributes (additional authenticated data when present).
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub auth_attrs: Option<AuthAttributes>,
    /// The GCM tag.
    pub mac: OctetString,
    /// Unauthenticated attributes.
    #[asn1(
        context_specific = "2",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub unauth_attrs: Option<UnauthAttributes>,
}

/// `EnvelopedData` (RFC 5652 §6.1), the legacy unauthenticated envelope, with
/// its encrypted content borrowed.
///
/// ```text
/// EnvelopedData ::= SEQUENCE {
///   version CMSVersion,
///   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
///   recipientInfos RecipientInfos,
///   encryptedContentInfo EncryptedContentInfo,
///   unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub struct EnvelopedDataRef<'a> {
    /// 0 or 2 for the recipient kinds we read (§6.1).
    pub version: CmsVersion,
    /// Originator certificates and CRLs (unused).
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub originator_info: Option<OriginatorInfo>,
    /// How each recipient gets the content key.
    pub recip_infos: RecipientInfos,
    /// The encrypted content, borrowed.
    pub encrypted_content_info: EncryptedContentInfoRef<'a>,
    /// Unprotected attributes (ignored).
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub unprotected_attrs: Option<UnauthAttributes>,
}

/// `EncryptedContentInfo` (RFC 5652 §6.1), the encrypted content borrowed.
///
/// ```text
/// EncryptedContentInfo ::= SEQUENCE {
///   contentType ContentType,
///   contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
///   encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EncryptedContentInfoRef<'a> {
    /// The type of the content once decrypted.
    pub content_type: ObjectIdentifier,
    /// The content-encryption algorithm and its parameters (AES-256-GCM; AES-CBC
    /// in a legacy EnvelopedData).
    pub content_enc_alg: AlgorithmIdentifierOwned,
    /// The ciphertext, borrowed.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub encrypted_content: Option<&'a OctetStringRef>,
}

/// A `ContentInfo` to encode, borrowing its content (the ASN.1 above).
///
/// Encoding a `cms::content_info::ContentInfo` means first encoding the content
/// into an owned `Any`, then copying that into the ContentInfo's DER: the content
/// is encoded twice and held twice. This writes it once, straight into the
/// output.
pub struct ContentInfoOf<'a, T> {
    /// What `content` is.
    pub content_type: ObjectIdentifier,
    /// The content, encoded as `[0] EXPLICIT`.
    pub content: &'a T,
}

impl<T: EncodeValue + Tagged> ContentInfoOf<'_, T> {
    fn explicit_content(&self) -> ContextSpecificRef<'_, T> {
        ContextSpecificRef {
            tag_number: TagNumber(0),
            tag_mode: TagMode::Explicit,
            value: self.content,
        }
    }
}

impl<T: EncodeValue + Tagged> EncodeValue for ContentInfoOf<'_, T> {
    fn value_len(&self) -> der::Result<Length> {
        self.content_type.encoded_len()? + self.explicit_content().encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.content_type.encode(writer)?;
        self.explicit_content().encode(writer)
    }
}

impl<T> FixedTag for ContentInfoOf<'_, T> {
    const TAG: Tag = Tag::Sequence;
}

/// Bytes that already are DER, encoded as they are.
pub struct RawDer<'a>(pub &'a [u8]);

impl Encode for RawDer<'_> {
    fn encoded_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

/// An OCTET STRING whose contents are the DER encoding of `T`, written straight
/// into the output (the encrypted content of an envelope before it is
/// encrypted in place).
pub struct OctetsOf<'a, T>(pub &'a T);

impl<T: Encode> EncodeValue for OctetsOf<'_, T> {
    fn value_len(&self) -> der::Result<Length> {
        self.0.encoded_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode(writer)
    }
}

impl<T> FixedTag for OctetsOf<'_, T> {
    const TAG: Tag = Tag::OctetString;
}

/// An `AuthEnvelopedData` (version 0, one or more recipients, no originator
/// info or attributes; the ASN.1 above) to encode with its content in the
/// clear and an all-zero `mac`: [`super::seal`] then encrypts the content in
/// place in the output and writes the tag over the `mac`, so a large payload
/// needs no buffer of its own.
///
/// The layout this relies on: `mac` is the last element, right after the
/// `[0] IMPLICIT` encrypted content, which ends the EncryptedContentInfo, so the
/// output ends with `04 10 <tag>` preceded by the content bytes.
pub struct AuthEnvelopedDataOf<'a, T> {
    /// How each recipient gets the content key.
    pub recip_infos: &'a RecipientInfos,
    /// The type of the content (id-data, as OpenSSL writes).
    pub content_type: ObjectIdentifier,
    /// AES-256-GCM and its parameters.
    pub content_enc_alg: &'a AlgorithmIdentifierOwned,
    /// The content to encrypt.
    pub content: OctetsOf<'a, T>,
}

impl<T: Encode> AuthEnvelopedDataOf<'_, T> {
    const MAC_PLACEHOLDER: [u8; 16] = [0; 16];

    fn encrypted_content(&self) -> ContextSpecificRef<'_, OctetsOf<'_, T>> {
        ContextSpecificRef {
            tag_number: TagNumber(0),
            tag_mode: TagMode::Implicit,
            value: &self.content,
        }
    }

    fn eci_value_len(&self) -> der::Result<Length> {
        self.content_type.encoded_len()?
            + self.content_enc_alg.encoded_len()?
            + self.encrypted_content().encoded_len()?
    }

    fn mac(&self) -> der::Result<&OctetStringRef> {
        OctetStringRef::new(&Self::MAC_PLACEHOLDER)
    }
}

impl<T: Encode> EncodeValue for AuthEnvelopedDataOf<'_, T> {
    fn value_len(&self) -> der::Result<Length> {
        let eci = self.eci_value_len()?;
        CmsVersion::V0.encoded_len()?
            + self.recip_infos.encoded_len()?
            + Header::new(Tag::Sequence, eci).encoded_len()?
            + eci
            + self.mac()?.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        CmsVersion::V0.encode(writer)?;
        self.recip_infos.encode(writer)?;
        Header::new(Tag::Sequence, self.eci_value_len()?).encode(writer)?;
        self.content_type.encode(writer)?;
        self.content_enc_alg.encode(writer)?;
        self.encrypted_content().encode(writer)?;
        self.mac()?.encode(writer)
    }
}

impl<T> FixedTag for AuthEnvelopedDataOf<'_, T> {
    const TAG: Tag = Tag::Sequence;
}

/// GCM parameters (RFC 5084 §3.2).
///
/// ```text
/// GCMParameters ::= SEQUENCE {
///   aes-nonce        OCTET STRING, -- recommended size is 12 octets
///   aes-ICVlen       AES-GCM-ICVlen DEFAULT 12 }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct GcmParameters {
    /// The nonce.
    pub nonce: OctetString,
    /// The tag length in bytes (we write and accept 16 only).
    #[asn1(optional = "true")]
    pub icv_len: Option<u8>,
}

/// The KDF input of ECDH key agreement in CMS (RFC 5753 §7.2).
///
/// ```text
/// ECC-CMS-SharedInfo ::= SEQUENCE {
///   keyInfo         AlgorithmIdentifier,
///   entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
///   suppPubInfo [2] EXPLICIT OCTET STRING }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EccCmsSharedInfo {
    /// The key-wrap algorithm.
    pub key_info: AlgorithmIdentifierOwned,
    /// The user keying material, when the sender supplied one.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub entity_u_info: Option<OctetString>,
    /// The key-encryption key's length in bits, as a 4-byte big-endian number.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    pub supp_pub_info: OctetString,
}

/// Maps a `der` error to [`EnvelopeError::Malformed`] naming `what`.
pub(super) fn malformed(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |source| EnvelopeError::Malformed { what, source }.into()
}

/// The encapsulated content's octets.
pub(super) fn octets(econtent: Option<AnyRef<'_>>) -> Result<&[u8], Error> {
    let any = econtent.ok_or(EnvelopeError::ContentAbsent { what: "signed" })?;
    let octets: &OctetStringRef = any.decode_as().map_err(malformed("encapsulated content"))?;
    Ok(octets.as_bytes())
}

/// What an AuthEnvelopedData carries for its GCM content cipher (AES-256-GCM
/// or SM4-GCM, both with a 12-byte nonce and a 16-byte tag).
pub(super) struct GcmInputs<'a> {
    /// The nonce, from the algorithm's RFC 5084 parameters.
    pub nonce: [u8; GCM_NONCE_LEN],
    /// The tag (`mac`).
    pub tag: &'a [u8],
    /// The DER authenticated attributes the tag also covers (empty if none).
    pub aad: Vec<u8>,
}

/// Reads the GCM parameters, the tag and the authenticated attributes of
/// `auth`: a missing or malformed parameter, a nonce that is not 12 bytes, or
/// a tag (or an `icvLen`) that is not 16 bytes is refused.
pub(super) fn gcm_inputs<'a>(auth: &'a AuthEnvelopedDataRef<'_>) -> Result<GcmInputs<'a>, Error> {
    let params: GcmParameters = auth
        .auth_encrypted_content_info
        .content_enc_alg
        .parameters
        .as_ref()
        .ok_or(EnvelopeError::Malformed {
            what: "GCM parameters",
            source: der::ErrorKind::Failed.into(),
        })?
        .decode_as()
        .map_err(malformed("GCM parameters"))?;
    let nonce: [u8; GCM_NONCE_LEN] =
        params
            .nonce
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidLength {
                what: "GCM nonce",
                expected: GCM_NONCE_LEN,
                actual: params.nonce.as_bytes().len(),
            })?;
    let tag = auth.mac.as_bytes();
    if params.icv_len.unwrap_or(12) as usize != GCM_TAG_LEN || tag.len() != GCM_TAG_LEN {
        return Err(CryptoError::InvalidLength {
            what: "GCM tag",
            expected: GCM_TAG_LEN,
            actual: tag.len(),
        }
        .into());
    }
    let aad = match &auth.auth_attrs {
        Some(attrs) => attrs.to_der().map_err(malformed("authAttrs"))?,
        None => Vec::new(),
    };
    Ok(GcmInputs { nonce, tag, aad })
}

/// The 16-byte IV of a CBC content cipher (AES-CBC, SM4-CBC), the algorithm's
/// parameter as an OCTET STRING (RFC 3565 §4.1; GM/T 0010 the same); `what`
/// names it in the error when it is missing, not an OCTET STRING or not 16
/// bytes.
pub(super) fn cbc_iv<'a>(
    algorithm: &'a AlgorithmIdentifierOwned,
    what: &'static str,
) -> Result<&'a [u8; 16], Error> {
    let iv: &OctetStringRef = algorithm
        .parameters
        .as_ref()
        .ok_or(EnvelopeError::Malformed {
            what,
            source: der::ErrorKind::Failed.into(),
        })?
        .decode_as()
        .map_err(malformed(what))?;
    iv.as_bytes().try_into().map_err(|_| {
        CryptoError::InvalidLength {
            what,
            expected: 16,
            actual: iv.as_bytes().len(),
        }
        .into()
    })
}
