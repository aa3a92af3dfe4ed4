//! Cryptographic providers.
//!
//! A [`CryptoProvider`] is a plain struct of `&'static dyn` trait objects, in the
//! rustls style: take one of the built-in providers and replace any field with your
//! own implementation (for example a [`KeyProvider`] whose keys live in an HSM or in
//! the issuing device's secure element).
//!
//! Two providers are built in, each behind a Cargo feature:
//!
//! * `aws-lc` (the default): aws-lc-rs for every primitive. Constant-time RSA
//!   private-key operations and the fastest RSA on this kind of machine.
//! * `portable`: ring for random numbers, hashing, signatures and verification, the
//!   `rsa` crate (0.10, with `sha2`) for RSA-OAEP, `aes-gcm`/`aes` for AES-256-GCM
//!   and AES key wrap, and `p256` for ECDH (ring has neither RSA decryption nor
//!   static-key ECDH); the `portable` module's docs give the details. **Note:** the
//!   RustSec database still lists RUSTSEC-2023-0071 (the Marvin timing side
//!   channel) against the `rsa` crate as unpatched; rsa 0.10's changelog claims
//!   constant-time hardening. Prefer `aws-lc` wherever an attacker can time RSA
//!   decryptions.
//!
//! All byte formats at this boundary are the standard ones: public keys are the
//! contents of an X.509 `subjectPublicKey` BIT STRING (PKCS#1 `RSAPublicKey` DER for
//! RSA, the uncompressed SEC1 point for ECDSA/ECDH, 32 raw bytes for Ed25519), and
//! private keys are loaded from PKCS#8 DER.
#![forbid(unsafe_code)]

use core::fmt::Debug;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::error::Error;
pub use crate::error::{CryptoError, KeyError, KeyFamily, TokenError, TokenUriError};

#[macro_use]
mod ring_api;
#[cfg(feature = "aws-lc")]
pub mod aws_lc;
pub mod cbc_padding;
mod key_checks;
#[cfg(feature = "pkcs11")]
pub(crate) use key_checks::check_rsa_bits;
#[cfg(not(feature = "gm"))]
pub(crate) use key_checks::gm_disabled;
#[cfg(feature = "aws-lc")]
pub(crate) use key_checks::rsa_spki_der;
pub use key_checks::{check_cbc_input, load_sm2_private_key, rsa_public_key_bits};
pub(crate) use key_checks::{
    check_pkcs8_rsa_size, check_uncompressed_p256, key_family_of, oids, pkcs8_key_family,
    rsa_modulus_bits, verify_sm2_sm3,
};
#[cfg(feature = "gm")]
pub mod gm;
pub mod pkcs11;
#[cfg(feature = "portable")]
pub mod portable;

#[cfg(not(any(feature = "aws-lc", feature = "portable")))]
compile_error!("fapiao needs a crypto provider: enable the `aws-lc` or the `portable` feature");

/// Smallest RSA modulus, in bits, that any provider accepts for signing,
/// verification or key transport.
pub const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus, in bits, that any provider accepts.
pub const RSA_MAX_BITS: usize = 4096;

/// Length of an AES-256 key in bytes.
pub const AES_256_KEY_LEN: usize = 32;
/// Length of an AES-GCM nonce in bytes (the 96-bit nonce of RFC 5084's default).
pub const GCM_NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in bytes.
pub const GCM_TAG_LEN: usize = 16;
/// The AES block size, and so the length of an AES-CBC initialization vector.
pub const AES_BLOCK_LEN: usize = 16;

/// A hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

impl HashAlgorithm {
    /// Length of this function's output in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// A signature algorithm together with its hash (and, for PSS, its parameters:
/// MGF1 with the same hash and a salt as long as the hash output, as RFC 4055
/// recommends and as ring and aws-lc implement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt.
    RsaPssSha512,
    /// ECDSA over P-256 with SHA-256; signatures are DER `Ecdsa-Sig-Value`.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-384; signatures are DER `Ecdsa-Sig-Value`.
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032), pure mode.
    Ed25519,
    /// SM2 with SM3 (GB/T 32918.2) and the default distinguishing ID;
    /// signatures are DER `SEQUENCE { r, s }`. Signed and verified by
    /// `crypto::gm` (with the `gm` feature); the providers refuse it.
    Sm2Sm3,
}

