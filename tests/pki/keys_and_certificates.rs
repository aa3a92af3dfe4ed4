//! Loading certificates, private keys and credentials from the fixture PKI
//! (tests/data, made by tests/data/make-fixtures.sh), and refusing bad input of
//! every kind with a typed error.

use fapiao::crypto::{CryptoProvider, KeyFamily};
use fapiao::pki::{Certificate, Credentials, PrivateKeyDer};
use fapiao::{CertificateError, CredentialsError, Error, KeyError};

const PASSWORD: &[u8] = b"fapiao-test-password";

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn providers() -> Vec<&'static CryptoProvider> {
    vec![
        #[cfg(feature = "aws-lc")]
        &fapiao::crypto::aws_lc::PROVIDER,
        #[cfg(feature = "portable")]
        &fapiao::crypto::portable::PROVIDER,
    ]
}

#[test]
fn certificates_load_from_pem_and_der() {
    let pem = Certificate::from_pem(&data("root-ca.pem")).unwrap();
    let der = Certificate::from_der(&data("root-ca.der")).unwrap();
    assert_eq!(pem, der);
    assert!(
        pem.subject().contains("Fapiao Test Root CA"),
        "{}",
        pem.subject()
    );
    assert_eq!(pem.subject(), pem.issuer());
    assert_eq!(pem.key_family(), KeyFamily::Rsa);
    assert!(pem.not_before() < pem.not_after());
}

#[test]
fn enterprise_certificate_carries_its_credit_code() {
    for name in ["enterprise-rsa.pem", "enterprise-p256.pem"] {
        let cert = Certificate::from_pem(&data(name)).unwrap();
        assert_eq!(
            cert.subject_serial_number().as_deref(),
            Some("91350200776049653A"),
            "{name}"
        );
    }
    let ecp = Certificate::from_pem(&data("ecp-rsa.pem")).unwrap();
    assert_eq!(ecp.subject_serial_number(), None);
}

#[test]
fn key_families_are_recognised() {
    let cases = [
        ("ecp-rsa.pem", KeyFamily::Rsa),
        ("ecp-p256.pem", KeyFamily::EcP256),
        ("ecp-p384.pem", KeyFamily::EcP384),
        ("enterprise-ed25519.pem", KeyFamily::Ed25519),
    ];
    for (name, family) in cases {
        assert_eq!(
            Certificate::from_pem(&data(name)).unwrap().key_family(),
            family,
            "{name}"
        );
    }
}

