//! [`Credentials`]: a certificate chain and the private key of its leaf, and
//! optionally a second pair for encryption (dual certificates, 双证书).

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
///
/// **Dual certificates.** A party may hold a signing certificate and key and
/// a separate encryption certificate and key (the GM practice, 双证书: the
/// encryption key escrowed, the signing key never leaving its holder).
/// [`with_encryption`](Self::with_encryption) adds the encryption pair: the
/// envelope then signs with the signing pair ([`leaf`](Self::leaf),
/// [`private_key`](Self::private_key)) and, opening, matches the recipient
/// against [`encryption_leaf`](Self::encryption_leaf) and decrypts with
/// [`decryption_key`](Self::decryption_key). Without it the one pair does
/// both, as before.
///
/// ```
/// # #[cfg(feature = "gm")] {
/// use fapiao::{CryptoProvider, pki::Credentials};
/// let provider = CryptoProvider::default_provider();
/// let read = |name: &str| std::fs::read(format!("tests/data/gm/{name}")).unwrap();
/// let eisp = Credentials::from_pem(&read("eisp-sign.pem"), &read("eisp-sign.key.pem"), None, provider)?
///     .with_encryption(&read("eisp-enc.pem"), &read("eisp-enc.key.pem"), None, provider)?;
/// assert!(eisp.is_dual());
/// assert_ne!(eisp.leaf().spki_fingerprint(), eisp.encryption_leaf().spki_fingerprint());
/// # }
/// # Ok::<(), fapiao::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Credentials {
    chain: Vec<Certificate>,
    key: Arc<dyn PrivateKey>,
    /// The SM2 distinguishing ID to sign under; `None` is [`DEFAULT_SM2_ID`].
    sm2_id: Option<Arc<[u8]>>,
    /// The encryption certificate chain and key of a dual-certificate party.
    encryption: Option<Arc<KeyPair>>,
}

/// A certificate chain (leaf first) and the leaf's key.
#[derive(Debug)]
struct KeyPair {
    chain: Vec<Certificate>,
    key: Arc<dyn PrivateKey>,
}

/// Refuses an empty chain or a key that is not the leaf's.
fn check_pair(chain: &[Certificate], key: &dyn PrivateKey) -> Result<(), Error> {
    let leaf = chain.first().ok_or(CredentialsError::EmptyChain)?;
    if key.algorithm().family() != leaf.key_family() || key.public_key() != leaf.public_key() {
        return Err(CredentialsError::KeyMismatch.into());
    }
    Ok(())
}

impl Credentials {
    /// Builds credentials from a chain (leaf first) and an already-loaded key
    /// (e.g. from an HSM-backed [`KeyProvider`](crate::crypto::KeyProvider)).
    pub fn new(chain: Vec<Certificate>, key: Arc<dyn PrivateKey>) -> Result<Self, Error> {
        check_pair(&chain, key.as_ref())?;
        Ok(Self {
            chain,
            key,
            sm2_id: None,
            encryption: None,
        })
    }

    /// [`new`](Self::new) from a chain as PEM or DER (a bundle, leaf first)
    /// and an already-loaded key, e.g. a `crypto::pkcs11::TokenKey`. The key
    /// must be the leaf's ([`CredentialsError::KeyMismatch`]).
    pub fn from_chain_pem(chain: &[u8], key: Arc<dyn PrivateKey>) -> Result<Self, Error> {
        Self::new(Certificate::load_bundle(chain)?, key)
    }

    /// Adds an encryption certificate chain (PEM or DER bundle, leaf first)
    /// and its private key (any format [`PrivateKeyDer::load`] reads), loaded
    /// into `provider`: a dual-certificate party (see the type's docs). The
    /// key must be the encryption leaf's ([`CredentialsError::KeyMismatch`]).
    pub fn with_encryption(
        self,
        chain: &[u8],
        key: &[u8],
        password: Option<&[u8]>,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        let chain = Certificate::load_bundle(chain)?;
        let key = PrivateKeyDer::load(key, password)?;
        self.with_encryption_key(chain, provider.keys.load_private_key(key.pkcs8_der())?)
    }

    /// [`with_encryption`](Self::with_encryption) with an already-loaded key
    /// (e.g. one an HSM or a token holds).
    pub fn with_encryption_key(
        mut self,
        chain: Vec<Certificate>,
        key: Arc<dyn PrivateKey>,
    ) -> Result<Self, Error> {
        check_pair(&chain, key.as_ref())?;
        self.encryption = Some(Arc::new(KeyPair { chain, key }));
        Ok(self)
    }

    /// Whether these credentials hold a separate encryption pair.
    pub fn is_dual(&self) -> bool {
        self.encryption.is_some()
    }

    /// The certificate envelopes are sealed to: the encryption certificate of
    /// a dual-certificate party, otherwise the [`leaf`](Self::leaf).
    pub fn encryption_leaf(&self) -> &Certificate {
        &self.encryption_chain()[0]
    }

    /// The encryption certificate's chain, leaf first (the
    /// [`chain`](Self::chain) for a single-certificate party).
    pub fn encryption_chain(&self) -> &[Certificate] {
        match &self.encryption {
            Some(pair) => &pair.chain,
            None => &self.chain,
        }
    }

    /// The key that decrypts what is sealed to
    /// [`encryption_leaf`](Self::encryption_leaf).
    pub fn decryption_key(&self) -> &Arc<dyn PrivateKey> {
        match &self.encryption {
            Some(pair) => &pair.key,
            None => &self.key,
        }
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

    /// The leaf certificate (the signing certificate).
    pub fn leaf(&self) -> &Certificate {
        // `new` refuses an empty chain.
        &self.chain[0]
    }

    /// The whole chain, leaf first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key (the signing key).
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
