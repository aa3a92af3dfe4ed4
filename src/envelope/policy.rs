//! Limits and algorithm policy for opening envelopes (docs/limits.md lists every
//! limit on attacker-controlled sizes and where it is enforced).

use crate::error::{EnvelopeError, Error};

/// Deepest nesting of DER elements accepted in an envelope or a SignedData,
/// checked before decoding (CMS with certificates nests about 12 deep; the `der`
/// crate's own bound, per nested decode, is 64).
pub const MAX_DER_DEPTH: usize = 32;

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
    /// Most DER elements (tag-length-values, primitive or constructed) in the
    /// envelope, and again in the SignedData it decrypts to (default 20,000; a
    /// certificate has about 100). Counted before anything is decoded, so that a
    /// small envelope of many tiny elements cannot make the decoder allocate and
    /// sort millions of structures; it also bounds the signer, recipient and
    /// certificate counts, which are checked after decoding.
    pub max_der_elements: usize,
    /// Allowed difference between a signer's signingTime and our clock, in
    /// seconds (default 300). The same window bounds the replay guard.
    pub clock_skew: u64,
    /// Accept legacy EnvelopedData with AES-128-CBC or AES-256-CBC (RFC 3565),
    /// as old peers and `openssl cms -encrypt` without `-aes-256-gcm` write it
    /// (default false: refused with `LegacyEnvelopeRefused`). CBC has no
    /// integrity of its own: the SignedData's signatures, verified as always, are
    /// what detect tampering, and every failure to decrypt the content to a
    /// SignedData that verifies is the one `LegacyDecryptFailed`; the padding is
    /// checked in constant time and its verdict consulted only after the
    /// signatures, so the time a failure takes does not tell bad padding
    /// either. CBC stays malleable: allow it only for peers that cannot be
    /// upgraded.
    pub allow_legacy_cbc: bool,
    /// A platform refuses a message whose pinned sender did not sign an
    /// [`Addressing`](super::Addressing) naming it (default true). Set it to
    /// false only for old peers that cannot write one: their messages are then
    /// accepted without it, while an addressing that names another recipient,
    /// or another role, is refused whatever this says.
    pub require_addressing: bool,
    /// GM/T 0010 envelopes (an SM2 signer sealing to SM2 recipients) use
    /// SM4-GCM (1.2.156.10197.1.104.8) in an AuthEnvelopedData instead of
    /// SM4-CBC in an EnvelopedData (default false). Both peers set it: a
    /// sealer with it writes SM4-GCM, an opener with it reads SM4-GCM and
    /// refuses SM4-CBC (so a peer that moved to GCM cannot be downgraded to
    /// the malleable mode); an opener without it refuses SM4-GCM.
    pub sm4_gcm: bool,
}

impl Default for EnvelopePolicy {
    fn default() -> Self {
        Self {
            max_envelope_size: 16 * 1024 * 1024,
            max_signers: 8,
            max_recipients: 16,
            max_certificates: 32,
            max_der_elements: 20_000,
            clock_skew: 300,
            allow_legacy_cbc: false,
            require_addressing: true,
            sm4_gcm: false,
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
