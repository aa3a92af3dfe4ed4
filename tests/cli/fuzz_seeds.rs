//! The fuzz targets' seed corpora (fuzz/seeds/, made by fuzz/make-seeds.sh) do
//! what they are there for: the envelopes and exchange messages fapiao made open
//! and verify at the fuzz targets' fixed time with the fixture keys, so that the
//! fuzzer starts from inputs that reach every check; fapiao's envelope to two
//! recipients made malformed where its P-256 recipient does not look (the other
//! recipient's entry, the unauthenticated attributes) is refused naming the DER
//! error; OpenSSL's envelopes decrypt, or are refused where they should be.
//!
//! `FAPIAO_WRITE_FUZZ_SEEDS=1 cargo test --test cli fuzz_seeds::` first (re)writes
//! fapiao's own seeds (fuzz/make-seeds.sh does, after the OpenSSL ones).

use crate::common;

use std::path::PathBuf;

use common::reshape;
use common::*;
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::exchange::{CertificateMatch, ExchangeParty, PartyBindings, PartyRole, PeerDirectory};
use fapiao::pki::{Credentials, Crl, PathPolicy, PathValidator, TrustStore};
use fapiao::{EnvelopeError, Error};

/// The fuzz targets' time (fuzz/src/lib.rs): the fixtures' test time.
const NOW: u64 = TEST_TIME;

fn seeds(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target)
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    let path = seeds(target).join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run fuzz/make-seeds.sh)", path.display()))
}

fn trust() -> (TrustStore, Vec<Crl>) {
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let mut crls = Crl::load_bundle(&data("crl/issuing-ca.crl.pem")).unwrap();
    crls.extend(Crl::load_bundle(&data("crl/root-ca.crl.pem")).unwrap());
    (roots, crls)
}

/// An SM2 dual-certificate party of `tests/data/gm` (as fuzz/src/lib.rs loads
/// the service platform's).
#[cfg(feature = "gm")]
fn gm_party(party: &str) -> Credentials {
    let provider = providers()[0];
    let chain = |kind: &str| {
        [
            data(&format!("gm/{party}-{kind}.pem")),
            data("gm/issuing-ca.pem"),
        ]
        .concat()
    };
    let key = |kind: &str| data(&format!("gm/{party}-{kind}.key.pem"));
    Credentials::from_pem(&chain("sign"), &key("sign"), None, provider)
        .unwrap()
        .with_encryption(&chain("enc"), &key("enc"), None, provider)
        .unwrap()
}

