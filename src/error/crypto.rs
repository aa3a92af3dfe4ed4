//! [`CryptoError`] and [`KeyError`]: failures of the cryptographic primitives and
//! of loading private keys, and [`KeyFamily`], the kind of key they name.

use thiserror::Error as ThisError;

/// The family of a key, without its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// RSA (any accepted modulus size).
    Rsa,
    /// ECDSA/ECDH over NIST P-256.
    EcP256,
    /// ECDSA over NIST P-384.
    EcP384,
    /// Ed25519.
    Ed25519,
    /// SM2 on the curve of GB/T 32918.5 (with the `gm` feature). The
    /// providers' [`KeyProvider`](crate::crypto::KeyProvider)s do not load these keys:
    /// `crypto::gm::Sm2PrivateKey` does.
    Sm2,
}

/// Failures of the cryptographic primitives.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum CryptoError {
    /// A signature did not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Decryption of a wrapped key failed (deliberately uninformative).
    #[error("decryption failed")]
    DecryptFailed,
    /// The AES-GCM authentication tag did not match.
    #[error("authentication tag mismatch")]
    TagMismatch,
    /// AES key unwrap failed its integrity check.
    #[error("key unwrap failed its integrity check")]
    KeyUnwrapFailed,
    /// A public key could not be parsed or is not a valid point/key.
    #[error("invalid {what}")]
    InvalidPublicKey {
        /// What kind of key was expected.
        what: &'static str,
    },
    /// A key's DER encoding is malformed.
    #[error("malformed {what}: {source}")]
    MalformedKey {
        /// What kind of key was being parsed.
        what: &'static str,
        /// The DER decoding error.
        source: der::Error,
    },
    /// An RSA key is outside the accepted sizes.
    #[error("RSA key of {bits} bits is outside the accepted {min} to {max} bits")]
    UnsupportedKeySize {
        /// The key's modulus length in bits.
        bits: usize,
        /// Smallest accepted size.
        min: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// The operation does not apply to this kind of key (e.g. OAEP with an EC key).
    #[error("{operation} is not possible with a {family:?} key")]
    WrongKeyType {
        /// The operation that was attempted.
        operation: &'static str,
        /// The family of the key it was attempted with.
        family: KeyFamily,
    },
    /// An input had the wrong length.
    #[error("{what} must be {expected} bytes, got {actual}")]
    InvalidLength {
        /// The input.
        what: &'static str,
        /// Expected length (or bound).
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// The random number generator failed.
    #[error("random number generator failed")]
    RandomFailed,
    /// The provider failed for a reason it does not disclose (e.g. aws-lc's
    /// `Unspecified`).
    #[error("{operation} failed in the crypto provider")]
    ProviderFailed {
        /// The operation that failed.
        operation: &'static str,
    },
    /// A point is not on the curve it should be on (an SM2 public key or an
    /// SM2 ciphertext's C1).
    #[error("{what} is not a point on the curve")]
    PointNotOnCurve {
        /// The point.
        what: &'static str,
    },
    /// A point is the point at infinity where a finite point is required.
    #[error("{what} is the point at infinity")]
    IdentityPoint {
        /// The point.
        what: &'static str,
    },
    /// The operation needs a Cargo feature this build was compiled without
    /// (e.g. an SM2 key without the `gm` feature).
    #[error("{what} needs the `{feature}` Cargo feature, which is off in this build")]
    FeatureDisabled {
        /// The feature, e.g. "gm".
        feature: &'static str,
        /// What needed it, e.g. "loading an SM2 private key".
        what: &'static str,
    },
    /// A key source cannot sign under the SM2 distinguishing ID asked for
    /// (a [`PrivateKey`](crate::crypto::PrivateKey) that only signs under
    /// the default ID).
    #[error("this key signs SM2 only under the default distinguishing ID 1234567812345678")]
    Sm2IdUnsupported,
    /// A ciphertext's encoding is truncated or malformed.
    #[error("malformed {what}")]
    MalformedCiphertext {
        /// The ciphertext.
        what: &'static str,
    },
}

/// Failures loading a private key.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is not PEM, or its PEM armour is broken.
    #[error("PEM: {0}")]
    Pem(der::pem::Error),
    /// The PEM label is not one of the private-key labels we read.
    #[error(
        "PEM label \"{label}\" is not a private key (expected PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
    )]
    UnexpectedPemLabel {
        /// The label found.
        label: String,
    },
    /// The DER structure is malformed.
    #[error("{format}: {source}")]
    Der {
        /// The structure being decoded (e.g. "PKCS#8 PrivateKeyInfo").
        format: &'static str,
        /// The DER error.
        source: der::Error,
    },
    /// The key's algorithm is not supported.
    #[error("unsupported key algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The algorithm (or curve) OID found.
        oid: der::asn1::ObjectIdentifier,
    },
    /// The key is encrypted and no password was given.
    #[error("the key is encrypted: a password is needed")]
    PasswordRequired,
    /// Decrypting an encrypted PKCS#8 key failed: wrong password or corrupt data.
    #[error("cannot decrypt the key: wrong password or corrupt data")]
    WrongPassword,
    /// The encrypted key uses an encryption scheme we do not support.
    #[error("unsupported key encryption scheme: {0}")]
    UnsupportedEncryption(pkcs8::pkcs5::Error),
    /// A SEC1 `EC PRIVATE KEY` does not name its curve.
    #[error("the EC private key does not name its curve")]
    MissingCurve,
    /// The encrypted key's key-derivation parameters exceed our cost bounds.
    #[error("the encrypted key's key-derivation cost exceeds the allowed bound")]
    KdfTooExpensive,
    /// The key parsed but the crypto provider refused it.
    #[error("refused by the crypto provider: {0}")]
    Refused(Box<CryptoError>),
}