impl SignatureScheme {
    /// The key algorithm family this scheme signs with.
    pub const fn key_family(self) -> KeyFamily {
        match self {
            Self::RsaPkcs1Sha256
            | Self::RsaPkcs1Sha384
            | Self::RsaPkcs1Sha512
            | Self::RsaPssSha256
            | Self::RsaPssSha384
            | Self::RsaPssSha512 => KeyFamily::Rsa,
            Self::EcdsaP256Sha256 => KeyFamily::EcP256,
            Self::EcdsaP384Sha384 => KeyFamily::EcP384,
            Self::Ed25519 => KeyFamily::Ed25519,
            Self::Sm2Sm3 => KeyFamily::Sm2,
        }
    }

    /// The hash this scheme applies to the message (`None` for Ed25519, which
    /// hashes internally, and for SM2, whose SM3 digest covers the signer's
    /// identity too).
    pub const fn hash(self) -> Option<HashAlgorithm> {
        match self {
            Self::RsaPkcs1Sha256 | Self::RsaPssSha256 | Self::EcdsaP256Sha256 => {
                Some(HashAlgorithm::Sha256)
            }
            Self::RsaPkcs1Sha384 | Self::RsaPssSha384 | Self::EcdsaP384Sha384 => {
                Some(HashAlgorithm::Sha384)
            }
            Self::RsaPkcs1Sha512 | Self::RsaPssSha512 => Some(HashAlgorithm::Sha512),
            Self::Ed25519 | Self::Sm2Sm3 => None,
        }
    }
}

/// A key algorithm with its size where that varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus length in bits.
        bits: usize,
    },
    /// NIST P-256 (secp256r1).
    EcP256,
    /// NIST P-384 (secp384r1).
    EcP384,
    /// Ed25519.
    Ed25519,
    /// SM2 on the curve of GB/T 32918.5.
    Sm2,
}

impl KeyAlgorithm {
    /// The family of this algorithm.
    pub const fn family(self) -> KeyFamily {
        match self {
            Self::Rsa { .. } => KeyFamily::Rsa,
            Self::EcP256 => KeyFamily::EcP256,
            Self::EcP384 => KeyFamily::EcP384,
            Self::Ed25519 => KeyFamily::Ed25519,
            Self::Sm2 => KeyFamily::Sm2,
        }
    }
}

/// The SM2 distinguishing ID signers and verifiers use when none is agreed
/// (GM/T 0009-2012 §10, GM/T 0015 for certificates): the ASCII digits
/// `1234567812345678`.
pub const DEFAULT_SM2_ID: &[u8] = b"1234567812345678";

/// A hash output (at most 64 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    /// Wraps a hash output. Fails when `bytes` is longer than 64 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > 64 {
            return Err(CryptoError::InvalidLength {
                what: "digest",
                expected: 64,
                actual: bytes.len(),
            }
            .into());
        }
        let mut out = [0u8; 64];
        out[..bytes.len()].copy_from_slice(bytes);
        Ok(Self {
            bytes: out,
            len: bytes.len(),
        })
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Digest(")?;
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A cryptographically secure random number generator.
pub trait SecureRandom: Send + Sync + Debug {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;
}

/// One-shot and incremental hashing.
pub trait Hasher: Send + Sync + Debug {
    /// Hashes `data` in one call.
    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        let mut ctx = self.start(algorithm);
        ctx.update(data);
        ctx.finish()
    }
    /// Starts an incremental hash.
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext>;
}

/// An incremental hash in progress.
pub trait HashContext: Send {
    /// Feeds more data.
    fn update(&mut self, data: &[u8]);
    /// Finishes and returns the digest.
    fn finish(self: Box<Self>) -> Digest;
}

/// Signature verification with a public key.
pub trait SignatureVerifier: Send + Sync + Debug {
    /// Verifies `signature` over `message` with `public_key` (the contents of the
    /// certificate's `subjectPublicKey` BIT STRING). RSA keys outside
    /// [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`] are refused with
    /// [`CryptoError::UnsupportedKeySize`]; a signature that does not verify gives
    /// [`CryptoError::BadSignature`].
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// [`verify`](Self::verify), with the signer's SM2 distinguishing ID for
    /// [`SignatureScheme::Sm2Sm3`] (ignored for every other scheme). The
    /// provided implementation verifies SM2 through `crypto::gm`; without
    /// the `gm` feature it is [`CryptoError::FeatureDisabled`].
    fn verify_with_sm2_id(
        &self,
        scheme: SignatureScheme,
        sm2_id: &[u8],
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match scheme {
            SignatureScheme::Sm2Sm3 => verify_sm2_sm3(sm2_id, public_key, message, signature),
            _ => self.verify(scheme, public_key, message, signature),
        }
    }
}

