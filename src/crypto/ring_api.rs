//! What both providers write the same way because aws-lc-rs keeps ring's API:
//! the [`SignatureVerifier`](super::SignatureVerifier) of a provider whose
//! crate has ring's `signature` module (the same verification algorithms under
//! the same names).

/// Implements [`SignatureVerifier`](super::SignatureVerifier) for `$provider`
/// with `$signature`, a module in scope with ring's `signature` API
/// (`ring::signature` or `aws_lc_rs::signature`). RSA keys are first held to
/// [`rsa_public_key_bits`](super::rsa_public_key_bits)'s sizes, so that both
/// providers refuse the same keys (ring alone accepts up to 8192 bits).
macro_rules! signature_verifier_with_ring_api {
    ($provider:ty, $signature:ident) => {
        impl $crate::crypto::SignatureVerifier for $provider {
            fn verify(
                &self,
                scheme: $crate::crypto::SignatureScheme,
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), $crate::error::Error> {
                use $crate::crypto::SignatureScheme as S;
                let algorithm: &'static dyn $signature::VerificationAlgorithm = match scheme {
                    S::RsaPkcs1Sha256 => &$signature::RSA_PKCS1_2048_8192_SHA256,
                    S::RsaPkcs1Sha384 => &$signature::RSA_PKCS1_2048_8192_SHA384,
                    S::RsaPkcs1Sha512 => &$signature::RSA_PKCS1_2048_8192_SHA512,
                    S::RsaPssSha256 => &$signature::RSA_PSS_2048_8192_SHA256,
                    S::RsaPssSha384 => &$signature::RSA_PSS_2048_8192_SHA384,
                    S::RsaPssSha512 => &$signature::RSA_PSS_2048_8192_SHA512,
                    S::EcdsaP256Sha256 => &$signature::ECDSA_P256_SHA256_ASN1,
                    S::EcdsaP384Sha384 => &$signature::ECDSA_P384_SHA384_ASN1,
                    S::Ed25519 => &$signature::ED25519,
                    S::Sm2Sm3 => {
                        return $crate::crypto::verify_sm2_sm3(
                            $crate::crypto::DEFAULT_SM2_ID,
                            public_key,
                            message,
                            signature,
                        );
                    }
                };
                if scheme.key_family() == $crate::crypto::KeyFamily::Rsa {
                    $crate::crypto::rsa_public_key_bits(public_key)?;
                }
                $signature::UnparsedPublicKey::new(algorithm, public_key)
                    .verify(message, signature)
                    .map_err(|_| $crate::error::CryptoError::BadSignature.into())
            }
        }
    };
}
