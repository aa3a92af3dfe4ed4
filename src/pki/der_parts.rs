//! The raw DER pieces path diagnosis needs, read without a full parse: a name's
//! encoding as webpki compares it, an AlgorithmIdentifier's OID, and a
//! certificate's to-be-signed bytes and signature (to find which link of a chain
//! has the bad signature).

use der::Encode;
use pki_types::SignatureVerificationAlgorithm;

use super::Certificate;
use super::signature_algorithms::SIGNATURE_ALGORITHMS;

/// The DER value (contents, without the SEQUENCE header) of the certificate's
/// subject or issuer name, as webpki compares names.
pub(crate) fn name_value(cert: &Certificate, subject: bool) -> Option<Vec<u8>> {
    let tbs = cert.x509().tbs_certificate();
    let name = if subject { tbs.subject() } else { tbs.issuer() };
    let der = name.to_der().ok()?;
    let (_, contents, _) = tlv(&der)?;
    Some(contents.to_vec())
}

/// Splits the first DER element of `input`: (whole element, contents, rest).
fn tlv(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let first_len = *input.get(1)?;
    let (header, len) = if first_len < 0x80 {
        (2, usize::from(first_len))
    } else {
        let count = usize::from(first_len & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = input.get(2..2 + count)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + count, len)
    };
    let end = header.checked_add(len)?;
    let element = input.get(..end)?;
    Some((element, &element[header..], &input[end..]))
}

/// The OID inside an AlgorithmIdentifier's contents (webpki's form, without the
/// SEQUENCE header).
pub(crate) fn algorithm_oid(contents: &[u8]) -> Option<const_oid::ObjectIdentifier> {
    let (_, oid, _) = tlv(contents)?;
    (contents.first() == Some(&0x06))
        .then(|| const_oid::ObjectIdentifier::from_bytes(oid).ok())
        .flatten()
}

/// Whether `child`'s signature verifies with `issuer`'s key under one of the
/// accepted algorithms.
pub(crate) fn signature_verifies(child: &Certificate, issuer: &Certificate) -> bool {
    signature_verifies_under(child, issuer, SIGNATURE_ALGORITHMS)
}

/// Whether `child`'s signature verifies with `issuer`'s key under one of
/// `algorithms` (whose identifiers must match the certificate's and the key's).
pub(crate) fn signature_verifies_under(
    child: &Certificate,
    issuer: &Certificate,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> bool {
    let Some((_, cert_contents, _)) = tlv(child.der()) else {
        return false;
    };
    let Some((tbs, _, rest)) = tlv(cert_contents) else {
        return false;
    };
    let Some((_, algorithm, rest)) = tlv(rest) else {
        return false;
    };
    let Some((_, bits, _)) = tlv(rest) else {
        return false;
    };
    let Some((0, signature)) = bits.split_first() else {
        return false;
    };
    let spki = issuer.spki_der();
    let Some((_, spki_contents, _)) = tlv(spki) else {
        return false;
    };
    let Some((_, key_algorithm, key_rest)) = tlv(spki_contents) else {
        return false;
    };
    let Some((_, key_bits, _)) = tlv(key_rest) else {
        return false;
    };
    let Some((0, public_key)) = key_bits.split_first() else {
        return false;
    };
    algorithms
        .iter()
        .any(|alg: &&dyn SignatureVerificationAlgorithm| {
            alg.signature_alg_id().as_ref() == algorithm
                && alg.public_key_alg_id().as_ref() == key_algorithm
                && alg.verify_signature(public_key, tbs, signature).is_ok()
        })
}
