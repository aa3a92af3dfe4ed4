//! Private keys: loading from PKCS#8, signing (ring), RSA-OAEP decryption (rsa) and
//! static-key ECDH (p256).

use std::sync::Arc;

use p256::pkcs8::DecodePrivateKey as _;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _};
use zeroize::Zeroizing;

use super::rsa_key::RsaPrivate;
use super::{Portable, ecdh, failed};
use crate::crypto::{
    KeyAlgorithm, KeyFamily, KeyProvider, PrivateKey, SignatureScheme, pkcs8_key_family,
};
use crate::error::{CryptoError, Error, KeyError};

/// A private key loaded into the portable provider.
enum PortableKey {
    Rsa(Box<RsaPrivate>),
    EcP256 {
        signing: signature::EcdsaKeyPair,
        /// The `p256` secret, for ECDH (zeroized on drop).
        agreement: p256::SecretKey,
        /// Uncompressed SEC1 point.
        public: Vec<u8>,
    },
    EcP384 {
        signing: signature::EcdsaKeyPair,
        /// Uncompressed SEC1 point.
        public: Vec<u8>,
    },
    Ed25519 {
        signing: signature::Ed25519KeyPair,
        /// The 32-byte public key.
        public: Vec<u8>,
    },
}

impl core::fmt::Debug for PortableKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material; the algorithm is enough to tell keys apart in logs.
        f.debug_struct("PortableKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// A key that parsed but that a crate refused (inconsistent components, bad scalar...).
fn refused(what: &'static str) -> Error {
    KeyError::Refused(Box::new(CryptoError::InvalidPublicKey { what })).into()
}

/// P-256 goes through `p256` first: it checks the curve, the scalar range and (when
/// present) that the embedded public key matches; it also derives the public key
/// when the PKCS#8 omits it, which ring's own PKCS#8 parser would refuse.
fn load_p256(pkcs8_der: &[u8]) -> Result<PortableKey, Error> {
    let agreement = p256::SecretKey::from_pkcs8_der(pkcs8_der)
        .map_err(|_| refused("P-256 private key (rejected by p256)"))?;
    let public = ecdh::uncompressed(&agreement.public_key());
    let scalar = Zeroizing::new(agreement.to_bytes());
    let signing = signature::EcdsaKeyPair::from_private_key_and_public_key(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        scalar.as_slice(),
        &public,
        &SystemRandom::new(),
    )
    .map_err(|_| refused("P-256 private key (rejected by ring)"))?;
    Ok(PortableKey::EcP256 {
        signing,
        agreement,
        public,
    })
}

/// P-384 keys are only signed with, so ring alone loads them. ring requires the
/// optional `publicKey` field of the SEC1 `ECPrivateKey` (OpenSSL always writes it).
fn load_p384(pkcs8_der: &[u8]) -> Result<PortableKey, Error> {
    let signing = signature::EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        pkcs8_der,
        &SystemRandom::new(),
    )
    .map_err(|_| refused("P-384 private key (rejected by ring)"))?;
    let public = signing.public_key().as_ref().to_vec();
    Ok(PortableKey::EcP384 { signing, public })
}

fn load_ed25519(pkcs8_der: &[u8]) -> Result<PortableKey, Error> {
    let signing = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8_der)
        .map_err(|_| refused("Ed25519 private key (rejected by ring)"))?;
    let public = signing.public_key().as_ref().to_vec();
    Ok(PortableKey::Ed25519 { signing, public })
}

impl KeyProvider for Portable {
    fn load_private_key(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error> {
        let family = pkcs8_key_family(pkcs8_der)?;
        let key = match family {
            KeyFamily::Rsa => PortableKey::Rsa(Box::new(RsaPrivate::load(pkcs8_der)?)),
            KeyFamily::EcP256 => load_p256(pkcs8_der)?,
            KeyFamily::EcP384 => load_p384(pkcs8_der)?,
            KeyFamily::Ed25519 => load_ed25519(pkcs8_der)?,
            // SM2 is not in the provider's library: `crypto::gm` (or the
            // typed refusal without the `gm` feature).
            KeyFamily::Sm2 => return crate::crypto::load_sm2_private_key(pkcs8_der),
        };
        Ok(Arc::new(key))
    }
}

fn wrong_key(operation: &'static str, family: KeyFamily) -> Error {
    CryptoError::WrongKeyType { operation, family }.into()
}

impl PrivateKey for PortableKey {
    fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Rsa(key) => KeyAlgorithm::Rsa { bits: key.bits() },
            Self::EcP256 { .. } => KeyAlgorithm::EcP256,
            Self::EcP384 { .. } => KeyAlgorithm::EcP384,
            Self::Ed25519 { .. } => KeyAlgorithm::Ed25519,
        }
    }

    fn public_key(&self) -> &[u8] {
        match self {
            Self::Rsa(key) => key.public(),
            Self::EcP256 { public, .. }
            | Self::EcP384 { public, .. }
            | Self::Ed25519 { public, .. } => public,
        }
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        let family = self.algorithm().family();
        if scheme.key_family() != family {
            return Err(wrong_key("signing with this scheme", family));
        }
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(key) => key.sign(scheme, message),
            Self::EcP256 { signing, .. } | Self::EcP384 { signing, .. } => Ok(signing
                .sign(&rng, message)
                .map_err(|_| failed("ECDSA signing"))?
                .as_ref()
                .to_vec()),
            Self::Ed25519 { signing, .. } => Ok(signing.sign(message).as_ref().to_vec()),
        }
    }

    fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Self::Rsa(key) = self else {
            return Err(wrong_key("RSA-OAEP decryption", self.algorithm().family()));
        };
        key.decrypt_oaep_sha256(ciphertext)
    }

    fn agree_p256(&self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Self::EcP256 { agreement, .. } = self else {
            return Err(wrong_key("ECDH P-256", self.algorithm().family()));
        };
        let peer = ecdh::parse_peer(peer_public)?;
        Ok(ecdh::agree(agreement, &peer))
    }
}