#[test]
fn spki_fingerprint_matches_openssl() {
    let cert = Certificate::from_pem(&data("eisp-p256.pem")).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl x509 -in {}/tests/data/eisp-p256.pem -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .expect("openssl runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let openssl_hex = text.split_whitespace().next().unwrap();
    assert_eq!(cert.spki_fingerprint().to_hex(), openssl_hex);
}

#[test]
fn bundles_load_in_order_from_pem_and_concatenated_der() {
    let bundle = Certificate::load_bundle(&data("bundle.pem")).unwrap();
    assert_eq!(bundle.len(), 3);
    assert!(bundle[0].subject().contains("Fapiao Cloud Platform"));
    assert!(bundle[2].subject().contains("Root CA"));

    let mut der = Vec::new();
    for cert in &bundle {
        der.extend_from_slice(cert.der());
    }
    let again = Certificate::load_bundle(&der).unwrap();
    assert_eq!(again, bundle);
}

#[test]
fn from_pem_wants_exactly_one_certificate() {
    let err = Certificate::from_pem(&data("bundle.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Certificate(CertificateError::TooMany { found: 3 })
        ),
        "{err}"
    );
}

#[test]
fn bad_certificates_get_typed_errors_naming_the_position() {
    // Empty and garbage input.
    assert!(matches!(
        Certificate::load_bundle(b"").unwrap_err(),
        Error::Certificate(CertificateError::Empty)
    ));
    assert!(matches!(
        Certificate::load_bundle(b"hello, not a certificate").unwrap_err(),
        Error::Certificate(CertificateError::Der { index: 0, .. })
    ));
    // Truncated DER: every prefix of a real certificate fails without panicking.
    let der = data("root-ca.der");
    for len in 0..der.len() {
        assert!(
            Certificate::from_der(&der[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    // Extended DER: trailing garbage after a certificate is the second, broken one.
    let mut extended = der.clone();
    extended.extend_from_slice(&[0x30, 0x03, 0x02]);
    let err = Certificate::load_bundle(&extended).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Certificate(CertificateError::Der { index: 1, .. })
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("certificate: certificate 1 of bundle:"),
        "{msg}"
    );
    // A key where a certificate is expected.
    let err = Certificate::load_bundle(&data("ecp-rsa.key.pem")).unwrap_err();
    assert!(
        matches!(err, Error::Certificate(CertificateError::UnexpectedPemLabel { index: 0, ref label }) if label == "PRIVATE KEY"),
        "{err}"
    );
    // A broken PEM body in the second block.
    let mut text = String::from_utf8(data("root-ca.pem")).unwrap();
    text.push_str("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
    let err = Certificate::load_bundle(text.as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Certificate(CertificateError::Pem { index: 1, .. })
        ),
        "{err}"
    );
}

#[test]
fn private_keys_load_in_every_format() {
    let cases: &[(&str, Option<&[u8]>, KeyFamily)] = &[
        ("ecp-rsa.key.pem", None, KeyFamily::Rsa),
        ("ecp-rsa.key.der", None, KeyFamily::Rsa),
        ("ecp-p256.key.pem", None, KeyFamily::EcP256),
        ("ecp-p384.key.pem", None, KeyFamily::EcP384),
        ("enterprise-ed25519.key.pem", None, KeyFamily::Ed25519),
        ("enterprise-rsa.pkcs1.pem", None, KeyFamily::Rsa),
        ("enterprise-p256.sec1.pem", None, KeyFamily::EcP256),
        ("enterprise-rsa.enc.pem", Some(PASSWORD), KeyFamily::Rsa),
        ("enterprise-p256.enc.pem", Some(PASSWORD), KeyFamily::EcP256),
        ("enterprise-p256.enc.der", Some(PASSWORD), KeyFamily::EcP256),
        (
            "enterprise-p256.enc-scrypt.pem",
            Some(PASSWORD),
            KeyFamily::EcP256,
        ),
    ];
    for (name, password, family) in cases {
        let key =
            PrivateKeyDer::load(&data(name), *password).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.family(), *family, "{name}");
        for provider in providers() {
            let loaded = provider
                .keys
                .load_private_key(key.pkcs8_der())
                .unwrap_or_else(|e| panic!("{name} in {}: {e}", provider.name));
            assert_eq!(loaded.algorithm().family(), *family);
        }
    }
}

#[test]
fn converted_keys_match_their_certificates() {
    // PKCS#1 and SEC1 keys are converted to PKCS#8; the result must still be the
    // enterprise's key, and encrypted ones must decrypt to it.
    for provider in providers() {
        for (cert, key, password) in [
            ("enterprise-rsa.pem", "enterprise-rsa.pkcs1.pem", None),
            (
                "enterprise-rsa.pem",
                "enterprise-rsa.enc.pem",
                Some(PASSWORD),
            ),
            ("enterprise-p256.pem", "enterprise-p256.sec1.pem", None),
            (
                "enterprise-p256.pem",
                "enterprise-p256.enc-scrypt.pem",
                Some(PASSWORD),
            ),
        ] {
            let creds = Credentials::from_pem(&data(cert), &data(key), password, provider)
                .unwrap_or_else(|e| panic!("{key} in {}: {e}", provider.name));
            assert_eq!(creds.chain().len(), 1);
        }
    }
}

#[test]
fn credentials_sign_and_the_certificate_verifies() {
    for provider in providers() {
        for name in ["ecp-rsa", "ecp-p256", "ecp-p384", "enterprise-ed25519"] {
            let mut chain = data(&format!("{name}.pem"));
            chain.extend_from_slice(&data("issuing-ca.pem"));
            let creds =
                Credentials::from_pem(&chain, &data(&format!("{name}.key.pem")), None, provider)
                    .unwrap();
            assert_eq!(creds.chain().len(), 2);
            let (scheme, signature) = creds.sign(b"invoice order 42").unwrap();
            provider
                .verifier
                .verify(
                    scheme,
                    creds.leaf().public_key(),
                    b"invoice order 42",
                    &signature,
                )
                .unwrap();
            let err = provider
                .verifier
                .verify(
                    scheme,
                    creds.leaf().public_key(),
                    b"invoice order 43",
                    &signature,
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::Crypto(fapiao::CryptoError::BadSignature)),
                "{err}"
            );
        }
    }
}

#[test]
fn credentials_refuse_a_key_of_another_certificate() {
    for provider in providers() {
        // Same algorithm, different key.
        let err = Credentials::from_pem(
            &data("ecp-rsa.pem"),
            &data("eisp-rsa.key.pem"),
            None,
            provider,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Credentials(CredentialsError::KeyMismatch)),
            "{err}"
        );
        // Different algorithm.
        let err = Credentials::from_pem(
            &data("ecp-rsa.pem"),
            &data("ecp-p256.key.pem"),
            None,
            provider,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Credentials(CredentialsError::KeyMismatch)),
            "{err}"
        );
    }
}

