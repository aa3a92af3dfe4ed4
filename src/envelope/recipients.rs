//! RecipientInfos: how the content-encryption key reaches each recipient.
//!
//! * RSA certificates: KeyTransRecipientInfo with RSAES-OAEP, SHA-256 and
//!   MGF1-SHA-256 (RFC 8017, RFC 4055 §4).
//! * P-256 certificates: KeyAgreeRecipientInfo, ephemeral-static ECDH with
//!   dhSinglePass-stdDH-sha256kdf-scheme and AES-256 key wrap (RFC 5753).
//!
//! * SM2 certificates (the GM/T 0010 profile, written by `super::gm`):
//!   KeyTransRecipientInfo with sm2encrypt, the content key as an SM2
//!   ciphertext in the ASN.1 C1C3C2 form.
//!
//! Recipients are written with issuerAndSerialNumber; on open a
//! subjectKeyIdentifier is accepted too. Opening matches the recipient
//! against the credentials' encryption certificate and decrypts with its key
//! (the one pair of a single-certificate party).

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo, KeyTransRecipientInfo,
    OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey, RecipientIdentifier,
    RecipientInfo,
};
use der::asn1::{Any, AnyRef, BitString, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifier, AlgorithmIdentifierOwned};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use zeroize::Zeroizing;

use super::asn1::*;
use super::suite::Suite;
use crate::crypto::{AES_256_KEY_LEN, CryptoProvider, HashAlgorithm, KeyFamily};
use crate::error::{CryptoError, EnvelopeError, Error};
use crate::pki::{Certificate, Credentials};

fn malformed(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |source| EnvelopeError::Malformed { what, source }.into()
}

pub(super) fn issuer_and_serial(cert: &Certificate) -> IssuerAndSerialNumber {
    let tbs = cert.x509().tbs_certificate();
    IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    }
}

fn sha256_id() -> AlgorithmIdentifier<AnyRef<'static>> {
    AlgorithmIdentifier {
        oid: SHA256,
        parameters: Some(AnyRef::NULL),
    }
}

/// The RSAES-OAEP-params for SHA-256 / MGF1-SHA-256 / empty label.
fn oaep_sha256_algorithm() -> Result<AlgorithmIdentifierOwned, Error> {
    let params = pkcs1::RsaOaepParams {
        hash: sha256_id(),
        mask_gen: AlgorithmIdentifier {
            oid: MGF1,
            parameters: Some(sha256_id()),
        },
        p_source: AlgorithmIdentifier {
            oid: P_SPECIFIED,
            parameters: Some(AnyRef::from(
                der::asn1::OctetStringRef::new(&[]).map_err(malformed("OAEP parameters"))?,
            )),
        },
    };
    Ok(AlgorithmIdentifierOwned {
        oid: RSAES_OAEP,
        parameters: Some(Any::encode_from(&params).map_err(malformed("OAEP parameters"))?),
    })
}

/// Checks that OAEP parameters say SHA-256, MGF1-SHA-256 and an empty label.
fn check_oaep_parameters(alg: &AlgorithmIdentifierOwned) -> Result<(), Error> {
    let unsupported = |oid| EnvelopeError::UnsupportedAlgorithm {
        what: "key transport",
        oid,
    };
    if alg.oid != RSAES_OAEP {
        return Err(unsupported(alg.oid).into());
    }
    // Absent parameters mean SHA-1 defaults, which we do not accept.
    let params = alg.parameters.as_ref().ok_or(unsupported(SHA1))?;
    let der = params.to_der().map_err(malformed("OAEP parameters"))?;
    let params =
        pkcs1::RsaOaepParams::<Any>::from_der(&der).map_err(malformed("OAEP parameters"))?;
    // SHA-2 identifiers carry NULL or absent parameters (RFC 4055 §2.1).
    let null_or_absent = |p: &Option<Any>| p.as_ref().is_none_or(|p| p.is_null());
    if params.hash.oid != SHA256 || !null_or_absent(&params.hash.parameters) {
        return Err(unsupported(params.hash.oid).into());
    }
    if params.mask_gen.oid != MGF1 {
        return Err(unsupported(params.mask_gen.oid).into());
    }
    match &params.mask_gen.parameters {
        Some(h) if h.oid == SHA256 && null_or_absent(&h.parameters) => {}
        Some(h) => return Err(unsupported(h.oid).into()),
        None => return Err(unsupported(SHA1).into()),
    }
    if params.p_source.oid != P_SPECIFIED {
        return Err(unsupported(params.p_source.oid).into());
    }
    if let Some(label) = params.p_source.parameters {
        let label: &der::asn1::OctetStringRef =
            label.decode_as().map_err(malformed("OAEP label"))?;
        if !label.as_bytes().is_empty() {
            return Err(unsupported(params.p_source.oid).into());
        }
    }
    Ok(())
}

