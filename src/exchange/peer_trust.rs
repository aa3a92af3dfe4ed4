//! [`PathValidator`] as the trust decision of the other modules: the envelope's
//! [`SignerTrust`] (a signer's chain, for signing) and the certificate exchange's
//! [`PeerValidator`] (a peer's chain, for signing and for encryption), the
//! trait itself, and the adapter that lets the exchange's messages open with it.

use crate::envelope::SignerTrust;
use crate::error::PathError;
use crate::pki::{Certificate, PathValidator, Purpose, Timestamp};

/// Validates a peer's certificate chain for both signing and encryption at a
/// time. The PKI trust store implements it.
pub trait PeerValidator: Send + Sync {
    /// Checks that `leaf` (with untrusted `intermediates`) chains to a trust
    /// anchor at `at` (UNIX seconds) and may both sign and receive envelopes.
    fn validate_peer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError>;

    /// Checks that `leaf` chains to a trust anchor at `at` and may serve
    /// `purpose`: the signing certificate of a party with two certificates
    /// (双证书) for [`Purpose::Sign`], its encryption certificate for
    /// [`Purpose::Encrypt`]. By default both purposes are required, as
    /// [`validate_peer`](Self::validate_peer) does.
    fn validate_peer_for(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
        purpose: Purpose,
    ) -> Result<(), PathError> {
        let _ = purpose;
        self.validate_peer(leaf, intermediates, at)
    }
}

/// The exchange messages' signers, validated for both purposes (a party with
/// one certificate) or for signing only (a party that offers a separate
/// encryption certificate).
pub(super) struct ExchangeSigners<'a> {
    pub(super) validator: &'a dyn PeerValidator,
    pub(super) dual: bool,
}

impl SignerTrust for ExchangeSigners<'_> {
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError> {
        if self.dual {
            self.validator
                .validate_peer_for(leaf, intermediates, at, Purpose::Sign)
        } else {
            self.validator.validate_peer(leaf, intermediates, at)
        }
    }
}

impl SignerTrust for PathValidator<'_> {
    /// Validates the signer's path at `at` for [`Purpose::Sign`], with the CRLs
    /// given to [`PathValidator::with_crls`].
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError> {
        let at = Timestamp::from_unix_seconds(at);
        self.verify_inner(leaf, intermediates, self.crls(), at, Purpose::Sign)
            .map(|_| ())
    }

    /// The ID the policy names for the signer
    /// ([`PathPolicy::with_sm2_id`](crate::pki::PathPolicy::with_sm2_id)).
    fn sm2_id<'s>(&'s self, signer: &Certificate) -> &'s [u8] {
        self.policy().sm2_id_for(signer)
    }
}

impl PeerValidator for PathValidator<'_> {
    /// Validates the peer's path at `at` for [`Purpose::Sign`] and then for
    /// [`Purpose::Encrypt`]: a platform both signs to and receives envelopes
    /// from its peer.
    fn validate_peer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError> {
        let at = Timestamp::from_unix_seconds(at);
        for purpose in [Purpose::Sign, Purpose::Encrypt] {
            self.verify_inner(leaf, intermediates, self.crls(), at, purpose)?;
        }
        Ok(())
    }

    /// Validates the peer's path at `at` for `purpose` only.
    fn validate_peer_for(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
        purpose: Purpose,
    ) -> Result<(), PathError> {
        let at = Timestamp::from_unix_seconds(at);
        self.verify_inner(leaf, intermediates, self.crls(), at, purpose)
            .map(|_| ())
    }
}
