//! Signature verification with ring.

use ring::signature;

use super::Portable;
use crate::crypto::{KeyFamily, SignatureScheme, SignatureVerifier, rsa_public_key_bits};
use crate::error::{CryptoError, Error};

fn verification_algorithm(
    scheme: SignatureScheme,
) -> &'static dyn signature::VerificationAlgorithm {
    match scheme {
        SignatureScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignatureScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        SignatureScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        SignatureScheme::RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
        SignatureScheme::RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
        SignatureScheme::RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
        SignatureScheme::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        SignatureScheme::EcdsaP384Sha384 => &signature::ECDSA_P384_SHA384_ASN1,
        SignatureScheme::Ed25519 => &signature::ED25519,
    }
}

impl SignatureVerifier for Portable {
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        if scheme.key_family() == KeyFamily::Rsa {
            // ring accepts up to 8192 bits; we refuse what the other provider refuses.
            rsa_public_key_bits(public_key)?;
        }
        signature::UnparsedPublicKey::new(verification_algorithm(scheme), public_key)
            .verify(message, signature)
            .map_err(|_| CryptoError::BadSignature.into())
    }
}