fn aes256_wrap_id() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: AES256_WRAP,
        parameters: None,
    }
}

/// ANSI X9.63 KDF with SHA-256 over `Z || counter || ECC-CMS-SharedInfo`
/// (RFC 5753 §7.2), for one 256-bit key-encryption key.
fn kdf_sha256(
    shared_secret: &[u8],
    wrap: &AlgorithmIdentifierOwned,
    ukm: Option<&OctetString>,
    provider: &CryptoProvider,
) -> Result<Zeroizing<[u8; AES_256_KEY_LEN]>, Error> {
    let info = EccCmsSharedInfo {
        key_info: wrap.clone(),
        entity_u_info: ukm.cloned(),
        supp_pub_info: OctetString::new(((AES_256_KEY_LEN * 8) as u32).to_be_bytes().to_vec())
            .map_err(malformed("ECC-CMS-SharedInfo"))?,
    };
    let info = info.to_der().map_err(malformed("ECC-CMS-SharedInfo"))?;
    let mut ctx = provider.hasher.start(HashAlgorithm::Sha256);
    ctx.update(shared_secret);
    ctx.update(&1u32.to_be_bytes());
    ctx.update(&info);
    let digest = ctx.finish();
    let mut kek = Zeroizing::new([0u8; AES_256_KEY_LEN]);
    kek.copy_from_slice(&digest.as_ref()[..AES_256_KEY_LEN]);
    Ok(kek)
}

/// Builds one RecipientInfo that carries `content_key` to `recipient`.
pub(crate) fn recipient_info(
    index: usize,
    recipient: &Certificate,
    content_key: &[u8; AES_256_KEY_LEN],
    provider: &CryptoProvider,
) -> Result<RecipientInfo, Error> {
    match recipient.key_family() {
        KeyFamily::Rsa => {
            let wrapped = provider
                .key_transport
                .encrypt_oaep_sha256(recipient.public_key(), content_key)?;
            Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
                version: CmsVersion::V0,
                rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(recipient)),
                key_enc_alg: oaep_sha256_algorithm()?,
                enc_key: OctetString::new(wrapped).map_err(malformed("encrypted key"))?,
            }))
        }
        KeyFamily::EcP256 => {
            let agreement = provider
                .key_agreement
                .ephemeral_p256(recipient.public_key())?;
            let wrap = aes256_wrap_id();
            let kek = kdf_sha256(&agreement.shared_secret, &wrap, None, provider)?;
            let wrapped = provider.key_wrap.wrap(&kek, content_key)?;
            Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
                version: CmsVersion::V3,
                originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: EC_PUBLIC_KEY,
                        parameters: None,
                    },
                    public_key: BitString::from_bytes(&agreement.ephemeral_public)
                        .map_err(malformed("originator key"))?,
                }),
                ukm: None,
                key_enc_alg: AlgorithmIdentifierOwned {
                    oid: DH_SINGLE_PASS_STD_DH_SHA256_KDF,
                    parameters: Some(
                        Any::encode_from(&wrap).map_err(malformed("key wrap algorithm"))?,
                    ),
                },
                recipient_enc_keys: vec![RecipientEncryptedKey {
                    rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(
                        recipient,
                    )),
                    enc_key: OctetString::new(wrapped).map_err(malformed("encrypted key"))?,
                }],
            }))
        }
        family => Err(EnvelopeError::UnsupportedRecipientKey { index, family }.into()),
    }
}

fn our_ski(cert: &Certificate) -> Option<SubjectKeyIdentifier> {
    match cert
        .x509()
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
    {
        Ok(Some((_, ski))) => Some(ski),
        _ => None,
    }
}

fn is_us_ktri(rid: &RecipientIdentifier, cert: &Certificate) -> bool {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(isn) => *isn == issuer_and_serial(cert),
        RecipientIdentifier::SubjectKeyIdentifier(ski) => our_ski(cert).as_ref() == Some(ski),
    }
}

fn is_us_kari(rid: &KeyAgreeRecipientIdentifier, cert: &Certificate) -> bool {
    match rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => *isn == issuer_and_serial(cert),
        KeyAgreeRecipientIdentifier::RKeyId(id) => {
            our_ski(cert).as_ref() == Some(&id.subject_key_identifier)
        }
    }
}

/// The originator key must be id-ecPublicKey with parameters absent, NULL or
/// naming P-256 (RFC 5753 §3.1.1).
fn check_originator_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<(), Error> {
    let unsupported = EnvelopeError::UnsupportedAlgorithm {
        what: "originator key",
        oid: alg.oid,
    };
    if alg.oid != EC_PUBLIC_KEY {
        return Err(unsupported.into());
    }
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.is_null() => Ok(()),
        Some(p) => match p.decode_as::<der::asn1::ObjectIdentifier>() {
            Ok(curve) if curve == crate::crypto::oids::SECP256R1 => Ok(()),
            Ok(curve) => Err(EnvelopeError::UnsupportedAlgorithm {
                what: "originator key curve",
                oid: curve,
            }
            .into()),
            Err(_) => Err(unsupported.into()),
        },
    }
}

