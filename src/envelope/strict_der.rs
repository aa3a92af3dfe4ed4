//! The strict DER walk every envelope, and every SignedData it decrypts to,
//! goes through before anything is decoded.
//!
//! # Why a walker, and what the decoders still do
//!
//! The typed decoders (`der`, `cms`, `x509-cert`) are strict about what they
//! decode, but an envelope has parts they hold as an opaque `Any` without
//! looking inside: algorithm parameters, attribute values, the recipient
//! entries of the other recipients' keys, certificates that are not used. A
//! malformed encoding there would be carried through unseen. Decoding every
//! such part fully would mean knowing, and allocating, every structure CMS
//! admits there; instead this walk checks the encoding rules of DER on every
//! tag-length-value of the input, whatever its meaning, in one pass over the
//! headers, with no allocation but a stack of open elements (bounded by
//! [`MAX_DER_DEPTH`]) and no copy:
//!
//! * tags and lengths are DER: low tag numbers in the short form, multi-byte
//!   tag numbers minimal, definite lengths in the fewest octets (no
//!   indefinite length), universal types that DER encodes primitive
//!   (BOOLEAN, INTEGER, BIT/OCTET STRING, NULL, OBJECT IDENTIFIER, strings,
//!   times) never constructed, SEQUENCE and SET never primitive;
//! * every element lies within the one that contains it and fills it exactly:
//!   no truncation and no bytes left over, in the input as a whole too;
//! * the contents of the primitive types whose DER form is fixed: BOOLEAN is
//!   one octet, `00` or `FF`; INTEGER and ENUMERATED are non-empty and
//!   minimal; NULL is empty; OBJECT IDENTIFIER and RELATIVE-OID are non-empty
//!   with every subidentifier in minimal base 128; BIT STRING has at most 7
//!   unused bits, none in an empty string, all of them zero; UTCTime is
//!   `YYMMDDHHMMSSZ` and GeneralizedTime `YYYYMMDDHHMMSS[.f]Z` without
//!   trailing zeros in the fraction;
//! * SET OF order is not checked here. X.690 §11.6 wants the elements of a
//!   SET OF in ascending order of their encodings, but the `cms` and `der`
//!   crates that write our envelopes order RecipientInfos and SignerInfos by
//!   their own comparison (`DerOrd`), not by the encodings, so envelopes
//!   sealed to several recipients or signed by several signers, ours
//!   included, are not in that order; refusing them would refuse our own.
//!   The decoders check the order they write (`SetOfVec`), where they decode.
//!
//! The contents of OCTET STRINGs and BIT STRINGs are not walked: the
//! ciphertext, the payload and signature values are opaque bytes. What a
//! walk without the schema cannot see (which elements a structure has, the
//! character sets of strings, the ranges of times) is what the typed
//! decoders that run next check, for the parts they decode.
//!
//! The walk reads each header once and each primitive's contents only for
//! the types above (a few bytes each), so its cost is proportional to the
//! number of elements, not to the size of the payload.

use der::{Decode, ErrorKind, Header, Length, Reader, SliceReader, Tag};

use super::policy::{EnvelopePolicy, MAX_DER_DEPTH};
use crate::error::{EnvelopeError, Error};

/// Checks `der` before anything is decoded, as described in the module docs
/// (tags, definite minimal lengths, nothing left over, OBJECT IDENTIFIER,
/// BOOLEAN, INTEGER, NULL, BIT STRING and time contents): refuses it with
/// [`EnvelopeError::Malformed`] (`what`, and the `der` error with its
/// position) when any element breaks DER, and with
/// [`EnvelopeError::LimitExceeded`] when it holds more than the policy's
/// `max_der_elements` elements or nests deeper than [`MAX_DER_DEPTH`].
pub(super) fn check_der_shape(
    policy: &EnvelopePolicy,
    der: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let malformed = |kind: ErrorKind, at: usize| -> Error {
        let position = Length::try_from(at).unwrap_or(Length::MAX);
        EnvelopeError::Malformed {
            what,
            source: der::Error::new(kind, position),
        }
        .into()
    };
    let mut count = 0usize;
    // End offsets of the constructed elements we are inside, innermost last.
    let mut open: Vec<usize> = Vec::new();
    let mut pos = 0usize;
    loop {
        while open.last() == Some(&pos) {
            open.pop();
        }
        let end = match open.last() {
            Some(&end) => end,
            None if count == 0 => der.len(),
            None if pos == der.len() => return Ok(()),
            None => {
                return Err(malformed(
                    ErrorKind::TrailingData {
                        decoded: Length::try_from(pos).unwrap_or(Length::MAX),
                        remaining: Length::try_from(der.len() - pos).unwrap_or(Length::MAX),
                    },
                    pos,
                ));
            }
        };
        let (tag, constructed, header_len, body_len) =
            header(&der[pos..end]).map_err(|(kind, offset)| malformed(kind, pos + offset))?;
        count += 1;
        policy.check_count("DER elements", count, policy.max_der_elements)?;
        let body = pos + header_len;
        let element_end = body + body_len;
        if constructed {
            policy.check_count("DER nesting depth", open.len() + 1, MAX_DER_DEPTH)?;
            open.push(element_end);
            pos = body;
        } else {
            check_contents(tag, &der[body..element_end])
                .map_err(|(kind, offset)| malformed(kind, body + offset))?;
            pos = element_end;
        }
    }
}

