//! The `aws-lc` provider: every primitive from aws-lc-rs.

use std::sync::Arc;

use aws_lc_rs::{aead, agreement, cipher, digest, key_wrap, rand, rsa, signature};
use zeroize::Zeroizing;

use super::{
    AES_256_KEY_LEN, AES_BLOCK_LEN, ContentCipher, CryptoProvider, Digest, EphemeralAgreement,
    GCM_NONCE_LEN, GCM_TAG_LEN, HashAlgorithm, HashContext, Hasher, KeyAgreement, KeyAlgorithm,
    KeyFamily, KeyProvider, KeyTransport, KeyWrap, PrivateKey, SecureRandom, SignatureScheme,
    check_cbc_input, check_pkcs8_rsa_size, check_uncompressed_p256, pkcs8_key_family,
    rsa_public_key_bits, rsa_spki_der,
};
use crate::error::{CryptoError, Error, KeyError};

/// The aws-lc-rs provider.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    name: "aws-lc",
    random: &AwsLc,
    hasher: &AwsLc,
    verifier: &AwsLc,
    keys: &AwsLc,
    key_transport: &AwsLc,
    key_agreement: &AwsLc,
    content_cipher: &AwsLc,
    key_wrap: &AwsLc,
};

/// The aws-lc-rs implementation of every provider trait.
#[derive(Debug)]
struct AwsLc;

fn failed(operation: &'static str) -> impl Fn(aws_lc_rs::error::Unspecified) -> Error {
    move |_| CryptoError::ProviderFailed { operation }.into()
}

impl SecureRandom for AwsLc {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        rand::fill(dest).map_err(|_| CryptoError::RandomFailed.into())
    }
}

fn digest_algorithm(algorithm: HashAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

struct AwsLcHash(digest::Context);

impl HashContext for AwsLcHash {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finish(self: Box<Self>) -> Digest {
        let out = self.0.finish();
        // A SHA-2 output is at most 64 bytes, so this cannot fail.
        Digest::new(out.as_ref()).unwrap_or_else(|_| unreachable!("SHA-2 output fits 64 bytes"))
    }
}

impl Hasher for AwsLc {
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        Box::new(AwsLcHash(digest::Context::new(digest_algorithm(algorithm))))
    }
}

signature_verifier_with_ring_api!(AwsLc, signature);

/// A private key loaded into aws-lc.
enum AwsLcKey {
    Rsa {
        signing: signature::RsaKeyPair,
        decrypting: rsa::OaepPrivateDecryptingKey,
        public: Vec<u8>,
        bits: usize,
    },
    EcP256 {
        signing: signature::EcdsaKeyPair,
        agreement: agreement::PrivateKey,
        public: Vec<u8>,
    },
    EcP384 {
        signing: signature::EcdsaKeyPair,
        public: Vec<u8>,
    },
    Ed25519 {
        signing: signature::Ed25519KeyPair,
        public: Vec<u8>,
    },
}

