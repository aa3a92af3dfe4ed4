//! The certificate exchange between parties on SM2 dual certificates (双证书):
//! both certificates carried, each side's encryption key proven by a
//! challenge (the responder's in a fourth message), both pinned, and rotation.
#![cfg(feature = "gm")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use fapiao::Error;
use fapiao::crypto::{KeyAlgorithm, PrivateKey, SignatureScheme};
use fapiao::envelope::MemoryReplayGuard;
use fapiao::exchange::{
    CertificateMatch, Confirmed, ExchangeError, ExchangeParty, PartyBindings, PartyRole,
    PeerDirectory, PeerError,
};
use fapiao::pki::{Certificate, Credentials, PathValidator};

type Result<T> = std::result::Result<T, Error>;
use fapiao_testkit::{NOW, data, gm_creds, provider, trust_with_gm};
use zeroize::Zeroizing;

use crate::exchange::{addressee, field, signed_body};

const ECP: &str = "ECP-1";
const EISP: &str = "EISP-1";

/// Both platforms bound by their signing certificates' subject serialNumber,
/// and the cloud platform also by the key of `also` when given.
fn bindings(also: Option<&Credentials>) -> PartyBindings {
    let bindings = match also {
        Some(c) => PartyBindings::new().bind(
            ECP,
            PartyRole::CloudPlatform,
            CertificateMatch::Key(c.leaf().spki_fingerprint()),
        ),
        None => PartyBindings::new(),
    };
    bindings
        .bind(
            ECP,
            PartyRole::CloudPlatform,
            CertificateMatch::SubjectSerialNumber("91110108MA01ECP00X".into()),
        )
        .bind(
            EISP,
            PartyRole::ServicePlatform,
            CertificateMatch::SubjectSerialNumber("91110108MA01EISP0Y".into()),
        )
}

/// The two platforms bound by their signing certificates' keys.
fn key_bindings(ecp: &Credentials, eisp: &Credentials) -> PartyBindings {
    PartyBindings::new()
        .bind(
            ECP,
            PartyRole::CloudPlatform,
            CertificateMatch::Key(ecp.leaf().spki_fingerprint()),
        )
        .bind(
            EISP,
            PartyRole::ServicePlatform,
            CertificateMatch::Key(eisp.leaf().spki_fingerprint()),
        )
}

/// Runs offer, answer, confirm, complete between `ecp` (offering, endorsed by
/// `endorser` when given) and `eisp`, each with its directory.
fn run(
    ecp: &Credentials,
    endorser: Option<&Credentials>,
    eisp: &Credentials,
    (at_ecp, at_eisp): (&PeerDirectory, &PeerDirectory),
    validator: &PathValidator<'_>,
) -> Result<()> {
    let (ra, rb) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let bindings = bindings(Some(ecp));
    let mut a = ExchangeParty::new(
        ecp,
        ECP,
        PartyRole::CloudPlatform,
        validator,
        at_ecp,
        &ra,
        provider(),
    )
    .with_bindings(&bindings);
    if let Some(pinned) = endorser {
        a = a.endorsed_by(pinned);
    }
    let b = ExchangeParty::new(
        eisp,
        EISP,
        PartyRole::ServicePlatform,
        validator,
        at_eisp,
        &rb,
        provider(),
    )
    .with_bindings(&bindings);
    let (sent, offer) = a.offer(NOW)?;
    let (answered, answer) = b.answer(&offer, NOW)?;
    let (confirmed, confirm) = a.confirm(sent, &answer, NOW)?;
    let (_, finish) = b.complete(answered, &confirm, NOW)?;
    match (confirmed, finish) {
        (Confirmed::AwaitingFinish(sent), Some(finish)) => {
            a.finish(sent, &finish, NOW)?;
        }
        (Confirmed::Pinned(_), None) => {}
        (_, finish) => panic!("finish sent: {}", finish.is_some()),
    }
    Ok(())
}

/// The parties of [`run`] without the endorser, for step-by-step tests.
struct Parties<'a> {
    a: ExchangeParty<'a>,
    b: ExchangeParty<'a>,
}

