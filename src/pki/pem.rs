//! Splitting PEM text into its blocks (RFC 7468).
//!
//! Certificate bundles hold several blocks, often with text between them (OpenSSL
//! writes `subject=` lines, CAs write comments). We find each
//! `-----BEGIN <label>-----` … `-----END <label>-----` block and decode it strictly
//! with `pem-rfc7468`; anything outside the blocks is ignored.

use der::pem;
use zeroize::Zeroizing;

/// One decoded PEM block.
pub(crate) struct PemBlock {
    /// The block's label, e.g. `CERTIFICATE`.
    pub label: String,
    /// The decoded DER bytes (zeroized on drop: a block may hold a private key).
    pub der: Zeroizing<Vec<u8>>,
}

/// Returns true when `input` looks like PEM text rather than DER: DER starts with a
/// SEQUENCE tag (0x30), PEM with text containing a BEGIN line.
pub(crate) fn looks_like_pem(input: &[u8]) -> bool {
    input.first() != Some(&0x30) && find(input, b"-----BEGIN ").is_some()
}

/// Decodes every PEM block in `input`, in order. The error carries the position of
/// the failing block.
pub(crate) fn blocks(input: &[u8]) -> Vec<Result<PemBlock, pem::Error>> {
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(start) = find(rest, b"-----BEGIN ") {
        let block = &rest[start..];
        // The END line's label must match; find the END marker and the end of its line.
        let Some(end_marker) = find(block, b"-----END ") else {
            out.push(Err(pem::Error::PostEncapsulationBoundary));
            break;
        };
        let after_end = &block[end_marker + 9..];
        let Some(close) = find(after_end, b"-----") else {
            out.push(Err(pem::Error::PostEncapsulationBoundary));
            break;
        };
        let block_len = end_marker + 9 + close + 5;
        let decoded = pem::decode_vec(&block[..block_len]).map(|(label, der)| PemBlock {
            label: label.to_owned(),
            der: Zeroizing::new(der),
        });
        out.push(decoded);
        rest = &block[block_len..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_blocks_and_ignores_text_between() {
        let one = pem::encode_string("CERTIFICATE", pem::LineEnding::LF, &[0x30, 0x00]).unwrap();
        let two =
            pem::encode_string("PRIVATE KEY", pem::LineEnding::LF, &[0x30, 0x01, 0x05]).unwrap();
        let text = format!("subject=CN=x\n{one}\n# comment\n{two}");
        let found = blocks(text.as_bytes());
        assert_eq!(found.len(), 2);
        let first = found[0].as_ref().unwrap();
        assert_eq!(first.label, "CERTIFICATE");
        assert_eq!(&first.der[..], &[0x30, 0x00]);
        let second = found[1].as_ref().unwrap();
        assert_eq!(second.label, "PRIVATE KEY");
        assert_eq!(&second.der[..], &[0x30, 0x01, 0x05]);
    }

    #[test]
    fn unterminated_block_is_an_error() {
        let found = blocks(b"-----BEGIN CERTIFICATE-----\nMAA=\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].is_err());
        assert!(looks_like_pem(b"-----BEGIN CERTIFICATE-----"));
        assert!(!looks_like_pem(&[0x30, 0x82]));
    }
}
