//! The certificate exchange: offers and answers.

use super::*;
use fapiao::exchange::{ExchangeKind, ExchangeParty, PeerDirectory};
use fapiao::{EnvelopeError, ExchangeError};

impl Fx {
    fn party<'a>(
        &'a self,
        creds: &'a Credentials,
        id: &str,
        role: PartyRole,
        validator: &'a PathValidator<'a>,
        directory: &'a PeerDirectory,
        replay: &'a MemoryReplayGuard,
    ) -> ExchangeParty<'a> {
        ExchangeParty::new(creds, id, role, validator, directory, replay, self.provider)
            .with_bindings(&self.bindings)
    }

    /// An offer from the cloud platform (ecp-p256) at `at`.
    fn offer(&self, at: u64) -> Vec<u8> {
        let validator = self.validator();
        let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
        let ecp = self.party(
            &self.ecp_p256,
            "ECP-1",
            PartyRole::CloudPlatform,
            &validator,
            &directory,
            &replay,
        );
        ecp.offer(at).unwrap().1
    }

    /// The service platform (eisp-p256) answers `offer` with a fresh directory
    /// and replay guard, accepting the roles given.
    fn answer(&self, offer: &[u8], roles: &[PartyRole]) -> Result<Vec<u8>, Error> {
        let validator = self.validator();
        let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
        self.party(
            &self.eisp_p256,
            "EISP-1",
            PartyRole::ServicePlatform,
            &validator,
            &directory,
            &replay,
        )
        .accepting(roles)
        .answer(offer, NOW)
        .map(|(_, answer)| answer)
    }
}

pub(super) fn cases() -> Vec<Case> {
    use EnvelopeError as E;
    vec![
        // -- certificate exchange ---------------------------------------------------
        case!(
            "exchange: zero-length offer",
            || FX.answer(&[], &[PartyRole::CloudPlatform]).map(|_| ()),
            Error::Envelope(E::Malformed {
                what: "ContentInfo",
                ..
            })
        ),
        case!(
            "exchange: bit flip in the offer's signature",
            || {
                let offer = FX.offer(NOW);
                FX.answer(&flip(&offer, offer.len() - 2), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Envelope(E::SignatureInvalid { signer: 0 })
        ),
        case!(
            "exchange: an answer where an offer is expected",
            || {
                let answer = FX.answer(&FX.offer(NOW), &[PartyRole::CloudPlatform])?;
                FX.answer(&answer, &[PartyRole::ServicePlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::WrongKind {
                expected: ExchangeKind::Offer,
                found: ExchangeKind::Answer
            })
        ),
        case!(
            "exchange: a role not accepted",
            || FX
                .answer(&FX.offer(NOW), &[PartyRole::EnterpriseFrontEnd])
                .map(|_| ()),
            Error::Exchange(ExchangeError::RoleNotAccepted {
                role: PartyRole::CloudPlatform
            })
        ),
        case!(
            "exchange: offer replayed",
            || {
                let validator = FX.validator();
                let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
                let eisp = FX.party(
                    &FX.eisp_p256,
                    "EISP-1",
                    PartyRole::ServicePlatform,
                    &validator,
                    &directory,
                    &replay,
                );
                let offer = FX.offer(NOW);
                eisp.answer(&offer, NOW)?;
                eisp.answer(&offer, NOW + 1).map(|_| ())
            },
            Error::Envelope(E::Replay { .. })
        ),
        case!(
            "exchange: stale offer",
            || FX
                .answer(&FX.offer(NOW - 3600), &[PartyRole::CloudPlatform])
                .map(|_| ()),
            Error::Envelope(E::SigningTimeOutsideWindow { signer: 0, .. })
        ),
        case!(
            "exchange: answer to someone else's offer",
            || {
                let validator = FX.validator();
                let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
                let ecp = FX.party(
                    &FX.ecp_p256,
                    "ECP-1",
                    PartyRole::CloudPlatform,
                    &validator,
                    &directory,
                    &replay,
                );
                let (ours, _) = ecp.offer(NOW)?;
                let answer = FX.answer(&FX.offer(NOW), &[PartyRole::CloudPlatform])?;
                ecp.confirm(ours, &answer, NOW).map(|_| ())
            },
            Error::Exchange(ExchangeError::NonceMismatch)
        ),
        case!(
            "exchange: offer with a second and a third signer",
            || {
                let mut offer = SignedMessage::from_der(FX.offer(NOW))?;
                offer.add_signer(&FX.enterprise_rsa, NOW, FX.provider)?;
                offer.add_signer(&FX.ecp_rsa, NOW, FX.provider)?;
                FX.answer(offer.as_der(), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::SignerCount { found: 3 })
        ),
        case!(
            "exchange: signed body that is not JSON",
            || {
                let signed =
                    SignedMessage::sign(b"\xff\xfe not json", &FX.ecp_p256, NOW, FX.provider)?;
                FX.answer(signed.as_der(), &[PartyRole::CloudPlatform])
                    .map(|_| ())
            },
            Error::Exchange(ExchangeError::MalformedBody { .. })
        ),
    ]
}
