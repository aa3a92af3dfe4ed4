//! Checks and conversions on key material that both providers (and the GM
//! code) share: AES-CBC input, RSA sizes, P-256 points, the family of a key
//! from its algorithm identifier, the OIDs they read, and SM2 keys loaded
//! through the `gm` module.

use std::sync::Arc;

#[cfg(feature = "gm")]
use super::gm;
use super::{AES_256_KEY_LEN, AES_BLOCK_LEN, PrivateKey, RSA_MAX_BITS, RSA_MIN_BITS};
use crate::error::{CryptoError, Error, KeyError, KeyFamily};

/// The checks both providers make before an AES-CBC decryption
/// ([`ContentCipher::decrypt_cbc_blocks`](super::ContentCipher::decrypt_cbc_blocks)): the key is 16 or 32 bytes
/// ([`CryptoError::InvalidLength`] otherwise) and the ciphertext a whole,
/// non-empty number of blocks ([`CryptoError::DecryptFailed`] otherwise).
pub fn check_cbc_input(key: &[u8], ciphertext: &[u8]) -> Result<(), Error> {
    if key.len() != 16 && key.len() != AES_256_KEY_LEN {
        return Err(CryptoError::InvalidLength {
            what: "AES-CBC key (16 or 32 bytes)",
            expected: AES_256_KEY_LEN,
            actual: key.len(),
        }
        .into());
    }
    if ciphertext.is_empty() || ciphertext.len() % AES_BLOCK_LEN != 0 {
        return Err(CryptoError::DecryptFailed.into());
    }
    Ok(())
}

/// Checks an RSA public key (PKCS#1 `RSAPublicKey` DER) against the accepted
/// modulus sizes and returns its size in bits. Shared by the providers so both
/// refuse the same keys.
pub fn rsa_public_key_bits(public_key: &[u8]) -> Result<usize, Error> {
    use der::Decode;
    let key =
        pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(public_key).map_err(|source| {
            CryptoError::MalformedKey {
                what: "RSA public key",
                source,
            }
        })?;
    let bits = rsa_modulus_bits(key.modulus.as_bytes());
    check_rsa_bits(bits)?;
    Ok(bits)
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
pub(crate) fn rsa_modulus_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => &[],
    };
    match trimmed.first() {
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// Refuses RSA sizes outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`].
pub(crate) fn check_rsa_bits(bits: usize) -> Result<(), Error> {
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Err(CryptoError::UnsupportedKeySize {
            bits,
            min: RSA_MIN_BITS,
            max: RSA_MAX_BITS,
        }
        .into());
    }
    Ok(())
}

/// Length of an uncompressed SEC1 P-256 point: `04 || x || y`.
const P256_UNCOMPRESSED_LEN: usize = 65;

/// Refuses a peer's P-256 public key that is not in the uncompressed SEC1 form the
/// ECDH traits take (compressed and hybrid forms included), with
/// [`CryptoError::InvalidPublicKey`]. Whether the point is on the curve is the
/// provider's check.
pub(crate) fn check_uncompressed_p256(peer_public: &[u8]) -> Result<(), Error> {
    if peer_public.len() != P256_UNCOMPRESSED_LEN || peer_public.first() != Some(&0x04) {
        return Err(CryptoError::InvalidPublicKey {
            what: "P-256 public point (not an uncompressed SEC1 point)",
        }
        .into());
    }
    Ok(())
}

/// Object identifiers the providers need to recognise keys.
pub(crate) mod oids {
    use der::asn1::ObjectIdentifier;
    /// rsaEncryption (RFC 8017).
    pub const RSA_ENCRYPTION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    /// id-ecPublicKey (RFC 5480).
    pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// secp256r1 / prime256v1.
    pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1.
    pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    /// id-Ed25519 (RFC 8410).
    pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    /// The SM2 curve (GM/T 0006, GB/T 32918.5), as a named curve and, for some
    /// older tools, as the key algorithm. Recognised without the `gm` feature
    /// too, so that an SM2 key is refused as such.
    pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
}

/// Reads the key family from a PKCS#8 `PrivateKeyInfo` (DER) without touching the
/// key material beyond the algorithm identifier.
pub(crate) fn pkcs8_key_family(pkcs8_der: &[u8]) -> Result<KeyFamily, Error> {
    use der::Decode;
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der).map_err(|source| KeyError::Der {
        format: "PKCS#8 PrivateKeyInfo",
        source,
    })?;
    key_family_of(&info.algorithm).map_err(|oid| KeyError::UnsupportedAlgorithm { oid }.into())
}

