//! Legacy EnvelopedData (RFC 5652 §6) with AES-CBC (RFC 3565), opened only when
//! [`EnvelopePolicy::allow_legacy_cbc`] says so: for old peers that cannot write
//! AuthEnvelopedData (`openssl cms -encrypt` without `-aes-256-gcm` writes this).
//! We never write it.
//!
//! CBC has no integrity of its own. What detects tampering is the SignedData
//! inside, whose signatures [`Opener::open`](super::Opener::open) verifies as
//! for any envelope. A tampered ciphertext must not tell an attacker whether
//! its padding held (a padding oracle), neither by its error nor by its time:
//!
//! * every failure from the decryption here, and in `open` up to verified
//!   signers, is the one error [`EnvelopeError::LegacyDecryptFailed`];
//! * the padding is checked in constant time ([`cbc_padding::check`]; the
//!   providers decrypt whole blocks and do not look at it) and its verdict is
//!   carried, not acted on: the plaintext goes through the same DER checks,
//!   decoding and signature verification whether or not the padding held
//!   (without it, as long as its last byte claims), and `open` consults the
//!   verdict only at the end. A tampered ciphertext therefore fails at the
//!   same step, the one its garbled content fails, with good or bad padding.
//!
//! What time can still show is what any CBC reader shows: the content's
//! length follows the last byte's value, so how far the DER checks get
//! depends on that one byte (not on the padding bytes before it). CBC is
//! malleable: admit legacy envelopes only from peers that cannot be upgraded,
//! over a channel that authenticates them.
//!
//! Recipients are read as for AuthEnvelopedData (RSA-OAEP-SHA256 key transport,
//! ECDH P-256 with the SHA-256 KDF and AES-256 key wrap); the content cipher is
//! AES-128-CBC or AES-256-CBC with a 16-byte IV.

use cms::content_info::CmsVersion;

use super::asn1::cbc_iv;
use super::asn1::{AES128_CBC, AES256_CBC, EnvelopedDataRef};
use super::suite::Suite;
use super::{EnvelopePolicy, check_decrypted_content_type, recipients};
use crate::crypto::{CryptoProvider, cbc_padding};
use crate::error::{EnvelopeError, Error};
use crate::pki::Credentials;

/// Decrypts `enveloped` (the ContentInfo's content, decoded) for
/// `recipient` and returns the decrypted ContentInfo holding the SignedData,
/// within the policy's DER bounds (decoded by the caller), and whether its
/// padding held: when it did not, the content is what the last byte's claim
/// leaves, and the caller must fail with
/// [`EnvelopeError::LegacyDecryptFailed`] once it has done with it what it
/// does with good content.
pub(super) fn decrypt(
    enveloped: &EnvelopedDataRef<'_>,
    recipient: &Credentials,
    policy: &EnvelopePolicy,
    provider: &CryptoProvider,
) -> Result<(Vec<u8>, bool), Error> {
    // §6.1: 0 when every recipient is a version-0 KeyTransRecipientInfo, 2 with a
    // KeyAgreeRecipientInfo or a key identifier (3 and 4 need recipient kinds or
    // originator certificates we do not read).
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
    let key_len = match eci.content_enc_alg.oid {
        AES128_CBC => 16,
        AES256_CBC => 32,
        oid => {
            return Err(EnvelopeError::UnsupportedAlgorithm {
                what: "content encryption",
                oid,
            }
            .into());
        }
    };
    // AES-IV ::= OCTET STRING (SIZE(16)) (RFC 3565 §4.1).
    let iv = cbc_iv(&eci.content_enc_alg, "AES-CBC IV")?;
    check_decrypted_content_type(eci.content_type)?;
    let ciphertext = eci
        .encrypted_content
        .ok_or(EnvelopeError::ContentAbsent { what: "encrypted" })?
        .as_bytes();

    let content_key =
        recipients::unwrap_content_key(recipients, recipient, Suite::Standard, provider)?;
    if content_key.len() != key_len {
        return Err(EnvelopeError::BadContentKey {
            actual: content_key.len(),
        }
        .into());
    }
    // From here on, every failure looks the same (see the module docs; `open`
    // maps its own failures after this one).
    let unreadable = |_: Error| Error::from(EnvelopeError::LegacyDecryptFailed);
    let mut plain = provider
        .content_cipher
        .decrypt_cbc_blocks(&content_key, iv, ciphertext)
        .map_err(unreadable)?;
    let padding = cbc_padding::check(&plain).ok_or(EnvelopeError::LegacyDecryptFailed)?;
    plain.truncate(padding.content_len);
    if let Err(e) = super::strict_der::check_der_shape(policy, &plain, "ContentInfo") {
        zeroize::Zeroize::zeroize(&mut plain);
        return Err(unreadable(e));
    }
    Ok((plain, padding.held))
}
