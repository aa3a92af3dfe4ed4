//! DER surgery on an AuthEnvelopedData sealed to two recipients: the entry
//! of the recipient that is not opening it, and the unauthenticated
//! attributes, made malformed at byte level (CMS protects neither, so each
//! is malformed DER, not a forgery). The bad-input catalogue and the fuzz
//! seeds use the same envelopes.

/// A header's length and its body's length at the start of `der` (DER,
/// lengths of up to 4 octets).
fn header(der: &[u8]) -> (usize, usize) {
    match der[1] {
        len @ 0..=0x7f => (2, usize::from(len)),
        first @ 0x81..=0x84 => {
            let n = usize::from(first - 0x80);
            let len = der[2..2 + n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (2 + n, len)
        }
        other => panic!("length octet {other:#04x}"),
    }
}

/// `tag`, the DER length of `body`, then `body`.
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len();
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        0x100..=0xffff => out.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(body);
    out
}

/// The elements in `body`, as (start, end) offsets.
fn elements(body: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let (h, l) = header(&body[pos..]);
        out.push((pos, pos + h + l));
        pos += h + l;
    }
    out
}

/// The body of the element at the start of `der`.
fn body(der: &[u8]) -> &[u8] {
    let (h, l) = header(der);
    &der[h..h + l]
}

/// Rebuilds `envelope` (ContentInfo { OID, [0] AuthEnvelopedData }) with the
/// AuthEnvelopedData's elements passed through `change`, every enclosing
/// length re-encoded.
fn rebuild(envelope: &[u8], change: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let info = body(envelope);
    let parts = elements(info);
    let oid = &info[parts[0].0..parts[0].1];
    let auth = body(body(&info[parts[1].0..parts[1].1]));
    let mut fields: Vec<Vec<u8>> = elements(auth)
        .into_iter()
        .map(|(s, e)| auth[s..e].to_vec())
        .collect();
    change(&mut fields);
    let auth = tlv(0x30, &fields.concat());
    tlv(0x30, &[oid.to_vec(), tlv(0xa0, &auth)].concat())
}

/// `envelope` with the RecipientInfo that starts with `tag` (0x30 for a
/// KeyTransRecipientInfo, 0xa1 for a KeyAgreeRecipientInfo) replaced by what
/// `change` makes of its body, its length re-encoded.
fn with_entry(envelope: &[u8], tag: u8, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    rebuild(envelope, |fields| {
        // version, originatorInfo absent: the recipientInfos SET is second.
        let set = body(&fields[1]).to_vec();
        let mut entries: Vec<Vec<u8>> = elements(&set)
            .into_iter()
            .map(|(s, e)| set[s..e].to_vec())
            .collect();
        let entry = entries
            .iter_mut()
            .find(|e| e[0] == tag)
            .expect("a recipient entry with that tag");
        let mut inner = body(entry).to_vec();
        change(&mut inner);
        *entry = tlv(tag, &inner);
        fields[1] = tlv(0x31, &entries.concat());
    })
}

/// The sha256 AlgorithmIdentifier's OID, as OAEP parameters name it.
const SHA256_OID: [u8; 11] = [
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
];

/// The malformed variants of `envelope`, which must be sealed to a P-256
/// recipient and an RSA one: each name (a fuzz seed's file name) with the
/// envelope in which the RSA recipient's KeyTransRecipientInfo, or the
/// unauthenticated attributes, break DER. The P-256 recipient's entry and
/// everything it uses are intact.
pub fn malformed_two_recipient_envelopes(envelope: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            // In the OAEP parameters, which the decoders hold opaque.
            "ours-other-recipient-oid-length-0.der",
            with_entry(envelope, 0x30, |entry| {
                let at = entry
                    .windows(SHA256_OID.len())
                    .position(|w| w == SHA256_OID)
                    .expect("OAEP names SHA-256");
                entry[at + 1] = 0;
            }),
        ),
        (
            // The version INTEGER's length in the long form.
            "ours-other-recipient-long-form-length.der",
            with_entry(envelope, 0x30, |entry| {
                assert_eq!(entry[..3], [0x02, 0x01, 0x00], "version 0");
                entry.splice(1..2, [0x81, 0x01]);
            }),
        ),
        (
            "ours-other-recipient-trailing-byte.der",
            with_entry(envelope, 0x30, |entry| entry.push(0)),
        ),
        (
            // unauthAttrs [2] { Attribute { 1.2.3.4, SET { INTEGER 00 01 } } }:
            // the value's INTEGER is not minimal.
            "ours-unauth-attr-integer-not-minimal.der",
            rebuild(envelope, |fields| {
                let value = tlv(0x31, &[0x02, 0x02, 0x00, 0x01]);
                let attribute = tlv(
                    0x30,
                    &[&[0x06, 0x03, 0x2a, 0x03, 0x04][..], &value].concat(),
                );
                fields.push(tlv(0xa2, &attribute));
            }),
        ),
    ]
}
