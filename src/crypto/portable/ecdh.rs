//! ECDH over P-256 with the `p256` crate: the static-key receiver side (used by
//! [`keys`](super::keys)) and the ephemeral sender side.

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use super::{Portable, rng};
use crate::crypto::{EphemeralAgreement, KeyAgreement, check_uncompressed_p256};
use crate::error::{CryptoError, Error};

/// How many times to draw a fresh scalar before giving up. A uniformly random
/// 256-bit string is a valid P-256 scalar with probability about 1 - 2^-32, so a
/// second draw practically never happens; the bound keeps the loop finite.
const SCALAR_DRAWS: usize = 8;

fn invalid_point() -> Error {
    CryptoError::InvalidPublicKey {
        what: "P-256 public point",
    }
    .into()
}

/// Parses a peer's public key: an uncompressed SEC1 point that lies on P-256 and is
/// not the point at infinity. Compressed and hybrid encodings are refused, as the
/// trait documents (and as the `aws-lc` provider does).
pub(super) fn parse_peer(peer_public: &[u8]) -> Result<PublicKey, Error> {
    check_uncompressed_p256(peer_public)?;
    PublicKey::from_sec1_bytes(peer_public).map_err(|_| invalid_point())
}

/// Z, the x-coordinate of `secret * peer`.
pub(super) fn agree(secret: &SecretKey, peer: &PublicKey) -> Zeroizing<Vec<u8>> {
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
    Zeroizing::new(shared.raw_secret_bytes().to_vec())
}

/// The uncompressed SEC1 encoding of a public key.
pub(super) fn uncompressed(public: &PublicKey) -> Vec<u8> {
    public.to_sec1_point(false).as_bytes().to_vec()
}

/// A fresh random P-256 private key drawn from the system generator.
fn random_secret() -> Result<SecretKey, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    for _ in 0..SCALAR_DRAWS {
        rng::fill(bytes.as_mut())?;
        if let Ok(secret) = SecretKey::from_slice(bytes.as_ref()) {
            return Ok(secret);
        }
    }
    Err(CryptoError::RandomFailed.into())
}

impl KeyAgreement for Portable {
    fn ephemeral_p256(&self, peer_public: &[u8]) -> Result<EphemeralAgreement, Error> {
        let peer = parse_peer(peer_public)?;
        let ours = random_secret()?;
        Ok(EphemeralAgreement {
            ephemeral_public: uncompressed(&ours.public_key()),
            shared_secret: agree(&ours, &peer),
        })
    }
}
