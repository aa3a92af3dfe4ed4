//! GM/T 0010-2012 (GB/T 35275) envelopes: what an SM2 signer seals to SM2
//! recipients, and how such envelopes are opened.
//!
//! ```text
//! ContentInfo {
//!   contentType 1.2.156.10197.6.1.4.2.3 (envelopedData),
//!   content [0] EXPLICIT EnvelopedData {
//!     version 0,
//!     recipientInfos SET OF KeyTransRecipientInfo {
//!       version 0, rid issuerAndSerialNumber (encryption certificate),
//!       keyEncryptionAlgorithm { 1.2.156.10197.1.301.3 (sm2encrypt) },
//!       encryptedKey OCTET STRING (SM2 C1C3C2 ciphertext of the SM4 key) },
//!     encryptedContentInfo {
//!       contentType 1.2.156.10197.6.1.4.2.1 (data),
//!       contentEncryptionAlgorithm { 1.2.156.10197.1.104.2 (SM4-CBC), IV OCTET STRING (16) },
//!       encryptedContent [0] IMPLICIT OCTET STRING (SM4-CBC, PKCS#7 padding, of
//!         ContentInfo { 1.2.156.10197.6.1.4.2.2 (signedData), SignedData (SM3, sm2sign) }) } } }
//! ```
//!
//! With [`EnvelopePolicy::sm4_gcm`] (which both peers set) the envelope is an
//! RFC 5083 `AuthEnvelopedData` instead, with SM4-GCM
//! (1.2.156.10197.1.104.8, RFC 5084 GCMParameters: 12-byte nonce, 16-byte
//! tag) and the same recipients and content.
//!
//! Reading also takes the PKCS#7 content types (1.2.840.113549.1.7.*), the
//! bare SM4 arc 1.2.156.10197.1.104 for SM4-CBC (as CFCA's toolkit writes),
//! and a recipient named by subjectKeyIdentifier.
//!
//! SM4-CBC has no integrity of its own: opening treats it as
//! [`super::legacy`] treats AES-CBC. Every failure from the key transport's
//! decryption to verified signers is the one
//! [`EnvelopeError::GmDecryptFailed`]; the padding is checked in constant
//! time ([`cbc_padding::check`]) and its verdict carried to the end of
//! [`Opener::open`](super::Opener::open), so that a bad padding and a bad
//! signature fail at the same step with the same error.

use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use der::Encode;
use der::asn1::{Any, OctetString, OctetStringRef};
use spki::AlgorithmIdentifierOwned;
use zeroize::{Zeroize, Zeroizing};

use super::asn1::*;
use super::recipients::{issuer_and_serial, unwrap_content_key};
use super::suite::Suite;
use super::{EnvelopePolicy, check_decrypted_content_type, malformed, strict_der};
use crate::crypto::gm::{
    SM4_BLOCK_LEN, SM4_GCM_NONCE_LEN, SM4_GCM_TAG_LEN, SM4_KEY_LEN, Sm2PublicKey, Sm4,
};
use crate::crypto::{CryptoProvider, cbc_padding};
use crate::error::{CryptoError, EnvelopeError, Error};
use crate::pki::{Certificate, Credentials};