impl core::fmt::Debug for AwsLcKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material; the algorithm is enough to tell keys apart in logs.
        f.debug_struct("AwsLcKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

fn refused(_: aws_lc_rs::error::KeyRejected) -> Error {
    KeyError::Refused(Box::new(CryptoError::InvalidPublicKey {
        what: "private key (rejected by aws-lc)",
    }))
    .into()
}

impl KeyProvider for AwsLc {
    fn load_private_key(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error> {
        use signature::KeyPair;
        check_pkcs8_rsa_size(pkcs8_der)?;
        let family = pkcs8_key_family(pkcs8_der)?;
        let key = match family {
            KeyFamily::Rsa => {
                let signing = signature::RsaKeyPair::from_pkcs8(pkcs8_der).map_err(refused)?;
                let bits = signing.public_modulus_len() * 8;
                let decrypting = rsa::OaepPrivateDecryptingKey::new(
                    rsa::PrivateDecryptingKey::from_pkcs8(pkcs8_der).map_err(refused)?,
                )
                .map_err(failed("loading an RSA decryption key"))?;
                let public = signing.public_key().as_ref().to_vec();
                AwsLcKey::Rsa {
                    signing,
                    decrypting,
                    public,
                    bits,
                }
            }
            KeyFamily::EcP256 => {
                let signing = signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    pkcs8_der,
                )
                .map_err(refused)?;
                let agreement =
                    agreement::PrivateKey::from_private_key_der(&agreement::ECDH_P256, pkcs8_der)
                        .map_err(refused)?;
                let public = signing.public_key().as_ref().to_vec();
                AwsLcKey::EcP256 {
                    signing,
                    agreement,
                    public,
                }
            }
            KeyFamily::EcP384 => {
                let signing = signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                    pkcs8_der,
                )
                .map_err(refused)?;
                let public = signing.public_key().as_ref().to_vec();
                AwsLcKey::EcP384 { signing, public }
            }
            KeyFamily::Ed25519 => {
                let signing = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8_der)
                    .map_err(refused)?;
                let public = signing.public_key().as_ref().to_vec();
                AwsLcKey::Ed25519 { signing, public }
            }
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

impl PrivateKey for AwsLcKey {
    fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Rsa { bits, .. } => KeyAlgorithm::Rsa { bits: *bits },
            Self::EcP256 { .. } => KeyAlgorithm::EcP256,
            Self::EcP384 { .. } => KeyAlgorithm::EcP384,
            Self::Ed25519 { .. } => KeyAlgorithm::Ed25519,
        }
    }

    fn public_key(&self) -> &[u8] {
        match self {
            Self::Rsa { public, .. }
            | Self::EcP256 { public, .. }
            | Self::EcP384 { public, .. }
            | Self::Ed25519 { public, .. } => public,
        }
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        let family = self.algorithm().family();
        if scheme.key_family() != family {
            return Err(wrong_key("signing with this scheme", family));
        }
        let rng = rand::SystemRandom::new();
        match self {
            Self::Rsa { signing, .. } => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    SignatureScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    SignatureScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    SignatureScheme::RsaPssSha256 => &signature::RSA_PSS_SHA256,
                    SignatureScheme::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut out = vec![0u8; signing.public_modulus_len()];
                signing
                    .sign(padding, &rng, message, &mut out)
                    .map_err(failed("RSA signing"))?;
                Ok(out)
            }
            Self::EcP256 { signing, .. } | Self::EcP384 { signing, .. } => Ok(signing
                .sign(&rng, message)
                .map_err(failed("ECDSA signing"))?
                .as_ref()
                .to_vec()),
            Self::Ed25519 { signing, .. } => Ok(signing.sign(message).as_ref().to_vec()),
        }
    }

    fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Self::Rsa { decrypting, .. } = self else {
            return Err(wrong_key("RSA-OAEP decryption", self.algorithm().family()));
        };
        let mut out = Zeroizing::new(vec![0u8; decrypting.min_output_size()]);
        let len = decrypting
            .decrypt(&rsa::OAEP_SHA256_MGF1SHA256, ciphertext, &mut out, None)
            .map_err(|_| Error::from(CryptoError::DecryptFailed))?
            .len();
        out.truncate(len);
        Ok(out)
    }

    fn agree_p256(&self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Self::EcP256 { agreement, .. } = self else {
            return Err(wrong_key("ECDH P-256", self.algorithm().family()));
        };
        check_uncompressed_p256(peer_public)?;
        let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, peer_public);
        agreement::agree(
            agreement,
            peer,
            Error::from(CryptoError::InvalidPublicKey {
                what: "P-256 public point",
            }),
            |z| Ok(Zeroizing::new(z.to_vec())),
        )
    }
}

impl KeyTransport for AwsLc {
    fn encrypt_oaep_sha256(&self, public_key: &[u8], content_key: &[u8]) -> Result<Vec<u8>, Error> {
        rsa_public_key_bits(public_key)?;
        let spki = rsa_spki_der(public_key)?;
        let key = rsa::OaepPublicEncryptingKey::new(
            rsa::PublicEncryptingKey::from_der(&spki).map_err(|_| {
                Error::from(CryptoError::InvalidPublicKey {
                    what: "RSA public key",
                })
            })?,
        )
        .map_err(failed("loading an RSA encryption key"))?;
        let mut out = vec![0u8; key.ciphertext_size()];
        let len = key
            .encrypt(&rsa::OAEP_SHA256_MGF1SHA256, content_key, &mut out, None)
            .map_err(failed("RSA-OAEP encryption"))?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

impl KeyAgreement for AwsLc {
    fn ephemeral_p256(&self, peer_public: &[u8]) -> Result<EphemeralAgreement, Error> {
        check_uncompressed_p256(peer_public)?;
        let ours = agreement::PrivateKey::generate(&agreement::ECDH_P256)
            .map_err(failed("generating an ephemeral P-256 key"))?;
        let ephemeral_public = ours
            .compute_public_key()
            .map_err(failed("computing the ephemeral public key"))?
            .as_ref()
            .to_vec();
        let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, peer_public);
        let shared_secret = agreement::agree(
            &ours,
            peer,
            Error::from(CryptoError::InvalidPublicKey {
                what: "P-256 public point",
            }),
            |z| Ok(Zeroizing::new(z.to_vec())),
        )?;
        Ok(EphemeralAgreement {
            ephemeral_public,
            shared_secret,
        })
    }
}

fn gcm_key(key: &[u8; AES_256_KEY_LEN]) -> Result<aead::LessSafeKey, Error> {
    Ok(aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_256_GCM, key)
            .map_err(failed("loading an AES-256-GCM key"))?,
    ))
}

