//! Limits and algorithm policy for opening envelopes (docs/limits.md lists every
//! limit on attacker-controlled sizes and where it is enforced).

use der::{Decode, Header, Reader, SliceReader};

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

    /// Walks the DER tag-length-value structure of `der`, without decoding any
    /// value, and refuses it when it holds more than `max_der_elements` elements
    /// or nests deeper than [`MAX_DER_DEPTH`]. A malformed encoding stops the
    /// walk: the decoder that runs next reports it, with its position.
    pub(crate) fn check_der_shape(&self, der: &[u8]) -> Result<(), Error> {
        let mut count = 0usize;
        // End offsets of the constructed elements we are inside, innermost last.
        let mut open: Vec<usize> = Vec::new();
        let mut pos = 0usize;
        loop {
            while open.last().is_some_and(|&end| pos >= end) {
                open.pop();
            }
            let end = open.last().copied().unwrap_or(der.len());
            let Some((constructed, header_len, body_len)) = der_header(&der[pos..end]) else {
                return Ok(());
            };
            count += 1;
            self.check_count("DER elements", count, self.max_der_elements)?;
            if constructed {
                self.check_count("DER nesting depth", open.len() + 1, MAX_DER_DEPTH)?;
                open.push(pos + header_len + body_len);
                pos += header_len;
            } else {
                pos += header_len + body_len;
            }
        }
    }
}

/// The header of the DER element at the start of `input`: whether it is
/// constructed, the header's length and the body's length, the body lying within
/// `input`. `None` at the end of the input or for anything malformed.
fn der_header(input: &[u8]) -> Option<(bool, usize, usize)> {
    let mut reader = SliceReader::new(input).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    let header_len = usize::try_from(reader.position()).ok()?;
    let body_len = usize::try_from(header.length()).ok()?;
    (header_len.checked_add(body_len)? <= input.len()).then_some((
        header.tag().is_constructed(),
        header_len,
        body_len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_der_elements: usize) -> EnvelopePolicy {
        EnvelopePolicy {
            max_der_elements,
            ..EnvelopePolicy::default()
        }
    }

    #[test]
    fn counts_every_element_and_stops_at_the_limit() {
        // SEQUENCE { INTEGER 1, SEQUENCE { NULL }, OCTET STRING { 30 00 } }: the
        // octet string's contents are not elements.
        let der = [
            0x30, 0x0b, 0x02, 0x01, 0x01, 0x30, 0x02, 0x05, 0x00, 0x04, 0x02, 0x30, 0x00,
        ];
        policy(5).check_der_shape(&der).unwrap();
        let err = policy(4).check_der_shape(&der).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::LimitExceeded {
                    what: "DER elements",
                    count: 5,
                    max: 4
                })
            ),
            "{err}"
        );
    }

    #[test]
    fn refuses_deep_nesting_and_leaves_malformed_input_to_the_decoder() {
        let mut der = vec![0x05, 0x00];
        for _ in 0..MAX_DER_DEPTH {
            let mut outer = vec![0x30, der.len() as u8];
            outer.extend_from_slice(&der);
            der = outer;
        }
        EnvelopePolicy::default().check_der_shape(&der).unwrap();
        let deeper = [&[0x30, der.len() as u8][..], &der].concat();
        let err = EnvelopePolicy::default()
            .check_der_shape(&deeper)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::LimitExceeded {
                    what: "DER nesting depth",
                    ..
                })
            ),
            "{err}"
        );
        // Truncated, overlong, indefinite length: not ours to report.
        for bad in [
            &[0x30, 0x05, 0x02][..],
            &[0x30, 0x80, 0x00, 0x00],
            &[],
            &[0x30],
        ] {
            policy(1).check_der_shape(bad).unwrap();
        }
    }
}
