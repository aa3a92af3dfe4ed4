//! `PathValidator` as the trust decision of the certificate exchange
//! (`PeerValidator`: sign and encrypt) and of the envelope (`SignerTrust`: sign),
//! on the fixture PKI at 2027-06-01T00:00:00Z.

use fapiao::PathError;
use fapiao::crypto::CryptoProvider;
use fapiao::envelope::{MemoryReplayGuard, SignerTrust};
use fapiao::exchange::{
    CertificateMatch, ExchangeParty, PartyBindings, PartyRole, PeerDirectory, PeerValidator,
};
use fapiao::pki::{Certificate, Credentials, Crl, PathPolicy, PathValidator, Purpose, TrustStore};

const AT: u64 = 1_811_808_000;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn store() -> TrustStore {
    TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&data(name)).unwrap()
}

/// A party's credentials with its chain (leaf and issuing CA), as it sends them.
fn credentials(leaf: &str, key: &str) -> Credentials {
    let mut chain = data(leaf);
    chain.extend(data("issuing-ca.pem"));
    Credentials::from_pem(&chain, &data(key), None, CryptoProvider::default_provider()).unwrap()
}

#[test]
fn peer_validator_checks_both_purposes() {
    let store = store();
    let validator = PathValidator::new(&store, PathPolicy::default());
    let issuing = [cert("issuing-ca.pem")];
    for leaf in ["ecp-rsa.pem", "eisp-p256.pem", "faulty/no-key-usage.pem"] {
        validator.validate_peer(&cert(leaf), &issuing, AT).unwrap();
    }
    for (leaf, purpose) in [
        ("faulty/wrong-key-usage-encrypt.pem", Purpose::Encrypt),
        ("faulty/wrong-key-usage-encrypt-ec.pem", Purpose::Encrypt),
        ("faulty/wrong-key-usage-sign.pem", Purpose::Sign),
    ] {
        let err = validator
            .validate_peer(&cert(leaf), &issuing, AT)
            .unwrap_err();
        assert!(
            matches!(&err, PathError::KeyUsageForbidsPurpose { purpose: p, .. } if *p == purpose),
            "{leaf}: {err}"
        );
    }
}

#[test]
fn signer_trust_checks_signing_and_uses_the_validators_crls() {
    let store = store();
    let issuing = [cert("issuing-ca.pem")];
    let plain = PathValidator::new(&store, PathPolicy::default());
    plain
        .verify_signer(&cert("faulty/wrong-key-usage-encrypt.pem"), &issuing, AT)
        .unwrap();
    plain
        .verify_signer(&cert("faulty/revoked.pem"), &issuing, AT)
        .unwrap();
    let crls = Crl::load_bundle(&data("crl/issuing-ca.crl.pem")).unwrap();
    let with_crls = PathValidator::new(&store, PathPolicy::default()).with_crls(&crls);
    let err = with_crls
        .verify_signer(&cert("faulty/revoked.pem"), &issuing, AT)
        .unwrap_err();
    assert!(matches!(err, PathError::Revoked { .. }), "{err}");
}

#[test]
fn certificate_exchange_with_path_validation() {
    let store = store();
    let validator = PathValidator::new(&store, PathPolicy::default());
    let provider = CryptoProvider::default_provider();
    let (ecp, eisp) = (
        credentials("ecp-rsa.pem", "ecp-rsa.key.pem"),
        credentials("eisp-p256.pem", "eisp-p256.key.pem"),
    );
    let (ecp_dir, eisp_dir) = (PeerDirectory::default(), PeerDirectory::default());
    // Each operator binds the other platform's id to its key; ECP-2 is bound
    // too, so that its offer below fails on its path, not on its claim.
    let key = |c: &Credentials| CertificateMatch::Key(c.leaf().spki_fingerprint());
    let signer_only = credentials(
        "faulty/wrong-key-usage-encrypt.pem",
        "faulty/wrong-key-usage-encrypt.key.pem",
    );
    let at_ecp = PartyBindings::new().bind("EISP-1", PartyRole::ServicePlatform, key(&eisp));
    let at_eisp = PartyBindings::new()
        .bind("ECP-1", PartyRole::CloudPlatform, key(&ecp))
        .bind("ECP-2", PartyRole::CloudPlatform, key(&signer_only));
    let (ecp_replay, eisp_replay) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let a = ExchangeParty::new(
        &ecp,
        "ECP-1",
        PartyRole::CloudPlatform,
        &validator,
        &ecp_dir,
        &ecp_replay,
        provider,
    )
    .with_bindings(&at_ecp);
    let b = ExchangeParty::new(
        &eisp,
        "EISP-1",
        PartyRole::ServicePlatform,
        &validator,
        &eisp_dir,
        &eisp_replay,
        provider,
    )
    .with_bindings(&at_eisp);
    let (sent, offer) = a.offer(AT).unwrap();
    let (answered, answer) = b.answer(&offer, AT + 1).unwrap();
    let (pinned_eisp, confirm) = a.confirm(sent, &answer, AT + 2).unwrap();
    let (pinned_ecp, _) = b.complete(answered, &confirm, AT + 3).unwrap();
    assert_eq!(
        pinned_eisp.peer().fingerprint,
        eisp.leaf().spki_fingerprint()
    );
    assert_eq!(pinned_ecp.fingerprint, ecp.leaf().spki_fingerprint());

    // A peer whose certificate cannot receive envelopes is refused at the offer.
    let c_dir = PeerDirectory::default();
    let c_replay = MemoryReplayGuard::new();
    let c = ExchangeParty::new(
        &signer_only,
        "ECP-2",
        PartyRole::CloudPlatform,
        &validator,
        &c_dir,
        &c_replay,
        provider,
    );
    let (_, offer) = c.offer(AT).unwrap();
    let err = b.answer(&offer, AT + 1).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("does not allow encryption"), "{text}");
}
