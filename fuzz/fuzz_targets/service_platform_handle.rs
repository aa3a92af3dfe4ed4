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
//! 3. as the payload of the pinned front end (pulls and results);
//! 4. in one batch (`handle_batch`, one transaction): the raw bytes, the cloud
//!    platform's sealed payload twice (the second time a replay) and the front
//!    end's, each answered in its place as `handle` would answer it.
//!
//! Whatever the service platform answers must open for the sender and parse as
//! what the protocol says it is.
#![no_main]

use fapiao::envelope::{self, Addressing, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::invoice::IssueResponse;
use fapiao::pki::Credentials;
use fapiao::exchange::PartyRole;
use fapiao::platform::ServiceToFrontEnd;
use fapiao_fuzz::platform::{PARTIES, World};
use fapiao_fuzz::{NOW, provider, validator};
use libfuzzer_sys::fuzz_target;

/// Signs `payload` by each of `signers` in turn, the last one addressing the
/// service platform in the role of a cloud platform (two signers) or a front
/// end (one), and seals it to the service platform.
fn seal(payload: &[u8], signers: &[&Credentials]) -> Vec<u8> {
    let addressing = Addressing {
        sender_role: match signers.len() {
            1 => PartyRole::EnterpriseFrontEnd,
            _ => PartyRole::CloudPlatform,
        },
        recipient_key: PARTIES.eisp.leaf().spki_fingerprint(),
    };
    let (last, first) = signers.split_last().expect("one signer at least");
    let mut signed = match first.first() {
        None => SignedMessage::sign_addressed(payload, last, addressing, NOW, provider()),
        Some(erp) => SignedMessage::sign(payload, erp, NOW, provider()),
    }
    .expect("a fixture party signs anything");
    if !first.is_empty() {
        signed
            .add_signer_if(last, Some(addressing), NOW, provider(), |_| Ok(()))
            .expect("a fixture party countersigns");
    }
    envelope::encrypt(&signed, &[PARTIES.eisp.leaf()], provider())
        .expect("sealing to the fixture service platform")
}

/// The payload of the service platform's `answer`, which must open for `reader`.
fn read(answer: &[u8], reader: &Credentials) -> Vec<u8> {
    let trust = validator();
    let replay = MemoryReplayGuard::new();
    Opener::new(reader, &trust, &replay, provider())
        .open(answer, NOW)
        .expect("the service platform's answer opens for the sender")
        .payload
}

/// Seals `payload` as `signers` and hands it to `handle`; returns the payload of
/// the answer, or `None` when `handle` refused with an error.
fn send(
    world: &World,
    payload: &[u8],
    signers: &[&Credentials],
    reader: &Credentials,
) -> Option<Vec<u8>> {
    let answer = world.service.handle(&seal(payload, signers), NOW).ok()?;
    Some(read(&answer, reader))
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

    let world = World::new();
    let from_cloud = seal(data, &[&PARTIES.erp, &PARTIES.ecp]);
    let from_front_end = seal(data, &[&PARTIES.front_end]);
    let batch: [&[u8]; 4] = [data, &from_cloud, &from_cloud, &from_front_end];
    let Ok(answers) = world.service.handle_batch(&batch, NOW) else {
        return;
    };
    assert_eq!(answers.len(), batch.len(), "one answer per envelope");
    assert!(answers[2].is_err(), "the same envelope twice in a batch is a replay");
    if let Ok(answer) = &answers[1] {
        IssueResponse::from_json(&read(answer, &PARTIES.ecp))
            .expect("the answer to a cloud platform is an IssueResponse");
    }
    if let Ok(answer) = &answers[3] {
        ServiceToFrontEnd::from_json(&read(answer, &PARTIES.front_end))
            .expect("the answer to a front end is a ServiceToFrontEnd");
    }
});
