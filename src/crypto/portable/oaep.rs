//! RSA-OAEP with SHA-256, MGF1-SHA-256 and the empty label (RFC 8017 §7.1,
//! RFC 4055 §4.1).
//!
//! Encryption is the `rsa` crate's. Decryption uses the `rsa` crate's blinded
//! private-key operation (RSADP with CRT and a fault check, from its `hazmat`
//! module) and decodes EME-OAEP here, because rsa 0.10's OAEP decoding ignores the
//! leading octet `Y` of the encoded message (its own test
//! `decrypt_ignores_first_octet` fixes that behaviour), which RFC 8017 §7.1.2 step
//! 3.g requires to be zero; Wycheproof's "first byte is 1" vector catches it.
//!
//! The decoding is constant-time in the encoded message: every check (Y, lHash,
//! the padding string and the 0x01 separator) is folded into one [`Choice`], and
//! only the final verdict, which the caller learns anyway, is branched on. Every
//! failure is the same [`CryptoError::DecryptFailed`].
//!
//! See the module docs of [`portable`](super) for the RUSTSEC-2023-0071 note.

use rsa::hazmat::rsa_decrypt_and_check;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, Oaep};
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

use super::{Portable, failed, rng::RingRng};
use crate::crypto::{KeyTransport, rsa_public_key_bits};
use crate::error::{CryptoError, Error};

/// SHA-256 output length, hLen.
const H_LEN: usize = 32;

fn decrypt_failed() -> Error {
    CryptoError::DecryptFailed.into()
}

/// RSAES-OAEP-DECRYPT (RFC 8017 §7.1.2) with SHA-256, MGF1-SHA-256 and an empty
/// label, blinded.
pub(super) fn decrypt(
    key: &rsa::PrivateKey,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    // Step 1: lengths (the label is empty, so its length check is moot).
    let k = key.size();
    if ciphertext.len() != k || k < 2 * H_LEN + 2 {
        return Err(decrypt_failed());
    }
    // Step 2: c = OS2IP(C); m = RSADP(K, c), which refuses c >= n; EM = I2OSP(m, k).
    let c = BoxedUint::from_be_slice(ciphertext, key.n_bits_precision())
        .map_err(|_| decrypt_failed())?;
    let m = Zeroizing::new(
        rsa_decrypt_and_check(key, Some(&mut RingRng), &c).map_err(|_| decrypt_failed())?,
    );
    let m_bytes = Zeroizing::new(m.to_be_bytes());
    // m < n < 256^k, so the bytes before the last k are zero padding of the
    // integer's storage; their count depends only on the key.
    let Some(start) = m_bytes.len().checked_sub(k) else {
        return Err(decrypt_failed());
    };
    let mut em = Zeroizing::new(m_bytes[start..].to_vec());
    // Step 3: EME-OAEP decoding.
    eme_oaep_decode(&mut em)
}

/// EME-OAEP decoding (RFC 8017 §7.1.2 step 3) of `em`, `k` bytes, in place.
fn eme_oaep_decode(em: &mut [u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    // 3.b: EM = Y || maskedSeed || maskedDB.
    let (y, rest) = em.split_at_mut(1);
    let (seed, db) = rest.split_at_mut(H_LEN);
    // 3.c-3.f: seed = maskedSeed ^ MGF(maskedDB); DB = maskedDB ^ MGF(seed).
    mgf1_xor(seed, db);
    mgf1_xor(db, seed);
    // 3.a and 3.g: lHash = Hash(""); DB = lHash' || PS || 0x01 || M.
    let l_hash = Sha256::digest(b"");
    let (l_hash_prime, ps_one_m) = db.split_at(H_LEN);
    let mut good = y[0].ct_eq(&0) & l_hash_prime.ct_eq(l_hash.as_slice());
    let mut looking = Choice::from(1);
    let mut separator = 0u32;
    for (i, byte) in (0u32..).zip(ps_one_m.iter()) {
        let is_zero = byte.ct_eq(&0);
        let is_one = byte.ct_eq(&1);
        separator.conditional_assign(&i, looking & is_one);
        // A byte other than 0x00 before the separator is a padding error.
        good &= !(looking & !is_zero & !is_one);
        looking &= !is_one;
    }
    good &= !looking;
    if !bool::from(good) {
        return Err(decrypt_failed());
    }
    // Step 4: M, after the separator; its length is the caller's to learn.
    let start = usize::try_from(separator).map_err(|_| decrypt_failed())? + 1;
    Ok(Zeroizing::new(ps_one_m[start..].to_vec()))
}

/// `target ^= MGF1-SHA-256(seed, target.len())` (RFC 8017 appendix B.2.1).
fn mgf1_xor(target: &mut [u8], seed: &[u8]) {
    for (counter, chunk) in (0u32..).zip(target.chunks_mut(H_LEN)) {
        let mut mask = Sha256::new()
            .chain_update(seed)
            .chain_update(counter.to_be_bytes())
            .finalize();
        for (t, m) in chunk.iter_mut().zip(mask.iter()) {
            *t ^= m;
        }
        mask.as_mut_slice().zeroize();
    }
}

impl KeyTransport for Portable {
    fn encrypt_oaep_sha256(&self, public_key: &[u8], content_key: &[u8]) -> Result<Vec<u8>, Error> {
        rsa_public_key_bits(public_key)?;
        let key = rsa::PublicKey::from_pkcs1_der(public_key).map_err(|_| {
            Error::from(CryptoError::InvalidPublicKey {
                what: "RSA public key",
            })
        })?;
        key.encrypt(&mut RingRng, Oaep::<Sha256>::new(), content_key)
            .map_err(|_| failed("RSA-OAEP encryption"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EM = 00 || maskedSeed || maskedDB for `message`, with a fixed seed.
    fn encode(message: &[u8], k: usize) -> Vec<u8> {
        let mut db = Sha256::digest(b"").to_vec();
        db.resize(k - H_LEN - 1 - message.len() - 1, 0);
        db.push(1);
        db.extend_from_slice(message);
        let mut seed = [0x5a; H_LEN];
        mgf1_xor(&mut db, &seed);
        mgf1_xor(&mut seed, &db);
        let mut em = vec![0];
        em.extend_from_slice(&seed);
        em.extend_from_slice(&db);
        em
    }

    #[test]
    fn decodes_what_it_encodes() {
        for len in [0, 1, 32, 256 - 2 * H_LEN - 2] {
            let message = vec![0x42; len];
            let mut em = encode(&message, 256);
            assert_eq!(eme_oaep_decode(&mut em).unwrap().as_slice(), message);
        }
    }

    #[test]
    fn refuses_a_nonzero_first_octet() {
        let mut em = encode(b"key", 256);
        em[0] = 1;
        assert!(matches!(
            eme_oaep_decode(&mut em),
            Err(Error::Crypto(CryptoError::DecryptFailed))
        ));
    }

    #[test]
    fn refuses_a_damaged_block() {
        let clean = encode(b"key", 256);
        // A changed byte anywhere in seed or DB breaks lHash, PS or the separator.
        for index in [1, H_LEN, H_LEN + 1, 2 * H_LEN + 1, 200, 255] {
            let mut em = clean.clone();
            em[index] ^= 0x01;
            assert!(eme_oaep_decode(&mut em).is_err(), "byte {index}");
        }
    }
}