/// The header at the start of `input` (all that is left of the enclosing
/// element): its tag, whether it is constructed, its length and its body's
/// length, the body lying within `input`. On error, the kind and its offset.
fn header(input: &[u8]) -> Result<(Tag, bool, usize, usize), (ErrorKind, usize)> {
    let rel = |e: der::Error| {
        let at = e
            .position()
            .and_then(|p| usize::try_from(p).ok())
            .unwrap_or(0);
        (e.kind(), at)
    };
    let mut reader = SliceReader::new(input).map_err(rel)?;
    let header = Header::decode(&mut reader).map_err(rel)?;
    let overflow = (ErrorKind::Overflow, 0);
    let header_len = usize::try_from(reader.position()).map_err(|_| overflow)?;
    let body_len = usize::try_from(header.length()).map_err(|_| overflow)?;
    let total = header_len.checked_add(body_len).ok_or(overflow)?;
    if total > input.len() {
        return Err((
            ErrorKind::Incomplete {
                expected_len: Length::try_from(total).unwrap_or(Length::MAX),
                actual_len: Length::try_from(input.len()).unwrap_or(Length::MAX),
            },
            input.len(),
        ));
    }
    let tag = header.tag();
    Ok((tag, tag.is_constructed(), header_len, body_len))
}

/// Checks the contents of a primitive element against the DER rules of its
/// universal type (the module docs list them); other types pass. On error,
/// the kind and its offset in `value`.
fn check_contents(tag: Tag, value: &[u8]) -> Result<(), (ErrorKind, usize)> {
    let length = (tag.length_error(), 0);
    let noncanonical = (tag.non_canonical_error(), 0);
    match tag {
        Tag::Boolean => match value {
            [0x00] | [0xff] => Ok(()),
            [_] => Err(noncanonical),
            _ => Err(length),
        },
        Tag::Integer | Tag::Enumerated => match value {
            [] => Err(length),
            [0x00, next, ..] if next & 0x80 == 0 => Err(noncanonical),
            [0xff, next, ..] if next & 0x80 != 0 => Err(noncanonical),
            _ => Ok(()),
        },
        Tag::Null if !value.is_empty() => Err(length),
        Tag::ObjectIdentifier | Tag::RelativeOid => check_oid(value),
        Tag::BitString => match value {
            [] => Err(length),
            [unused, ..] if *unused > 7 => Err(noncanonical),
            [unused] if *unused != 0 => Err(noncanonical),
            [unused, .., last] if last & ((1u8 << unused) - 1) != 0 => {
                Err((tag.non_canonical_error(), value.len() - 1))
            }
            _ => Ok(()),
        },
        Tag::UtcTime => check_time(value, 12),
        Tag::GeneralizedTime => check_time(value, 14),
        _ => Ok(()),
    }
}

/// An OBJECT IDENTIFIER's (or RELATIVE-OID's) contents: non-empty, every
/// subidentifier in the fewest base-128 octets (none starts with `80`), the
/// last one complete.
fn check_oid(value: &[u8]) -> Result<(), (ErrorKind, usize)> {
    if value.last().is_none_or(|last| last & 0x80 != 0) {
        return Err((ErrorKind::OidMalformed, value.len()));
    }
    let mut starts_subidentifier = true;
    for (at, &byte) in value.iter().enumerate() {
        if starts_subidentifier && byte == 0x80 {
            return Err((ErrorKind::OidMalformed, at));
        }
        starts_subidentifier = byte & 0x80 == 0;
    }
    Ok(())
}

