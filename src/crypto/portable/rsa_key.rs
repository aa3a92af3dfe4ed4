//! RSA private keys: ring signs, the `rsa` crate decrypts (and signs the key sizes
//! ring does not take).

use ring::rand::SystemRandom;
use ring::signature;
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::{failed, oaep, rng::RingRng};
use crate::crypto::{SignatureScheme, check_pkcs8_rsa_size, rsa_public_key_bits};
use crate::error::{CryptoError, Error, KeyError};

/// An RSA private key of 2048 to 4096 bits.
pub(super) struct RsaPrivate {
    /// ring's key pair, for PKCS#1 v1.5 and PSS signatures. `None` for the sizes
    /// ring refuses: ring only takes primes whose length is a multiple of 512 bits
    /// (moduli of 2048, 3072 and 4096 bits); the `rsa` crate signs the others.
    ring: Option<signature::RsaKeyPair>,
    /// The `rsa` crate's key (zeroized on drop).
    key: rsa::PrivateKey,
    /// PKCS#1 `RSAPublicKey` DER.
    public: Vec<u8>,
    /// Modulus length in bits.
    bits: usize,
}

fn refused(what: &'static str) -> Error {
    KeyError::Refused(Box::new(CryptoError::InvalidPublicKey { what })).into()
}

impl RsaPrivate {
    /// Loads a PKCS#8 RSA key, refusing sizes outside 2048..=4096 bits first.
    pub(super) fn load(pkcs8_der: &[u8]) -> Result<Self, Error> {
        check_pkcs8_rsa_size(pkcs8_der)?;
        let key = rsa::PrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|_| refused("RSA private key (rejected by the rsa crate)"))?;
        let public = key
            .as_public_key()
            .to_pkcs1_der()
            .map_err(|_| failed("encoding an RSA public key"))?
            .into_vec();
        let bits = rsa_public_key_bits(&public)?;
        let ring = match signature::RsaKeyPair::from_pkcs8(pkcs8_der) {
            Ok(pair) => Some(pair),
            // ring names its reasons only in `Display`. Should the text change, such
            // keys are refused (failing closed) and the unit test on a 2688-bit key
            // says so.
            Err(e) if e.to_string() == "PrivateModulusLenNotMultipleOf512Bits" => None,
            Err(_) => return Err(refused("RSA private key (rejected by ring)")),
        };
        Ok(Self {
            ring,
            key,
            public,
            bits,
        })
    }

    /// The modulus length in bits.
    pub(super) fn bits(&self) -> usize {
        self.bits
    }

    /// The public key, PKCS#1 `RSAPublicKey` DER.
    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    /// Signs with an RSA scheme (the caller checked the family).
    pub(super) fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.ring {
            Some(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    SignatureScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    SignatureScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    SignatureScheme::RsaPssSha256 => &signature::RSA_PSS_SHA256,
                    SignatureScheme::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(padding, &SystemRandom::new(), message, &mut out)
                    .map_err(|_| failed("RSA signing"))?;
                Ok(out)
            }
            None => self.sign_with_rsa_crate(scheme, message),
        }
    }

    /// The `rsa` crate's blinded signing, with a PSS salt as long as the hash.
    fn sign_with_rsa_crate(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mut rng = RingRng;
        let signed = match scheme {
            SignatureScheme::RsaPkcs1Sha256 => self.key.sign_with_rng(
                &mut rng,
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(message),
            ),
            SignatureScheme::RsaPkcs1Sha384 => self.key.sign_with_rng(
                &mut rng,
                Pkcs1v15Sign::new::<Sha384>(),
                &Sha384::digest(message),
            ),
            SignatureScheme::RsaPkcs1Sha512 => self.key.sign_with_rng(
                &mut rng,
                Pkcs1v15Sign::new::<Sha512>(),
                &Sha512::digest(message),
            ),
            SignatureScheme::RsaPssSha256 => {
                self.key
                    .sign_with_rng(&mut rng, Pss::<Sha256>::new(), &Sha256::digest(message))
            }
            SignatureScheme::RsaPssSha384 => {
                self.key
                    .sign_with_rng(&mut rng, Pss::<Sha384>::new(), &Sha384::digest(message))
            }
            _ => self
                .key
                .sign_with_rng(&mut rng, Pss::<Sha512>::new(), &Sha512::digest(message)),
        };
        signed.map_err(|_| failed("RSA signing"))
    }

    /// RSA-OAEP-SHA256 decryption; every failure is `DecryptFailed`.
    pub(super) fn decrypt_oaep_sha256(
        &self,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        oaep::decrypt(&self.key, ciphertext)
    }
}
