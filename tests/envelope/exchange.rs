//! Certificate exchange between two in-process parties, tampering with each
//! message field, replay, a peer whose chain fails, who may claim which party
//! id, rotation, and the peer directory's refusals.

use crate::common;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, Ordering};

use common::*;
use fapiao::envelope::{MemoryReplayGuard, SignedMessage};
use fapiao::exchange::{
    CertificateMatch, Confirmed, ExchangeParty, PartyBindings, PartyRole, PeerDirectory,
    PeerValidator,
};
use fapiao::pki::{Certificate, Credentials, EkuPolicy, PathError, key_purpose};
use fapiao::{EnvelopeError, Error, ExchangeError, PeerError};

const NOW: u64 = TEST_TIME;

#[path = "exchange/claims.rs"]
mod claims;

/// Test validator: the fixture issuing CA signed the leaf (see common).
struct FixtureValidator(IssuedByFixtureCa);

impl PeerValidator for FixtureValidator {
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

fn key_of(name: &str) -> CertificateMatch {
    CertificateMatch::Key(credentials(name, providers()[0]).leaf().spki_fingerprint())
}

/// The operator's bindings every side here uses: both fixture cloud platform
/// certificates may be ECP-1 (a rotation from one to the other), both service
/// platform certificates EISP-1.
static BINDINGS: LazyLock<PartyBindings> = LazyLock::new(|| {
    PartyBindings::new()
        .bind("ECP-1", PartyRole::CloudPlatform, key_of("ecp-rsa"))
        .bind("ECP-1", PartyRole::CloudPlatform, key_of("ecp-p256"))
        .bind("EISP-1", PartyRole::ServicePlatform, key_of("eisp-rsa"))
        .bind("EISP-1", PartyRole::ServicePlatform, key_of("eisp-p256"))
});

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
    .with_bindings(&BINDINGS)
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
    let (confirmed, confirm) = a.confirm(sent, &answer, NOW + 2).unwrap();
    let Confirmed::Pinned(pinned_b) = confirmed else {
        panic!("a responder with one certificate is pinned at the confirm");
    };
    let (pinned_a, finish) = b.complete(answered, &confirm, NOW + 3).unwrap();
    assert!(finish.is_none(), "one certificate: three messages");

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
/// certificate) could send. `KEY` in the body becomes the signer's key.
pub(crate) fn signed_body(creds: &Credentials, body: &str, at: u64) -> Vec<u8> {
    let body = body.replace("KEY", &creds.leaf().spki_fingerprint().to_hex());
    SignedMessage::sign(body.as_bytes(), creds, at, providers()[0])
        .unwrap()
        .into_der()
}

fn quoted(text: Option<&str>) -> String {
    match text {
        Some(n) => format!("\"{n}\""),
        None => "null".into(),
    }
}

/// An offer-shaped body from ECP-1 (`KEY` for the signer's key).
fn body(kind: &str, role: &str, nonce: &str, peer_nonce: Option<&str>, ts: u64) -> String {
    format!(
        r#"{{"version":2,"kind":"{kind}","role":"{role}","party_id":"ECP-1","key":"KEY","nonce":"{nonce}","peer_nonce":{},"offer_nonce":null,"to":null,"timestamp":{ts}}}"#,
        quoted(peer_nonce)
    )
}

/// A confirm from ECP-1 (`KEY` for the signer's key) to `to`, echoing
/// `answer_nonce` and `offer_nonce`.
fn confirm_body(answer_nonce: &str, offer_nonce: &str, to: &str) -> String {
    // Each forged confirm has a nonce of its own (a refused one is recorded).
    static NEXT: AtomicU8 = AtomicU8::new(0);
    let nonce = format!("{:02x}", NEXT.fetch_add(1, Ordering::Relaxed)).repeat(32);
    format!(
        r#"{{"version":2,"kind":"confirm","role":"cloud_platform","party_id":"ECP-1","key":"KEY","nonce":"{nonce}","peer_nonce":"{answer_nonce}","offer_nonce":"{offer_nonce}","to":{to},"timestamp":{NOW}}}"#
    )
}

/// The `to` member naming `party_id` in `role` with `creds`' key.
pub(crate) fn addressee(role: &str, party_id: &str, creds: &Credentials) -> String {
    format!(
        r#"{{"role":"{role}","party_id":"{party_id}","key":"{}"}}"#,
        creds.leaf().spki_fingerprint()
    )
}

/// The value of the first `"field":"…"` string in a signed message's body.
pub(crate) fn field(message: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(message).to_string();
    let marker = format!("\"{name}\":\"");
    let start = text.find(&marker).unwrap() + marker.len();
    text[start..start + 64].to_owned()
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
                .replace("\"version\":2", "\"version\":1"),
            |e| {
                matches!(
                    e,
                    Error::Exchange(ExchangeError::UnsupportedVersion { found: 1, .. })
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
        // The key claimed is not the signer's.
        (
            body("offer", "cloud_platform", &n, None, NOW).replace("KEY", &"00".repeat(32)),
            |e| matches!(e, Error::Exchange(ExchangeError::KeyNotSigner)),
        ),
        // An offer carrying an offer_nonce (only a confirm does).
        (
            body("offer", "cloud_platform", &n, None, NOW)
                .replace("\"offer_nonce\":null", &format!("\"offer_nonce\":\"{n}\"")),
            |e| {
                matches!(
                    e,
                    Error::Exchange(ExchangeError::BadNonce {
                        field: "offer_nonce"
                    })
                )
            },
        ),
        // An offer addressed to another service platform.
        (
            body("offer", "cloud_platform", &n, None, NOW).replace(
                "\"to\":null",
                &format!(
                    "\"to\":{}",
                    addressee(
                        "service_platform",
                        "EISP-2",
                        &credentials("eisp-rsa", providers()[0])
                    )
                ),
            ),
            |e| matches!(e, Error::Exchange(ExchangeError::NotForUs { .. })),
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
    let (answer_nonce, offer_nonce) = (field(&answer, "nonce"), field(&offer, "nonce"));
    let to_b = addressee("service_platform", "EISP-1", &eisp.creds);
    let impostor = side("ecp-p256");
    let forged = signed_body(
        &impostor.creds,
        &confirm_body(&answer_nonce, &offer_nonce, &to_b),
        NOW,
    );
    let err = b.complete(answered.clone(), &forged, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::PeerChanged)),
        "{err}"
    );
    // The confirm covers the offer's nonce too: one that echoes the answer but
    // carries another offer nonce is refused.
    let other = "ef".repeat(32);
    let forged = signed_body(&ecp.creds, &confirm_body(&answer_nonce, &other, &to_b), NOW);
    let err = b.complete(answered.clone(), &forged, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::NonceMismatch)),
        "{err}"
    );
    // A confirm must name its addressee, and name this side.
    for to in [
        "null".to_owned(),
        addressee("service_platform", "EISP-2", &eisp.creds),
        addressee("service_platform", "EISP-1", &ecp.creds),
    ] {
        let forged = signed_body(
            &ecp.creds,
            &confirm_body(&answer_nonce, &offer_nonce, &to),
            NOW,
        );
        let err = b.complete(answered.clone(), &forged, NOW).unwrap_err();
        assert!(
            matches!(err, Error::Exchange(ExchangeError::NotForUs { .. })),
            "{to}: {err}"
        );
    }
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
