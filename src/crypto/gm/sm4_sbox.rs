//! The SM4 S-box (GB/T 32907 §6.2) as a Boolean circuit over bit-slices: no
//! table, no branch, no memory access that depends on the byte.
//!
//! The S-box is an affine map around the inverse in GF(2^8):
//! `S(x) = A · (A · x ⊕ 0xD3)^-1 ⊕ 0xD3`, with `A` the 8×8 circulant bit
//! matrix whose first row is 0xD3 and the field GF(2)[t] / (t^8 + t^7 + t^6 +
//! t^5 + t^4 + t^2 + 1). Since `A · x ⊕ 0xD3 = A · (x ⊕ 0x75)`, it is
//! `S(x) = C(x ⊕ 0x75) ⊕ 0xD3` with `C(x) = A · (A · x)^-1`, which is linear
//! around one inversion: [`circuit`] computes `C`.
//!
//! The inversion is the nonlinear middle of Boyar and Peralta's AES S-box
//! circuits (tower field GF(((2^2)^2)^2), 32 AND and 30 XOR): it takes 22
//! linear forms of the input in the tower basis and gives 18
//! products whose linear combinations are the inverse's bits. All fields of
//! 2^8 elements are isomorphic, so the same middle inverts in SM4's field
//! after the linear isomorphism that sends `t` to the root 0x3E of SM4's
//! polynomial in the AES field GF(2)[t] / (t^8 + t^4 + t^3 + t + 1). The
//! top layer here is that middle's input forms composed with the isomorphism
//! and `A`; the bottom layer is `A` composed with the inverse isomorphism,
//! solved as combinations of the 18 products. Both XOR layers were shortened
//! with Paar's greedy common-subexpression heuristic. The whole circuit: 92
//! XOR and 32 AND, no NOT (the constants are XORed on whole words by the
//! callers). The unit tests check it against the standard's table for all
//! 256 inputs, in every lane of both word types.
//!
//! A value is eight slices of any word type, slice `i` holding bit `i` (least
//! significant first) of as many independent bytes as the word has lanes.

use core::ops::{BitAnd, BitXor};

/// Bit `i` of 64 bytes in plane `i`.
pub(crate) type Planes = [u64; 8];

/// The constant XORed into the input of [`circuit`]: `A^-1 · 0xD3`.
pub(crate) const IN_C: u8 = 0x75;
/// The constant XORed into the output of [`circuit`].
pub(crate) const OUT_C: u8 = 0xD3;

/// A word whose bits are independent lanes of the circuit.
pub(crate) trait Slice: Copy + BitXor<Output = Self> + BitAnd<Output = Self> {}
impl Slice for u32 {}
impl Slice for u64 {}

/// `C(x) = A · (A · x)^-1` on every lane of the slices: `S(x) = C(x ⊕ IN_C) ⊕
/// OUT_C`.
#[inline(always)]
pub(crate) fn circuit<W: Slice>(x: &[W; 8]) -> [W; 8] {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = *x;
    let u0 = x2 ^ x4;
    let u1 = x0 ^ x3;
    let u2 = x1 ^ u1;
    let u3 = x5 ^ u0;
    let u4 = x6 ^ x7;
    let u5 = x5 ^ u2;
    let u6 = x2 ^ x6;
    let u7 = x7 ^ u2;
    let u8 = x4 ^ u4;
    let u9 = x1 ^ u3;
    let u10 = x7 ^ u0;
    let u11 = x3 ^ x7;
    let u12 = x7 ^ u9;
    let u13 = u5 ^ u8;
    let u14 = u0 ^ u1;
    let u15 = x0 ^ u10;
    let u16 = u3 ^ u4;
    let u17 = x5 ^ u11;
    let u18 = x1 ^ u8;
    let u19 = x4 ^ u7;
    let u20 = x0 ^ u18;
    let u21 = u4 ^ u9;
    let u22 = u2 ^ u3;
    let u23 = x3 ^ u3;
    let u24 = u4 ^ u14;
    let u25 = u5 ^ u6;
    let u26 = x2 ^ x7;
    let u27 = u1 ^ u3;
    let u28 = u0 ^ u2;
    let u29 = x1 ^ u6;
    let u30 = x1 ^ u11;
    let t2 = u21 & u12;
    let t3 = u5 & u23;
    let t4 = t3 ^ t2;
    let t5 = u24 & u30;
    let t6 = t5 ^ t2;
    let t7 = x1 & u27;
    let t8 = u6 & u17;
    let t9 = t8 ^ t7;
    let t10 = u29 & u15;
    let t11 = t10 ^ t7;
    let t12 = u19 & u28;
    let t13 = u16 & u7;
    let t14 = t13 ^ t12;
    let t15 = u25 & u10;
    let t16 = t15 ^ t12;
    let t17 = t4 ^ t14;
    let t18 = t6 ^ t16;
    let t19 = t9 ^ t14;
    let t20 = t11 ^ t16;
    let t21 = t17 ^ u26;
    let t22 = t18 ^ u13;
    let t23 = t19 ^ u22;
    let t24 = t20 ^ u20;
    let t25 = t21 ^ t22;
    let t26 = t21 & t23;
    let t27 = t24 ^ t26;
    let t28 = t25 & t27;
    let t29 = t28 ^ t22;
    let t30 = t23 ^ t24;
    let t31 = t22 ^ t26;
    let t32 = t31 & t30;
    let t33 = t32 ^ t24;
    let t34 = t23 ^ t33;
    let t35 = t27 ^ t33;
    let t36 = t24 & t35;
    let t37 = t36 ^ t34;
    let t38 = t27 ^ t36;
    let t39 = t29 & t38;
    let t40 = t25 ^ t39;
    let t41 = t40 ^ t37;
    let t42 = t29 ^ t33;
    let t43 = t29 ^ t40;
    let t44 = t33 ^ t37;
    let t45 = t42 ^ t41;
    let z0 = t44 & u12;
    let z1 = t37 & u23;
    let z2 = t33 & u30;
    let z3 = t43 & u27;
    let z4 = t40 & u17;
    let z5 = t29 & u15;
    let z6 = t42 & u28;
    let z7 = t45 & u7;
    let z8 = t41 & u10;
    let z9 = t44 & u21;
    let z10 = t37 & u5;
    let z11 = t33 & u24;
    let z12 = t43 & x1;
    let z13 = t40 & u6;
    let z14 = t29 & u29;
    let z15 = t42 & u19;
    let z16 = t45 & u16;
    let z17 = t41 & u25;
    let v0 = z0 ^ z10;
    let v1 = z9 ^ z15;
    let v2 = z5 ^ v0;
    let v3 = z6 ^ z13;
    let v4 = z14 ^ v3;
    let v5 = z17 ^ v1;
    let v6 = z7 ^ v4;
    let v7 = z1 ^ v2;
    let v8 = z8 ^ v7;
    let v9 = v5 ^ v6;
    let v10 = z4 ^ z11;
    let v11 = v1 ^ v8;
    let v12 = z16 ^ v11;
    let v13 = z12 ^ z13;
    let v14 = v0 ^ v9;
    let v15 = z10 ^ v9;
    let v16 = z4 ^ v12;
    let v17 = z2 ^ v10;
    let v18 = v8 ^ v10;
    let v19 = v6 ^ v17;
    let v20 = z15 ^ z16;
    let v21 = v13 ^ v20;
    let v22 = z11 ^ v5;
    let v23 = z1 ^ v14;
    let v24 = v4 ^ v18;
    let v25 = v2 ^ v19;
    let v26 = z7 ^ v12;
    let v27 = z4 ^ v15;
    let v28 = z6 ^ v16;
    let v29 = z3 ^ v27;
    let v30 = z3 ^ v26;
    [v30, v24, v29, v22, v28, v23, v25, v21]
}