fn check_version(what: &'static str, found: CmsVersion, expected: CmsVersion) -> Result<(), Error> {
    if found != expected {
        return Err(EnvelopeError::UnsupportedVersion {
            what,
            version: found as u8,
        }
        .into());
    }
    Ok(())
}

/// Finds the RecipientInfo addressed to `us` (to its encryption certificate)
/// and recovers the content key with its decryption key. The key transport
/// must be of the content cipher's `suite`: sm2encrypt for SM4, RSA-OAEP or
/// ECDH for AES ([`EnvelopeError::MixedSuites`] across them). A key that
/// does not decrypt is the key's typed error ([`CryptoError`]).
pub(crate) fn unwrap_content_key(
    infos: &[RecipientInfo],
    us: &Credentials,
    suite: Suite,
    provider: &CryptoProvider,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cert = us.encryption_leaf();
    for info in infos {
        match info {
            RecipientInfo::Ktri(ktri) if is_us_ktri(&ktri.rid, cert) => {
                // RFC 5652 §6.2.1: 0 with issuerAndSerialNumber, 2 with a key id.
                let expected = match ktri.rid {
                    RecipientIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V0,
                    RecipientIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V2,
                };
                check_version("KeyTransRecipientInfo", ktri.version, expected)?;
                let alg = &ktri.key_enc_alg;
                return match (alg.oid == SM2_ENCRYPT, suite) {
                    (true, Suite::Gm) => {
                        // Parameters absent (as we write) or NULL.
                        if alg.parameters.as_ref().is_some_and(|p| !p.is_null()) {
                            return Err(EnvelopeError::UnsupportedAlgorithm {
                                what: "key transport (sm2encrypt with parameters)",
                                oid: alg.oid,
                            }
                            .into());
                        }
                        us.decryption_key().decrypt_sm2(ktri.enc_key.as_bytes())
                    }
                    (false, Suite::Standard) => {
                        check_oaep_parameters(alg)?;
                        us.decryption_key()
                            .decrypt_oaep_sha256(ktri.enc_key.as_bytes())
                    }
                    (true, Suite::Standard) => Err(EnvelopeError::MixedSuites {
                        what: "SM2 key transport of AES content",
                    }
                    .into()),
                    (false, Suite::Gm) => Err(EnvelopeError::MixedSuites {
                        what: "SM4 content with a non-SM2 key transport",
                    }
                    .into()),
                };
            }
            RecipientInfo::Kari(kari) => {
                let Some(rek) = kari
                    .recipient_enc_keys
                    .iter()
                    .find(|k| is_us_kari(&k.rid, cert))
                else {
                    continue;
                };
                check_version("KeyAgreeRecipientInfo", kari.version, CmsVersion::V3)?;
                if suite == Suite::Gm {
                    return Err(EnvelopeError::MixedSuites {
                        what: "SM4 content with ECDH key agreement",
                    }
                    .into());
                }
                if kari.key_enc_alg.oid != DH_SINGLE_PASS_STD_DH_SHA256_KDF {
                    return Err(EnvelopeError::UnsupportedAlgorithm {
                        what: "key agreement",
                        oid: kari.key_enc_alg.oid,
                    }
                    .into());
                }
                let wrap: AlgorithmIdentifierOwned = kari
                    .key_enc_alg
                    .parameters
                    .as_ref()
                    .ok_or(EnvelopeError::Malformed {
                        what: "key wrap algorithm",
                        source: der::ErrorKind::Failed.into(),
                    })?
                    .decode_as()
                    .map_err(malformed("key wrap algorithm"))?;
                if wrap.oid != AES256_WRAP {
                    return Err(EnvelopeError::UnsupportedAlgorithm {
                        what: "key wrap",
                        oid: wrap.oid,
                    }
                    .into());
                }
                let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
                    return Err(EnvelopeError::UnsupportedAlgorithm {
                        what: "key agreement originator (static originator keys)",
                        oid: kari.key_enc_alg.oid,
                    }
                    .into());
                };
                check_originator_algorithm(&originator.algorithm)?;
                let point =
                    originator
                        .public_key
                        .as_bytes()
                        .ok_or(CryptoError::InvalidPublicKey {
                            what: "originator P-256 point",
                        })?;
                let z = us.decryption_key().agree_p256(point)?;
                let kek = kdf_sha256(&z, &wrap, kari.ukm.as_ref(), provider)?;
                return provider.key_wrap.unwrap(&kek, rek.enc_key.as_bytes());
            }
            _ => {}
        }
    }
    Err(EnvelopeError::NotForUs.into())
}
