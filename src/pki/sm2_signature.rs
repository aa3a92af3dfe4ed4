//! SM2-with-SM3 (OID 1.2.156.10197.1.501) as a rustls-webpki signature
//! algorithm, for certificates and CRLs: the issuer's key is `id-ecPublicKey`
//! with the SM2 curve (1.2.156.10197.1.301), the signature DER `SEQUENCE { r,
//! s }`, verified by `crypto::gm` under the distinguishing ID
//! 1234567812345678 (GM/T 0015 fixes it for certificates).

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

use crate::crypto::DEFAULT_SM2_ID;
use crate::crypto::gm::Sm2PublicKey;

/// The contents of the AlgorithmIdentifier `{ id-ecPublicKey, sm2 }` (webpki
/// compares these bytes with the issuer's SubjectPublicKeyInfo).
const SM2_PUBLIC_KEY: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // 1.2.840.10045.2.1
    0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, // 1.2.156.10197.1.301
];

/// The contents of the AlgorithmIdentifier `{ SM2-with-SM3 }`, parameters
/// absent (as OpenSSL and GM/T 0015 write it).
const SM2_WITH_SM3: &[u8] = &[
    0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75, // 1.2.156.10197.1.501
];

/// SM2-with-SM3 under one distinguishing ID.
#[derive(Debug)]
pub(crate) struct Sm2WithSm3 {
    id: &'static [u8],
}

/// SM2-with-SM3 under the ID 1234567812345678: the one path validation uses.
pub(crate) static SM2_WITH_SM3_DEFAULT_ID: &Sm2WithSm3 = &Sm2WithSm3 { id: DEFAULT_SM2_ID };

/// SM2-with-SM3 under the empty ID (OpenSSL 3.0's default): only the
/// diagnosis tries it, to say why a signature failed.
pub(crate) static SM2_WITH_SM3_EMPTY_ID: &Sm2WithSm3 = &Sm2WithSm3 { id: b"" };

impl Sm2WithSm3 {
    /// The ID this verifier checks under.
    pub(crate) fn id(&self) -> &'static [u8] {
        self.id
    }
}

impl SignatureVerificationAlgorithm for Sm2WithSm3 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        Sm2PublicKey::from_sec1_bytes(public_key)
            .and_then(|key| key.verify(self.id, message, signature))
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(SM2_PUBLIC_KEY)
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(SM2_WITH_SM3)
    }

    fn fips(&self) -> bool {
        false
    }
}
