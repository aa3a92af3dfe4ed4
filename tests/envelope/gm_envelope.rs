//! GM/T 0010-2012 (GB/T 35275) envelopes on the SM2 fixture PKI of
//! tests/data/gm (each party with a signing and an encryption certificate):
//! dual credentials end to end, the envelope taken apart and checked with
//! the OpenSSL 3 CLI's primitives (OpenSSL 3.0's `cms` cannot use SM2 keys),
//! one assembled from those primitives and opened, the identifiers other
//! toolkits write, the suite rule, the one failure for everything an SM4-CBC
//! envelope can hide, and SM4-GCM under the policy.
#![cfg(feature = "gm")]

mod openssl;
mod support;

use std::path::PathBuf;

use fapiao::crypto::gm::{Sm2PublicKey, Sm4};
use fapiao::envelope::{self, EnvelopePolicy, MemoryReplayGuard, Opener, SignedMessage};
use fapiao::pki::{Credentials, PathPolicy, PathValidator};
use fapiao::{EnvelopeError, Error};
use support::*;

// ---------------------------------------------------------------------------
// fapiao both ends.

#[test]
fn dual_credentials_round_trip() {
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    assert!(eisp.is_dual());
    assert_eq!(eisp.encryption_leaf().der(), cert("eisp-enc.pem").der());
    assert_eq!(eisp.leaf().der(), cert("eisp-sign.pem").der());
    let sealed = envelope::seal_addressed(
        b"invoice request",
        &ecp,
        fapiao::PartyRole::CloudPlatform,
        eisp.encryption_leaf(),
        AT,
        provider(),
    )
    .unwrap();
    assert_eq!(content_info(&sealed).content_type, GM_ENVELOPED_DATA);

    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&eisp, &validator, &replay, provider());
    let opened = opener.open(&sealed, AT).unwrap();
    assert_eq!(opened.payload, b"invoice request");
    // Signed with the signing certificate, addressed to the encryption one.
    assert_eq!(
        opened.signers[0].spki_fingerprint,
        ecp.leaf().spki_fingerprint()
    );
    assert_eq!(
        opened.signers[0].addressing.as_ref().unwrap().recipient_key,
        eisp.encryption_leaf().spki_fingerprint()
    );
    // The same envelope again is a replay.
    assert!(matches!(
        opener.open(&sealed, AT),
        Err(Error::Envelope(EnvelopeError::Replay { .. }))
    ));

    // The signing pair alone is not the recipient.
    assert!(matches!(
        envelope_err(open(&sealed, &signing("eisp"))),
        EnvelopeError::NotForUs
    ));
    // The encryption pair is matched by its certificate, not by the party.
    assert!(matches!(
        envelope_err(open(&sealed, &dual("enterprise"))),
        EnvelopeError::NotForUs
    ));
}

