//! Certificate exchange between two in-process parties, tampering with each
//! message field, replay, a peer whose chain fails, rotation, and the peer
//! directory's refusals.

mod common;

use common::*;
use fapiao::envelope::{MemoryReplayGuard, SignedMessage};
use fapiao::pki::{
    Certificate, Credentials, ExchangeParty, PartyRole, PeerDirectory, PeerValidator,
};
use fapiao::{EnvelopeError, Error, ExchangeError, PeerError};

const NOW: u64 = TEST_TIME;

/// Test validator: the fixture issuing CA signed the leaf (see common).
struct FixtureValidator(IssuedByFixtureCa);

impl PeerValidator for FixtureValidator {
    fn validate_peer(&self, leaf: &Certificate, i: &[Certificate], at: u64) -> Result<(), Error> {
        use fapiao::envelope::SignerTrust;
        self.0.verify_signer(leaf, i, at)
    }
}

struct Side {
    creds: Credentials,
    directory: PeerDirectory,
    replay: MemoryReplayGuard,
}

fn side(name: &str) -> Side {
    Side {
        creds: credentials(name, providers()[0]),
        directory: PeerDirectory::default(),
        replay: MemoryReplayGuard::new(),
    }
}

fn party<'a>(s: &'a Side, id: &str, role: PartyRole, v: &'a FixtureValidator) -> ExchangeParty<'a> {
    ExchangeParty::new(
        &s.creds,
        id,
        role,
        v,
        &s.directory,
        &s.replay,
        providers()[0],
    )
}

fn validator() -> FixtureValidator {
    FixtureValidator(IssuedByFixtureCa::new(providers()[0]))
}

#[test]
fn full_exchange_pins_both_sides() {
    let v = validator();
    let ecp = side("ecp-rsa");
    let eisp = side("eisp-p256");
    let a = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v);
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);

    let (sent, offer) = a.offer(NOW).unwrap();
    let (answered, answer) = b.answer(&offer, NOW + 1).unwrap();
    // The responder pins nobody before the confirm.
    assert!(eisp.directory.lookup_party("ECP-1", NOW).is_err());
    let (pinned_b, confirm) = a.confirm(sent, &answer, NOW + 2).unwrap();
    let pinned_a = b.complete(answered, &confirm, NOW + 3).unwrap();

    assert_eq!(pinned_b.party_id, "EISP-1");
    assert_eq!(pinned_b.fingerprint, eisp.creds.leaf().spki_fingerprint());
    assert_eq!(pinned_a.role, PartyRole::CloudPlatform);
    let found = ecp.directory.lookup_party("EISP-1", NOW).unwrap();
    assert_eq!(found.len(), 1);
    eisp.directory
        .check("ECP-1", PartyRole::CloudPlatform, ecp.creds.leaf(), NOW)
        .unwrap();
    // Wrong role or party on lookup.
    let err = eisp
        .directory
        .check("ECP-1", PartyRole::ServicePlatform, ecp.creds.leaf(), NOW)
        .unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::RoleMismatch { .. })),
        "{err}"
    );
    let err = eisp
        .directory
        .check("ECP-2", PartyRole::CloudPlatform, ecp.creds.leaf(), NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Peer(PeerError::FingerprintBelongsToAnotherParty { .. })
        ),
        "{err}"
    );
}

/// Signs an arbitrary body as `creds`: what a peer (or an attacker holding a
/// certificate) could send.
fn signed_body(creds: &Credentials, body: &str, at: u64) -> Vec<u8> {
    SignedMessage::sign(body.as_bytes(), creds, at, providers()[0])
        .unwrap()
        .into_der()
}

fn body(kind: &str, role: &str, nonce: &str, peer_nonce: Option<&str>, ts: u64) -> String {
    let peer = match peer_nonce {
        Some(n) => format!("\"{n}\""),
        None => "null".into(),
    };
    format!(
        r#"{{"version":1,"kind":"{kind}","role":"{role}","party_id":"ECP-1","nonce":"{nonce}","peer_nonce":{peer},"timestamp":{ts}}}"#
    )
}

