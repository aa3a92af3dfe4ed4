//! Private keys from the formats ERPs and CAs hand out: PKCS#8 (PEM or DER,
//! plain or password-encrypted with PBES2), PKCS#1 `RSA PRIVATE KEY` and SEC1
//! `EC PRIVATE KEY`. Everything is normalised to unencrypted PKCS#8 DER, held in
//! zeroizing memory, and handed to a [`KeyProvider`](crate::crypto::KeyProvider).

use core::fmt;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use pkcs8::pkcs5;
use zeroize::Zeroizing;

use super::pem;
use crate::crypto::{KeyFamily, oids, pkcs8_key_family};
use crate::error::{Error, KeyError};

/// Largest PBKDF2 iteration count we run for an encrypted key: a hostile key file
/// must not pin a core. One million is above what key tools write (OpenSSL 2,048;
/// OWASP's 2023 advice for PBKDF2-HMAC-SHA256, 600,000) and costs 0.35 s
/// (it was 10 million, over 3 s, before fuzzing: docs/limits.md).
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// Largest scrypt cost we run for an encrypted key, as memory 128 · N · r · p
/// bytes (counting p bounds the time too): 32 MiB, OpenSSL's own scrypt bound,
/// twice what `openssl pkcs8 -scrypt` writes (N = 16384, r = 8, p = 1). It was
/// 256 MiB before fuzzing (docs/limits.md).
pub const MAX_SCRYPT_MEMORY: u64 = 32 * 1024 * 1024;

// The bounds in force. Under cargo-fuzz (`--cfg fuzzing`) they are far lower, so
// that a mutated iteration count costs the fuzzer milliseconds instead of seconds
// per input and it explores the parsers rather than PBKDF2; the code that checks
// them is the same (tests/envelope/limits/pki.rs tests the real bounds).
const PBKDF2_ITERATIONS_BOUND: u32 = if cfg!(fuzzing) {
    10_000
} else {
    MAX_PBKDF2_ITERATIONS
};
const SCRYPT_MEMORY_BOUND: u64 = if cfg!(fuzzing) {
    1024 * 1024
} else {
    MAX_SCRYPT_MEMORY
};

/// An unencrypted PKCS#8 `PrivateKeyInfo` in DER, zeroized on drop and never
/// printed.
///
/// ```
/// use fapiao::pki::PrivateKeyDer;
/// let pem = std::fs::read("tests/data/enterprise-rsa.enc.pem").unwrap();
/// let key = PrivateKeyDer::from_pem(&pem, Some(b"fapiao-test-password")).unwrap();
/// assert_eq!(key.family(), fapiao::crypto::KeyFamily::Rsa);
/// ```
#[derive(Clone)]
pub struct PrivateKeyDer {
    pkcs8: Zeroizing<Vec<u8>>,
    family: KeyFamily,
}

impl PrivateKeyDer {
    /// Loads a key from PEM or DER, detecting which. `password` is needed for
    /// encrypted PKCS#8 and ignored otherwise.
    pub fn load(input: &[u8], password: Option<&[u8]>) -> Result<Self, Error> {
        if pem::looks_like_pem(input) {
            Self::from_pem(input, password)
        } else {
            Self::from_der(input, password)
        }
    }