#[test]
fn a_single_certificate_party_keeps_working() {
    // RSA credentials with one pair: the pair does both, as before.
    let read = |n: &str| {
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(n),
        )
        .unwrap()
    };
    let ecp = Credentials::from_pem(
        &read("ecp-rsa.pem"),
        &read("ecp-rsa.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let eisp = Credentials::from_pem(
        &read("eisp-p256.pem"),
        &read("eisp-p256.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    assert!(!eisp.is_dual());
    assert_eq!(eisp.encryption_leaf().der(), eisp.leaf().der());
    let sealed = envelope::seal(b"x", &ecp, &[eisp.leaf()], AT, provider()).unwrap();
    assert_eq!(content_info(&sealed).content_type, ID_AUTH_ENVELOPED_DATA);
    let replay = MemoryReplayGuard::new();
    let opened = Opener::new(&eisp, &AnyChain, &replay, provider())
        .open(&sealed, AT)
        .unwrap();
    assert_eq!(opened.payload, b"x");
}

#[test]
fn the_identifiers_other_toolkits_write_are_read() {
    let eisp = dual("eisp");
    // CFCA's bare SM4 arc, SM2-with-SM3 as the signature algorithm, PKCS#7
    // content types, the recipient by subjectKeyIdentifier: each alone and
    // all together.
    let variants: [Variant; 5] = [
        ("SM4 1.2.156.10197.1.104", |b| b.cipher = SM4_CFCA),
        ("SM2-with-SM3 1.2.156.10197.1.501", |b| {
            b.signature_algorithm = SM2_WITH_SM3
        }),
        ("PKCS#7 content types", |b| {
            b.data_type = ID_DATA;
            b.signed_type = ID_SIGNED_DATA;
            b.enveloped_type = ID_ENVELOPED_DATA;
        }),
        ("subjectKeyIdentifier", |b| b.recipient_by_ski = true),
        ("all of them", |b| {
            b.cipher = SM4_CFCA;
            b.signature_algorithm = SM2_WITH_SM3;
            b.data_type = ID_DATA;
            b.signed_type = ID_SIGNED_DATA;
            b.enveloped_type = ID_ENVELOPED_DATA;
            b.recipient_by_ski = true;
        }),
    ];
    for (what, change) in variants {
        let mut build = Build::gm(what.as_bytes());
        change(&mut build);
        let opened =
            open(&build_with_fapiao(&build), &eisp).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(opened.payload, what.as_bytes());
    }
}

#[test]
fn sm4_gcm_round_trip_under_the_policy() {
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let gcm = EnvelopePolicy {
        sm4_gcm: true,
        ..EnvelopePolicy::default()
    };
    let sealed = envelope::seal_with_policy(
        b"gcm",
        &ecp,
        None,
        &[eisp.encryption_leaf()],
        AT,
        &gcm,
        provider(),
    )
    .unwrap();
    let outer = content_info(&sealed);
    assert_eq!(outer.content_type, ID_AUTH_ENVELOPED_DATA);
    let auth: cms::authenveloped_data::AuthEnvelopedData = outer.content.decode_as().unwrap();
    assert_eq!(
        auth.auth_encrypted_content_info.content_enc_alg.oid,
        SM4_GCM
    );
    assert_eq!(auth.mac.as_bytes().len(), 16);
    assert_eq!(
        open_with(&sealed, &eisp, gcm.clone()).unwrap().payload,
        b"gcm"
    );

    // An opener without the policy refuses SM4-GCM; one with it refuses SM4-CBC.
    assert!(matches!(
        envelope_err(open(&sealed, &eisp)),
        EnvelopeError::UnsupportedAlgorithm { .. }
    ));
    let cbc = envelope::seal(b"cbc", &ecp, &[eisp.encryption_leaf()], AT, provider()).unwrap();
    assert!(matches!(
        envelope_err(open_with(&cbc, &eisp, gcm.clone())),
        EnvelopeError::UnsupportedAlgorithm { .. }
    ));

    // A tampered GCM envelope fails its tag, as AES-GCM does.
    let mut bad = sealed.clone();
    let at = bad.len() - 40;
    bad[at] ^= 1;
    assert!(matches!(
        envelope_err(open_with(&bad, &eisp, gcm)),
        EnvelopeError::TagMismatch
    ));
}

#[test]
fn mixed_suites_are_refused() {
    let read = |n: &str| {
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(n),
        )
        .unwrap()
    };
    let rsa = Credentials::from_pem(
        &read("eisp-rsa.pem"),
        &read("eisp-rsa.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let p256 = Credentials::from_pem(
        &read("ecp-p256.pem"),
        &read("ecp-p256.key.pem"),
        None,
        provider(),
    )
    .unwrap();
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let mixed = |r: Result<Vec<u8>, Error>| {
        matches!(r, Err(Error::Envelope(EnvelopeError::MixedSuites { .. })))
    };
    // An SM2 signer to an RSA recipient; a P-256 signer to an SM2 recipient;
    // an SM2 recipient beside an RSA one.
    assert!(mixed(envelope::seal(
        b"x",
        &ecp,
        &[rsa.leaf()],
        AT,
        provider()
    )));
    assert!(mixed(envelope::seal(
        b"x",
        &p256,
        &[eisp.encryption_leaf()],
        AT,
        provider()
    )));
    assert!(mixed(envelope::seal(
        b"x",
        &ecp,
        &[eisp.encryption_leaf(), rsa.leaf()],
        AT,
        provider()
    )));
    // A P-256 countersignature on an SM2 SignedData.
    let mut signed = SignedMessage::sign(b"x", &ecp, AT, provider()).unwrap();
    assert!(matches!(
        signed.add_signer(&p256, AT, provider()),
        Err(Error::Envelope(EnvelopeError::MixedSuites { .. }))
    ));
    // An SM2 SignedData encrypted to an RSA recipient.
    assert!(mixed(envelope::encrypt(&signed, &[rsa.leaf()], provider())));

    // Opening: SM4-GCM content (authenticated, so the detail is given)
    // signed by a P-256 signer.
    let gcm = EnvelopePolicy {
        sm4_gcm: true,
        ..EnvelopePolicy::default()
    };
    let p256_signed = SignedMessage::sign(b"x", &p256, AT, provider()).unwrap();
    let sealed = gm_gcm_envelope_of(&p256_signed, eisp.encryption_leaf());
    let replay = MemoryReplayGuard::new();
    let err = Opener::new(&eisp, &AnyChain, &replay, provider())
        .with_policy(gcm)
        .open(&sealed, AT)
        .unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::MixedSuites { .. })),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// The one failure.

#[test]
fn every_failure_of_an_sm4_cbc_envelope_is_the_same() {
    let eisp = dual("eisp");
    let build = Build::gm(b"the one failure");
    let good = build_with_fapiao(&build);
    assert!(open(&good, &eisp).is_ok());

    // The content key encrypted to another key (the cloud platform's
    // encryption key) under the service platform's name.
    {
        let wrong = cert("ecp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(wrong.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let p = fapiao_primitives(&encrypt_key, None);
        let signed = build_signed(&build, signing("ecp").chain(), &p);
        let sealed = build_enveloped(&build, &signed, &cert("eisp-enc.pem"), &p);
        assert_uniform(open(&sealed, &eisp), "a wrong encryption key");
    }

    // A tampered ciphertext: a byte of the content flipped (it ends the envelope).
    for back in [1, 17, 40, 200] {
        let sealed = envelope::seal(
            b"tamper",
            &dual("ecp"),
            &[eisp.encryption_leaf()],
            AT,
            provider(),
        )
        .unwrap();
        let mut bad = sealed.clone();
        let at = bad.len() - back;
        bad[at] ^= 0x01;
        assert_uniform(open(&bad, &eisp), "a tampered ciphertext");
    }

    // A bad signature: made over other attributes.
    {
        let key = fapiao::pki::PrivateKeyDer::load(&gm("ecp-sign.key.pem"), None)
            .unwrap()
            .to_sm2()
            .unwrap();
        let sign = |attrs: &[u8]| {
            let mut other = attrs.to_vec();
            let last = other.len() - 1;
            other[last] ^= 1;
            key.sign(ID.as_bytes(), &other).unwrap()
        };
        let to = cert("eisp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(to.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let p = fapiao_primitives(&encrypt_key, Some(&sign));
        let signed = build_signed(&build, signing("ecp").chain(), &p);
        let sealed = build_enveloped(&build, &signed, &to, &p);
        assert_uniform(open(&sealed, &eisp), "a bad signature");
    }

    // A bad padding around content that is otherwise perfect: the DER and
    // the signature verify, and only the padding's verdict, consulted last,
    // refuses it.
    {
        let to = cert("eisp-enc.pem");
        let encrypt_key = |k: &[u8]| {
            Sm2PublicKey::from_sec1_bytes(to.public_key())
                .unwrap()
                .encrypt(k)
                .unwrap()
        };
        let mut p = fapiao_primitives(&encrypt_key, None);
        let bad_padding = |k: &[u8; 16], iv: &[u8; 16], data: &[u8]| {
            // n bytes of "padding" whose last byte says n but whose first
            // does not; then a whole block of good padding, dropped.
            let mut n = 16 - data.len() % 16;
            if n == 1 {
                n = 17;
            }
            assert!(
                n <= 16,
                "the test's payload length gives a padding of 2..=16"
            );
            let mut padded = data.to_vec();
            padded.push(0);
            padded.extend(std::iter::repeat_n(n as u8, n - 1));
            let mut ct = Sm4::new(k).cbc_encrypt(iv, &padded);
            ct.truncate(padded.len());
            ct
        };
        p.encrypt_content = &bad_padding;
        // Find a payload length that gives a signed content whose padding is 2..=16.
        let mut tested = false;
        for extra in 0..16 {
            let mut build = Build::gm(&vec![b'p'; 20 + extra]);
            build.payload.push(b'!');
            let signed = build_signed(&build, signing("ecp").chain(), &p);
            if 16 - signed.len() % 16 == 1 {
                continue;
            }
            let sealed = build_enveloped(&build, &signed, &to, &p);
            assert_uniform(open(&sealed, &eisp), "a bad padding");
            // The same content with good padding opens: only the padding differed.
            let mut good = fapiao_primitives(&encrypt_key, None);
            let cbc = |k: &[u8; 16], iv: &[u8; 16], data: &[u8]| Sm4::new(k).cbc_encrypt(iv, data);
            good.encrypt_content = &cbc;
            let sealed = build_enveloped(&build, &signed, &to, &good);
            assert!(open(&sealed, &eisp).is_ok());
            tested = true;
            break;
        }
        assert!(tested, "a payload length with a padding of 2..=16");
    }

    // The decryption tool's answer for bad padding is the same error.
    let tampered = {
        let mut bad = good.clone();
        let at = bad.len() - 1;
        bad[at] ^= 0x55;
        bad
    };
    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    match Opener::new(&eisp, &validator, &replay, provider()).decrypt(&tampered) {
        Err(Error::Envelope(EnvelopeError::GmDecryptFailed)) => {}
        other => panic!("expected GmDecryptFailed, got {other:?}"),
    }
}

#[test]
fn the_signers_id_is_checked() {
    let eisp = dual("eisp");
    let ecp = dual("ecp").with_sm2_id("another-id");
    let sealed = envelope::seal(b"id", &ecp, &[eisp.encryption_leaf()], AT, provider()).unwrap();
    // Under the default ID the signature does not verify: the one failure.
    assert_uniform(open(&sealed, &eisp), "the signer's wrong ID");
    // The detail, for an operator: decrypt, then verify.
    let roots = roots();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let opener = Opener::new(&eisp, &validator, &replay, provider());
    let signed = opener.decrypt(&sealed).unwrap();
    let err = signed
        .verify(&validator, &EnvelopePolicy::default(), AT, provider())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::SignatureInvalid { signer: 0 })
        ),
        "{err:?}"
    );
    // A trust configuration that names the signer's ID opens it.
    let policy = PathPolicy::default().with_sm2_id(ecp.leaf().spki_fingerprint(), "another-id");
    let validator = PathValidator::new(&roots, policy);
    let opened = Opener::new(&eisp, &validator, &replay, provider())
        .open(&sealed, AT)
        .unwrap();
    assert_eq!(opened.payload, b"id");
}
