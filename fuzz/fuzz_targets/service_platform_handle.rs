//! The service platform's `handle`: what every envelope from the network goes
//! through. Each input runs on a fresh platform (an in-memory store, the fixture
//! cloud platform and enterprise front end pinned, two registered enterprises,
//! a hosted software device), three ways:
//!
//! 1. as the envelope bytes themselves;
//! 2. as the payload the platform-hosted enterprise (Ed25519) signed and the
//!    pinned cloud platform countersigned and sealed to the service platform, so
//!    that everything after opening sees the fuzzer's bytes: ticket queries,
//!    request parsing and validation, authentication, idempotency,
//!    qualification, issuing, the sealed answer;
//! 3. as the payload of the pinned front end (pulls and results).
//!
//! Whatever the service platform answers must open for the sender and parse as
//! what the protocol says it is.
#![no_main]

use fapiao::envelope::{self, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::invoice::IssueResponse;
use fapiao::pki::Credentials;
use fapiao::platform::ServiceToFrontEnd;
use fapiao_fuzz::platform::{PARTIES, World};
use fapiao_fuzz::{NOW, provider, validator};
use libfuzzer_sys::fuzz_target;

/// Signs `payload` by each of `signers` in turn, seals it to the service
/// platform and hands it to `handle`; returns the payload of the answer, which
/// must open for `reader`, or `None` when `handle` refused with an error.
fn send(
    world: &World,
    payload: &[u8],
    signers: &[&Credentials],
    reader: &Credentials,
) -> Option<Vec<u8>> {
    let mut signed = SignedMessage::sign(payload, signers[0], NOW, provider())
        .expect("a fixture party signs anything");
    for signer in &signers[1..] {
        signed
            .add_signer(signer, NOW, provider())
            .expect("a fixture party countersigns");
    }
    let sealed = envelope::encrypt(&signed, &[PARTIES.eisp.leaf()], provider())
        .expect("sealing to the fixture service platform");
    let answer = world.service.handle(&sealed, NOW).ok()?;
    let trust = validator();
    let replay = MemoryReplayGuard::new();
    let opened = Opener::new(reader, &trust, &replay, provider())
        .open(&answer, NOW)
        .expect("the service platform's answer opens for the sender");
    Some(opened.payload)
}

fuzz_target!(|data: &[u8]| {
    let world = World::new();
    let _ = world.service.handle(data, NOW);

    let from_cloud = send(&world, data, &[&PARTIES.erp, &PARTIES.ecp], &PARTIES.ecp);
    if let Some(answer) = from_cloud {
        IssueResponse::from_json(&answer)
            .expect("the answer to a cloud platform is an IssueResponse");
    }
    let from_front_end = send(&world, data, &[&PARTIES.front_end], &PARTIES.front_end);
    if let Some(answer) = from_front_end {
        ServiceToFrontEnd::from_json(&answer)
            .expect("the answer to a front end is a ServiceToFrontEnd");
    }
});
