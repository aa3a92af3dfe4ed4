//! SM4 in CBC mode with PKCS#7 padding (checked in constant time by
//! [`crate::crypto::cbc_padding`]) and in GCM (NIST SP 800-38D with SM4 as
//! the block cipher, as RFC 8998 uses it), GHASH from the RustCrypto `ghash`
//! crate.

use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::sm4::{PARALLEL_BLOCKS, SM4_BLOCK_LEN, Sm4};
use crate::crypto::cbc_padding;
use crate::error::{CryptoError, Error};

/// Length of an SM4-GCM nonce in bytes (the 96-bit nonce).
pub const SM4_GCM_NONCE_LEN: usize = 12;
/// Length of an SM4-GCM tag in bytes.
pub const SM4_GCM_TAG_LEN: usize = 16;

type Block = [u8; SM4_BLOCK_LEN];

fn xor_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

impl Sm4 {
    /// Encrypts with SM4-CBC, padding `plaintext` with PKCS#7.
    pub fn cbc_encrypt(&self, iv: &[u8; SM4_BLOCK_LEN], plaintext: &[u8]) -> Vec<u8> {
        let pad = SM4_BLOCK_LEN - plaintext.len() % SM4_BLOCK_LEN;
        let mut out = Vec::with_capacity(plaintext.len() + pad);
        out.extend_from_slice(plaintext);
        out.resize(plaintext.len() + pad, pad as u8);
        let mut chain = *iv;
        for chunk in out.chunks_exact_mut(SM4_BLOCK_LEN) {
            let block: &mut Block = chunk.try_into().expect("16-byte chunks");
            xor_into(block, &chain);
            self.encrypt_block(block);
            chain = *block;
        }
        out
    }

    /// Decrypts SM4-CBC and removes the PKCS#7 padding. A length that is not a
    /// positive multiple of 16 is [`CryptoError::InvalidLength`]; bad padding
    /// is [`CryptoError::DecryptFailed`], found without a branch on the
    /// plaintext.
    pub fn cbc_decrypt(
        &self,
        iv: &[u8; SM4_BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if ciphertext.is_empty() || ciphertext.len() % SM4_BLOCK_LEN != 0 {
            return Err(CryptoError::InvalidLength {
                what: "SM4-CBC ciphertext (a positive multiple of 16)",
                expected: SM4_BLOCK_LEN,
                actual: ciphertext.len(),
            }
            .into());
        }
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        // Blocks decrypt independently: PARALLEL_BLOCKS at a time.
        self.decrypt_blocks(&mut plain);
        xor_into(&mut plain[..SM4_BLOCK_LEN], iv);
        xor_into(
            &mut plain[SM4_BLOCK_LEN..],
            &ciphertext[..ciphertext.len() - SM4_BLOCK_LEN],
        );
        match cbc_padding::check(&plain) {
            Some(padding) if padding.held => {
                plain.truncate(padding.content_len);
                Ok(plain)
            }
            _ => {
                plain.zeroize();
                Err(CryptoError::DecryptFailed.into())
            }
        }
    }

    /// Encrypts with SM4-GCM; returns the ciphertext followed by the 16-byte
    /// tag.
    pub fn gcm_seal(
        &self,
        nonce: &[u8; SM4_GCM_NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        let (mut ghash, tag_mask) = self.gcm_start(nonce, aad);
        let mut out = Vec::with_capacity(plaintext.len() + SM4_GCM_TAG_LEN);
        out.extend_from_slice(plaintext);
        self.ctr(nonce, &mut out);
        ghash.update_padded(&out);
        let tag = gcm_finish(ghash, aad.len(), plaintext.len(), &tag_mask);
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts SM4-GCM (`sealed` is the ciphertext followed by the tag). A tag
    /// that does not match (compared in constant time) is
    /// [`CryptoError::TagMismatch`] and no plaintext is released.
    pub fn gcm_open(
        &self,
        nonce: &[u8; SM4_GCM_NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Some(body_len) = sealed.len().checked_sub(SM4_GCM_TAG_LEN) else {
            return Err(CryptoError::InvalidLength {
                what: "SM4-GCM ciphertext with its tag",
                expected: SM4_GCM_TAG_LEN,
                actual: sealed.len(),
            }
            .into());
        };
        let (body, tag) = sealed.split_at(body_len);
        let (mut ghash, tag_mask) = self.gcm_start(nonce, aad);
        ghash.update_padded(body);
        let expected = gcm_finish(ghash, aad.len(), body_len, &tag_mask);
        if !bool::from(expected.ct_eq(tag)) {
            return Err(CryptoError::TagMismatch.into());
        }
        let mut plain = Zeroizing::new(body.to_vec());
        self.ctr(nonce, &mut plain);
        Ok(plain)
    }

    /// GHASH keyed with `H = E(0)` and fed the AAD, and `E(J0)` for the tag.
    fn gcm_start(&self, nonce: &[u8; SM4_GCM_NONCE_LEN], aad: &[u8]) -> (GHash, Block) {
        let mut h = [0u8; SM4_BLOCK_LEN];
        self.encrypt_block(&mut h);
        let mut ghash = GHash::new(&h.into());
        h.zeroize();
        ghash.update_padded(aad);
        let mut j0 = counter_block(nonce, 1);
        self.encrypt_block(&mut j0);
        (ghash, j0)
    }

    /// XORs `data` with the key stream `E(J0 + 1), E(J0 + 2), …`, encrypting
    /// PARALLEL_BLOCKS counter blocks at a time.
    fn ctr(&self, nonce: &[u8; SM4_GCM_NONCE_LEN], data: &mut [u8]) {
        let mut counter = 2u32;
        let mut stream = [[0u8; SM4_BLOCK_LEN]; PARALLEL_BLOCKS];
        for chunk in data.chunks_mut(SM4_BLOCK_LEN * PARALLEL_BLOCKS) {
            let blocks = chunk.len().div_ceil(SM4_BLOCK_LEN);
            for block in &mut stream[..blocks] {
                *block = counter_block(nonce, counter);
                counter = counter.wrapping_add(1);
            }
            self.encrypt_blocks(stream[..blocks].as_flattened_mut());
            xor_into(chunk, stream.as_flattened());
        }
        stream.as_flattened_mut().zeroize();
    }
}

fn counter_block(nonce: &[u8; SM4_GCM_NONCE_LEN], counter: u32) -> Block {
    let mut block = [0u8; SM4_BLOCK_LEN];
    block[..SM4_GCM_NONCE_LEN].copy_from_slice(nonce);
    block[SM4_GCM_NONCE_LEN..].copy_from_slice(&counter.to_be_bytes());
    block
}

/// Feeds the lengths block and masks the GHASH output with `E(J0)`.
fn gcm_finish(mut ghash: GHash, aad_len: usize, text_len: usize, mask: &Block) -> Block {
    let mut lengths = [0u8; SM4_BLOCK_LEN];
    lengths[..8].copy_from_slice(&(aad_len as u64 * 8).to_be_bytes());
    lengths[8..].copy_from_slice(&(text_len as u64 * 8).to_be_bytes());
    ghash.update(&[lengths.into()]);
    let mut tag: Block = ghash.finalize().into();
    xor_into(&mut tag, mask);
    tag
}
