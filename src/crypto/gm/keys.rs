//! SM2 keys: private keys from PKCS#8 DER (the PKI module's
//! [`PrivateKeyDer`](crate::pki::PrivateKeyDer) loads every format, plain or
//! PBES2-encrypted PKCS#8 and SEC1 `EC PRIVATE KEY`, and hands the PKCS#8 on),
//! public keys from a `SubjectPublicKeyInfo` or a SEC1 point.

use core::fmt;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode};
use sm2::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use sm2::{AffinePoint, NonZeroScalar, ProjectivePoint, Scalar, SecretKey};

use crate::crypto::{KeyFamily, oids};
use crate::error::{CryptoError, Error, KeyError};

/// An SM2 private key with its public key. The scalar is zeroized on drop and
/// never printed.
#[derive(Clone)]
pub struct Sm2PrivateKey {
    secret: SecretKey,
    /// `(1 + d)^-1 mod n`, which every signature needs.
    one_plus_d_inv: Scalar,
    public: Sm2PublicKey,
}

impl Sm2PrivateKey {
    /// A key from its big-endian scalar `d`, which must be in `[1, n - 2]`
    /// (GB/T 32918.1 §6.1: `1 + d` must be invertible).
    pub(crate) fn from_scalar_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let secret = SecretKey::from_slice(bytes).map_err(|_| refused("SM2 private scalar"))?;
        let d: NonZeroScalar = secret.to_nonzero_scalar();
        let one_plus_d_inv = Option::<Scalar>::from((Scalar::ONE + *d).invert())
            .ok_or_else(|| refused("SM2 private scalar"))?;
        let point = (ProjectivePoint::GENERATOR * *d).to_affine();
        Ok(Self {
            secret,
            one_plus_d_inv,
            public: Sm2PublicKey { point },
        })
    }

    /// The matching public key.
    pub fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    /// The private scalar `d`.
    pub(crate) fn scalar(&self) -> NonZeroScalar {
        self.secret.to_nonzero_scalar()
    }

    pub(crate) fn one_plus_d_inv(&self) -> &Scalar {
        &self.one_plus_d_inv
    }
}

impl Drop for Sm2PrivateKey {
    fn drop(&mut self) {
        // `SecretKey` zeroizes itself; the derived scalar is as secret.
        self.one_plus_d_inv = Scalar::ZERO;
        core::hint::black_box(&self.one_plus_d_inv);
    }
}

impl fmt::Debug for Sm2PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2PrivateKey")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn refused(what: &'static str) -> Error {
    KeyError::Refused(Box::new(CryptoError::InvalidPublicKey { what })).into()
}

/// An SM2 public key: a point on the SM2 curve (GB/T 32918.5), checked to be
/// on the curve and not the point at infinity.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sm2PublicKey {
    point: AffinePoint,
}

impl Sm2PublicKey {
    /// A public key from a SEC1 point (uncompressed `04 || x || y` or
    /// compressed). Fails with [`CryptoError::IdentityPoint`] for the point at
    /// infinity, [`CryptoError::PointNotOnCurve`] for a point off the curve and
    /// [`CryptoError::InvalidPublicKey`] for anything else malformed.
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let what = "SM2 public key";
        let encoded = sm2::Sec1Point::from_bytes(bytes)
            .map_err(|_| CryptoError::InvalidPublicKey { what })?;
        if encoded.is_identity() {
            return Err(CryptoError::IdentityPoint { what }.into());
        }
        let point = Option::<AffinePoint>::from(AffinePoint::from_sec1_point(&encoded))
            .ok_or(CryptoError::PointNotOnCurve { what })?;
        Ok(Self { point })
    }

    /// A public key from a DER `SubjectPublicKeyInfo` with `id-ecPublicKey` and
    /// the SM2 curve (what OpenSSL writes), or the SM2 curve OID as the
    /// algorithm itself (what some older tools write).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|source| {
            CryptoError::MalformedKey {
                what: "SM2 SubjectPublicKeyInfo",
                source,
            }
        })?;
        let family = crate::crypto::key_family_of(&info.algorithm)
            .map_err(|oid| KeyError::UnsupportedAlgorithm { oid })?;
        if family != KeyFamily::Sm2 {
            return Err(CryptoError::WrongKeyType {
                operation: "SM2",
                family,
            }
            .into());
        }
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or(CryptoError::InvalidPublicKey {
                what: "SM2 public key",
            })?;
        Self::from_sec1_bytes(bits)
    }

    /// A public key from a `PUBLIC KEY` PEM block or DER `SubjectPublicKeyInfo`.
    pub fn load(input: &[u8]) -> Result<Self, Error> {
        if !input.trim_ascii_start().starts_with(b"-----BEGIN") {
            return Self::from_spki_der(input);
        }
        let (label, der) = der::pem::decode_vec(input).map_err(KeyError::Pem)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::UnexpectedPemLabel {
                label: label.to_string(),
            }
            .into());
        }
        Self::from_spki_der(&der)
    }

    /// The uncompressed SEC1 point `04 || x || y` (65 bytes).
    pub fn to_sec1_bytes(&self) -> Vec<u8> {
        self.point.to_sec1_point(false).as_bytes().to_vec()
    }

    /// The DER `SubjectPublicKeyInfo`: `id-ecPublicKey` with the SM2 curve.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let point = self.to_sec1_bytes();
        let curve: ObjectIdentifier = oids::SM2_CURVE;
        let info = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid: oids::EC_PUBLIC_KEY,
                parameters: Some(AnyRef::from(&curve)),
            },
            subject_public_key: BitStringRef::from_bytes(&point)
                .expect("65 bytes fit a BIT STRING"),
        };
        info.to_der().expect("a SubjectPublicKeyInfo encodes")
    }

    pub(crate) fn point(&self) -> &AffinePoint {
        &self.point
    }
}

impl fmt::Debug for Sm2PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm2PublicKey({})", hex_string(&self.to_sec1_bytes()))
    }
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random nonzero scalar from the default provider's generator.
pub(crate) fn random_scalar() -> Result<NonZeroScalar, Error> {
    let random = crate::crypto::CryptoProvider::default_provider().random;
    loop {
        let mut bytes = sm2::FieldBytes::default();
        random.fill(&mut bytes)?;
        let candidate = Option::<NonZeroScalar>::from(NonZeroScalar::from_repr(bytes));
        zeroize::Zeroize::zeroize(bytes.as_mut_slice());
        if let Some(k) = candidate {
            return Ok(k);
        }
    }
}