/// For an RSA PKCS#8 key, reads the modulus size and refuses sizes outside
/// [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`] (as [`KeyError::Refused`]) before any provider
/// parses the key; other families pass through.
pub(crate) fn check_pkcs8_rsa_size(pkcs8_der: &[u8]) -> Result<(), Error> {
    use der::Decode;
    let der_err = |source| KeyError::Der {
        format: "PKCS#1 RSAPrivateKey inside PKCS#8",
        source,
    };
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der).map_err(|source| KeyError::Der {
        format: "PKCS#8 PrivateKeyInfo",
        source,
    })?;
    if info.algorithm.oid != oids::RSA_ENCRYPTION {
        return Ok(());
    }
    let key = pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(info.private_key.as_bytes())
        .map_err(der_err)?;
    check_rsa_bits(rsa_modulus_bits(key.modulus.as_bytes())).map_err(|e| match e {
        Error::Crypto(c) => Error::Key(KeyError::Refused(Box::new(c))),
        other => other,
    })
}

/// Maps an `AlgorithmIdentifier` of a public or private key to its family, or
/// to the algorithm (or curve) OID that is not supported.
pub(crate) fn key_family_of<P>(
    algorithm: &spki::AlgorithmIdentifier<P>,
) -> Result<KeyFamily, der::asn1::ObjectIdentifier>
where
    P: der::Encode,
{
    use der::asn1::ObjectIdentifier;
    let oid = algorithm.oid;
    if oid == oids::RSA_ENCRYPTION {
        return Ok(KeyFamily::Rsa);
    }
    if oid == oids::ED25519 {
        return Ok(KeyFamily::Ed25519);
    }
    if oid == oids::SM2_CURVE {
        return Ok(KeyFamily::Sm2);
    }
    if oid == oids::EC_PUBLIC_KEY {
        // The curve is the parameters field, an OBJECT IDENTIFIER (namedCurve).
        let curve = algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok())
            .and_then(|der| {
                use der::Decode;
                ObjectIdentifier::from_der(&der).ok()
            });
        return match curve {
            Some(c) if c == oids::SECP256R1 => Ok(KeyFamily::EcP256),
            Some(c) if c == oids::SECP384R1 => Ok(KeyFamily::EcP384),
            Some(c) if c == oids::SM2_CURVE => Ok(KeyFamily::Sm2),
            Some(c) => Err(c),
            None => Err(oid),
        };
    }
    Err(oid)
}

/// Verifies [`SignatureScheme::Sm2Sm3`] for the providers' verifiers (under
/// `sm2_id`, [`DEFAULT_SM2_ID`] from [`SignatureVerifier::verify`]): through
/// `crypto::gm`, or [`CryptoError::FeatureDisabled`] without the `gm`
/// feature.
pub(crate) fn verify_sm2_sm3(
    sm2_id: &[u8],
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    #[cfg(feature = "gm")]
    return gm::Sm2PublicKey::from_sec1_bytes(public_key)?.verify(sm2_id, message, signature);
    #[cfg(not(feature = "gm"))]
    {
        let _ = (sm2_id, public_key, message, signature);
        Err(gm_disabled("SM2 signature verification"))
    }
}

/// Loads an SM2 private key from PKCS#8 DER as a [`PrivateKey`] (for the
/// providers' [`KeyProvider`](super::KeyProvider)s): `crypto::gm::Sm2SigningKey` with the `gm`
/// feature, [`CryptoError::FeatureDisabled`] without it.
pub fn load_sm2_private_key(pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error> {
    #[cfg(feature = "gm")]
    return Ok(Arc::new(gm::Sm2SigningKey::from_pkcs8_der(pkcs8_der)?));
    #[cfg(not(feature = "gm"))]
    {
        let _ = pkcs8_der;
        Err(gm_disabled("loading an SM2 private key"))
    }
}

/// The error for an SM2 operation in a build without the `gm` feature.
#[cfg(not(feature = "gm"))]
pub(crate) fn gm_disabled(what: &'static str) -> Error {
    CryptoError::FeatureDisabled {
        feature: "gm",
        what,
    }
    .into()
}

/// Wraps a PKCS#1 `RSAPublicKey` in a `SubjectPublicKeyInfo` (DER).
#[cfg(feature = "aws-lc")]
pub(crate) fn rsa_spki_der(public_key: &[u8]) -> Result<Vec<u8>, Error> {
    use der::Encode;
    let spki = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: oids::RSA_ENCRYPTION,
            parameters: Some(der::asn1::AnyRef::NULL),
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(public_key).map_err(|source| {
            CryptoError::MalformedKey {
                what: "RSA public key",
                source,
            }
        })?,
    };
    spki.to_der().map_err(|source| {
        CryptoError::MalformedKey {
            what: "RSA public key",
            source,
        }
        .into()
    })
}
