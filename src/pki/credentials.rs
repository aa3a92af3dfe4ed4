//! [`Credentials`]: a certificate chain and the private key of its leaf.

use std::sync::Arc;

use super::{Certificate, PrivateKeyDer};
use crate::crypto::{CryptoProvider, DEFAULT_SM2_ID, KeyFamily, PrivateKey, SignatureScheme};
use crate::error::{CredentialsError, Error};

/// A party's identity: its certificate chain (leaf first, then the intermediates
/// that lead to a root; the root itself may be left out) and the private key of
/// the leaf, loaded into a crypto provider.
///
/// Building credentials refuses a key that does not belong to the leaf.
///
/// SM2 keys (with the `gm` feature) sign SM2-with-SM3 under the
/// distinguishing ID [`DEFAULT_SM2_ID`] unless
/// [`with_sm2_id`](Self::with_sm2_id) sets another; without the feature
/// loading one is [`CryptoError::FeatureDisabled`](crate::crypto::CryptoError::FeatureDisabled).
///
/// ```
/// use fapiao::{CryptoProvider, pki::Credentials};
/// let chain = std::fs::read("tests/data/enterprise-p256.pem").unwrap();
/// let key = std::fs::read("tests/data/enterprise-p256.key.pem").unwrap();
/// let creds = Credentials::from_pem(&chain, &key, None, CryptoProvider::default_provider()).unwrap();
/// assert_eq!(creds.leaf().subject_serial_number().as_deref(), Some("91350200776049653A"));
/// let signature = creds.sign(b"order").unwrap();
/// assert!(!signature.1.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Credentials {
    chain: Vec<Certificate>,
    key: Arc<dyn PrivateKey>,
    /// The SM2 distinguishing ID to sign under; `None` is [`DEFAULT_SM2_ID`].
    sm2_id: Option<Arc<[u8]>>,
}

impl Credentials {
    /// Builds credentials from a chain (leaf first) and an already-loaded key
    /// (e.g. from an HSM-backed [`KeyProvider`](crate::crypto::KeyProvider)).
    pub fn new(chain: Vec<Certificate>, key: Arc<dyn PrivateKey>) -> Result<Self, Error> {
        let leaf = chain.first().ok_or(CredentialsError::EmptyChain)?;
        if key.algorithm().family() != leaf.key_family() || key.public_key() != leaf.public_key() {
            return Err(CredentialsError::KeyMismatch.into());
        }
        Ok(Self {
            chain,
            key,
            sm2_id: None,
        })
    }

    /// Signs SM2-with-SM3 as the holder of the distinguishing ID `id` instead
    /// of [`DEFAULT_SM2_ID`] (only SM2 keys read it; the key must support
    /// other IDs, as `crypto::gm`'s does).
    pub fn with_sm2_id(mut self, id: impl Into<Vec<u8>>) -> Self {
        self.sm2_id = Some(Arc::from(id.into()));
        self
    }

    /// The SM2 distinguishing ID these credentials sign under.
    pub fn sm2_id(&self) -> &[u8] {
        self.sm2_id.as_deref().unwrap_or(DEFAULT_SM2_ID)
    }

    /// Loads a chain (PEM or DER bundle, leaf first) and a private key (any format
    /// [`PrivateKeyDer::load`] reads, SM2 included) into `provider`.
    pub fn from_pem(
        chain: &[u8],
        key: &[u8],
        password: Option<&[u8]>,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        let chain = Certificate::load_bundle(chain)?;
        let key = PrivateKeyDer::load(key, password)?;
        Self::new(chain, provider.keys.load_private_key(key.pkcs8_der())?)
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> &Certificate {
        // `new` refuses an empty chain.
        &self.chain[0]
    }

    /// The whole chain, leaf first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key.
    pub fn private_key(&self) -> &Arc<dyn PrivateKey> {
        &self.key
    }

    /// The signature scheme these credentials sign with by default: RSA PKCS#1
    /// v1.5 with SHA-256 (what `openssl cms -sign` writes), ECDSA with the curve's
    /// hash, or Ed25519.
    pub fn default_scheme(&self) -> SignatureScheme {
        match self.key.algorithm().family() {
            KeyFamily::Rsa => SignatureScheme::RsaPkcs1Sha256,
            KeyFamily::EcP256 => SignatureScheme::EcdsaP256Sha256,
            KeyFamily::EcP384 => SignatureScheme::EcdsaP384Sha384,
            KeyFamily::Ed25519 => SignatureScheme::Ed25519,
            KeyFamily::Sm2 => SignatureScheme::Sm2Sm3,
        }
    }

    /// Signs `message` with the default scheme and returns the scheme and the
    /// signature.
    pub fn sign(&self, message: &[u8]) -> Result<(SignatureScheme, Vec<u8>), Error> {
        let scheme = self.default_scheme();
        Ok((scheme, self.sign_with(scheme, message)?))
    }

    /// Signs `message` with `scheme` (of the key's family), SM2 under
    /// [`sm2_id`](Self::sm2_id).
    pub fn sign_with(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key.sign_with_sm2_id(scheme, self.sm2_id(), message)
    }
}