/// Loads private keys into a provider's key objects.
pub trait KeyProvider: Send + Sync + Debug {
    /// Loads a private key from unencrypted PKCS#8 (v1 or v2) DER: RSA (2048 to
    /// 4096 bits), EC P-256, EC P-384 or Ed25519, and SM2 (through
    /// [`load_sm2_private_key`]: `crypto::gm` with the `gm` feature,
    /// [`CryptoError::FeatureDisabled`] without it).
    fn load_private_key(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error>;
}

/// A private key held by a provider (or by an HSM behind a user-supplied
/// [`KeyProvider`]). Implementations zeroize their key material on drop and never
/// print it.
pub trait PrivateKey: Send + Sync + Debug {
    /// The key's algorithm.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The matching public key as the contents of a `subjectPublicKey` BIT STRING
    /// (see the module docs for the format per algorithm).
    fn public_key(&self) -> &[u8];

    /// Signs `message` with `scheme`, which must belong to this key's family
    /// (SM2 under [`DEFAULT_SM2_ID`]).
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// [`sign`](Self::sign) as the holder of the SM2 distinguishing ID
    /// `sm2_id`, which only [`SignatureScheme::Sm2Sm3`] reads. The provided
    /// implementation serves keys that sign only under [`DEFAULT_SM2_ID`]
    /// (another ID is [`CryptoError::Sm2IdUnsupported`]); an SM2 key source
    /// (`crypto::gm`'s, a token's) overrides it.
    fn sign_with_sm2_id(
        &self,
        scheme: SignatureScheme,
        sm2_id: &[u8],
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if scheme == SignatureScheme::Sm2Sm3 && sm2_id != DEFAULT_SM2_ID {
            return Err(CryptoError::Sm2IdUnsupported.into());
        }
        self.sign(scheme, message)
    }

    /// RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label (RFC 8017, RFC 4055):
    /// decrypts a wrapped content-encryption key. Only RSA keys support this; any
    /// failure is the single, uninformative [`CryptoError::DecryptFailed`].
    fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Static-key ECDH over P-256 (the receiver's side of RFC 5753): returns the
    /// shared secret Z, the x-coordinate of the shared point, for `peer_public`
    /// given as an uncompressed SEC1 point. Only P-256 keys support this.
    fn agree_p256(&self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// SM2 public-key decryption (GB/T 32918.4, the GM/T 0009 ASN.1 C1C3C2
    /// form): recovers a content-encryption key an SM2 key transport
    /// (GM/T 0010 `sm2encrypt`) wrapped for this key. Only SM2 keys support
    /// this: the provided implementation refuses with
    /// [`CryptoError::WrongKeyType`]; `crypto::gm`'s SM2 key (and a token's or
    /// an HSM's) overrides it. Failures are the SM2 decryption's typed
    /// errors ([`CryptoError::DecryptFailed`] for a check hash that does not
    /// match).
    fn decrypt_sm2(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let _ = ciphertext;
        Err(CryptoError::WrongKeyType {
            operation: "SM2 decryption",
            family: self.algorithm().family(),
        }
        .into())
    }
}

/// RSA-OAEP key transport, the sender's side.
pub trait KeyTransport: Send + Sync + Debug {
    /// Encrypts `content_key` to an RSA public key (PKCS#1 `RSAPublicKey` DER) with
    /// RSA-OAEP, SHA-256, MGF1-SHA-256 and an empty label.
    fn encrypt_oaep_sha256(&self, public_key: &[u8], content_key: &[u8]) -> Result<Vec<u8>, Error>;
}

/// The result of an ephemeral-static ECDH: our fresh public point and the shared
/// secret.
pub struct EphemeralAgreement {
    /// Our ephemeral public key, an uncompressed SEC1 point (65 bytes for P-256).
    pub ephemeral_public: Vec<u8>,
    /// The shared secret Z (the x-coordinate of the shared point).
    pub shared_secret: Zeroizing<Vec<u8>>,
}

impl Debug for EphemeralAgreement {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EphemeralAgreement")
            .field("ephemeral_public", &self.ephemeral_public.len())
            .field("shared_secret", &"<redacted>")
            .finish()
    }
}

/// ECDH key agreement, the sender's side (ephemeral key).
pub trait KeyAgreement: Send + Sync + Debug {
    /// Generates an ephemeral P-256 key and agrees with `peer_public` (an
    /// uncompressed SEC1 point, e.g. from the recipient's certificate).
    fn ephemeral_p256(&self, peer_public: &[u8]) -> Result<EphemeralAgreement, Error>;
}

/// AES-256-GCM with a 12-byte nonce and a detached 16-byte tag, as CMS
/// AuthEnvelopedData stores them (RFC 5083, RFC 5084).
pub trait ContentCipher: Send + Sync + Debug {
    /// Encrypts `in_out` in place and returns the tag.
    fn seal(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; GCM_TAG_LEN], Error>;

