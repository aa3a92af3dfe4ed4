//! SHA-2 with ring's `digest` module.

use ring::digest;

use super::Portable;
use crate::crypto::{Digest, HashAlgorithm, HashContext, Hasher};

fn ring_algorithm(algorithm: HashAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

/// An incremental ring hash.
struct RingHash(digest::Context);

impl HashContext for RingHash {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>) -> Digest {
        let out = self.0.finish();
        // A SHA-2 output is at most 64 bytes, so this cannot fail.
        Digest::new(out.as_ref()).unwrap_or_else(|_| unreachable!("SHA-2 output fits 64 bytes"))
    }
}

impl Hasher for Portable {
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        Box::new(RingHash(digest::Context::new(ring_algorithm(algorithm))))
    }
}
