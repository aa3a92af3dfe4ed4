//! SM2 signatures (GB/T 32918.2) with SM3 and the signer's distinguishing ID,
//! encoded as DER `SEQUENCE { r INTEGER, s INTEGER }`.

use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Reader, SliceReader, Tag};
use sm2::elliptic_curve::ops::{LinearCombination, Reduce};
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::elliptic_curve::{Group, PrimeField};
use sm2::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

use super::keys::{Sm2PrivateKey, Sm2PublicKey, random_scalar};
use super::sm3::Sm3;
use crate::error::{CryptoError, Error};

pub use crate::crypto::DEFAULT_SM2_ID;

/// The curve's `a`, `b`, `xG`, `yG`, big-endian, for `Z_A`.
const CURVE_A: [u8; 32] = hex32("fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc");
const CURVE_B: [u8; 32] = hex32("28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93");

const fn hex32(s: &str) -> [u8; 32] {
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

/// `Z_A = SM3(ENTL_A || ID_A || a || b || xG || yG || xA || yA)`
/// (GB/T 32918.2 §5.5). The ID's length in bits must fit 16 bits.
pub(crate) fn z_a(id: &[u8], public: &AffinePoint) -> Result<[u8; 32], Error> {
    let bits = u16::try_from(id.len() * 8).map_err(|_| CryptoError::InvalidLength {
        what: "SM2 distinguishing ID",
        expected: 8191,
        actual: id.len(),
    })?;
    let mut h = Sm3::new();
    h.update(&bits.to_be_bytes());
    h.update(id);
    h.update(&CURVE_A);
    h.update(&CURVE_B);
    h.update(
        &ProjectivePoint::GENERATOR
            .to_affine()
            .to_sec1_point(false)
            .as_bytes()[1..],
    );
    h.update(&public.to_sec1_point(false).as_bytes()[1..]);
    Ok(h.finish())
}

/// `e = SM3(Z_A || M)` as a scalar.
fn message_scalar(id: &[u8], public: &AffinePoint, message: &[u8]) -> Result<Scalar, Error> {
    let mut h = Sm3::new();
    h.update(&z_a(id, public)?);
    h.update(message);
    Ok(<Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(
        h.finish(),
    )))
}

impl Sm2PrivateKey {
    /// Signs `message` as the holder of `id` (usually [`DEFAULT_SM2_ID`]) with a
    /// fresh random `k`; returns the DER signature.
    pub fn sign(&self, id: &[u8], message: &[u8]) -> Result<Vec<u8>, Error> {
        let e = message_scalar(id, self.public_key().point(), message)?;
        let d = self.scalar();
        loop {
            let k = random_scalar()?;
            let x1 = (ProjectivePoint::GENERATOR * *k).to_affine().x();
            let r = e + <Scalar as Reduce<FieldBytes>>::reduce(&x1);
            if bool::from(r.is_zero() | (r + *k).is_zero()) {
                continue;
            }
            let s = *self.one_plus_d_inv() * (*k - r * *d);
            if bool::from(s.is_zero()) {
                continue;
            }
            return Ok(encode_signature(&r, &s));
        }
    }
}

impl Sm2PublicKey {
    /// Verifies a DER signature on `message` by the holder of `id`. Any
    /// failure, including `r` or `s` outside `[1, n - 1]`, a malformed
    /// encoding or another ID, is [`CryptoError::BadSignature`].
    pub fn verify(&self, id: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let (r, s) = decode_signature(signature).ok_or(CryptoError::BadSignature)?;
        let e = message_scalar(id, self.point(), message)?;
        let t = r + s;
        if bool::from(t.is_zero()) {
            return Err(CryptoError::BadSignature.into());
        }
        let point = ProjectivePoint::lincomb(&[
            (ProjectivePoint::GENERATOR, s),
            (ProjectivePoint::from(*self.point()), t),
        ]);
        if bool::from(point.is_identity()) {
            return Err(CryptoError::BadSignature.into());
        }
        let x1 = point.to_affine().x();
        if e + <Scalar as Reduce<FieldBytes>>::reduce(&x1) == r {
            Ok(())
        } else {
            Err(CryptoError::BadSignature.into())
        }
    }
}

/// DER `SEQUENCE { r INTEGER, s INTEGER }`.
pub(crate) fn encode_signature(r: &Scalar, s: &Scalar) -> Vec<u8> {
    let (r, s) = (r.to_repr(), s.to_repr());
    let mut body = Vec::with_capacity(70);
    for v in [&r, &s] {
        UintRef::new(v)
            .and_then(|u| u.encode_to_vec(&mut body))
            .expect("a 32-byte INTEGER encodes");
    }
    AnyRef::new(Tag::Sequence, &body)
        .and_then(|any| any.to_der())
        .expect("a short SEQUENCE encodes")
}

/// `(r, s)` from DER, each in `[1, n - 1]`; `None` for anything else.
pub(crate) fn decode_signature(der: &[u8]) -> Option<(Scalar, Scalar)> {
    let seq = AnyRef::from_der(der).ok()?;
    if der::Tagged::tag(&seq) != Tag::Sequence {
        return None;
    }
    let mut reader = SliceReader::new(seq.value()).ok()?;
    let r = UintRef::decode(&mut reader).ok()?;
    let s = UintRef::decode(&mut reader).ok()?;
    if !reader.is_finished() {
        return None;
    }
    Some((
        scalar_in_range(r.as_bytes())?,
        scalar_in_range(s.as_bytes())?,
    ))
}

/// A big-endian integer as a scalar when it is in `[1, n - 1]`.
fn scalar_in_range(bytes: &[u8]) -> Option<Scalar> {
    let len = bytes.len();
    if len > 32 {
        return None;
    }
    let mut repr = FieldBytes::default();
    repr[32 - len..].copy_from_slice(bytes);
    let scalar = Option::<Scalar>::from(Scalar::from_repr(repr))?;
    (!bool::from(scalar.is_zero())).then_some(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_constants_are_the_recommended_curve() {
        // GB/T 32918.5: the generator's x, and the order n (as n - 1).
        let g = ProjectivePoint::GENERATOR.to_affine().to_sec1_point(false);
        assert_eq!(
            hex::encode(&g.as_bytes()[1..33]),
            "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
        );
        let n_minus_1 = -Scalar::ONE;
        assert_eq!(
            hex::encode(n_minus_1.to_repr()),
            "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122"
        );
    }

    #[test]
    fn signatures_round_trip_and_out_of_range_scalars_are_refused() {
        let r = Scalar::from(5u64);
        let s = -Scalar::ONE;
        let der = encode_signature(&r, &s);
        assert_eq!(decode_signature(&der), Some((r, s)));
        let zero = [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01];
        assert_eq!(decode_signature(&zero), None);
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(decode_signature(&trailing), None);
    }
}