fn parties<'a>(
    (ecp, eisp): (&'a Credentials, &'a Credentials),
    (at_ecp, at_eisp): (&'a PeerDirectory, &'a PeerDirectory),
    replay: &'a (MemoryReplayGuard, MemoryReplayGuard),
    bindings: &'a PartyBindings,
    validator: &'a PathValidator<'a>,
) -> Parties<'a> {
    let a = ExchangeParty::new(
        ecp,
        ECP,
        PartyRole::CloudPlatform,
        validator,
        at_ecp,
        &replay.0,
        provider(),
    )
    .with_bindings(bindings);
    let b = ExchangeParty::new(
        eisp,
        EISP,
        PartyRole::ServicePlatform,
        validator,
        at_eisp,
        &replay.1,
        provider(),
    )
    .with_bindings(bindings);
    Parties { a, b }
}

#[test]
fn the_responder_proves_its_encryption_key_in_a_fourth_message() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (gm_creds("ecp"), gm_creds("eisp"));
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let replay = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let bindings = bindings(None);
    let Parties { a, b } = parties(
        (&ecp, &eisp),
        (&at_ecp, &at_eisp),
        &replay,
        &bindings,
        &validator,
    );
    let (sent, offer) = a.offer(NOW).unwrap();
    let (answered, answer) = b.answer(&offer, NOW).unwrap();
    let (confirmed, confirm) = a.confirm(sent, &answer, NOW).unwrap();
    let Confirmed::AwaitingFinish(pending) = confirmed else {
        panic!("a responder with an encryption certificate must prove it");
    };
    assert_eq!(pending.peer().party_id, EISP);
    // The confirm challenges the responder; the initiator pins nothing yet.
    assert!(String::from_utf8_lossy(&confirm).contains("\"challenge\""));
    assert!(at_ecp.lookup_party(EISP, NOW).is_err());

    let (cloud, finish) = b.complete(answered, &confirm, NOW).unwrap();
    assert_eq!(cloud.party_id, ECP);
    let finish = finish.expect("the responder answers the challenge");
    // The finish is read once: a copy is a replay.
    let service = a.finish(pending.clone(), &finish, NOW).unwrap();
    assert_eq!(service.recipient_certificate(), eisp.encryption_leaf());
    let pinned = at_ecp.lookup_party(EISP, NOW).unwrap();
    assert_eq!(
        pinned[0].encryption_certificate.as_ref(),
        Some(eisp.encryption_leaf())
    );
    assert!(a.finish(pending, &finish, NOW).is_err());
}

/// A finish from the genuine service platform (its signing key) returning
/// `response` to the challenge of the confirm `confirm` (`null`: none).
fn forged_finish(eisp: &Credentials, ecp: &Credentials, confirm: &[u8], response: &str) -> Vec<u8> {
    static NEXT: AtomicU8 = AtomicU8::new(0x40);
    let nonce = format!("{:02x}", NEXT.fetch_add(1, Ordering::Relaxed)).repeat(32);
    let chain: Vec<String> = eisp
        .encryption_chain()
        .iter()
        .map(|c| format!("\"{}\"", hex(c.der())))
        .collect();
    let body = format!(
        r#"{{"version":3,"kind":"finish","role":"service_platform","party_id":"{EISP}","key":"KEY","nonce":"{nonce}","peer_nonce":"{}","offer_nonce":null,"to":{},"timestamp":{NOW},"encryption_chain":[{}],"challenge_response":{response}}}"#,
        field(confirm, "nonce"),
        addressee("cloud_platform", ECP, ecp),
        chain.join(","),
    );
    signed_body(eisp, &body, NOW)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_responder_that_cannot_open_the_challenge_is_not_pinned() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (gm_creds("ecp"), gm_creds("eisp"));
    // A service platform offering its encryption certificate with another key
    // (its signing key posing as the encryption key) cannot open the
    // confirm's challenge, and says so instead of finishing.
    let impostor = Impostor {
        real: eisp.private_key().clone(),
        claimed: eisp.encryption_leaf().public_key().to_vec(),
    };
    let posing = Credentials::new(eisp.chain().to_vec(), eisp.private_key().clone())
        .unwrap()
        .with_encryption_key(eisp.encryption_chain().to_vec(), Arc::new(impostor))
        .unwrap();
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let err = run(&ecp, None, &posing, (&at_ecp, &at_eisp), &validator).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Exchange(ExchangeError::EncryptionKeyNotProven { .. })
        ),
        "{err:?}"
    );
    assert!(at_ecp.lookup_party(EISP, NOW).is_err());
    assert!(at_eisp.lookup_party(ECP, NOW).is_err());

    // A responder that sends a finish anyway, with a wrong response or none,
    // is refused and not pinned.
    let replay = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let bindings = bindings(None);
    let Parties { a, b } = parties(
        (&ecp, &eisp),
        (&at_ecp, &at_eisp),
        &replay,
        &bindings,
        &validator,
    );
    let (sent, offer) = a.offer(NOW).unwrap();
    let (_, answer) = b.answer(&offer, NOW).unwrap();
    let (Confirmed::AwaitingFinish(pending), confirm) = a.confirm(sent, &answer, NOW).unwrap()
    else {
        panic!("the confirm challenges the responder");
    };
    for response in [format!("\"{}\"", "5a".repeat(32)), "null".to_owned()] {
        let forged = forged_finish(&eisp, &ecp, &confirm, &response);
        let err = a.finish(pending.clone(), &forged, NOW).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Exchange(ExchangeError::EncryptionKeyNotProven { .. })
            ),
            "{response}: {err:?}"
        );
    }
    // A finish signed by another party, returning nothing, is not the peer
    // that answered.
    let other = gm_creds("enterprise");
    let forged = forged_finish(&other, &ecp, &confirm, "null");
    assert!(a.finish(pending, &forged, NOW).is_err());
    assert!(at_ecp.lookup_party(EISP, NOW).is_err());
}

