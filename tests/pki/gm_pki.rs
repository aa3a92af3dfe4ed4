//! SM2 certificates end to end up to path validation, on the fixture PKI of
//! tests/data/gm (made by its make.sh with the OpenSSL 3 CLI; good
//! certificates valid 2026-01-01 to 2036-01-01, validated here at
//! 2027-06-01): SM2 credentials in every key format, their signatures checked
//! by OpenSSL, the signing and encryption certificates of each party, and the
//! faulty ones (expired, revoked by an SM2-signed CRL, signed under OpenSSL
//! 3.0's empty distinguishing ID, unknown issuer), and a mixed RSA/SM2 chain.
#![cfg(feature = "gm")]

use std::path::PathBuf;
use std::process::Command;

use fapiao::crypto::{CryptoProvider, DEFAULT_SM2_ID, KeyFamily, SignatureScheme};
use fapiao::pki::{
    Certificate, Credentials, Crl, PathError, PathPolicy, PathValidator, Purpose, Timestamp,
    TrustStore,
};
use fapiao::{CredentialsError, Error};

/// 2027-06-01T00:00:00Z.
const AT: u64 = 1_811_808_000;
const PASSWORD: &[u8] = b"fapiao-test-password";

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn gm(name: &str) -> Vec<u8> {
    data(&format!("gm/{name}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&gm(name)).unwrap()
}

fn sm2_trust() -> TrustStore {
    TrustStore::from_pem_or_der(&gm("root-ca.pem")).unwrap()
}

/// Validates `leaf` (in tests/data/gm) under the SM2 root with the SM2
/// issuing CA as intermediate.
fn validate(leaf: &str, crls: &[Crl], purpose: Purpose) -> Result<(), PathError> {
    let trust = sm2_trust();
    let validator = PathValidator::new(&trust, PathPolicy::default());
    let intermediates = [cert("issuing-ca.pem")];
    match validator.verify(
        &cert(leaf),
        &intermediates,
        crls,
        Timestamp::from_unix_seconds(AT),
        purpose,
    ) {
        Ok(path) => {
            assert_eq!(path.chain().len(), 3);
            Ok(())
        }
        Err(Error::Path(e)) => Err(e),
        Err(other) => panic!("{leaf}: not a path error: {other}"),
    }
}

fn credentials(key: &str, password: Option<&[u8]>) -> Result<Credentials, Error> {
    let mut chain = gm("enterprise-sign.pem");
    chain.extend(gm("issuing-ca.pem"));
    Credentials::from_pem(
        &chain,
        &gm(key),
        password,
        CryptoProvider::default_provider(),
    )
}

#[test]
fn credentials_load_every_sm2_key_format() {
    for (key, password) in [
        ("enterprise-sign.key.pem", None),
        ("enterprise-sign.enc.pem", Some(PASSWORD)),
        ("enterprise-sign.sec1.pem", None),
        ("enterprise-sign.ec.pem", None),
    ] {
        let creds = credentials(key, password).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(creds.leaf().key_family(), KeyFamily::Sm2);
        assert_eq!(
            creds.leaf().subject_serial_number().as_deref(),
            Some("91350200776049653A")
        );
        assert_eq!(creds.default_scheme(), SignatureScheme::Sm2Sm3);
        assert_eq!(creds.sm2_id(), DEFAULT_SM2_ID);
        let debug = format!("{creds:?}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
    // The enterprise's encryption key is not its signing certificate's.
    let mismatch = credentials("enterprise-enc.key.pem", None);
    assert!(
        matches!(
            mismatch,
            Err(Error::Credentials(CredentialsError::KeyMismatch))
        ),
        "{mismatch:?}"
    );
}

#[test]
fn credentials_signatures_verify_with_openssl_under_their_id() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl not found: skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fapiao-gm-pki-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let message = b"invoice 0001: 1,130.00 CNY";
    std::fs::write(dir.join("msg"), message).unwrap();
    std::fs::write(dir.join("cert.pem"), gm("enterprise-sign.pem")).unwrap();
    let openssl_verifies = |signature: &[u8], id: &str| {
        std::fs::write(dir.join("sig"), signature).unwrap();
        Command::new("openssl")
            .current_dir(&dir)
            .args([
                "x509", "-in", "cert.pem", "-noout", "-pubkey", "-out", "pub.pem",
            ])
            .status()
            .unwrap();
        Command::new("openssl")
            .current_dir(&dir)
            .args([
                "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
                "-in", "msg", "-sigfile", "sig", "-pkeyopt",
            ])
            .arg(format!("distid:{id}"))
            .output()
            .unwrap()
            .status
            .success()
    };
    let creds = credentials("enterprise-sign.key.pem", None).unwrap();
    let (scheme, signature) = creds.sign(message).unwrap();
    assert_eq!(scheme, SignatureScheme::Sm2Sm3);
    assert!(openssl_verifies(&signature, "1234567812345678"));
    assert!(!openssl_verifies(&signature, "ALICE123@YAHOO.COM"));

    let alice = creds.with_sm2_id("ALICE123@YAHOO.COM");
    assert_eq!(alice.sm2_id(), b"ALICE123@YAHOO.COM");
    let (_, signature) = alice.sign(message).unwrap();
    assert!(openssl_verifies(&signature, "ALICE123@YAHOO.COM"));
    assert!(!openssl_verifies(&signature, "1234567812345678"));
    // The verifier takes the signer's ID where one is agreed.
    let provider = CryptoProvider::default_provider();
    let public = alice.leaf().public_key();
    provider
        .verifier
        .verify_with_sm2_id(scheme, b"ALICE123@YAHOO.COM", public, message, &signature)
        .unwrap();
    assert!(
        provider
            .verifier
            .verify(scheme, public, message, &signature)
            .is_err()
    );
    // And the path policy names it per peer.
    let policy =
        PathPolicy::default().with_sm2_id(alice.leaf().spki_fingerprint(), "ALICE123@YAHOO.COM");
    assert_eq!(policy.sm2_id_for(alice.leaf()), b"ALICE123@YAHOO.COM");
    assert_eq!(policy.sm2_id_for(&cert("ecp-sign.pem")), DEFAULT_SM2_ID);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn signing_certificates_validate_for_signing_only() {
    for party in ["ecp", "eisp", "enterprise"] {
        let leaf = format!("{party}-sign.pem");
        validate(&leaf, &[], Purpose::Sign).unwrap_or_else(|e| panic!("{leaf}: {e}"));
        validate(&leaf, &[], Purpose::Any).unwrap();
        let refused = validate(&leaf, &[], Purpose::Encrypt);
        assert!(
            matches!(
                refused,
                Err(PathError::KeyUsageForbidsPurpose {
                    purpose: Purpose::Encrypt,
                    ..
                })
            ),
            "{leaf}: {refused:?}"
        );
    }
}

#[test]
fn encryption_certificates_validate_for_encryption_only() {
    for party in ["ecp", "eisp", "enterprise"] {
        let leaf = format!("{party}-enc.pem");
        validate(&leaf, &[], Purpose::Encrypt).unwrap_or_else(|e| panic!("{leaf}: {e}"));
        let refused = validate(&leaf, &[], Purpose::Sign);
        assert!(
            matches!(
                refused,
                Err(PathError::KeyUsageForbidsPurpose {
                    purpose: Purpose::Sign,
                    ..
                })
            ),
            "{leaf}: {refused:?}"
        );
    }
}

#[test]
fn expired_sm2_leaf_is_refused() {
    let refused = validate("faulty/expired.pem", &[], Purpose::Sign);
    let Err(PathError::Expired { not_after, .. }) = refused else {
        panic!("{refused:?}");
    };
    // 2026-06-01T00:00:00Z.
    assert_eq!(not_after, Timestamp::from_unix_seconds(1_780_272_000));
}

#[test]
fn the_sm2_signed_crl_revokes() {
    let crls = Crl::load_bundle(&gm("crl/issuing-ca.crl.pem")).unwrap();
    let refused = validate("faulty/revoked.pem", &crls, Purpose::Sign);
    assert!(
        matches!(
            refused,
            Err(PathError::Revoked {
                reason: Some("keyCompromise"),
                ..
            })
        ),
        "{refused:?}"
    );
    // The CRL's signature verified: the good leaves pass with it.
    validate("enterprise-sign.pem", &crls, Purpose::Sign).unwrap();
    // Without it the revoked leaf is an ordinary good one.
    validate("faulty/revoked.pem", &[], Purpose::Sign).unwrap();
}

#[test]
fn a_certificate_signed_under_the_empty_id_says_so() {
    let refused = validate("faulty/empty-id.pem", &[], Purpose::Sign);
    let Err(error) = refused else {
        panic!("accepted");
    };
    let PathError::Sm2DistinguishingIdMismatch {
        certificate,
        signed_with,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(signed_with.is_empty());
    assert!(certificate.subject.contains("empty-id"), "{certificate}");
    assert!(
        error
            .to_string()
            .contains("signed with an empty SM2 distinguishing ID, not 1234567812345678"),
        "{error}"
    );
}

#[test]
fn an_sm2_leaf_without_its_issuer_is_refused() {
    let trust = sm2_trust();
    let validator = PathValidator::new(&trust, PathPolicy::default());
    let refused = validator.verify(
        &cert("enterprise-sign.pem"),
        &[],
        &[],
        Timestamp::from_unix_seconds(AT),
        Purpose::Sign,
    );
    assert!(
        matches!(refused, Err(Error::Path(PathError::UnknownIssuer { .. }))),
        "{refused:?}"
    );
    // Under the RSA roots, the SM2 chain has no anchor either.
    let rsa = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let refused = PathValidator::new(&rsa, PathPolicy::default()).verify(
        &cert("enterprise-sign.pem"),
        &[cert("issuing-ca.pem")],
        &[],
        Timestamp::from_unix_seconds(AT),
        Purpose::Sign,
    );
    assert!(
        matches!(
            refused,
            Err(Error::Path(
                PathError::UnknownIssuer { .. } | PathError::UntrustedRoot { .. }
            ))
        ),
        "{refused:?}"
    );
}

#[test]
fn an_sm2_key_certified_by_the_rsa_ca_validates() {
    let rsa = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let path = PathValidator::new(&rsa, PathPolicy::default())
        .verify(
            &cert("mixed/sm2-under-rsa.pem"),
            &[Certificate::from_pem(&data("issuing-ca.pem")).unwrap()],
            &[],
            Timestamp::from_unix_seconds(AT),
            Purpose::Sign,
        )
        .unwrap();
    assert_eq!(path.chain()[0].key_family(), KeyFamily::Sm2);
    assert_eq!(path.chain()[1].key_family(), KeyFamily::Rsa);
}