    /// Loads the first private-key PEM block: `PRIVATE KEY`, `ENCRYPTED PRIVATE
    /// KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`. Other blocks before it (such as
    /// `EC PARAMETERS`, which `openssl ecparam -genkey` writes) are skipped.
    pub fn from_pem(input: &[u8], password: Option<&[u8]>) -> Result<Self, Error> {
        let mut last_label = None;
        for block in pem::blocks(input) {
            let block = block.map_err(KeyError::Pem)?;
            match block.label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(block.der),
                "ENCRYPTED PRIVATE KEY" => return Self::from_encrypted_der(&block.der, password),
                "RSA PRIVATE KEY" => return Self::from_pkcs1_der(&block.der),
                // OpenSSL 3.0 labels a SEC1 key on the SM2 curve this way.
                "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => return Self::from_sec1_der(&block.der),
                "EC PARAMETERS" => last_label = Some(block.label),
                _ => {
                    return Err(KeyError::UnexpectedPemLabel { label: block.label }.into());
                }
            }
        }
        match last_label {
            Some(label) => Err(KeyError::UnexpectedPemLabel { label }.into()),
            None => Err(KeyError::Pem(der::pem::Error::PreEncapsulationBoundary).into()),
        }
    }

    /// Loads a DER key: PKCS#8 `PrivateKeyInfo` or `EncryptedPrivateKeyInfo`.
    pub fn from_der(input: &[u8], password: Option<&[u8]>) -> Result<Self, Error> {
        if pkcs8::EncryptedPrivateKeyInfoRef::from_der(input).is_ok() {
            return Self::from_encrypted_der(input, password);
        }
        Self::from_pkcs8_der(Zeroizing::new(input.to_vec()))
    }

    fn from_pkcs8_der(der: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let family = pkcs8_key_family(&der)?;
        Ok(Self { pkcs8: der, family })
    }

    fn from_encrypted_der(input: &[u8], password: Option<&[u8]>) -> Result<Self, Error> {
        let encrypted =
            pkcs8::EncryptedPrivateKeyInfoRef::from_der(input).map_err(|source| KeyError::Der {
                format: "PKCS#8 EncryptedPrivateKeyInfo",
                source,
            })?;
        let Some(password) = password else {
            return Err(KeyError::PasswordRequired.into());
        };
        check_kdf_cost(&encrypted.encryption_algorithm)?;
        let plain = encrypted
            .encryption_algorithm
            .decrypt(password, encrypted.encrypted_data.as_bytes())
            .map_err(|e| match e {
                pkcs5::Error::DecryptFailed => KeyError::WrongPassword,
                other => KeyError::UnsupportedEncryption(other),
            })?;
        let plain = Zeroizing::new(plain);
        // A wrong password yields valid padding about once in 256 tries; the
        // plaintext then fails to parse, which is the same failure to the user.
        match pkcs8_key_family(&plain) {
            Ok(family) => Ok(Self {
                pkcs8: plain,
                family,
            }),
            Err(Error::Key(KeyError::Der { .. })) => Err(KeyError::WrongPassword.into()),
            Err(other) => Err(other),
        }
    }

    /// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo`.
    fn from_pkcs1_der(input: &[u8]) -> Result<Self, Error> {
        let der_err = |source| KeyError::Der {
            format: "PKCS#1 RSAPrivateKey",
            source,
        };
        // Parse to check it is an RSA key before wrapping it.
        pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(input).map_err(der_err)?;
        let info = pkcs8::PrivateKeyInfoRef::new(
            spki::AlgorithmIdentifier {
                oid: oids::RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL),
            },
            OctetStringRef::new(input).map_err(der_err)?,
        );
        let der = Zeroizing::new(info.to_der().map_err(der_err)?);
        Ok(Self {
            pkcs8: der,
            family: KeyFamily::Rsa,
        })
    }

    /// Wraps a SEC1 `ECPrivateKey` in a PKCS#8 `PrivateKeyInfo`, moving the curve
    /// from the key's own parameters to the algorithm identifier.
    fn from_sec1_der(input: &[u8]) -> Result<Self, Error> {
        let der_err = |source| KeyError::Der {
            format: "SEC1 ECPrivateKey",
            source,
        };
        let key = sec1::EcPrivateKey::from_der(input).map_err(der_err)?;
        let curve: ObjectIdentifier = key
            .parameters
            .as_ref()
            .and_then(|p| p.named_curve())
            .ok_or(KeyError::MissingCurve)?;
        let family = if curve == oids::SECP256R1 {
            KeyFamily::EcP256
        } else if curve == oids::SECP384R1 {
            KeyFamily::EcP384
        } else if is_sm2_curve(&curve) {
            KeyFamily::Sm2
        } else {
            return Err(KeyError::UnsupportedAlgorithm { oid: curve }.into());
        };
        // The inner key without parameters (RFC 5915 §3: they are in the
        // AlgorithmIdentifier once wrapped), keeping the public key when present.
        let inner = sec1::EcPrivateKey {
            private_key: key.private_key,
            parameters: None,
            public_key: key.public_key,
        };
        let inner_der = Zeroizing::new(inner.to_der().map_err(der_err)?);
        let curve_any = AnyRef::from(&curve);
        let info = pkcs8::PrivateKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid: oids::EC_PUBLIC_KEY,
                parameters: Some(curve_any),
            },
            private_key: OctetStringRef::new(&inner_der).map_err(der_err)?,
            public_key: None::<BitStringRef<'_>>,
        };
        let der = Zeroizing::new(info.to_der().map_err(der_err)?);
        Ok(Self { pkcs8: der, family })
    }

    /// The unencrypted PKCS#8 DER (handle with care).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The SM2 key this is (`openssl genpkey -algorithm SM2`, its encrypted
    /// PKCS#8 or SEC1 forms); a key of another family is
    /// [`CryptoError::WrongKeyType`](crate::CryptoError::WrongKeyType).
    #[cfg(feature = "gm")]
    pub fn to_sm2(&self) -> Result<crate::crypto::gm::Sm2PrivateKey, Error> {
        crate::crypto::gm::Sm2PrivateKey::from_pkcs8_der(&self.pkcs8)
    }

    /// The key's family, read from its algorithm identifier.
    pub fn family(&self) -> KeyFamily {
        self.family
    }
}

impl fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyDer")
            .field("family", &self.family)
            .field("pkcs8", &"<redacted>")
            .finish()
    }
}

/// The SM2 curve, read as a key family only with the `gm` feature.
fn is_sm2_curve(curve: &ObjectIdentifier) -> bool {
    #[cfg(feature = "gm")]
    return *curve == oids::SM2_CURVE;
    #[cfg(not(feature = "gm"))]
    {
        let _ = curve;
        false
    }
}

/// Refuses key-derivation parameters that would cost more than the bounds above.
fn check_kdf_cost(scheme: &pkcs5::EncryptionScheme) -> Result<(), Error> {
    let pkcs5::EncryptionScheme::Pbes2(params) = scheme else {
        // PBES1 (DES/RC2 era) cannot be decrypted; the decrypt call reports it.
        return Ok(());
    };
    match &params.kdf {
        pkcs5::pbes2::Kdf::Pbkdf2(p) if p.iteration_count > PBKDF2_ITERATIONS_BOUND => {
            Err(KeyError::KdfTooExpensive.into())
        }
        pkcs5::pbes2::Kdf::Scrypt(p) => {
            let memory = 128u64
                .saturating_mul(p.cost_parameter)
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(u64::from(p.parallelization));
            if memory > SCRYPT_MEMORY_BOUND || p.cost_parameter < 2 {
                Err(KeyError::KdfTooExpensive.into())
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}
