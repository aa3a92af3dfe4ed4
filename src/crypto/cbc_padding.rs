//! PKCS#7 padding (RFC 5652 §6.3) of AES-CBC plaintext, checked in constant
//! time.
//!
//! A CBC ciphertext has no integrity of its own, so whether its padding held
//! must not show in *when* a decryption fails (a padding oracle, Vaudenay
//! 2002). [`check`] looks at every byte of the last block whatever it finds,
//! without a branch on the plaintext, and gives both a verdict and a length to
//! go on with: a caller that keeps working with the plaintext as if the
//! padding had held, and consults the verdict only when that work is done,
//! takes the same steps either way (`envelope::legacy`). The
//! [`ContentCipher::decrypt_cbc`](super::ContentCipher::decrypt_cbc) helper
//! uses it too.

use super::AES_BLOCK_LEN;

/// What [`check`] found in a plaintext's last block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Padding {
    /// The padding held: its last byte `n` is in 1..=16 and the last `n` bytes
    /// are all `n`.
    pub held: bool,
    /// The plaintext's length without its padding when it held; otherwise the
    /// length without its last byte's claimed padding (`n` when in 1..=16,
    /// else 1), so that the work that follows is the same either way.
    pub content_len: usize,
}

/// Checks the PKCS#7 padding ending `plain`, which must be a whole, non-empty
/// number of blocks; `None` when it is not (its length is public: the
/// ciphertext's).
pub fn check(plain: &[u8]) -> Option<Padding> {
    if plain.is_empty() || plain.len() % AES_BLOCK_LEN != 0 {
        return None;
    }
    let last_block = &plain[plain.len() - AES_BLOCK_LEN..];
    let n = last_block[AES_BLOCK_LEN - 1];
    // 0xFF when n is in 1..=16, 0 otherwise, computed without comparisons
    // that a compiler could turn into branches: n - 1 < 16 as unsigned bytes.
    let in_range = mask_if_zero(n.wrapping_sub(1) & 0xF0);
    let mut bad = !in_range;
    for (i, &byte) in last_block.iter().rev().enumerate() {
        // 0xFF for the bytes the claimed padding covers (i < n), 0 for the
        // rest: the borrow of i - n as a 16-bit subtraction.
        // (i < 16, so it fits.)
        let covered = ((i as u16).wrapping_sub(u16::from(n)) >> 8) as u8;
        bad |= covered & (byte ^ n);
    }
    let held = core::hint::black_box(bad) == 0;
    // n when in range, 1 otherwise, selected with the mask.
    let strip = (n & in_range) | (1 & !in_range);
    Some(Padding {
        held,
        content_len: plain.len() - usize::from(strip),
    })
}

/// 0xFF when `x` is 0, 0 otherwise, without a branch.
fn mask_if_zero(x: u8) -> u8 {
    // (x | -x) has its top bit set exactly when x != 0.
    let nonzero = (x | x.wrapping_neg()) >> 7;
    nonzero.wrapping_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same verdict as the obvious (variable-time) check, for every last
    /// byte and for a wrong byte at each position of the padding.
    fn reference(plain: &[u8]) -> Option<usize> {
        let n = usize::from(*plain.last()?);
        if n == 0 || n > AES_BLOCK_LEN || n > plain.len() {
            return None;
        }
        plain[plain.len() - n..]
            .iter()
            .all(|&b| usize::from(b) == n)
            .then_some(n)
    }

    #[test]
    fn agrees_with_the_obvious_check_for_every_last_byte() {
        for blocks in [1usize, 2, 3] {
            for n in 0..=255u8 {
                let mut plain = vec![0x41u8; blocks * AES_BLOCK_LEN];
                let len = plain.len();
                let covered = usize::from(n).min(AES_BLOCK_LEN);
                for byte in &mut plain[len - covered..] {
                    *byte = n;
                }
                let found = check(&plain).expect("whole blocks");
                let expected = reference(&plain);
                assert_eq!(found.held, expected.is_some(), "n = {n}");
                match expected {
                    Some(strip) => assert_eq!(found.content_len, len - strip),
                    None => assert_eq!(
                        found.content_len,
                        len - if (1..=16).contains(&n) {
                            usize::from(n)
                        } else {
                            1
                        }
                    ),
                }
            }
        }
    }

    #[test]
    fn a_wrong_byte_anywhere_in_the_padding_breaks_it() {
        for n in 1..=AES_BLOCK_LEN as u8 {
            for wrong in 0..usize::from(n) {
                let mut plain = vec![n; 2 * AES_BLOCK_LEN];
                let at = plain.len() - 1 - wrong;
                plain[at] ^= 0x80;
                let found = check(&plain).expect("whole blocks");
                assert!(!found.held, "n = {n}, wrong byte {wrong} from the end");
                assert_eq!(reference(&plain), None);
            }
            // A byte just before the padding does not matter.
            let mut plain = vec![0u8; 2 * AES_BLOCK_LEN];
            let len = plain.len();
            for byte in &mut plain[len - usize::from(n)..] {
                *byte = n;
            }
            if usize::from(n) < AES_BLOCK_LEN {
                plain[len - usize::from(n) - 1] = n.wrapping_add(1);
            }
            assert_eq!(
                check(&plain),
                Some(Padding {
                    held: true,
                    content_len: len - usize::from(n)
                })
            );
        }
    }

    #[test]
    fn lengths_that_are_not_whole_blocks_are_refused() {
        assert_eq!(check(&[]), None);
        assert_eq!(check(&[1u8; 15]), None);
        assert_eq!(check(&[1u8; 17]), None);
        assert!(check(&[16u8; 16]).is_some_and(|p| p.held && p.content_len == 0));
    }
}