/// Seals `plain` (a DER ContentInfo holding a GM SignedData) to the SM2
/// `recipients`: SM4-CBC in an EnvelopedData, or SM4-GCM in an
/// AuthEnvelopedData when `policy.sm4_gcm` says so.
pub(super) fn seal(
    plain: &impl Encode,
    recipients: &[&Certificate],
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let mut key = Zeroizing::new([0u8; SM4_KEY_LEN]);
    provider.random.fill(key.as_mut())?;
    let mut infos = Vec::with_capacity(recipients.len());
    for cert in recipients {
        let wrapped = Sm2PublicKey::from_sec1_bytes(cert.public_key())?.encrypt(key.as_ref())?;
        infos.push(RecipientInfo::Ktri(KeyTransRecipientInfo {
            version: CmsVersion::V0,
            rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(cert)),
            key_enc_alg: AlgorithmIdentifierOwned {
                oid: SM2_ENCRYPT,
                parameters: None,
            },
            enc_key: OctetString::new(wrapped).map_err(malformed("encrypted key"))?,
        }));
    }
    let recip_infos = RecipientInfos::try_from(infos).map_err(malformed("RecipientInfos"))?;
    let mut body = Zeroizing::new(plain.to_der().map_err(malformed("signed content"))?);
    let sm4 = Sm4::new(&key);
    if policy.sm4_gcm {
        let mut nonce = [0u8; SM4_GCM_NONCE_LEN];
        provider.random.fill(&mut nonce)?;
        // RFC 5083 §2.1: without authAttrs the additional authenticated data is empty.
        let mut sealed = sm4.gcm_seal(&nonce, &[], &body);
        let tag = sealed.split_off(sealed.len() - SM4_GCM_TAG_LEN);
        let params = GcmParameters {
            nonce: OctetString::new(nonce.to_vec()).map_err(malformed("GCM parameters"))?,
            icv_len: Some(SM4_GCM_TAG_LEN as u8),
        };
        let auth = cms::authenveloped_data::AuthEnvelopedData {
            version: CmsVersion::V0,
            originator_info: None,
            recip_infos,
            auth_encrypted_content_info: encrypted_content_info(
                SM4_GCM,
                Any::encode_from(&params).map_err(malformed("GCM parameters"))?,
                sealed,
            )?,
            auth_attrs: None,
            mac: OctetString::new(tag).map_err(malformed("GCM tag"))?,
            unauth_attrs: None,
        };
        return encode(ID_AUTH_ENVELOPED_DATA, &auth);
    }
    let mut iv = [0u8; SM4_BLOCK_LEN];
    provider.random.fill(&mut iv)?;
    let mut ciphertext = core::mem::take(&mut *body);
    cbc_encrypt_in_place(&sm4, &iv, &mut ciphertext);
    let iv = OctetStringRef::new(&iv).map_err(malformed("SM4-CBC IV"))?;
    let enveloped = EnvelopedData {
        version: CmsVersion::V0,
        originator_info: None,
        recip_infos,
        encrypted_content: encrypted_content_info(
            SM4_CBC,
            Any::encode_from(&iv).map_err(malformed("SM4-CBC IV"))?,
            ciphertext,
        )?,
        unprotected_attrs: None,
    };
    encode(GM_ENVELOPED_DATA, &enveloped)
}

fn encrypted_content_info(
    oid: der::asn1::ObjectIdentifier,
    parameters: Any,
    ciphertext: Vec<u8>,
) -> Result<EncryptedContentInfo, Error> {
    Ok(EncryptedContentInfo {
        content_type: GM_DATA,
        content_enc_alg: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(parameters),
        },
        encrypted_content: Some(
            OctetString::new(ciphertext).map_err(malformed("encrypted content"))?,
        ),
    })
}

fn encode<T: der::EncodeValue + der::Tagged>(
    content_type: der::asn1::ObjectIdentifier,
    content: &T,
) -> Result<Vec<u8>, Error> {
    ContentInfoOf {
        content_type,
        content,
    }
    .to_der()
    .map_err(malformed("ContentInfo"))
}

/// SM4-CBC encryption with PKCS#7 padding, in place (the chain is serial,
/// one block at a time, as `Sm4::cbc_encrypt` does).
fn cbc_encrypt_in_place(sm4: &Sm4, iv: &[u8; SM4_BLOCK_LEN], data: &mut Vec<u8>) {
    let pad = SM4_BLOCK_LEN - data.len() % SM4_BLOCK_LEN;
    data.resize(data.len() + pad, pad as u8);
    let mut chain = *iv;
    for chunk in data.chunks_exact_mut(SM4_BLOCK_LEN) {
        let block: &mut [u8; SM4_BLOCK_LEN] = chunk.try_into().expect("16-byte chunks");
        for (b, c) in block.iter_mut().zip(&chain) {
            *b ^= c;
        }
        sm4.encrypt_block(block);
        chain = *block;
    }
}

/// SM4-CBC decryption of whole blocks, the padding left in place for
/// [`cbc_padding::check`]. `ciphertext` is a non-empty whole number of
/// blocks (the caller checks).
fn cbc_decrypt_blocks(sm4: &Sm4, iv: &[u8; SM4_BLOCK_LEN], ciphertext: &[u8]) -> Vec<u8> {
    let mut plain = ciphertext.to_vec();
    // Blocks decrypt independently, many at a time through the circuit.
    sm4.decrypt_blocks(&mut plain);
    for (i, block) in plain.chunks_exact_mut(SM4_BLOCK_LEN).enumerate() {
        let previous = match i {
            0 => &iv[..],
            _ => &ciphertext[(i - 1) * SM4_BLOCK_LEN..i * SM4_BLOCK_LEN],
        };
        for (b, p) in block.iter_mut().zip(previous) {
            *b ^= p;
        }
    }
    plain
}

