//! SM2 public-key encryption (GB/T 32918.4) with SM3, in the GM/T 0009 ASN.1
//! form `SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (32), ciphertext
//! OCTET STRING }` (C1, C3, C2), which OpenSSL 3 writes and reads.

use der::asn1::{AnyRef, OctetStringRef, UintRef};
use der::{Decode, Encode, Reader, SliceReader, Tag};
use sm2::elliptic_curve::Group;
use sm2::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use sm2::{AffinePoint, FieldBytes, ProjectivePoint};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::keys::{Sm2PrivateKey, Sm2PublicKey, random_scalar};
use super::sm3::{SM3_OUTPUT_LEN, Sm3};
use crate::error::{CryptoError, Error};

const C1: &str = "SM2 ciphertext C1";
const CIPHERTEXT: &str = "SM2 ciphertext";

/// `(x2, y2)` as the 64 bytes the KDF and the check hash read.
fn shared_coordinates(point: &ProjectivePoint) -> Zeroizing<[u8; 64]> {
    let encoded = point.to_affine().to_sec1_point(false);
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&encoded.as_bytes()[1..]);
    out
}

/// XORs `data` with `KDF(x2 || y2, len)` (GB/T 32918.4 §5.4.3, SM3 with a
/// 32-bit big-endian counter from 1) and says whether the key stream was all
/// zero, without a branch on its bytes.
fn kdf_xor(xy: &[u8; 64], data: &mut [u8]) -> bool {
    let mut any = 0u8;
    for (counter, chunk) in (1u32..).zip(data.chunks_mut(SM3_OUTPUT_LEN)) {
        let mut h = Sm3::new();
        h.update(xy);
        h.update(&counter.to_be_bytes());
        let mut t = h.finish();
        for (d, k) in chunk.iter_mut().zip(&t) {
            any |= k;
            *d ^= k;
        }
        t.zeroize();
    }
    bool::from(any.ct_eq(&0))
}

/// `C3 = SM3(x2 || M || y2)`.
fn check_hash(xy: &[u8; 64], message: &[u8]) -> [u8; SM3_OUTPUT_LEN] {
    let mut h = Sm3::new();
    h.update(&xy[..32]);
    h.update(message);
    h.update(&xy[32..]);
    h.finish()
}

impl Sm2PublicKey {
    /// Encrypts `message` (not empty) to this key with a fresh random `k`.
    pub fn encrypt(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        if message.is_empty() {
            return Err(CryptoError::InvalidLength {
                what: "SM2 plaintext",
                expected: 1,
                actual: 0,
            }
            .into());
        }
        let public = ProjectivePoint::from(*self.point());
        loop {
            let k = random_scalar()?;
            let c1 = (ProjectivePoint::GENERATOR * *k).to_affine();
            // h = 1 on this curve, so [h]P is P, which is not the identity.
            let xy = shared_coordinates(&(public * *k));
            let mut c2 = message.to_vec();
            if kdf_xor(&xy, &mut c2) {
                // A zero key stream would leave the message in clear: new k.
                c2.zeroize();
                continue;
            }
            let c3 = check_hash(&xy, message);
            return Ok(encode(&c1, &c3, &c2));
        }
    }
}

impl Sm2PrivateKey {
    /// Decrypts a GM/T 0009 ASN.1 ciphertext. A truncated or garbled encoding
    /// is [`CryptoError::MalformedCiphertext`], a C1 off the curve
    /// [`CryptoError::PointNotOnCurve`]; a check hash C3 that does not match
    /// (compared in constant time) or an all-zero key stream is
    /// [`CryptoError::DecryptFailed`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let parts = decode(ciphertext)?;
        let c1 = ProjectivePoint::from(parts.c1);
        if bool::from(c1.is_identity()) {
            return Err(CryptoError::IdentityPoint { what: C1 }.into());
        }
        let xy = shared_coordinates(&(c1 * *self.scalar()));
        let mut plain = Zeroizing::new(parts.c2.to_vec());
        let zero_stream = kdf_xor(&xy, &mut plain);
        let u = check_hash(&xy, &plain);
        let hash_ok = u.ct_eq(parts.c3);
        if zero_stream || !bool::from(hash_ok) {
            plain.zeroize();
            return Err(CryptoError::DecryptFailed.into());
        }
        Ok(plain)
    }
}

