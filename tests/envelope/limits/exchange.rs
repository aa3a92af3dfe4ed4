//! The certificate exchange: message size and party ids.

use super::*;
use fapiao::envelope::MemoryReplayGuard;
use fapiao::exchange::{ExchangeParty, MAX_EXCHANGE_MESSAGE, PartyRole, PeerDirectory};
use fapiao::pki::Certificate;
use fapiao::{Error, ExchangeError};

struct FixturePeers(IssuedByFixtureCa);

impl fapiao::exchange::PeerValidator for FixturePeers {
    fn validate_peer(
        &self,
        leaf: &Certificate,
        i: &[Certificate],
        at: u64,
    ) -> Result<(), fapiao::PathError> {
        use fapiao::envelope::SignerTrust;
        self.0.verify_signer(leaf, i, at)
    }
}

#[test]
fn exchange_messages_and_party_ids_are_bounded() {
    let provider = providers()[0];
    let peers = FixturePeers(IssuedByFixtureCa::new(provider));
    let eisp = credentials("eisp-p256", provider);
    let ecp = credentials("ecp-p256", provider);
    let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
    let responder = ExchangeParty::new(
        &eisp,
        "EISP-1",
        PartyRole::ServicePlatform,
        &peers,
        &directory,
        &replay,
        provider,
    );
    assert_eq!(MAX_EXCHANGE_MESSAGE, 64 * 1024);
    let input = vec![0x30; MAX_EXCHANGE_MESSAGE + 1];
    let (result, allocated) = allocated_during(|| responder.answer(&input, NOW).map(|_| ()));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Exchange(ExchangeError::TooLarge { size, max })
                if size == MAX_EXCHANGE_MESSAGE + 1 && max == MAX_EXCHANGE_MESSAGE
        ),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // A party id of 65 characters (the limit is 64).
    let (d2, r2) = (PeerDirectory::default(), MemoryReplayGuard::new());
    let long_id = "E".repeat(65);
    let initiator = ExchangeParty::new(
        &ecp,
        &long_id,
        PartyRole::CloudPlatform,
        &peers,
        &d2,
        &r2,
        provider,
    );
    let (_, offer) = initiator.offer(NOW).unwrap();
    let err = responder.answer(&offer, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::BadPartyId)),
        "{err}"
    );
}