#[test]
fn credentials_refuse_an_empty_chain() {
    let provider = CryptoProvider::default_provider();
    let key = PrivateKeyDer::load(&data("ecp-p256.key.pem"), None).unwrap();
    let key = provider.keys.load_private_key(key.pkcs8_der()).unwrap();
    let err = Credentials::new(Vec::new(), key).unwrap_err();
    assert!(
        matches!(err, Error::Credentials(CredentialsError::EmptyChain)),
        "{err}"
    );
}

#[test]
fn encrypted_keys_need_the_right_password() {
    for name in [
        "enterprise-rsa.enc.pem",
        "enterprise-p256.enc.der",
        "enterprise-p256.enc-scrypt.pem",
    ] {
        let input = data(name);
        assert!(matches!(
            PrivateKeyDer::load(&input, None).unwrap_err(),
            Error::Key(KeyError::PasswordRequired)
        ));
        for wrong in [&b"wrong"[..], b"", b"fapiao-test-passwore"] {
            let err = PrivateKeyDer::load(&input, Some(wrong)).unwrap_err();
            assert!(
                matches!(err, Error::Key(KeyError::WrongPassword)),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn bad_keys_get_typed_errors() {
    // A certificate where a key is expected.
    let err = PrivateKeyDer::load(&data("ecp-rsa.pem"), None).unwrap_err();
    assert!(
        matches!(err, Error::Key(KeyError::UnexpectedPemLabel { ref label }) if label == "CERTIFICATE"),
        "{err}"
    );
    // Garbage, empty, truncated.
    assert!(matches!(
        PrivateKeyDer::load(b"", None).unwrap_err(),
        Error::Key(KeyError::Der { .. })
    ));
    assert!(matches!(
        PrivateKeyDer::load(b"\x30\x82\xff\xff garbage", None).unwrap_err(),
        Error::Key(KeyError::Der { .. })
    ));
    let der = data("ecp-rsa.key.der");
    for len in [1, 2, 10, der.len() / 2, der.len() - 1] {
        assert!(
            PrivateKeyDer::load(&der[..len], None).is_err(),
            "prefix {len}"
        );
    }
    // Broken PEM armour.
    let err = PrivateKeyDer::load(
        b"-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----\n",
        None,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::Pem(_))), "{err}");
    // A well-formed PKCS#8 whose contents the provider refuses: flip a byte deep
    // in the RSA key (the prime q) so the key no longer holds together.
    let mut broken = der.clone();
    let at = broken.len() - 100;
    broken[at] ^= 0x01;
    let key = PrivateKeyDer::load(&broken, None).unwrap();
    for provider in providers() {
        assert!(
            provider.keys.load_private_key(key.pkcs8_der()).is_err(),
            "{}",
            provider.name
        );
    }
    // An RSA-1024 key is refused by the providers with its size.
    let small = PrivateKeyDer::load(&data("faulty/rsa-1024.key.pem"), None).unwrap();
    for provider in providers() {
        let err = provider
            .keys
            .load_private_key(small.pkcs8_der())
            .unwrap_err();
        assert!(err.to_string().contains("1024"), "{}: {err}", provider.name);
    }
}

#[test]
fn secrets_are_not_printed() {
    let key = PrivateKeyDer::load(&data("ecp-p256.key.pem"), None).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("redacted"), "{debug}");
    for provider in providers() {
        let loaded = provider.keys.load_private_key(key.pkcs8_der()).unwrap();
        let debug = format!("{loaded:?}");
        // The private scalar's bytes must not appear in any form.
        assert!(!debug.contains("private_key"), "{debug}");
        assert!(debug.len() < 200, "{debug}");
    }
}

/// Without the `gm` feature an SM2 key is recognised and refused as needing it.
#[cfg(not(feature = "gm"))]
#[test]
fn sm2_keys_need_the_gm_feature() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gm");
    let chain = std::fs::read(dir.join("enterprise-sign.pem")).unwrap();
    let key = std::fs::read(dir.join("enterprise-sign.key.pem")).unwrap();
    let refused = fapiao::pki::Credentials::from_pem(
        &chain,
        &key,
        None,
        fapiao::CryptoProvider::default_provider(),
    );
    assert!(
        matches!(
            refused,
            Err(fapiao::Error::Crypto(
                fapiao::CryptoError::FeatureDisabled { feature: "gm", .. }
            ))
        ),
        "{refused:?}"
    );
}
