//! [`PathValidator`] as the trust decision of the other modules: the envelope's
//! [`SignerTrust`] (a signer's chain, for signing) and the certificate exchange's
//! [`PeerValidator`] (a peer's chain, for signing and for encryption).

use super::{Certificate, PathValidator, PeerValidator, Purpose, Timestamp};
use crate::envelope::SignerTrust;
use crate::error::Error;

impl SignerTrust for PathValidator<'_> {
    /// Validates the signer's path at `at` for [`Purpose::Sign`], with the CRLs
    /// given to [`PathValidator::with_crls`].
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), Error> {
        let at = Timestamp::from_unix_seconds(at);
        self.verify(leaf, intermediates, self.crls(), at, Purpose::Sign)
            .map(|_| ())
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
    ) -> Result<(), Error> {
        let at = Timestamp::from_unix_seconds(at);
        for purpose in [Purpose::Sign, Purpose::Encrypt] {
            self.verify(leaf, intermediates, self.crls(), at, purpose)?;
        }
        Ok(())
    }
}