/// The GM/T 0010 seeds: SM4-CBC, and SM4-GCM under the policy that admits it.
#[cfg(feature = "gm")]
fn gm_policies() -> [(&'static str, EnvelopePolicy); 2] {
    [
        ("ours-gm.der", EnvelopePolicy::default()),
        (
            "ours-gm-sm4-gcm.der",
            EnvelopePolicy {
                sm4_gcm: true,
                ..EnvelopePolicy::default()
            },
        ),
    ]
}

const OURS: &[(&str, &str)] = &[
    ("ours-p256.der", "eisp-p256"),
    ("ours-rsa.der", "eisp-rsa"),
    ("ours-two-signers.der", "eisp-p256"),
    ("ours-two-signers.der", "eisp-rsa"),
];

fn write_seeds() {
    let provider = providers()[0];
    let payload = std::fs::read(format!(
        "{}/examples/requests/valid-blue.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let write = |target: &str, name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(seeds(target)).unwrap();
        std::fs::write(seeds(target).join(name), bytes).unwrap();
    };
    let eisp_p256 = certificate("eisp-p256");
    let eisp_rsa = certificate("eisp-rsa");
    let ecp_p256 = credentials("ecp-p256", provider);
    let ecp_rsa = credentials("ecp-rsa", provider);

    let sealed = envelope::seal(&payload, &ecp_p256, &[&eisp_p256], NOW, provider).unwrap();
    write("envelope_open", "ours-p256.der", &sealed);
    let sealed = envelope::seal(&payload, &ecp_rsa, &[&eisp_rsa], NOW, provider).unwrap();
    write("envelope_open", "ours-rsa.der", &sealed);
    // The enterprise signs, the cloud platform countersigns and encrypts to both
    // service-platform certificates.
    let mut signed = SignedMessage::sign(
        &payload,
        &credentials("enterprise-rsa", provider),
        NOW,
        provider,
    )
    .unwrap();
    signed.add_signer(&ecp_p256, NOW, provider).unwrap();
    let sealed = envelope::encrypt(&signed, &[&eisp_p256, &eisp_rsa], provider).unwrap();
    write("envelope_open", "ours-two-signers.der", &sealed);
    // The same envelope with the RSA recipient's entry, or the unauthenticated
    // attributes, not DER: refused by the P-256 recipient too.
    for (name, malformed) in reshape::malformed_two_recipient_envelopes(&sealed) {
        write("envelope_open", name, &malformed);
    }
    write("envelope_open", "ours-signed-only.der", signed.as_der());
    #[cfg(feature = "gm")]
    {
        let (ecp, eisp) = (gm_party("ecp"), gm_party("eisp"));
        for (name, policy) in gm_policies() {
            let to = [eisp.encryption_leaf()];
            let sealed =
                envelope::seal_with_policy(&payload, &ecp, None, &to, NOW, &policy, provider)
                    .unwrap();
            write("envelope_open", name, &sealed);
        }
    }

    let (roots, crls) = trust();
    let validator = PathValidator::new(&roots, PathPolicy::default()).with_crls(&crls);
    for (name, creds) in [
        ("offer-ecp-p256.der", &ecp_p256),
        ("offer-ecp-rsa.der", &ecp_rsa),
    ] {
        let directory = PeerDirectory::default();
        let replay = MemoryReplayGuard::new();
        let party = ExchangeParty::new(
            creds,
            "ECP-1",
            PartyRole::CloudPlatform,
            &validator,
            &directory,
            &replay,
            provider,
        );
        let (_, offer) = party.offer(NOW).unwrap();
        write("exchange_message", name, &offer);
    }
}

#[test]
fn fapiao_made_seeds_open_and_verify_at_the_fuzz_time() {
    if std::env::var_os("FAPIAO_WRITE_FUZZ_SEEDS").is_some() {
        write_seeds();
    }
    let provider = providers()[0];
    let (roots, crls) = trust();
    let validator = PathValidator::new(&roots, PathPolicy::default()).with_crls(&crls);

    for (name, recipient) in OURS {
        let recipient: Credentials = credentials(recipient, provider);
        let replay = MemoryReplayGuard::new();
        let opened = Opener::new(&recipient, &validator, &replay, provider)
            .open(&seed("envelope_open", name), NOW)
            .unwrap_or_else(|e| panic!("{name}: {e} (run fuzz/make-seeds.sh)"));
        assert!(!opened.signers.is_empty(), "{name}");
    }
    #[cfg(feature = "gm")]
    {
        let roots = TrustStore::from_pem_or_der(&data("gm/root-ca.pem")).unwrap();
        let crls = Crl::load_bundle(&data("gm/crl/issuing-ca.crl.pem")).unwrap();
        let validator = PathValidator::new(&roots, PathPolicy::default()).with_crls(&crls);
        let eisp = gm_party("eisp");
        for (name, policy) in gm_policies() {
            let replay = MemoryReplayGuard::new();
            let opened = Opener::new(&eisp, &validator, &replay, provider)
                .with_policy(policy)
                .open(&seed("envelope_open", name), NOW)
                .unwrap_or_else(|e| panic!("{name}: {e} (run fuzz/make-seeds.sh)"));
            assert!(!opened.signers.is_empty(), "{name}");
        }
    }
    malformed_seeds_are_refused_by_name(&validator);
    let signed = SignedMessage::from_der(seed("envelope_open", "ours-signed-only.der")).unwrap();
    let (_, signers) = signed
        .verify(&validator, &EnvelopePolicy::default(), NOW, provider)
        .unwrap();
    assert_eq!(signers.len(), 2, "enterprise and cloud platform");

    // The fuzz target binds ECP-1 to both fixture cloud platform keys.
    let bindings = ["ecp-p256", "ecp-rsa"]
        .iter()
        .fold(PartyBindings::new(), |b, name| {
            let key = credentials(name, provider).leaf().spki_fingerprint();
            b.bind(
                "ECP-1",
                PartyRole::CloudPlatform,
                CertificateMatch::Key(key),
            )
        });
    for name in ["offer-ecp-p256.der", "offer-ecp-rsa.der"] {
        let responder = credentials("eisp-p256", provider);
        let directory = PeerDirectory::default();
        let replay = MemoryReplayGuard::new();
        ExchangeParty::new(
            &responder,
            "EISP-1",
            PartyRole::ServicePlatform,
            &validator,
            &directory,
            &replay,
            provider,
        )
        .with_bindings(&bindings)
        .answer(&seed("exchange_message", name), NOW)
        .unwrap_or_else(|e| panic!("{name}: {e} (run fuzz/make-seeds.sh)"));
    }
}

/// fapiao's envelope to two recipients, made malformed in what its P-256
/// recipient does not use (tests/common/reshape.rs): each seed and the DER
/// error its P-256 recipient refuses it with.
const OURS_MALFORMED: &[(&str, der::ErrorKind)] = &[
    (
        "ours-other-recipient-oid-length-0.der",
        der::ErrorKind::OidMalformed,
    ),
    (
        "ours-other-recipient-long-form-length.der",
        der::ErrorKind::Length {
            tag: der::Tag::Integer,
        },
    ),
    (
        "ours-other-recipient-trailing-byte.der",
        der::ErrorKind::TagUnknown { byte: 0 },
    ),
    (
        "ours-unauth-attr-integer-not-minimal.der",
        der::ErrorKind::Noncanonical {
            tag: der::Tag::Integer,
        },
    ),
];

/// Each of [`OURS_MALFORMED`] is refused by the P-256 recipient, naming its
/// DER error (what they were made from opens: [`OURS`]).
fn malformed_seeds_are_refused_by_name(validator: &PathValidator<'_>) {
    let provider = providers()[0];
    let recipient = credentials("eisp-p256", provider);
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&recipient, validator, &replay, provider);
    for (name, kind) in OURS_MALFORMED {
        let err = opener.open(&seed("envelope_open", name), NOW).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Envelope(EnvelopeError::Malformed {
                    what: "ContentInfo",
                    source,
                }) if source.kind() == *kind
            ),
            "{name}: {err}"
        );
    }
}