/// The three parts of a decoded ciphertext.
struct Parts<'a> {
    c1: AffinePoint,
    c3: &'a [u8],
    c2: &'a [u8],
}

fn encode(c1: &AffinePoint, c3: &[u8], c2: &[u8]) -> Vec<u8> {
    let point = c1.to_sec1_point(false);
    let (x, y) = point.as_bytes()[1..].split_at(32);
    let mut body = Vec::with_capacity(c2.len() + 110);
    let encoded = UintRef::new(x)
        .and_then(|v| v.encode_to_vec(&mut body))
        .and_then(|_| UintRef::new(y))
        .and_then(|v| v.encode_to_vec(&mut body))
        .and_then(|_| OctetStringRef::new(c3))
        .and_then(|v| v.encode_to_vec(&mut body))
        .and_then(|_| OctetStringRef::new(c2))
        .and_then(|v| v.encode_to_vec(&mut body))
        .and_then(|_| AnyRef::new(Tag::Sequence, &body))
        .and_then(|any| any.to_der());
    encoded.expect("an SM2 ciphertext under 4 GiB encodes")
}

fn decode(der: &[u8]) -> Result<Parts<'_>, Error> {
    let malformed = |_| CryptoError::MalformedCiphertext { what: CIPHERTEXT };
    let seq = AnyRef::from_der(der).map_err(malformed)?;
    if der::Tagged::tag(&seq) != Tag::Sequence {
        return Err(CryptoError::MalformedCiphertext { what: CIPHERTEXT }.into());
    }
    let mut reader = SliceReader::new(seq.value()).map_err(malformed)?;
    let x = UintRef::decode(&mut reader).map_err(malformed)?;
    let y = UintRef::decode(&mut reader).map_err(malformed)?;
    let c3 = <&OctetStringRef>::decode(&mut reader).map_err(malformed)?;
    let c2 = <&OctetStringRef>::decode(&mut reader).map_err(malformed)?;
    if !reader.is_finished()
        || x.as_bytes().len() > 32
        || y.as_bytes().len() > 32
        || c3.as_bytes().len() != SM3_OUTPUT_LEN
        || c2.as_bytes().is_empty()
    {
        return Err(CryptoError::MalformedCiphertext { what: CIPHERTEXT }.into());
    }
    let mut xb = FieldBytes::default();
    let mut yb = FieldBytes::default();
    xb[32 - x.as_bytes().len()..].copy_from_slice(x.as_bytes());
    yb[32 - y.as_bytes().len()..].copy_from_slice(y.as_bytes());
    let point = sm2::Sec1Point::from_affine_coordinates(&xb, &yb, false);
    let c1 = Option::<AffinePoint>::from(AffinePoint::from_sec1_point(&point))
        .ok_or(CryptoError::PointNotOnCurve { what: C1 })?;
    Ok(Parts {
        c1,
        c3: c3.as_bytes(),
        c2: c2.as_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_stream_flags_zero_only_when_all_zero() {
        // The flag reads the key stream, not the data: XOR a buffer with the
        // stream of some point and it is nonzero.
        let xy = [7u8; 64];
        let mut data = [0u8; 40];
        assert!(!kdf_xor(&xy, &mut data));
        assert!(data.iter().any(|b| *b != 0));
        // And the stream is SM3(xy || counter): the first block's first bytes.
        let mut h = Sm3::new();
        h.update(&xy);
        h.update(&1u32.to_be_bytes());
        assert_eq!(data[..32], h.finish());
    }
}
