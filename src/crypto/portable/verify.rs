//! Signature verification with ring.

use ring::signature;

use super::Portable;

signature_verifier_with_ring_api!(Portable, signature);
