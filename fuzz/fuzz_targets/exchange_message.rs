//! Certificate exchange: the input as an offer the fixture service platform
//! answers (and, when it answers, as the confirm that completes it), and as the
//! answer to an offer of the fixture cloud platform.
#![no_main]

use fapiao::envelope::MemoryReplayGuard;
use fapiao::exchange::{CertificateMatch, ExchangeParty, PartyBindings, PartyRole, PeerDirectory};
use fapiao::pki::Credentials;
use fapiao_fuzz::{FIXTURE, NOW, provider, validator};
use libfuzzer_sys::fuzz_target;

/// Binds `party_id` in `role` to certificates named as `like`'s (issuer and
/// subject): both fixture cloud platform certificates, or both service
/// platform ones.
fn binding(party_id: &str, role: PartyRole, like: &Credentials) -> PartyBindings {
    let names = CertificateMatch::IssuerAndSubject {
        issuer: like.leaf().issuer(),
        subject: like.leaf().subject(),
    };
    PartyBindings::new().bind(party_id, role, names)
}

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let trust = validator();
    let ecp_binding = binding("ECP-1", PartyRole::CloudPlatform, &fixture.ecp_p256);
    let eisp_binding = binding("EISP-1", PartyRole::ServicePlatform, &fixture.eisp_p256);

    let directory = PeerDirectory::default();
    let replay = MemoryReplayGuard::new();
    let responder = ExchangeParty::new(
        &fixture.eisp_p256,
        "EISP-1",
        PartyRole::ServicePlatform,
        &trust,
        &directory,
        &replay,
        provider(),
    )
    .with_bindings(&ecp_binding);
    if let Ok((sent, _answer)) = responder.answer(data, NOW) {
        // The same offer again carries a nonce already seen.
        assert!(
            responder.answer(data, NOW).is_err(),
            "a replayed offer was answered"
        );
        // An offer is not a confirm.
        assert!(
            responder.complete(sent, data, NOW).is_err(),
            "an offer completed the exchange"
        );
    }

    let directory = PeerDirectory::default();
    let replay = MemoryReplayGuard::new();
    let initiator = ExchangeParty::new(
        &fixture.ecp_p256,
        "ECP-1",
        PartyRole::CloudPlatform,
        &trust,
        &directory,
        &replay,
        provider(),
    )
    .with_bindings(&eisp_binding);
    let (sent, _offer) = initiator
        .offer(NOW)
        .expect("the fixture party signs an offer");
    // The answer must echo our fresh random nonce, which the input cannot know.
    assert!(
        initiator.confirm(sent, data, NOW).is_err(),
        "an answer to an unseen nonce was accepted"
    );
});
