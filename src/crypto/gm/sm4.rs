//! The SM4 block cipher (GB/T 32907), bit-sliced: the S-box is the Boolean
//! circuit of [`super::sm4_sbox`], so no instruction and no memory address
//! depends on the key or the data.
//!
//! Layout: a lane is one byte of one 32-bit word of one block. Up to 16
//! blocks go through the rounds together: the four bytes of each of their
//! words fill 64 lanes, so one evaluation of the S-box circuit serves all the
//! blocks' round. A word's rotations (the linear map `L`) become shifts of
//! planes and of lanes within each block's group of four.

use zeroize::Zeroize;

use super::sm4_sbox::{Planes, sbox};

/// The SM4 block size in bytes.
pub const SM4_BLOCK_LEN: usize = 16;
/// The SM4 key size in bytes.
pub const SM4_KEY_LEN: usize = 16;
/// Blocks that go through the rounds together.
pub(crate) const PARALLEL_BLOCKS: usize = 16;

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

/// Lanes `4b + k` hold byte `k` (least significant first) of block `b`'s word.
/// Low nibble mask in every group of four lanes, by how many lanes a rotation
/// moves: `LOW[q]` keeps the lanes that wrap round.
const GROUPS: u64 = 0x1111_1111_1111_1111;

/// Rotates the four lanes of every block's group by `q` (byte `k` goes to
/// byte `k + q mod 4`): a word rotation by `8q` bits.
#[inline(always)]
fn rotate_lanes(p: u64, q: u32) -> u64 {
    match q % 4 {
        0 => p,
        q => {
            let low = GROUPS * ((1u64 << q) - 1);
            ((p << q) & !low) | ((p >> (4 - q)) & low)
        }
    }
}

/// A word rotation left by `r` bits on bit-slices.
#[inline(always)]
fn rotl(x: &Planes, r: u32) -> Planes {
    let (q, s) = (r / 8, (r % 8) as usize);
    let mut out = [0u64; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = if i >= s {
            rotate_lanes(x[i - s], q)
        } else {
            rotate_lanes(x[i + 8 - s], q + 1)
        };
    }
    out
}

#[inline(always)]
fn xor(a: &Planes, b: &Planes) -> Planes {
    core::array::from_fn(|i| a[i] ^ b[i])
}

/// The round's linear map `L(B) = B ⊕ B<<<2 ⊕ B<<<10 ⊕ B<<<18 ⊕ B<<<24`.
#[inline(always)]
fn l_round(b: &Planes) -> Planes {
    let r2 = rotl(b, 2);
    let mut out = xor(b, &r2);
    for p in 0..8 {
        out[p] ^= rotate_lanes(r2[p], 1) ^ rotate_lanes(r2[p], 2);
    }
    xor(&out, &rotl(b, 24))
}

/// Spreads one word into lanes 0..4 (block 0 of the group).
fn word_to_planes(w: u32) -> Planes {
    core::array::from_fn(|i| u64::from(compress((w >> i) & 0x0101_0101)))
}

/// Bits 0, 8, 16, 24 of `v` to bits 0..4.
#[inline(always)]
fn compress(v: u32) -> u32 {
    (v | (v >> 7) | (v >> 14) | (v >> 21)) & 0xF
}

/// Bits 0..4 of `n` to bits 0, 8, 16, 24.
#[inline(always)]
fn spread(n: u32) -> u32 {
    (n & 1) | ((n & 2) << 7) | ((n & 4) << 14) | ((n & 8) << 21)
}

/// Reads the word in lanes `4b..4b + 4`.
#[inline(always)]
fn planes_to_word(p: &Planes, b: usize) -> u32 {
    (0..8).fold(0, |w, i| {
        w | (spread(((p[i] >> (4 * b)) & 0xF) as u32) << i)
    })
}

/// An SM4 key, expanded. The round keys are zeroized on drop and never
/// printed.
#[derive(Clone)]
pub struct Sm4 {
    /// Round keys, each repeated into every block's group of lanes.
    round_keys: Box<[Planes; 32]>,
}

impl core::fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sm4(<redacted>)")
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        self.round_keys.as_flattened_mut().zeroize();
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
        for (i, rk) in round_keys.iter_mut().enumerate() {
            let mut t = sbox(&word_to_planes(k[1] ^ k[2] ^ k[3] ^ ck(i)));
            let mut b = planes_to_word(&t, 0);
            let next = k[0] ^ b ^ b.rotate_left(13) ^ b.rotate_left(23);
            let mut planes = word_to_planes(next);
            *rk = core::array::from_fn(|p| planes[p] * GROUPS);
            k = [k[1], k[2], k[3], next];
            t.zeroize();
            b.zeroize();
            planes.zeroize();
        }
        k.zeroize();
        Self { round_keys }
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; SM4_BLOCK_LEN]) {
        self.crypt(block, false);
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; SM4_BLOCK_LEN]) {
        self.crypt(block, true);
    }

    /// Encrypts independent blocks in place (ECB: for modes built on it);
    /// `blocks` is a whole number of blocks.
    pub(crate) fn encrypt_blocks(&self, blocks: &mut [u8]) {
        for group in blocks.chunks_mut(PARALLEL_BLOCKS * SM4_BLOCK_LEN) {
            self.crypt(group, false);
        }
    }

    /// Decrypts independent blocks in place; `blocks` is a whole number of
    /// blocks.
    pub(crate) fn decrypt_blocks(&self, blocks: &mut [u8]) {
        for group in blocks.chunks_mut(PARALLEL_BLOCKS * SM4_BLOCK_LEN) {
            self.crypt(group, true);
        }
    }

    /// The 32 rounds on up to [`PARALLEL_BLOCKS`] blocks at once.
    fn crypt(&self, data: &mut [u8], decrypt: bool) {
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
                    *p |= u64::from(compress((w >> i) & 0x0101_0101)) << (4 * b);
                }
            }
        }
        for r in 0..32 {
            let rk = &self.round_keys[if decrypt { 31 - r } else { r }];
            let t = core::array::from_fn(|p| {
                x[(r + 1) % 4][p] ^ x[(r + 2) % 4][p] ^ x[(r + 3) % 4][p] ^ rk[p]
            });
            let l = l_round(&sbox(&t));
            x[r % 4] = xor(&x[r % 4], &l);
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
    fn debug_does_not_print_the_key() {
        assert_eq!(format!("{:?}", Sm4::new(&[1; 16])), "Sm4(<redacted>)");
    }
}