#[test]
fn the_exchange_between_dual_parties_pins_both_certificates() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (gm_creds("ecp"), gm_creds("eisp"));
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    run(&ecp, None, &eisp, (&at_ecp, &at_eisp), &validator).unwrap();

    let service = &at_ecp.lookup_party(EISP, NOW).unwrap()[0];
    assert_eq!(service.certificate, *eisp.leaf());
    assert_eq!(
        service.encryption_certificate.as_ref(),
        Some(eisp.encryption_leaf())
    );
    let cloud = &at_eisp.lookup_party(ECP, NOW).unwrap()[0];
    assert_eq!(cloud.certificate, *ecp.leaf());
    assert_eq!(cloud.recipient_certificate(), ecp.encryption_leaf());
}

#[test]
fn a_p256_responder_cannot_challenge_an_sm2_encryption_certificate() {
    // A dual SM2 offerer and a P-256 responder with one certificate: the
    // challenge would mix suites, so the exchange stops at the answer.
    let trust = trust_with_gm();
    let validator = trust.validator();
    let ecp = gm_creds("ecp");
    let eisp = fapiao_testkit::creds("eisp-p256");
    let bindings = key_bindings(&ecp, &eisp);
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let replay = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let Parties { a, b } = parties(
        (&ecp, &eisp),
        (&at_ecp, &at_eisp),
        &replay,
        &bindings,
        &validator,
    );
    let (_, offer) = a.offer(NOW).unwrap();
    // The P-256 responder cannot seal a challenge to an SM2 certificate: one
    // envelope holds one suite.
    let err = b.answer(&offer, NOW).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(fapiao::EnvelopeError::MixedSuites { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn an_rsa_initiator_cannot_challenge_an_sm2_responder() {
    // An RSA cloud platform and a dual SM2 service platform: the confirm
    // would seal an RSA-signed challenge to an SM2 certificate, so the
    // exchange stops there and neither side pins the other.
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (fapiao_testkit::creds("ecp-rsa"), gm_creds("eisp"));
    let bindings = key_bindings(&ecp, &eisp);
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let replay = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let Parties { a, b } = parties(
        (&ecp, &eisp),
        (&at_ecp, &at_eisp),
        &replay,
        &bindings,
        &validator,
    );
    let (sent, offer) = a.offer(NOW).unwrap();
    let (_, answer) = b.answer(&offer, NOW).unwrap();
    let err = a.confirm(sent, &answer, NOW).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(fapiao::EnvelopeError::MixedSuites { .. })
        ),
        "{err:?}"
    );
    assert!(at_ecp.lookup_party(EISP, NOW).is_err());
    assert!(at_eisp.lookup_party(ECP, NOW).is_err());
}

/// The key of `real`, claiming to be the key of `claimed` (a certificate whose
/// key it does not hold).
#[derive(Debug)]
struct Impostor {
    real: Arc<dyn PrivateKey>,
    claimed: Vec<u8>,
}

impl PrivateKey for Impostor {
    fn algorithm(&self) -> KeyAlgorithm {
        self.real.algorithm()
    }
    fn public_key(&self) -> &[u8] {
        &self.claimed
    }
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        self.real.sign(scheme, message)
    }
    fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.real.decrypt_oaep_sha256(ciphertext)
    }
    fn agree_p256(&self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.real.agree_p256(peer_public)
    }
    fn decrypt_sm2(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.real.decrypt_sm2(ciphertext)
    }
}