#[test]
fn each_tampered_offer_field_is_refused_for_its_reason() {
    let v = validator();
    let ecp = side("ecp-rsa");
    let eisp = side("eisp-rsa");
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    let n = "ab".repeat(32);
    type Expect = fn(&Error) -> bool;
    let cases: Vec<(String, Expect)> = vec![
        (body("answer", "cloud_platform", &n, None, NOW), |e| {
            matches!(e, Error::Exchange(ExchangeError::WrongKind { .. }))
        }),
        (body("offer", "service_platform", &n, None, NOW), |e| {
            matches!(e, Error::Exchange(ExchangeError::RoleNotAccepted { .. }))
        }),
        (body("offer", "cloud_platform", "abcd", None, NOW), |e| {
            matches!(
                e,
                Error::Exchange(ExchangeError::BadNonce { field: "nonce" })
            )
        }),
        (
            body("offer", "cloud_platform", &"zz".repeat(32), None, NOW),
            |e| matches!(e, Error::Exchange(ExchangeError::BadNonce { .. })),
        ),
        (body("offer", "cloud_platform", &n, Some(&n), NOW), |e| {
            matches!(
                e,
                Error::Exchange(ExchangeError::BadNonce {
                    field: "peer_nonce"
                })
            )
        }),
        (
            body("offer", "cloud_platform", &n, None, NOW - 10_000),
            |e| matches!(e, Error::Exchange(ExchangeError::Stale { .. })),
        ),
        (
            body("offer", "cloud_platform", &n, None, NOW)
                .replace("\"version\":1", "\"version\":2"),
            |e| {
                matches!(
                    e,
                    Error::Exchange(ExchangeError::UnsupportedVersion { found: 2, .. })
                )
            },
        ),
        (
            body("offer", "cloud_platform", &n, None, NOW).replace('}', ",\"extra\":1}"),
            |e| matches!(e, Error::Exchange(ExchangeError::MalformedBody { .. })),
        ),
        (
            body("offer", "cloud_platform", &n, None, NOW).replace("ECP-1", ""),
            |e| matches!(e, Error::Exchange(ExchangeError::BadPartyId)),
        ),
    ];
    for (text, expected) in cases {
        let err = b
            .answer(&signed_body(&ecp.creds, &text, NOW), NOW)
            .unwrap_err();
        assert!(expected(&err), "{text}: {err}");
    }
    // A flipped byte anywhere in a genuine offer.
    let a = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v);
    let (_, offer) = a.offer(NOW).unwrap();
    // (A refused message records nothing, so one responder serves every try.)
    for i in 0..offer.len() {
        let mut bad = offer.clone();
        bad[i] ^= 0x01;
        assert!(b.answer(&bad, NOW).is_err(), "byte {i}");
    }
    b.answer(&offer, NOW).unwrap();
}

#[test]
fn answer_and_confirm_must_echo_our_nonce() {
    let v = validator();
    let ecp = side("ecp-rsa");
    let eisp = side("eisp-rsa");
    let a = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v);
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    // An answer to someone else's offer.
    let (sent, _) = a.offer(NOW).unwrap();
    let (_, other_offer) = a.offer(NOW).unwrap();
    let (_, answer) = b.answer(&other_offer, NOW).unwrap();
    let err = a.confirm(sent, &answer, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::NonceMismatch)),
        "{err}"
    );
    // A confirm signed by another certificate than the offer's, echoing the
    // right nonce: the responder must notice the signer changed.
    let (_sent, offer) = a.offer(NOW).unwrap();
    let (answered, answer) = b.answer(&offer, NOW).unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let start = text.find("\"nonce\":\"").unwrap() + 9;
    let answer_nonce = &text[start..start + 64];
    let impostor = side("ecp-p256");
    let forged = signed_body(
        &impostor.creds,
        &body(
            "confirm",
            "cloud_platform",
            &"cd".repeat(32),
            Some(answer_nonce),
            NOW,
        ),
        NOW,
    );
    let err = b.complete(answered, &forged, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::PeerChanged)),
        "{err}"
    );
}

