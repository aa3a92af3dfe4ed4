//! The SM3 hash (GB/T 32905), from the RustCrypto `sm3` crate.

use sm3::Digest;

/// Length of an SM3 digest in bytes.
pub const SM3_OUTPUT_LEN: usize = 32;

/// SM3 of `data` in one call.
pub fn sm3(data: &[u8]) -> [u8; SM3_OUTPUT_LEN] {
    sm3::Sm3::digest(data).into()
}

/// An SM3 computation fed in parts.
#[derive(Clone, Default)]
pub struct Sm3(sm3::Sm3);

impl core::fmt::Debug for Sm3 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sm3")
    }
}

impl Sm3 {
    /// Starts a computation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more input.
    pub fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.0, data);
    }

    /// The digest of everything fed.
    pub fn finish(self) -> [u8; SM3_OUTPUT_LEN] {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_examples() {
        // GB/T 32905-2016 Appendix A.1 and A.2.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let mut parts = Sm3::new();
        for _ in 0..16 {
            parts.update(b"abcd");
        }
        assert_eq!(
            hex::encode(parts.finish()),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }
}
