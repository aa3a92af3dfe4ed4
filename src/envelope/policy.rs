//! Limits and algorithm policy for opening envelopes.

use crate::error::{EnvelopeError, Error};

/// What an opened envelope may be. The defaults suit invoice traffic: one
/// invoice is a few KiB, a batch a few MiB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopePolicy {
    /// Largest envelope accepted, in bytes (default 16 MiB). Checked before
    /// anything is decoded.
    pub max_envelope_size: usize,
    /// Most SignerInfos in the SignedData (default 8).
    pub max_signers: usize,
    /// Most RecipientInfos (default 16).
    pub max_recipients: usize,
    /// Most certificates in the SignedData (default 32).
    pub max_certificates: usize,
    /// Allowed difference between a signer's signingTime and our clock, in
    /// seconds (default 300). The same window bounds the replay guard.
    pub clock_skew: u64,
    /// Accept legacy EnvelopedData with AES-CBC, which has no integrity of its own
    /// (default false: refused with `LegacyEnvelopeRefused`).
    pub allow_legacy_cbc: bool,
}

impl Default for EnvelopePolicy {
    fn default() -> Self {
        Self {
            max_envelope_size: 16 * 1024 * 1024,
            max_signers: 8,
            max_recipients: 16,
            max_certificates: 32,
            clock_skew: 300,
            allow_legacy_cbc: false,
        }
    }
}

impl EnvelopePolicy {
    pub(crate) fn check_count(
        &self,
        what: &'static str,
        count: usize,
        max: usize,
    ) -> Result<(), Error> {
        if count > max {
            return Err(EnvelopeError::LimitExceeded { what, count, max }.into());
        }
        Ok(())
    }
}
