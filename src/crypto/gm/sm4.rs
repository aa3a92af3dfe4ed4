//! The SM4 block cipher (GB/T 32907) with the S-box as the Boolean circuit of
//! [`super::sm4_sbox`], so no instruction and no memory address depends on
//! the key or the data. Two layouts share that circuit:
//!
//! - One block (CBC encryption, which is serial): the words stay plain
//!   `u32`, the round's linear map `L` is four rotations, and the circuit
//!   runs on `u32` slices where slice `i` is the word shifted right by `i`,
//!   so the four S-box bytes of the round are four lanes of one evaluation.
//! - Up to 16 blocks (CBC decryption, CTR/GCM): a lane is one byte of one
//!   32-bit word of one block, and the four bytes of the 16 blocks' words
//!   fill the 64 lanes of eight `u64` planes (byte `k` of block `b` in lane
//!   `16k + b`), so one evaluation serves all the blocks' round. A word's
//!   rotation by `8q + s` bits becomes a renumbering of planes by `s` and a
//!   rotation of each plane by `16q` lanes.

use zeroize::Zeroize;

use super::sm4_sbox::{Planes, sbox, sbox_word};

/// The SM4 block size in bytes.
pub const SM4_BLOCK_LEN: usize = 16;
/// The SM4 key size in bytes.
pub const SM4_KEY_LEN: usize = 16;
/// Blocks that go through the rounds together.
pub(crate) const PARALLEL_BLOCKS: usize = 16;
/// Up to this many independent blocks go one at a time rather than as a
/// group: one block costs about half a group of 16 (`benches/gm.rs`).
const SERIAL_MAX: usize = 2;

const FK: [u32; 4] = [0xa3b1_bac6, 0x56aa_3350, 0x677d_9197, 0xb270_22dc];

/// `CK_i`: byte `j` of word `i` is `(4i + j) · 7 mod 256`.
const fn ck(i: usize) -> u32 {
    let mut w = 0u32;
    let mut j = 0;
    while j < 4 {
        w = (w << 8) | (((4 * i + j) * 7) % 256) as u32;
        j += 1;
    }
    w
}

/// Lane `16k + b` holds byte `k` (least significant first) of block `b`'s
/// word, so the lanes of one byte position are a 16-bit group and rotating
/// every word by `q` bytes rotates the whole plane by `16q` lanes.
#[inline(always)]
fn rotate_bytes(p: u64, q: u32) -> u64 {
    p.rotate_left(16 * (q % 4))
}

/// A word rotation left by `r` bits on bit-slices.
#[inline(always)]
fn rotl(x: &Planes, r: u32) -> Planes {
    let (q, s) = (r / 8, (r % 8) as usize);
    core::array::from_fn(|i| {
        if i >= s {
            rotate_bytes(x[i - s], q)
        } else {
            rotate_bytes(x[i + 8 - s], q + 1)
        }
    })
}

/// The round's linear map `L(B) = B ⊕ B<<<2 ⊕ B<<<10 ⊕ B<<<18 ⊕ B<<<24`.
#[inline(always)]
fn l_round(b: &Planes) -> Planes {
    let r2 = rotl(b, 2);
    core::array::from_fn(|p| {
        b[p] ^ r2[p] ^ rotate_bytes(r2[p], 1) ^ rotate_bytes(r2[p], 2) ^ rotate_bytes(b[p], 3)
    })
}

/// Bits 0, 8, 16, 24 of `v` to lanes 0, 16, 32, 48 (block 0's lanes).
#[inline(always)]
fn widen(v: u32) -> u64 {
    let v = u64::from(v & 0x0101_0101);
    let v = (v | (v << 16)) & 0x0000_0101_0000_0101;
    (v | (v << 8)) & 0x0001_0001_0001_0001
}

/// Lanes 0, 16, 32, 48 of `p` to bits 0, 8, 16, 24.
#[inline(always)]
fn narrow(p: u64) -> u32 {
    let p = p & 0x0001_0001_0001_0001;
    let p = (p | (p >> 8)) & 0x0000_0101_0000_0101;
    ((p | (p >> 16)) & 0x0101_0101) as u32
}

/// Spreads one word into block 0's lanes.
fn word_to_planes(w: u32) -> Planes {
    core::array::from_fn(|i| widen(w >> i))
}

/// Reads block `b`'s word.
#[inline(always)]
fn planes_to_word(p: &Planes, b: usize) -> u32 {
    (0..8).fold(0, |w, i| w | (narrow(p[i] >> b) << i))
}

