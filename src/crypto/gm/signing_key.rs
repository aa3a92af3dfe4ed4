//! [`Sm2SigningKey`]: an SM2 private key as a [`PrivateKey`], the key object
//! credentials sign with, so that SM2 fits beside the providers' keys (and a
//! token's or an HSM's SM2 key fits the same way, by implementing the trait).

use core::fmt;

use der::Decode;
use zeroize::Zeroizing;

use super::keys::Sm2PrivateKey;
use crate::crypto::{DEFAULT_SM2_ID, KeyAlgorithm, KeyFamily, PrivateKey, SignatureScheme};
use crate::error::{CryptoError, Error, KeyError};

/// An SM2 private key that signs [`SignatureScheme::Sm2Sm3`] under any
/// distinguishing ID ([`DEFAULT_SM2_ID`] through [`PrivateKey::sign`]) and
/// decrypts SM2 ciphertexts ([`PrivateKey::decrypt_sm2`]: the content key of
/// a GM/T 0010 envelope sealed to an SM2 encryption certificate). It neither
/// decrypts RSA-OAEP nor agrees P-256 keys. The scalar is zeroized on drop
/// and never printed.
#[derive(Clone)]
pub struct Sm2SigningKey {
    key: Sm2PrivateKey,
    /// The uncompressed SEC1 point, as [`PrivateKey::public_key`] returns it.
    public: Vec<u8>,
}

impl Sm2SigningKey {
    /// Wraps a loaded SM2 key.
    pub fn new(key: Sm2PrivateKey) -> Self {
        let public = key.public_key().to_sec1_bytes();
        Self { key, public }
    }

    /// Loads an SM2 key from unencrypted PKCS#8 DER (`id-ecPublicKey` with
    /// the SM2 curve, or the curve OID as the algorithm).
    pub fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, Error> {
        Sm2PrivateKey::from_pkcs8_der(pkcs8_der).map(Self::new)
    }

    /// The SM2 key itself.
    pub fn sm2_key(&self) -> &Sm2PrivateKey {
        &self.key
    }
}

impl Sm2PrivateKey {
    /// The SM2 key in unencrypted PKCS#8 DER; a key of another family is
    /// [`CryptoError::WrongKeyType`].
    pub fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, Error> {
        let family = crate::crypto::pkcs8_key_family(pkcs8_der)?;
        if family != KeyFamily::Sm2 {
            return Err(CryptoError::WrongKeyType {
                operation: "SM2",
                family,
            }
            .into());
        }
        let der_err = |source| KeyError::Der {
            format: "SM2 ECPrivateKey inside PKCS#8",
            source,
        };
        let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der).map_err(der_err)?;
        let inner = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(der_err)?;
        let key = Self::from_scalar_bytes(inner.private_key)?;
        if let Some(embedded) = inner.public_key {
            if embedded != key.public_key().to_sec1_bytes().as_slice() {
                return Err(KeyError::Refused(Box::new(CryptoError::InvalidPublicKey {
                    what: "SM2 public key stored with the private key",
                }))
                .into());
            }
        }
        Ok(key)
    }
}

impl PrivateKey for Sm2SigningKey {
    fn algorithm(&self) -> KeyAlgorithm {
        KeyAlgorithm::Sm2
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign_with_sm2_id(scheme, DEFAULT_SM2_ID, message)
    }

    fn sign_with_sm2_id(
        &self,
        scheme: SignatureScheme,
        sm2_id: &[u8],
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if scheme != SignatureScheme::Sm2Sm3 {
            return Err(wrong_key("signing with this scheme"));
        }
        self.key.sign(sm2_id, message)
    }

    fn decrypt_oaep_sha256(&self, _ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        Err(wrong_key("RSA-OAEP decryption"))
    }

    fn agree_p256(&self, _peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        Err(wrong_key("P-256 key agreement"))
    }

    fn decrypt_sm2(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.key.decrypt(ciphertext)
    }
}

fn wrong_key(operation: &'static str) -> Error {
    CryptoError::WrongKeyType {
        operation,
        family: KeyFamily::Sm2,
    }
    .into()
}

impl fmt::Debug for Sm2SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2SigningKey")
            .field("key", &self.key)
            .finish()
    }
}