#[test]
fn replayed_offer_is_refused() {
    let v = validator();
    let ecp = side("ecp-rsa");
    let eisp = side("eisp-rsa");
    let a = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v);
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    let (_, offer) = a.offer(NOW).unwrap();
    b.answer(&offer, NOW).unwrap();
    let err = b.answer(&offer, NOW + 10).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::Replay { .. })),
        "{err}"
    );
    // An old offer, after the replay window: refused as stale.
    let fresh = side("eisp-rsa");
    let b = party(&fresh, "EISP-1", PartyRole::ServicePlatform, &v);
    let err = b.answer(&offer, NOW + 3600).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SigningTimeOutsideWindow { .. })
        ),
        "{err}"
    );
}

#[test]
fn a_peer_whose_chain_fails_is_refused() {
    let v = validator();
    let provider = providers()[0];
    // A leaf under another root: not issued by our issuing CA.
    let rogue = Credentials::from_pem(
        &data("faulty/untrusted-root.pem"),
        &data("faulty/untrusted-root.key.pem"),
        None,
        provider,
    )
    .unwrap();
    let rogue_side = Side {
        creds: rogue,
        directory: PeerDirectory::default(),
        replay: MemoryReplayGuard::new(),
    };
    let eisp = side("eisp-rsa");
    let a = party(&rogue_side, "ECP-1", PartyRole::CloudPlatform, &v);
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    let (_, offer) = a.offer(NOW).unwrap();
    let err = b.answer(&offer, NOW).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SignerChainInvalid { signer: 0, .. })
        ),
        "{err}"
    );
}

fn exchange(a: &ExchangeParty<'_>, b: &ExchangeParty<'_>, now: u64) {
    let (sent, offer) = a.offer(now).unwrap();
    let (answered, answer) = b.answer(&offer, now).unwrap();
    let (_, confirm) = a.confirm(sent, &answer, now).unwrap();
    b.complete(answered, &confirm, now).unwrap();
}

#[test]
fn rotation_keeps_both_certificates_until_the_old_one_is_retired() {
    let v = validator();
    let old = side("ecp-rsa");
    let new = side("ecp-p256");
    let eisp = side("eisp-rsa");
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    exchange(&party(&old, "ECP-1", PartyRole::CloudPlatform, &v), &b, NOW);
    exchange(
        &party(&new, "ECP-1", PartyRole::CloudPlatform, &v),
        &b,
        NOW + 60,
    );

    let both = eisp.directory.lookup_party("ECP-1", NOW + 60).unwrap();
    assert_eq!(both.len(), 2);
    for creds in [&old.creds, &new.creds] {
        eisp.directory
            .check("ECP-1", PartyRole::CloudPlatform, creds.leaf(), NOW + 60)
            .unwrap();
    }
    eisp.directory
        .retire(&old.creds.leaf().spki_fingerprint())
        .unwrap();
    let err = eisp
        .directory
        .check(
            "ECP-1",
            PartyRole::CloudPlatform,
            old.creds.leaf(),
            NOW + 60,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Retired { .. })),
        "{err}"
    );
    assert_eq!(
        eisp.directory
            .lookup_party("ECP-1", NOW + 60)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn revoked_and_expired_peers_are_refused() {
    let v = validator();
    let ecp = side("ecp-rsa");
    let eisp = side("eisp-rsa");
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    exchange(&party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v), &b, NOW);
    let fp = ecp.creds.leaf().spki_fingerprint();
    // After the certificate's notAfter.
    let late = ecp.creds.leaf().not_after() + 1;
    let err = eisp.directory.lookup_fingerprint(&fp, late).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Expired { .. })),
        "{err}"
    );
    eisp.directory.revoke(&fp).unwrap();
    let err = eisp.directory.lookup_fingerprint(&fp, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Revoked { .. })),
        "{err}"
    );
    // A revoked certificate cannot be pinned again by a fresh exchange.
    let (sent, offer) = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v)
        .offer(NOW + 100)
        .unwrap();
    let (answered, answer) = b.answer(&offer, NOW + 100).unwrap();
    let (_, confirm) = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v)
        .confirm(sent, &answer, NOW + 100)
        .unwrap();
    let err = b.complete(answered, &confirm, NOW + 100).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Revoked { .. })),
        "{err}"
    );
    let err = eisp.directory.lookup_party("nobody", NOW).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Unknown { .. })),
        "{err}"
    );
}
