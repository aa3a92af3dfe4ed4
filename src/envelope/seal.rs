//! Sealing: sign, then encrypt to the recipients, in the suite the keys
//! call for ([`super::suite`]): AES-256-GCM AuthEnvelopedData for RSA, ECDSA
//! and Ed25519 signers and RSA or P-256 recipients, GM/T 0010 ([`super::gm`])
//! for an SM2 signer and SM2 recipients.

use cms::enveloped_data::RecipientInfos;
use der::Encode;
use der::asn1::{Any, OctetString};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::*;
use super::suite::{self, Suite};
use super::{Addressing, EnvelopePolicy, SignedMessage, malformed, recipients, signed};
use crate::crypto::{AES_256_KEY_LEN, CryptoProvider, GCM_NONCE_LEN, GCM_TAG_LEN};
use crate::error::{EnvelopeError, Error, PartyRole};
use crate::pki::{Certificate, Credentials};

/// Signs `payload` as `signer` and encrypts it to every certificate in
/// `recipients` (RSA: OAEP key transport; P-256: ECDH key agreement; SM2:
/// the GM/T 0010 envelope, SM2 key transport and SM4-CBC).
pub fn seal(
    payload: &[u8],
    signer: &Credentials,
    recipients: &[&Certificate],
    now: u64,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    seal_with_policy(
        payload,
        signer,
        None,
        recipients,
        now,
        &EnvelopePolicy::default(),
        provider,
    )
}

/// [`seal`] to one recipient, `recipient`, with the signer's [`Addressing`]
/// (the role it signs in, and `recipient`'s key) among the signed attributes:
/// what the platforms send each other.
pub fn seal_addressed(
    payload: &[u8],
    signer: &Credentials,
    sender_role: PartyRole,
    recipient: &Certificate,
    now: u64,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let addressing = Addressing {
        sender_role,
        recipient_key: recipient.spki_fingerprint(),
    };
    seal_with_policy(
        payload,
        signer,
        Some(addressing),
        &[recipient],
        now,
        &EnvelopePolicy::default(),
        provider,
    )
}

/// [`seal`] under `policy` (which says, for GM/T 0010 envelopes, whether
/// to write SM4-GCM: [`EnvelopePolicy::sm4_gcm`]), with `addressing` among
/// the signed attributes when given. An SM2 signer must seal to SM2
/// recipients, any other signer to RSA or P-256 ones
/// ([`EnvelopeError::MixedSuites`]).
pub fn seal_with_policy(
    payload: &[u8],
    signer: &Credentials,
    addressing: Option<Addressing>,
    recipients: &[&Certificate],
    now: u64,
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    if recipients.is_empty() {
        return Err(EnvelopeError::Empty { what: "encrypt to" }.into());
    }
    let suite = suite::sealing_suite(Suite::of(signer.leaf().key_family()), recipients)?;
    let signed = signed::sign_data(payload, signer, addressing, now, provider)?;
    let signed = ContentInfoOf {
        content_type: suite.signed_data_type(),
        content: &signed,
    };
    encrypt_content(&signed, suite, recipients, policy, provider)
}

/// Encrypts an already signed message (for example one the enterprise signed and
/// the cloud platform countersigned with [`SignedMessage::add_signer`]) into an
/// AuthEnvelopedData for `recipients`.
pub fn encrypt(
    signed: &SignedMessage,
    recipients: &[&Certificate],
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    encrypt_with_policy(signed, recipients, &EnvelopePolicy::default(), provider)
}

/// [`encrypt`] under `policy` ([`EnvelopePolicy::sm4_gcm`]). The suite
/// follows the signers' digests (SM3: GM/T 0010); the recipients must be of
/// it ([`EnvelopeError::MixedSuites`]).
pub fn encrypt_with_policy(
    signed: &SignedMessage,
    recipients: &[&Certificate],
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    if recipients.is_empty() {
        return Err(EnvelopeError::Empty { what: "encrypt to" }.into());
    }
    let signers = suite::signed_suite(&signed::decode_signed_data_ref(signed.as_der())?)?;
    let suite = suite::sealing_suite(signers, recipients)?;
    encrypt_content(
        &RawDer(signed.as_der()),
        suite,
        recipients,
        policy,
        provider,
    )
}

/// The envelope of `plain` (the DER of a signed message, written from its
/// encoding) for `recipients`.
///
/// The envelope is encoded once, with the plaintext where the ciphertext goes
/// (see [`AuthEnvelopedDataOf`]); the content is then encrypted in place there
/// and the tag written over the placeholder `mac`. So the signed message is
/// never held in a buffer of its own: one allocation, one copy of the payload.
fn encrypt_content(
    plain: &impl Encode,
    suite: Suite,
    recipients: &[&Certificate],
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<Vec<u8>, Error> {
    if suite == Suite::Gm {
        #[cfg(feature = "gm")]
        return super::gm::seal(plain, recipients, policy, provider);
        #[cfg(not(feature = "gm"))]
        return Err(crate::crypto::gm_disabled("sealing a GM/T 0010 envelope"));
    }
    let _ = policy;
    let mut content_key = Zeroizing::new([0u8; AES_256_KEY_LEN]);
    provider.random.fill(content_key.as_mut())?;
    let mut nonce = [0u8; GCM_NONCE_LEN];
    provider.random.fill(&mut nonce)?;

    let mut infos = Vec::with_capacity(recipients.len());
    for (index, cert) in recipients.iter().enumerate() {
        infos.push(recipients::recipient_info(
            index,
            cert,
            &content_key,
            provider,
        )?);
    }
    let params = GcmParameters {
        nonce: OctetString::new(nonce.to_vec()).map_err(malformed("GCM parameters"))?,
        icv_len: Some(GCM_TAG_LEN as u8),
    };
    let recip_infos = RecipientInfos::try_from(infos).map_err(malformed("RecipientInfos"))?;
    let content_enc_alg = AlgorithmIdentifierOwned {
        oid: AES256_GCM,
        parameters: Some(Any::encode_from(&params).map_err(malformed("GCM parameters"))?),
    };
    let auth = AuthEnvelopedDataOf {
        recip_infos: &recip_infos,
        content_type: ID_DATA,
        content_enc_alg: &content_enc_alg,
        content: OctetsOf(plain),
    };
    let info = ContentInfoOf {
        content_type: ID_AUTH_ENVELOPED_DATA,
        content: &auth,
    };
    let mut out = info.to_der().map_err(malformed("ContentInfo"))?;

    // The output ends with the plaintext, then the mac `04 10 <16 zero bytes>`.
    let plain_len = plain
        .encoded_len()
        .and_then(usize::try_from)
        .map_err(malformed("signed content"))?;
    let mac_at = out.len() - GCM_TAG_LEN;
    let content = mac_at - 2 - plain_len..mac_at - 2;
    assert_eq!(
        out[mac_at - 2..mac_at],
        [0x04, GCM_TAG_LEN as u8],
        "the mac ends the envelope"
    );
    // RFC 5083 §2.1: without authAttrs the additional authenticated data is empty.
    let tag = provider
        .content_cipher
        .seal(&content_key, &nonce, &[], &mut out[content])?;
    out[mac_at..].copy_from_slice(&tag);
    Ok(out)
}
