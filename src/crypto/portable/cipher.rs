//! AES-256-GCM with a 96-bit nonce and a detached 128-bit tag (`aes-gcm`), and
//! the legacy AES-CBC decryption with PKCS#7 padding (on the `aes` block cipher).

use aes::cipher::{Block, BlockCipherDecrypt};
use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::Zeroize;

use super::{Portable, failed};
use crate::crypto::{
    AES_256_KEY_LEN, AES_BLOCK_LEN, ContentCipher, GCM_NONCE_LEN, GCM_TAG_LEN, check_cbc_input,
};
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

    fn decrypt_cbc_blocks(
        &self,
        key: &[u8],
        iv: &[u8; AES_BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        check_cbc_input(key, ciphertext)?;
        let mut plain = ciphertext.to_vec();
        // The ciphers zeroize their round keys on drop (aes's `zeroize` feature).
        if key.len() == 16 {
            let aes = Aes128::new_from_slice(key).map_err(|_| failed("loading an AES-CBC key"))?;
            cbc_decrypt(&mut plain, iv, |b| aes.decrypt_block(b));
        } else {
            let aes = Aes256::new_from_slice(key).map_err(|_| failed("loading an AES-CBC key"))?;
            cbc_decrypt(&mut plain, iv, |b| aes.decrypt_block(b));
        }
        Ok(plain)
    }
}

/// CBC decryption in place (SP 800-38A §6.2): each block is decrypted and
/// XORed with the ciphertext block before it (the IV for the first).
/// `data` is a whole number of blocks.
fn cbc_decrypt(
    data: &mut [u8],
    iv: &[u8; AES_BLOCK_LEN],
    decrypt_block: impl Fn(&mut Block<Aes128>),
) {
    let mut previous = *iv;
    let mut block = Block::<Aes128>::default();
    for chunk in data.chunks_exact_mut(AES_BLOCK_LEN) {
        let mut ciphertext = [0u8; AES_BLOCK_LEN];
        ciphertext.copy_from_slice(chunk);
        block.copy_from_slice(chunk);
        decrypt_block(&mut block);
        for ((out, plain), chained) in chunk.iter_mut().zip(block.iter()).zip(previous) {
            *out = plain ^ chained;
        }
        previous = ciphertext;
    }
    block.zeroize();
}
