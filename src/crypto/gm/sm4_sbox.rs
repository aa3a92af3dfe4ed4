//! The SM4 S-box (GB/T 32907 §6.2) as a Boolean circuit over bit-slices: no
//! table, no branch, no memory access that depends on the byte.
//!
//! The S-box is an affine map around the inverse in GF(2^8):
//! `S(x) = A · (A · x ⊕ 0xD3)^-1 ⊕ 0xD3`, with `A` the 8×8 circulant bit
//! matrix whose first row is 0xD3 and the field GF(2)[x] / (x^8 + x^7 + x^6 +
//! x^5 + x^4 + x^2 + 1). The unit test checks this against the standard's
//! table for all 256 inputs.
//!
//! A value here is [`Planes`]: eight `u64`, plane `i` holding bit `i` of 64
//! independent bytes (the lanes). Linear maps (`A`, squarings) are fixed XORs
//! of planes; the inverse is `x^254` by the Itoh–Tsujii chain
//! `x^254 = (x^15)^16 · x^14`, four multiplications, each 64 ANDs and about 90
//! XORs on whole planes. Every lane takes exactly the same instructions.

/// Bit `i` of 64 bytes in plane `i`.
pub(crate) type Planes = [u64; 8];

/// Low byte of the field polynomial: x^8 = x^7 + x^6 + x^5 + x^4 + x^2 + 1.
const POLY: u8 = 0xF5;
/// The affine constant, on both sides.
const AFFINE_C: u8 = 0xD3;
/// First row of the circulant matrix `A` (most significant bit first).
const A_ROW: u8 = 0xD3;

/// Multiplication in the field, byte at a time (for deriving the matrices
/// below at compile time only).
const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    let mut i = 0;
    while i < 8 {
        if b & 1 == 1 {
            r ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= POLY;
        }
        b >>= 1;
        i += 1;
    }
    r
}

/// The linear part of the affine map, byte at a time (compile time only).
const fn mul_a(x: u8) -> u8 {
    let mut out = 0u8;
    let mut i = 0;
    while i < 8 {
        let parity = ((A_ROW.rotate_right(i) & x).count_ones() & 1) as u8;
        out |= parity << (7 - i);
        i += 1;
    }
    out
}

/// `x^(2^k)` byte at a time (compile time only).
const fn frobenius(mut x: u8, k: u32) -> u8 {
    let mut i = 0;
    while i < k {
        x = gf_mul(x, x);
        i += 1;
    }
    x
}

/// The columns of a linear map: entry `j` is the image of the byte `1 << j`.
type Matrix = [u8; 8];

const fn matrix_a() -> Matrix {
    let mut m = [0u8; 8];
    let mut j = 0;
    while j < 8 {
        m[j] = mul_a(1 << j);
        j += 1;
    }
    m
}

const fn matrix_frobenius(k: u32) -> Matrix {
    let mut m = [0u8; 8];
    let mut j = 0;
    while j < 8 {
        m[j] = frobenius(1 << j, k);
        j += 1;
    }
    m
}

const M_A: Matrix = matrix_a();
const M_SQUARE: Matrix = matrix_frobenius(1);
const M_POW4: Matrix = matrix_frobenius(2);
const M_POW16: Matrix = matrix_frobenius(4);

/// Applies a constant linear map to bit-slices. The matrix is a compile-time
/// constant, so the masks fold away into a fixed set of XORs.
#[inline(always)]
fn linear(m: &Matrix, x: &Planes) -> Planes {
    let mut out = [0u64; 8];
    for (j, column) in m.iter().enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            let bit = u64::from((column >> i) & 1);
            *o ^= x[j] & bit.wrapping_neg();
        }
    }
    out
}

/// Adds (XORs) a constant byte to every lane.
#[inline(always)]
fn add_constant(mut x: Planes, c: u8) -> Planes {
    for (i, p) in x.iter_mut().enumerate() {
        *p ^= u64::from((c >> i) & 1).wrapping_neg();
    }
    x
}

/// Multiplication in the field on bit-slices: the schoolbook product, then
/// reduction by the field polynomial from the top coefficient down.
#[inline(always)]
fn mul(a: &Planes, b: &Planes) -> Planes {
    let mut t = [0u64; 15];
    for (i, ai) in a.iter().enumerate() {
        for (j, bj) in b.iter().enumerate() {
            t[i + j] ^= ai & bj;
        }
    }
    for k in (8..15).rev() {
        let c = t[k];
        for bit in 0..8 {
            if (POLY >> bit) & 1 == 1 {
                t[k - 8 + bit] ^= c;
            }
        }
    }
    [t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]]
}

/// The S-box on the 64 lanes of `x` at once.
#[inline]
pub(crate) fn sbox(x: &Planes) -> Planes {
    let a = add_constant(linear(&M_A, x), AFFINE_C);
    let x2 = linear(&M_SQUARE, &a);
    let x3 = mul(&x2, &a);
    let x12 = linear(&M_POW4, &x3);
    let x15 = mul(&x12, &x3);
    let x240 = linear(&M_POW16, &x15);
    let x14 = mul(&x12, &x2);
    let inverse = mul(&x240, &x14);
    add_constant(linear(&M_A, &inverse), AFFINE_C)
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
}
