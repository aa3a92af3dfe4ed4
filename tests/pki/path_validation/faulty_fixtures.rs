//! Every faulty fixture listed in expect.txt fails for exactly its own reason.

use fapiao::pki::{ChainRole, EkuPolicy, PathError, PathPolicy, Purpose, WeakDigest, key_purpose};

use super::{AT, Check, data, subject_has, time};

/// Runs the check that belongs to one `expect.txt` keyword and asserts the exact
/// reason.
fn assert_fixture(file: &str, keyword: &str) {
    let name = file
        .strip_prefix("faulty/")
        .and_then(|f| f.strip_suffix(".pem"))
        .unwrap_or_else(|| panic!("unexpected expect.txt entry {file}"));
    let check = Check::faulty(name);
    match keyword {
        "expired" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::Expired { certificate, not_after, at }
                    if certificate.is_leaf() && *not_after == time("2021-01-01T00:00:00Z") && *at == AT),
                "{err:?}"
            );
        }
        "not-yet-valid" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::NotYetValid { certificate, not_before, .. }
                    if certificate.is_leaf() && *not_before == time("2040-01-01T00:00:00Z")),
                "{err:?}"
            );
        }
        "issuer-not-ca" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::IssuerNotCa { certificate }
                    if certificate.role == ChainRole::Intermediate { index: 0 }
                        && subject_has(certificate, "Fapiao Cloud Platform")),
                "{err:?}"
            );
        }
        "issuer-no-keycertsign" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::IssuerMissingKeyCertSign { certificate }
                    if subject_has(certificate, "without keyCertSign")),
                "{err:?}"
            );
        }
        "path-len-exceeded" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::PathLenExceeded { certificate: Some(c) }
                    if subject_has(c, "Fapiao Test Issuing CA")),
                "{err:?}"
            );
        }
        "wrong-key-usage-sign" => {
            let err = check.purpose(Purpose::Sign).err();
            assert!(
                matches!(&err, PathError::KeyUsageForbidsPurpose { purpose: Purpose::Sign, present }
                    if present == "keyEncipherment"),
                "{err:?}"
            );
            Check::faulty(name).purpose(Purpose::Encrypt).ok();
            Check::faulty(name).purpose(Purpose::Any).ok();
        }
        "wrong-key-usage-encrypt" => {
            let err = check.purpose(Purpose::Encrypt).err();
            assert!(
                matches!(&err, PathError::KeyUsageForbidsPurpose { purpose: Purpose::Encrypt, present }
                    if present == "digitalSignature"),
                "{err:?}"
            );
            Check::faulty(name).purpose(Purpose::Sign).ok();
            Check::faulty(name).purpose(Purpose::Any).ok();
        }
        "no-key-usage" => {
            for purpose in [Purpose::Sign, Purpose::Encrypt, Purpose::Any] {
                Check::faulty(name).purpose(purpose).ok();
            }
        }
        "unknown-critical-ext" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::UnknownCriticalExtension { certificate, oid }
                    if certificate.is_leaf() && oid.to_string() == "1.3.6.1.4.1.55555.1.1"),
                "{err:?}"
            );
        }
        "sha1-signature" | "md5-signature" => {
            let want = if keyword == "sha1-signature" {
                WeakDigest::Sha1
            } else {
                WeakDigest::Md5
            };
            let err = check.err();
            assert!(
                matches!(&err, PathError::WeakSignatureAlgorithm { certificate, digest }
                    if certificate.is_leaf() && *digest == want),
                "{err:?}"
            );
        }
        "rsa-1024" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::WeakRsaKey { certificate, bits: 1024, min: 2048 }
                    if certificate.is_leaf()),
                "{err:?}"
            );
        }
        "revoked" => {
            // Only a revocation check refuses it.
            Check::faulty(name).ok();
            let err = check.crls(&["issuing-ca"]).err();
            assert!(
                matches!(&err, PathError::Revoked { certificate, serial, revoked_at, reason }
                    if certificate.is_leaf() && serial == "2013"
                        && *revoked_at == Some(time("2026-01-01T00:00:00Z"))
                        && *reason == Some("keyCompromise")),
                "{err:?}"
            );
        }
        "untrusted-root" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::UntrustedRoot { subject }
                    if subject.contains("Fapiao Other Root CA")),
                "{err:?}"
            );
            let err = Check::new(file, "").err();
            assert!(
                matches!(&err, PathError::UnknownIssuer { issuer }
                    if issuer.contains("Fapiao Other Root CA")),
                "{err:?}"
            );
        }
        "broken-signature" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::BadSignature { certificate: Some(c) } if c.is_leaf()),
                "{err:?}"
            );
        }
        "ca-expired" => {
            let err = check.err();
            assert!(
                matches!(&err, PathError::Expired { certificate, not_after, .. }
                    if certificate.role == ChainRole::Intermediate { index: 0 }
                        && subject_has(certificate, "Fapiao Faulty Expired CA")
                        && *not_after == time("2021-01-01T00:00:00Z")),
                "{err:?}"
            );
        }
        "eku-server-only" => {
            // Without an EKU policy any extendedKeyUsage is accepted.
            Check::faulty(name).purpose(Purpose::Sign).ok();
            let policy =
                PathPolicy::default().with_eku(EkuPolicy::new([key_purpose::EMAIL_PROTECTION]));
            let err = check.policy(policy).err();
            assert!(
                matches!(&err, PathError::RequiredEkuMissing { required, present }
                    if *required == key_purpose::EMAIL_PROTECTION
                        && present == &vec![key_purpose::SERVER_AUTH]),
                "{err:?}"
            );
        }
        other => panic!("expect.txt keyword {other:?} has no test: add one"),
    }
}