/// The round's linear map `L(B) = B ⊕ B<<<2 ⊕ B<<<10 ⊕ B<<<18 ⊕ B<<<24` on
/// a plain word.
#[inline(always)]
fn l_word(b: u32) -> u32 {
    b ^ b.rotate_left(2) ^ b.rotate_left(10) ^ b.rotate_left(18) ^ b.rotate_left(24)
}

/// An SM4 key, expanded. The round keys are zeroized on drop and never
/// printed.
#[derive(Clone)]
pub struct Sm4 {
    /// Round keys, each repeated into every block's group of lanes.
    round_keys: Box<[Planes; 32]>,
    /// Round keys as plain words, for one block at a time.
    round_words: Box<[u32; 32]>,
}

impl core::fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sm4(<redacted>)")
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        self.round_keys.as_flattened_mut().zeroize();
        self.round_words.zeroize();
    }
}

impl Sm4 {
    /// Expands a 128-bit key (the key schedule of GB/T 32907 §7.3, with the
    /// same circuit S-box as the rounds).
    pub fn new(key: &[u8; SM4_KEY_LEN]) -> Self {
        let mut k: [u32; 4] = core::array::from_fn(|j| {
            u32::from_be_bytes([key[4 * j], key[4 * j + 1], key[4 * j + 2], key[4 * j + 3]]) ^ FK[j]
        });
        let mut round_keys = Box::new([[0u64; 8]; 32]);
        let mut round_words = Box::new([0u32; 32]);
        for (i, (rk, rw)) in round_keys
            .iter_mut()
            .zip(round_words.iter_mut())
            .enumerate()
        {
            let mut b = sbox_word(k[1] ^ k[2] ^ k[3] ^ ck(i));
            let next = k[0] ^ b ^ b.rotate_left(13) ^ b.rotate_left(23);
            let mut planes = word_to_planes(next);
            *rk = core::array::from_fn(|p| planes[p] * 0xFFFF);
            *rw = next;
            k = [k[1], k[2], k[3], next];
            b.zeroize();
            planes.zeroize();
        }
        k.zeroize();
        Self {
            round_keys,
            round_words,
        }
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; SM4_BLOCK_LEN]) {
        self.crypt_one(block, false);
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; SM4_BLOCK_LEN]) {
        self.crypt_one(block, true);
    }

    /// Encrypts independent blocks in place (ECB: for modes built on it);
    /// `blocks` is a whole number of blocks.
    pub(crate) fn encrypt_blocks(&self, blocks: &mut [u8]) {
        for group in blocks.chunks_mut(PARALLEL_BLOCKS * SM4_BLOCK_LEN) {
            self.crypt_many(group, false);
        }
    }

    /// Decrypts independent blocks in place; `blocks` is a whole number of
    /// blocks.
    pub(crate) fn decrypt_blocks(&self, blocks: &mut [u8]) {
        for group in blocks.chunks_mut(PARALLEL_BLOCKS * SM4_BLOCK_LEN) {
            self.crypt_many(group, true);
        }
    }

    /// Up to [`PARALLEL_BLOCKS`] independent blocks: one at a time when there
    /// are at most [`SERIAL_MAX`] of them (cheaper than a 64-lane group),
    /// else as a group. The choice depends on the length only.
    fn crypt_many(&self, group: &mut [u8], decrypt: bool) {
        if group.len() <= SERIAL_MAX * SM4_BLOCK_LEN {
            for block in group.chunks_exact_mut(SM4_BLOCK_LEN) {
                let block: &mut [u8; SM4_BLOCK_LEN] = block.try_into().expect("16-byte chunks");
                self.crypt_one(block, decrypt);
            }
        } else {
            self.crypt_group(group, decrypt);
        }
    }

    /// The 32 rounds on one block, on plain words.
    fn crypt_one(&self, block: &mut [u8; SM4_BLOCK_LEN], decrypt: bool) {
        let mut x: [u32; 4] = core::array::from_fn(|j| {
            u32::from_be_bytes([
                block[4 * j],
                block[4 * j + 1],
                block[4 * j + 2],
                block[4 * j + 3],
            ])
        });
        let round = |r: usize, x0: u32, x1: u32, x2: u32, x3: u32| {
            let rk = self.round_words[if decrypt { 31 - r } else { r }];
            x0 ^ l_word(sbox_word(x1 ^ x2 ^ x3 ^ rk))
        };
        for i in (0..32).step_by(4) {
            x[0] = round(i, x[0], x[1], x[2], x[3]);
            x[1] = round(i + 1, x[1], x[2], x[3], x[0]);
            x[2] = round(i + 2, x[2], x[3], x[0], x[1]);
            x[3] = round(i + 3, x[3], x[0], x[1], x[2]);
        }
        // The output is (X35, X34, X33, X32): slots 3, 2, 1, 0.
        for j in 0..4 {
            block[4 * j..4 * j + 4].copy_from_slice(&x[3 - j].to_be_bytes());
        }
        x.zeroize();
    }

    /// The 32 rounds on up to [`PARALLEL_BLOCKS`] blocks at once.
    fn crypt_group(&self, data: &mut [u8], decrypt: bool) {
        debug_assert!(data.len() % SM4_BLOCK_LEN == 0);
        debug_assert!(data.len() <= PARALLEL_BLOCKS * SM4_BLOCK_LEN);
        let mut x = [[0u64; 8]; 4];
        for (b, block) in data.chunks_exact(SM4_BLOCK_LEN).enumerate() {
            for (j, xj) in x.iter_mut().enumerate() {
                let w = u32::from_be_bytes([
                    block[4 * j],
                    block[4 * j + 1],
                    block[4 * j + 2],
                    block[4 * j + 3],
                ]);
                for (i, p) in xj.iter_mut().enumerate() {
                    *p |= widen(w >> i) << b;
                }
            }
        }
        for i in 0..8 {
            for j in 0..4 {
                let r = 4 * i + j;
                let rk = &self.round_keys[if decrypt { 31 - r } else { r }];
                let t = core::array::from_fn(|p| {
                    x[(j + 1) % 4][p] ^ x[(j + 2) % 4][p] ^ x[(j + 3) % 4][p] ^ rk[p]
                });
                let l = l_round(&sbox(&t));
                for (xp, lp) in x[j].iter_mut().zip(l) {
                    *xp ^= lp;
                }
            }
        }
        // The output is (X35, X34, X33, X32): the ring's slots 3, 2, 1, 0.
        for (b, block) in data.chunks_exact_mut(SM4_BLOCK_LEN).enumerate() {
            for j in 0..4 {
                let w = planes_to_word(&x[3 - j], b);
                block[4 * j..4 * j + 4].copy_from_slice(&w.to_be_bytes());
            }
        }
        x.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex16(s: &str) -> [u8; 16] {
        let v: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    #[test]
    fn the_standard_example() {
        // GB/T 32907-2016 Appendix A, example 1.
        let key = hex16("0123456789abcdeffedcba9876543210");
        let sm4 = Sm4::new(&key);
        let mut block = key;
        sm4.encrypt_block(&mut block);
        assert_eq!(block, hex16("681edf34d206965e86b3e94f536e4246"));
        sm4.decrypt_block(&mut block);
        assert_eq!(block, key);
    }

    #[test]
    fn parallel_blocks_agree_with_one_at_a_time() {
        let sm4 = Sm4::new(&[7u8; 16]);
        let mut blocks: Vec<u8> = (0..37 * 16u32).map(|i| (i * 31 % 251) as u8).collect();
        let singles: Vec<u8> = blocks
            .chunks_exact(16)
            .flat_map(|b| {
                let mut b: [u8; 16] = b.try_into().unwrap();
                sm4.encrypt_block(&mut b);
                b
            })
            .collect();
        let original = blocks.clone();
        sm4.encrypt_blocks(&mut blocks);
        assert_eq!(blocks, singles);
        sm4.decrypt_blocks(&mut blocks);
        assert_eq!(blocks, original);
    }

    #[test]
    fn every_group_size_agrees_with_one_at_a_time() {
        let sm4 = Sm4::new(&[0x3c; 16]);
        for n in 1..=PARALLEL_BLOCKS {
            let mut group: Vec<u8> = (0..n * 16).map(|i| (i * 59 % 253) as u8).collect();
            let original = group.clone();
            let mut singles = group.clone();
            for block in singles.chunks_exact_mut(16) {
                sm4.crypt_one(block.try_into().unwrap(), false);
            }
            sm4.crypt_group(&mut group, false);
            assert_eq!(group, singles, "{n} blocks");
            sm4.crypt_group(&mut group, true);
            assert_eq!(group, original, "{n} blocks");
        }
    }

    #[test]
    fn debug_does_not_print_the_key() {
        assert_eq!(format!("{:?}", Sm4::new(&[1; 16])), "Sm4(<redacted>)");
    }
}