/// The S-box on the 64 lanes of `x` at once.
#[inline]
pub(crate) fn sbox(x: &Planes) -> Planes {
    let planes = core::array::from_fn(|i| x[i] ^ u64::from((IN_C >> i) & 1).wrapping_neg());
    let mut y = circuit(&planes);
    for (i, p) in y.iter_mut().enumerate() {
        *p ^= u64::from((OUT_C >> i) & 1).wrapping_neg();
    }
    y
}

/// Every byte of the word in each slice's lanes 0, 8, 16, 24.
const BYTE_LANES: u32 = 0x0101_0101;

/// The S-box on the four bytes of a word: slice `i` is the word shifted right
/// by `i`, so bit `i` of each byte sits in that byte's lowest bit (the other
/// bits of the slices are computed and then dropped).
#[inline(always)]
pub(crate) fn sbox_word(w: u32) -> u32 {
    let t = w ^ (BYTE_LANES * u32::from(IN_C));
    let y = circuit(&core::array::from_fn(|i| t >> i));
    let mut out = 0;
    for (i, yi) in y.iter().enumerate() {
        out |= (yi & BYTE_LANES) << i;
    }
    out ^ (BYTE_LANES * u32::from(OUT_C))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GB/T 32907-2016 §6.2, for checking the circuit only.
    const TABLE: [u8; 256] = [
        0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c,
        0x05, 0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86,
        0x06, 0x99, 0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed,
        0xcf, 0xac, 0x62, 0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa,
        0x75, 0x8f, 0x3f, 0xa6, 0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c,
        0x19, 0xe6, 0x85, 0x4f, 0xa8, 0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb,
        0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35, 0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25,
        0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87, 0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52,
        0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e, 0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38,
        0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1, 0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34,
        0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3, 0x1d, 0xf6, 0xe2, 0x2e, 0x82,
        0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f, 0xd5, 0xdb, 0x37, 0x45,
        0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51, 0x8d, 0x1b, 0xaf,
        0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8, 0x0a, 0xc1,
        0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0, 0x89,
        0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
        0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39,
        0x48,
    ];

    #[test]
    fn the_circuit_is_the_standard_s_box_in_every_lane() {
        // 256 inputs over four evaluations of 64 lanes, each lane a
        // different input.
        for chunk in 0..4u32 {
            let mut planes = [0u64; 8];
            for lane in 0..64u32 {
                let x = (chunk * 64 + lane) as u8;
                for (i, p) in planes.iter_mut().enumerate() {
                    *p |= u64::from((x >> i) & 1) << lane;
                }
            }
            let out = sbox(&planes);
            for lane in 0..64u32 {
                let x = (chunk * 64 + lane) as usize;
                let y = (0..8).fold(0u8, |y, i| y | ((((out[i] >> lane) & 1) as u8) << i));
                assert_eq!(y, TABLE[x], "S({x:#04x})");
            }
        }
    }

    #[test]
    fn the_word_circuit_is_the_standard_s_box_on_every_byte() {
        for x in 0..=255u32 {
            let w = x | ((x ^ 0x5a) << 8) | ((255 - x) << 16) | (x.rotate_left(3) & 0xff) << 24;
            let expected = u32::from_le_bytes(w.to_le_bytes().map(|b| TABLE[usize::from(b)]));
            assert_eq!(sbox_word(w), expected, "S({w:#010x})");
        }
    }
}