/// A UTCTime (`digits` 12) or GeneralizedTime (`digits` 14) in its DER form:
/// the digits, for GeneralizedTime an optional fraction of seconds without
/// trailing zeros, then `Z`.
fn check_time(value: &[u8], digits: usize) -> Result<(), (ErrorKind, usize)> {
    let bad = |at: usize| (ErrorKind::DateTime, at);
    let (body, zone) = value.split_at(value.len().saturating_sub(1));
    if zone != b"Z" || body.len() < digits {
        return Err(bad(value.len().saturating_sub(1)));
    }
    let (whole, fraction) = body.split_at(digits);
    if let Some(at) = whole.iter().position(|b| !b.is_ascii_digit()) {
        return Err(bad(at));
    }
    match fraction {
        [] => Ok(()),
        [b'.', decimals @ .., last] if digits == 14 && *last != b'0' => {
            match decimals
                .iter()
                .chain([last])
                .position(|b| !b.is_ascii_digit())
            {
                Some(at) => Err(bad(digits + 1 + at)),
                None => Ok(()),
            }
        }
        _ => Err(bad(digits)),
    }
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

    fn refusal(der: &[u8]) -> Option<ErrorKind> {
        match check_der_shape(&EnvelopePolicy::default(), der, "test") {
            Ok(()) => None,
            Err(Error::Envelope(EnvelopeError::Malformed {
                what: "test",
                source,
            })) => Some(source.kind()),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn counts_every_element_and_stops_at_the_limit() {
        // SEQUENCE { INTEGER 1, SEQUENCE { NULL }, OCTET STRING { 30 00 } }: the
        // octet string's contents are not elements.
        let der = [
            0x30, 0x0b, 0x02, 0x01, 0x01, 0x30, 0x02, 0x05, 0x00, 0x04, 0x02, 0x30, 0x00,
        ];
        check_der_shape(&policy(5), &der, "test").unwrap();
        let err = check_der_shape(&policy(4), &der, "test").unwrap_err();
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
    fn refuses_deep_nesting() {
        let mut der = vec![0x05, 0x00];
        for _ in 0..MAX_DER_DEPTH {
            let mut outer = vec![0x30, der.len() as u8];
            outer.extend_from_slice(&der);
            der = outer;
        }
        check_der_shape(&EnvelopePolicy::default(), &der, "test").unwrap();
        let deeper = [&[0x30, der.len() as u8][..], &der].concat();
        let err = check_der_shape(&EnvelopePolicy::default(), &deeper, "test").unwrap_err();
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
    }

    #[test]
    fn refuses_malformed_framing_with_its_position() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x02],
            // Indefinite length, long form where the short one suffices.
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x81, 0x03, 0x02, 0x01, 0x00],
            &[0x30, 0x03, 0x02, 0x81, 0x01, 0x00],
            // A child running past its parent; a byte left over inside, and after.
            &[0x30, 0x03, 0x02, 0x02, 0x01, 0x00],
            &[0x30, 0x04, 0x02, 0x01, 0x00, 0x00],
            &[0x30, 0x03, 0x02, 0x01, 0x00, 0x00],
            // Constructed OCTET STRING (BER), primitive SEQUENCE.
            &[0x24, 0x03, 0x04, 0x01, 0x00],
            &[0x10, 0x00],
            // A tag number in the long form that fits the short one.
            &[0x9f, 0x05, 0x00],
        ] {
            assert!(refusal(bad).is_some(), "{bad:02x?}");
        }
        let err = check_der_shape(
            &EnvelopePolicy::default(),
            &[0x30, 0x06, 0x30, 0x04, 0x06, 0x00, 0x05, 0x00],
            "test",
        )
        .unwrap_err();
        let Error::Envelope(EnvelopeError::Malformed { source, .. }) = err else {
            panic!("{err}")
        };
        assert_eq!(source.kind(), ErrorKind::OidMalformed);
        assert_eq!(source.position(), Some(Length::new(6)));
    }

    #[test]
    fn checks_the_contents_of_fixed_form_types() {
        let wrap = |tlv: &[u8]| [&[0x30, tlv.len() as u8][..], tlv].concat();
        let good: [&[u8]; 12] = [
            &[0x01, 0x01, 0xff],
            &[0x01, 0x01, 0x00],
            &[0x02, 0x01, 0x00],
            &[0x02, 0x02, 0x00, 0x80],
            &[0x02, 0x02, 0xff, 0x7f],
            &[0x05, 0x00],
            &[0x06, 0x03, 0x2a, 0x86, 0x48],
            &[0x03, 0x01, 0x00],
            &[0x03, 0x02, 0x04, 0xf0],
            b"\x17\x0d491231235959Z",
            b"\x18\x0f20491231235959Z",
            b"\x18\x1120491231235959.5Z",
        ];
        for der in good {
            assert_eq!(refusal(&wrap(der)), None, "{der:02x?}");
        }
        let bad: [&[u8]; 16] = [
            &[0x01, 0x01, 0x01],
            &[0x01, 0x00],
            &[0x02, 0x00],
            &[0x02, 0x02, 0x00, 0x7f],
            &[0x02, 0x02, 0xff, 0x80],
            &[0x0a, 0x02, 0x00, 0x01],
            &[0x05, 0x01, 0x00],
            &[0x06, 0x00],
            &[0x06, 0x02, 0x80, 0x01],
            &[0x06, 0x02, 0x2a, 0x86],
            &[0x03, 0x00],
            &[0x03, 0x01, 0x01],
            &[0x03, 0x02, 0x08, 0x00],
            &[0x03, 0x02, 0x04, 0xf8],
            b"\x17\x0b4912312359Z",
            b"\x18\x1120491231235959.0Z",
        ];
        for der in bad {
            assert!(refusal(&wrap(der)).is_some(), "{der:02x?}");
        }
    }
}
