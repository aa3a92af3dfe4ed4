//! AES key wrap (RFC 3394) with a 256-bit key-encryption key, on the `aes` block
//! cipher.
//!
//! RFC 3394 §2.2.1 (wrap) and §2.2.2 (unwrap), index-based form: for `j = 0..=5` and
//! `i = 1..=n`, `B = AES(K, A | R[i])`, `A = MSB64(B) ^ t` with `t = n*j + i`,
//! `R[i] = LSB64(B)`; unwrap runs the same steps backwards and checks that `A` ends
//! as the default IV `A6A6A6A6A6A6A6A6` (§2.2.3.1), in constant time.

use aes::Aes256;
use aes::cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Portable, failed};
use crate::crypto::{AES_256_KEY_LEN, KeyWrap};
use crate::error::{CryptoError, Error};

/// The default initial value of RFC 3394 §2.2.3.1.
const DEFAULT_IV: [u8; 8] = [0xA6; 8];
/// The semiblock size.
const SEMIBLOCK: usize = 8;

fn cipher(kek: &[u8; AES_256_KEY_LEN]) -> Result<Aes256, Error> {
    // The cipher zeroizes its round keys on drop (aes's `zeroize` feature).
    Aes256::new_from_slice(kek).map_err(|_| failed("loading a key-encryption key"))
}

/// `a ^= t` with `t` as a 64-bit big-endian integer.
fn xor_counter(a: &mut [u8], t: u64) {
    for (x, y) in a.iter_mut().zip(t.to_be_bytes()) {
        *x ^= y;
    }
}

impl KeyWrap for Portable {
    fn wrap(&self, kek: &[u8; AES_256_KEY_LEN], key: &[u8]) -> Result<Vec<u8>, Error> {
        if key.len() < 2 * SEMIBLOCK || key.len() % SEMIBLOCK != 0 {
            return Err(CryptoError::InvalidLength {
                what: "key to wrap (a multiple of 8 bytes, at least 16)",
                expected: 2 * SEMIBLOCK,
                actual: key.len(),
            }
            .into());
        }
        let aes = cipher(kek)?;
        let n = key.len() / SEMIBLOCK;
        let mut out = vec![0u8; key.len() + SEMIBLOCK];
        out[SEMIBLOCK..].copy_from_slice(key);
        // B holds A in its first half; it carries key bits, so it is zeroized.
        let mut b = Zeroizing::new(Block::<Aes256>::default());
        b[..SEMIBLOCK].copy_from_slice(&DEFAULT_IV);
        for j in 0..6 {
            for (i, r) in out[SEMIBLOCK..].chunks_exact_mut(SEMIBLOCK).enumerate() {
                b[SEMIBLOCK..].copy_from_slice(r);
                aes.encrypt_block(&mut b);
                xor_counter(&mut b[..SEMIBLOCK], (n * j + i + 1) as u64);
                r.copy_from_slice(&b[SEMIBLOCK..]);
            }
        }
        out[..SEMIBLOCK].copy_from_slice(&b[..SEMIBLOCK]);
        Ok(out)
    }

    fn unwrap(
        &self,
        kek: &[u8; AES_256_KEY_LEN],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if wrapped.len() < 3 * SEMIBLOCK || wrapped.len() % SEMIBLOCK != 0 {
            return Err(CryptoError::KeyUnwrapFailed.into());
        }
        let aes = cipher(kek)?;
        let n = wrapped.len() / SEMIBLOCK - 1;
        let mut out = Zeroizing::new(wrapped[SEMIBLOCK..].to_vec());
        let mut b = Zeroizing::new(Block::<Aes256>::default());
        b[..SEMIBLOCK].copy_from_slice(&wrapped[..SEMIBLOCK]);
        for j in (0..6).rev() {
            for (i, r) in out.chunks_exact_mut(SEMIBLOCK).enumerate().rev() {
                xor_counter(&mut b[..SEMIBLOCK], (n * j + i + 1) as u64);
                b[SEMIBLOCK..].copy_from_slice(r);
                aes.decrypt_block(&mut b);
                r.copy_from_slice(&b[SEMIBLOCK..]);
            }
        }
        if !bool::from(b[..SEMIBLOCK].ct_eq(&DEFAULT_IV)) {
            // `out` is zeroized as it drops.
            return Err(CryptoError::KeyUnwrapFailed.into());
        }
        Ok(out)
    }
}
