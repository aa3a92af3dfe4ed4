//! [`VerifiedPath`]: what a successful validation proves.

use super::{Certificate, SpkiFingerprint, Timestamp};
use crate::error::Purpose;

/// A path from a leaf to a trust anchor that was valid at a given time for a
/// given purpose. Only [`PathValidator`](super::PathValidator) makes one.
#[derive(Debug, Clone)]
pub struct VerifiedPath {
    chain: Vec<Certificate>,
    purpose: Purpose,
    validated_at: Timestamp,
}

impl VerifiedPath {
    pub(crate) fn new(chain: Vec<Certificate>, purpose: Purpose, validated_at: Timestamp) -> Self {
        debug_assert!(chain.len() >= 2, "a path has a leaf and a trust anchor");
        Self {
            chain,
            purpose,
            validated_at,
        }
    }

    /// The whole path: the leaf, the intermediates used (leaf side first), and the
    /// trust anchor last.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The validated leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The intermediates used, leaf side first (empty when the anchor issued the
    /// leaf).
    pub fn intermediates(&self) -> &[Certificate] {
        &self.chain[1..self.chain.len() - 1]
    }

    /// The trust anchor the path ends in.
    pub fn trust_anchor(&self) -> &Certificate {
        &self.chain[self.chain.len() - 1]
    }

    /// The leaf's subject, RFC 4514.
    pub fn subject(&self) -> String {
        self.leaf().subject()
    }

    /// SHA-256 of the leaf's SubjectPublicKeyInfo: the value to pin.
    pub fn spki_fingerprint(&self) -> SpkiFingerprint {
        self.leaf().spki_fingerprint()
    }

    /// The leaf's notAfter.
    pub fn not_after(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.leaf().not_after())
    }

    /// The earliest notAfter on the path: when this path stops being valid.
    pub fn path_not_after(&self) -> Timestamp {
        let earliest = self.chain.iter().map(Certificate::not_after).min();
        Timestamp::from_unix_seconds(earliest.unwrap_or(0))
    }

    /// The purpose the leaf was validated for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The time the path was validated at.
    pub fn validated_at(&self) -> Timestamp {
        self.validated_at
    }
}