#[test]
fn an_encryption_certificate_whose_key_the_offerer_lacks_is_refused() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let genuine = gm_creds("ecp");
    // The cloud platform's own encryption certificate, offered with another
    // key (its signing key posing as the encryption key).
    let mut chain = vec![genuine.encryption_leaf().clone()];
    chain.extend_from_slice(&genuine.encryption_chain()[1..]);
    let impostor = Impostor {
        real: genuine.private_key().clone(),
        claimed: genuine.encryption_leaf().public_key().to_vec(),
    };
    let forged = Credentials::new(genuine.chain().to_vec(), genuine.private_key().clone())
        .unwrap()
        .with_encryption_key(chain, Arc::new(impostor))
        .unwrap();
    let eisp = gm_creds("eisp");
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let err = run(&forged, None, &eisp, (&at_ecp, &at_eisp), &validator).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Exchange(ExchangeError::EncryptionKeyNotProven { .. })
        ),
        "{err:?}"
    );
    // The responder pinned nothing.
    assert!(at_eisp.lookup_party(ECP, NOW).is_err());
}

#[test]
fn an_encryption_certificate_of_another_subject_is_refused() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (gm_creds("ecp"), gm_creds("eisp"));
    // The cloud platform's signing pair with the service platform's
    // encryption pair: valid for encryption, but another party's.
    let mixed = Credentials::new(ecp.chain().to_vec(), ecp.private_key().clone())
        .unwrap()
        .with_encryption_key(
            eisp.encryption_chain().to_vec(),
            eisp.decryption_key().clone(),
        )
        .unwrap();
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    let err = run(&mixed, None, &eisp, (&at_ecp, &at_eisp), &validator).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Exchange(ExchangeError::EncryptionCertificateMismatch { .. })
        ),
        "{err:?}"
    );
}

/// The cloud platform with a new signing certificate (`sign`) and a new
/// encryption pair (`enc`), both of the fixture files named.
fn rotated(sign: &Credentials, enc: &Credentials) -> Credentials {
    Credentials::new(sign.chain().to_vec(), sign.private_key().clone())
        .unwrap()
        .with_encryption_key(
            enc.encryption_chain().to_vec(),
            enc.decryption_key().clone(),
        )
        .unwrap()
}

#[test]
fn a_new_encryption_certificate_is_pinned_only_when_endorsed() {
    let trust = trust_with_gm();
    let validator = trust.validator();
    let (ecp, eisp) = (gm_creds("ecp"), gm_creds("eisp"));
    let (at_ecp, at_eisp) = (PeerDirectory::default(), PeerDirectory::default());
    run(&ecp, None, &eisp, (&at_ecp, &at_eisp), &validator).unwrap();

    // The cloud platform's renewed pair (the enterprise's dual fixture pair
    // stands in for it, bound to ECP-1 by key): a new signing and a new
    // encryption certificate.
    let renewed = rotated(&gm_creds("enterprise"), &gm_creds("enterprise"));
    let err = run(&renewed, None, &eisp, (&at_ecp, &at_eisp), &validator).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::RotationNotEndorsed { .. })),
        "{err:?}"
    );
    let pinned = at_eisp.lookup_party(ECP, NOW).unwrap();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].recipient_certificate(), ecp.encryption_leaf());

    // Endorsed by the pinned signing key: both new certificates are pinned,
    // the old pair stays until retired.
    run(&renewed, Some(&ecp), &eisp, (&at_ecp, &at_eisp), &validator).unwrap();
    let pinned = at_eisp.lookup_party(ECP, NOW).unwrap();
    assert_eq!(pinned.len(), 2);
    let new = pinned
        .iter()
        .find(|r| r.certificate == *renewed.leaf())
        .expect("the renewed signing certificate");
    assert_eq!(new.recipient_certificate(), renewed.encryption_leaf());
    let _ = (Certificate::from_pem(&data("gm/enterprise-enc.pem")).unwrap(),);
}