impl ContentCipher for AwsLc {
    fn seal(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; GCM_TAG_LEN], Error> {
        let tag = gcm_key(key)?
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(aad),
                in_out,
            )
            .map_err(failed("AES-256-GCM encryption"))?;
        let mut out = [0u8; GCM_TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    fn open(
        &self,
        key: &[u8; AES_256_KEY_LEN],
        nonce: &[u8; GCM_NONCE_LEN],
        aad: &[u8],
        in_out: &mut Vec<u8>,
        tag: &[u8],
    ) -> Result<(), Error> {
        if tag.len() != GCM_TAG_LEN {
            return Err(CryptoError::InvalidLength {
                what: "AES-GCM tag",
                expected: GCM_TAG_LEN,
                actual: tag.len(),
            }
            .into());
        }
        let len = in_out.len();
        in_out.extend_from_slice(tag);
        let result = gcm_key(key)?.open_in_place(
            aead::Nonce::assume_unique_for_key(*nonce),
            aead::Aad::from(aad),
            in_out,
        );
        if result.is_err() {
            zeroize::Zeroize::zeroize(in_out.as_mut_slice());
            in_out.clear();
            return Err(CryptoError::TagMismatch.into());
        }
        in_out.truncate(len);
        Ok(())
    }

    fn decrypt_cbc_blocks(
        &self,
        key: &[u8],
        iv: &[u8; AES_BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        check_cbc_input(key, ciphertext)?;
        let algorithm = if key.len() == 16 {
            &cipher::AES_128
        } else {
            &cipher::AES_256
        };
        // Unpadded CBC: aws-lc-rs's PKCS#7 removal returns at the first wrong
        // byte; the caller checks the padding in constant time instead.
        let key = cipher::UnboundCipherKey::new(algorithm, key)
            .and_then(cipher::DecryptingKey::cbc)
            .map_err(failed("loading an AES-CBC key"))?;
        let mut buf = ciphertext.to_vec();
        let context = cipher::DecryptionContext::Iv128(aws_lc_rs::iv::FixedLength::from(iv));
        match key.decrypt(&mut buf, context) {
            Ok(plain) if plain.len() == ciphertext.len() => Ok(buf),
            _ => {
                zeroize::Zeroize::zeroize(&mut buf);
                Err(CryptoError::DecryptFailed.into())
            }
        }
    }
}

impl KeyWrap for AwsLc {
    fn wrap(&self, kek: &[u8; AES_256_KEY_LEN], key: &[u8]) -> Result<Vec<u8>, Error> {
        use key_wrap::KeyWrap as _;
        if key.len() < 16 || key.len() % 8 != 0 {
            return Err(CryptoError::InvalidLength {
                what: "key to wrap (a multiple of 8 bytes, at least 16)",
                expected: 16,
                actual: key.len(),
            }
            .into());
        }
        let kek = key_wrap::KeyEncryptionKey::new(&key_wrap::AES_256, kek)
            .map_err(failed("loading a key-encryption key"))?;
        let mut out = vec![0u8; key.len() + 8];
        let len = kek
            .wrap(key, &mut out)
            .map_err(failed("AES key wrap"))?
            .len();
        out.truncate(len);
        Ok(out)
    }

    fn unwrap(
        &self,
        kek: &[u8; AES_256_KEY_LEN],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        use key_wrap::KeyWrap as _;
        if wrapped.len() < 24 || wrapped.len() % 8 != 0 {
            return Err(CryptoError::KeyUnwrapFailed.into());
        }
        let kek = key_wrap::KeyEncryptionKey::new(&key_wrap::AES_256, kek)
            .map_err(failed("loading a key-encryption key"))?;
        let mut out = Zeroizing::new(vec![0u8; wrapped.len()]);
        let len = kek
            .unwrap(wrapped, &mut out)
            .map_err(|_| Error::from(CryptoError::KeyUnwrapFailed))?
            .len();
        out.truncate(len);
        Ok(out)
    }
}