fn expect_txt() -> Vec<(String, String)> {
    String::from_utf8(data("expect.txt"))
        .unwrap()
        .lines()
        .map(|line| {
            let (file, keyword) = line.split_once(' ').expect("<file> <keyword>");
            (file.to_owned(), keyword.to_owned())
        })
        .collect()
}

/// Every line of expect.txt has a test (a new fixture without one fails here).
#[test]
fn every_fixture_in_expect_txt_fails_for_its_own_reason() {
    let lines = expect_txt();
    assert!(lines.len() >= 18, "expect.txt has {} lines", lines.len());
    for (file, keyword) in lines {
        assert_fixture(&file, &keyword);
    }
}

macro_rules! fixture_tests {
    ($($test:ident => $file:literal, $keyword:literal;)*) => {$(
        #[test]
        fn $test() {
            assert!(expect_txt().contains(&($file.to_owned(), $keyword.to_owned())),
                "{} is not in expect.txt as {}", $file, $keyword);
            assert_fixture($file, $keyword);
        }
    )*};
}

fixture_tests! {
    expired_leaf => "faulty/expired.pem", "expired";
    not_yet_valid_leaf => "faulty/not-yet-valid.pem", "not-yet-valid";
    issuer_not_ca => "faulty/issuer-not-ca.pem", "issuer-not-ca";
    issuer_without_keycertsign => "faulty/issuer-no-keycertsign.pem", "issuer-no-keycertsign";
    path_len_exceeded => "faulty/path-len-exceeded.pem", "path-len-exceeded";
    wrong_key_usage_sign => "faulty/wrong-key-usage-sign.pem", "wrong-key-usage-sign";
    wrong_key_usage_encrypt_rsa => "faulty/wrong-key-usage-encrypt.pem", "wrong-key-usage-encrypt";
    wrong_key_usage_encrypt_ec => "faulty/wrong-key-usage-encrypt-ec.pem", "wrong-key-usage-encrypt";
    no_key_usage_passes_every_purpose => "faulty/no-key-usage.pem", "no-key-usage";
    unknown_critical_extension => "faulty/unknown-critical-ext.pem", "unknown-critical-ext";
    sha1_signature => "faulty/sha1-signature.pem", "sha1-signature";
    md5_signature => "faulty/md5-signature.pem", "md5-signature";
    rsa_1024_key => "faulty/rsa-1024.pem", "rsa-1024";
    revoked_leaf => "faulty/revoked.pem", "revoked";
    untrusted_root => "faulty/untrusted-root.pem", "untrusted-root";
    broken_signature => "faulty/broken-signature.pem", "broken-signature";
    leaf_under_expired_ca => "faulty/leaf-under-expired-ca.pem", "ca-expired";
    eku_server_only => "faulty/eku-server-only.pem", "eku-server-only";
}