/// Decrypts a GM/T 0010 EnvelopedData (SM4-CBC) for `recipient` and returns
/// the decrypted ContentInfo holding the SignedData, within the policy's DER
/// bounds, and whether its padding held (as [`super::legacy::decrypt`]: the
/// caller fails with [`EnvelopeError::GmDecryptFailed`] once it has done with
/// content whose padding did not hold what it does with good content).
pub(super) fn decrypt_cbc(
    enveloped: &EnvelopedDataRef<'_>,
    recipient: &Credentials,
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<(Vec<u8>, bool), Error> {
    if policy.sm4_gcm {
        return Err(EnvelopeError::UnsupportedAlgorithm {
            what: "content encryption (SM4-CBC: the policy requires SM4-GCM)",
            oid: enveloped.encrypted_content_info.content_enc_alg.oid,
        }
        .into());
    }
    // 0 with issuerAndSerialNumber recipients, 2 with a key identifier.
    if enveloped.version != CmsVersion::V0 && enveloped.version != CmsVersion::V2 {
        return Err(EnvelopeError::UnsupportedVersion {
            what: "EnvelopedData",
            version: enveloped.version as u8,
        }
        .into());
    }
    let recipients = enveloped.recip_infos.0.as_slice();
    policy.check_count("recipients", recipients.len(), policy.max_recipients)?;
    let eci = &enveloped.encrypted_content_info;
    // SM4-CBC's IV, an OCTET STRING of 16 bytes.
    let iv = cbc_iv(&eci.content_enc_alg, "SM4-CBC IV")?;
    check_decrypted_content_type(eci.content_type)?;
    let ciphertext = eci
        .encrypted_content
        .ok_or(EnvelopeError::ContentAbsent { what: "encrypted" })?
        .as_bytes();

    // From here on, every failure looks the same (the module docs; `open`
    // maps its own failures after these). Finding our RecipientInfo is not
    // secret: its absence, or a key transport of the other suite, is said.
    let uniform = |e: Error| match e {
        Error::Crypto(_) => Error::from(EnvelopeError::GmDecryptFailed),
        other => other,
    };
    let key = unwrap_content_key(recipients, recipient, Suite::Gm, provider).map_err(uniform)?;
    let key: &[u8; SM4_KEY_LEN] = key
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::GmDecryptFailed)?;
    if ciphertext.is_empty() || ciphertext.len() % SM4_BLOCK_LEN != 0 {
        return Err(EnvelopeError::GmDecryptFailed.into());
    }
    let mut plain = cbc_decrypt_blocks(&Sm4::new(key), iv, ciphertext);
    let padding = cbc_padding::check(&plain).ok_or(EnvelopeError::GmDecryptFailed)?;
    plain.truncate(padding.content_len);
    if strict_der::check_der_shape(policy, &plain, "ContentInfo").is_err() {
        plain.zeroize();
        return Err(EnvelopeError::GmDecryptFailed.into());
    }
    Ok((plain, padding.held))
}

/// Decrypts an AuthEnvelopedData with SM4-GCM (admitted by
/// [`EnvelopePolicy::sm4_gcm`]) and checks its tag; returns the decrypted
/// ContentInfo holding the SignedData, within the policy's DER bounds.
pub(super) fn open_gcm(
    auth: &AuthEnvelopedDataRef<'_>,
    recipient: &Credentials,
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let eci = &auth.auth_encrypted_content_info;
    if !policy.sm4_gcm {
        return Err(EnvelopeError::UnsupportedAlgorithm {
            what: "content encryption (SM4-GCM: not enabled by the policy)",
            oid: eci.content_enc_alg.oid,
        }
        .into());
    }
    let GcmInputs { nonce, tag, aad } = gcm_inputs(auth)?;
    check_decrypted_content_type(eci.content_type)?;
    let ciphertext = eci
        .encrypted_content
        .ok_or(EnvelopeError::ContentAbsent { what: "encrypted" })?
        .as_bytes();
    let key = unwrap_content_key(
        auth.recip_infos.0.as_slice(),
        recipient,
        Suite::Gm,
        provider,
    )?;
    let key: &[u8; SM4_KEY_LEN] = key
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::BadContentKey { actual: key.len() })?;
    let mut sealed = Vec::with_capacity(ciphertext.len() + SM4_GCM_TAG_LEN);
    sealed.extend_from_slice(ciphertext);
    sealed.extend_from_slice(tag);
    let mut opened = Sm4::new(key)
        .gcm_open(&nonce, &aad, &sealed)
        .map_err(|e| match e {
            Error::Crypto(CryptoError::TagMismatch) => EnvelopeError::TagMismatch.into(),
            other => other,
        })?;
    // Moved out of its zeroizing wrapper: it is the caller's plaintext now.
    let plain = core::mem::take(&mut *opened);
    strict_der::check_der_shape(policy, &plain, "ContentInfo")?;
    Ok(plain)
}
