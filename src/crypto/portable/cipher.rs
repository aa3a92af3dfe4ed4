//! AES-256-GCM with a 96-bit nonce and a detached 128-bit tag (`aes-gcm`).

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::Zeroize;

use super::{Portable, failed};
use crate::crypto::{AES_256_KEY_LEN, ContentCipher, GCM_NONCE_LEN, GCM_TAG_LEN};
use crate::error::{CryptoError, Error};

fn gcm(key: &[u8; AES_256_KEY_LEN]) -> Result<Aes256Gcm, Error> {
    // The cipher zeroizes its expanded key on drop (aes-gcm's `zeroize` feature).
    Aes256Gcm::new_from_slice(key).map_err(|_| failed("loading an AES-256-GCM key"))
}

impl ContentCipher for Portable {
    fn seal(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; GCM_TAG_LEN], Error> {
        let tag = gcm(key)?
            .encrypt_inout_detached(&Nonce::from(*nonce), aad, in_out.into())
            // Only the message or AAD length limits of SP 800-38D make this fail.
            .map_err(|_| failed("AES-256-GCM encryption"))?;
        Ok(tag.into())
    }

    fn open(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut Vec<u8>,
        tag: &[u8],
    ) -> Result<(), Error> {
        let tag = Tag::try_from(tag).map_err(|_| CryptoError::InvalidLength {
            what: "AES-GCM tag",
            expected: GCM_TAG_LEN,
            actual: tag.len(),
        })?;
        let result = gcm(key)?.decrypt_inout_detached(
            &Nonce::from(*nonce),
            aad,
            in_out.as_mut_slice().into(),
            &tag,
        );
        if result.is_err() {
            // aes-gcm checks the tag before decrypting, so only ciphertext is in the
            // buffer; clear it anyway, as the trait promises.
            in_out.as_mut_slice().zeroize();
            in_out.clear();
            return Err(CryptoError::TagMismatch.into());
        }
        Ok(())
    }
}