    /// Checks `tag` and decrypts `in_out` in place (a `Vec` so that an
    /// implementation may append the tag temporarily; on success `in_out` holds
    /// exactly the plaintext). On a tag mismatch returns
    /// [`CryptoError::TagMismatch`] and leaves no plaintext behind (the buffer is
    /// zeroed and cleared).
    fn open(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut Vec<u8>,
        tag: &[u8],
    ) -> Result<(), Error>;

    /// AES-CBC decryption of whole blocks, the padding left in place (RFC
    /// 3565), only for the legacy EnvelopedData that
    /// [`EnvelopePolicy::allow_legacy_cbc`](crate::envelope::EnvelopePolicy::allow_legacy_cbc)
    /// admits: `key` is 16 or 32 bytes (AES-128 or AES-256; another length is
    /// [`CryptoError::InvalidLength`]), and a ciphertext that is empty or not a
    /// whole number of blocks is [`CryptoError::DecryptFailed`] (see
    /// [`check_cbc_input`]). Returns the padded plaintext, as long as the
    /// ciphertext: whoever reads it checks the padding with
    /// [`cbc_padding::check`], in constant time, as [`ContentCipher::decrypt_cbc`]
    /// does. An implementation must not look at the padding itself.
    fn decrypt_cbc_blocks(
        &self,
        key: &[u8],
        iv: &[u8; AES_BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// AES-CBC decryption with PKCS#7 padding (RFC 5652 §6.3, RFC 3565):
    /// [`ContentCipher::decrypt_cbc_blocks`], then the padding checked in
    /// constant time ([`cbc_padding::check`]) and removed. Input errors as
    /// there; padding that does not check is the same, uninformative
    /// [`CryptoError::DecryptFailed`] (the plaintext is zeroized). The
    /// envelope layer does not use this: it carries the padding's verdict to
    /// the end of its checks instead of failing here first.
    fn decrypt_cbc(
        &self,
        key: &[u8],
        iv: &[u8; AES_BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mut plain = self.decrypt_cbc_blocks(key, iv, ciphertext)?;
        match cbc_padding::check(&plain) {
            Some(padding) if padding.held => {
                plain.truncate(padding.content_len);
                Ok(plain)
            }
            _ => {
                zeroize::Zeroize::zeroize(&mut plain);
                Err(CryptoError::DecryptFailed.into())
            }
        }
    }
}

/// AES key wrap (RFC 3394) with a 256-bit key-encryption key.
pub trait KeyWrap: Send + Sync + Debug {
    /// Wraps `key` (a multiple of 8 bytes, at least 16) under `kek`.
    fn wrap(&self, kek: &[u8; AES_256_KEY_LEN], key: &[u8]) -> Result<Vec<u8>, Error>;
    /// Unwraps and checks the integrity value; failure is
    /// [`CryptoError::KeyUnwrapFailed`].
    fn unwrap(
        &self,
        kek: &[u8; AES_256_KEY_LEN],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error>;
}

/// A complete set of primitives. Copy one of the built-in providers and replace
/// any field to substitute your own implementation.
#[derive(Clone, Copy, Debug)]
pub struct CryptoProvider {
    /// A short name for logs ("aws-lc", "portable", or yours).
    pub name: &'static str,
    /// Secure random numbers.
    pub random: &'static dyn SecureRandom,
    /// SHA-2 hashing.
    pub hasher: &'static dyn Hasher,
    /// Signature verification.
    pub verifier: &'static dyn SignatureVerifier,
    /// Private keys: signing, RSA-OAEP decryption, static ECDH.
    pub keys: &'static dyn KeyProvider,
    /// RSA-OAEP encryption of content keys.
    pub key_transport: &'static dyn KeyTransport,
    /// Ephemeral ECDH P-256.
    pub key_agreement: &'static dyn KeyAgreement,
    /// AES-256-GCM.
    pub content_cipher: &'static dyn ContentCipher,
    /// AES-256 key wrap.
    pub key_wrap: &'static dyn KeyWrap,
}

impl CryptoProvider {
    /// The provider this build uses by default: `aws-lc` when that feature is
    /// enabled, otherwise `portable`.
    pub fn default_provider() -> &'static CryptoProvider {
        #[cfg(feature = "aws-lc")]
        {
            &aws_lc::PROVIDER
        }
        #[cfg(all(feature = "portable", not(feature = "aws-lc")))]
        {
            &portable::PROVIDER
        }
    }

    /// Returns `len` fresh random bytes.
    pub fn random_bytes(&self, len: usize) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; len];
        self.random.fill(&mut out)?;
        Ok(out)
    }
}