#[test]
fn openssl_made_seeds_decrypt_or_are_refused_by_name() {
    let provider = providers()[0];
    let (roots, _) = trust();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let eisp_rsa = credentials("eisp-rsa", provider);
    let eisp_p256 = credentials("eisp-p256", provider);
    let rsa = Opener::new(&eisp_rsa, &validator, &replay, provider);
    let p256 = Opener::new(&eisp_p256, &validator, &replay, provider);

    // Signed when the seeds were made, so at the fuzz time the signing time is
    // out of the window: every check before that one passed.
    for (opener, name) in [(&rsa, "openssl-rsa-oaep.der"), (&p256, "openssl-p256.der")] {
        let err = opener.open(&seed("envelope_open", name), NOW).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::SigningTimeOutsideWindow { signer: 0, .. })
            ),
            "{name}: {err}"
        );
    }
    let err = p256
        .open(&seed("envelope_open", "openssl-p256-sha1-kdf.der"), NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::UnsupportedAlgorithm {
                what: "key agreement",
                ..
            })
        ),
        "{err}"
    );
    let err = rsa
        .open(&seed("envelope_open", "openssl-legacy-cbc.der"), NOW)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::LegacyEnvelopeRefused)),
        "{err}"
    );

    // Admitted by the policy, the legacy seeds with our key transport and key
    // agreement decrypt, and verify up to the signing-time window (read through
    // `decrypt` + `verify`, the operator's way; `open` says only that a legacy
    // envelope did not verify); the one with PKCS#1 v1.5 key transport is
    // refused naming it.
    let legacy = EnvelopePolicy {
        allow_legacy_cbc: true,
        ..EnvelopePolicy::default()
    };
    let rsa = Opener::new(&eisp_rsa, &validator, &replay, provider).with_policy(legacy.clone());
    let p256 = Opener::new(&eisp_p256, &validator, &replay, provider).with_policy(legacy.clone());
    for (opener, name) in [
        (&rsa, "openssl-legacy-cbc-oaep.der"),
        (&p256, "openssl-legacy-cbc-p256.der"),
    ] {
        let envelope = seed("envelope_open", name);
        let err = opener.open(&envelope, NOW).unwrap_err();
        assert!(
            matches!(err, Error::Envelope(EnvelopeError::LegacyDecryptFailed)),
            "{name}: {err}"
        );
        let signed = opener.decrypt(&envelope).unwrap();
        let err = signed
            .verify(&validator, &legacy, NOW, provider)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Envelope(EnvelopeError::SigningTimeOutsideWindow { signer: 0, .. })
            ),
            "{name}: {err}"
        );
    }
    let err = rsa
        .open(&seed("envelope_open", "openssl-legacy-cbc.der"), NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::UnsupportedAlgorithm {
                what: "key transport",
                ..
            })
        ),
        "{err}"
    );
}
