//! Path validation against the fixture PKI (tests/data, see its README): every
//! faulty certificate fails for exactly its own reason, the good leaves pass for
//! the purposes their keys allow, CRLs, time windows, the EKU policy and the
//! work budget.
//!
//! All validations run at the fixture time 2027-06-01T00:00:00Z unless a test
//! says otherwise.

use std::sync::Arc;

use fapiao::crypto::{CryptoProvider, SignatureScheme};
use fapiao::pki::{
    Certificate, ChainRole, Crl, EkuPolicy, Malformation, PathError, PathPolicy, PathValidator,
    PrivateKeyDer, Purpose, Timestamp, TrustStore, VerifiedPath, WeakDigest, key_purpose,
};
use fapiao::{Error, crypto::PrivateKey};

const AT: Timestamp = Timestamp::from_unix_seconds(1_811_808_000); // 2027-06-01T00:00:00Z

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&data(name)).unwrap()
}

fn bundle(name: &str) -> Vec<Certificate> {
    Certificate::load_bundle(&data(name)).unwrap()
}

fn crl(name: &str) -> Crl {
    Crl::load_bundle(&data(&format!("crl/{name}.crl.pem")))
        .unwrap()
        .remove(0)
}

fn store() -> TrustStore {
    TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap()
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Validates `leaf` with the intermediates in `chain` (file names).
struct Check {
    leaf: Certificate,
    chain: Vec<Certificate>,
    crls: Vec<Crl>,
    at: Timestamp,
    purpose: Purpose,
    policy: PathPolicy,
}

impl Check {
    fn new(leaf: &str, chain: &str) -> Self {
        Self {
            leaf: cert(leaf),
            chain: if chain.is_empty() {
                vec![]
            } else {
                bundle(chain)
            },
            crls: vec![],
            at: AT,
            purpose: Purpose::Any,
            policy: PathPolicy::default(),
        }
    }

    /// A good leaf of issuing-ca.
    fn good(name: &str) -> Self {
        Self::new(&format!("{name}.pem"), "issuing-ca.pem")
    }

    /// A faulty leaf with its own chain file.
    fn faulty(name: &str) -> Self {
        Self::new(
            &format!("faulty/{name}.pem"),
            &format!("faulty/{name}.chain.pem"),
        )
    }

    fn purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }

    fn at(mut self, at: Timestamp) -> Self {
        self.at = at;
        self
    }

    fn crls(mut self, names: &[&str]) -> Self {
        self.crls = names.iter().map(|n| crl(n)).collect();
        self
    }

    fn policy(mut self, policy: PathPolicy) -> Self {
        self.policy = policy;
        self
    }

    fn run(&self) -> Result<VerifiedPath, PathError> {
        let store = store();
        PathValidator::new(&store, self.policy.clone())
            .verify(&self.leaf, &self.chain, &self.crls, self.at, self.purpose)
            .map_err(|e| match e {
                Error::Path(p) => p,
                other => panic!("not a path error: {other}"),
            })
    }

    fn ok(&self) -> VerifiedPath {
        self.run()
            .unwrap_or_else(|e| panic!("expected a valid path, got: {e}"))
    }

    fn err(&self) -> PathError {
        match self.run() {
            Ok(path) => panic!("expected a refusal, got a path to {}", path.subject()),
            Err(e) => e,
        }
    }
}

fn subject_has(role: &fapiao::pki::CertificateRef, text: &str) -> bool {
    role.subject.contains(text)
}

// ---------------------------------------------------------------------------
// Good leaves
// ---------------------------------------------------------------------------

const RSA_LEAVES: [&str; 3] = ["ecp-rsa", "eisp-rsa", "enterprise-rsa"];
const EC_LEAVES: [&str; 4] = ["ecp-p256", "eisp-p256", "enterprise-p256", "ecp-p384"];

#[test]
fn good_rsa_leaves_pass_for_signing_and_encryption() {
    for name in RSA_LEAVES {
        for purpose in [Purpose::Sign, Purpose::Encrypt, Purpose::Any] {
            Check::good(name).purpose(purpose).ok();
        }
    }
}

#[test]
fn good_ec_leaves_pass_for_signing_and_key_agreement() {
    for name in EC_LEAVES {
        for purpose in [Purpose::Sign, Purpose::Encrypt, Purpose::Any] {
            Check::good(name).purpose(purpose).ok();
        }
    }
}

#[test]
fn ed25519_leaf_signs_but_cannot_encrypt() {
    Check::good("enterprise-ed25519")
        .purpose(Purpose::Sign)
        .ok();
    let err = Check::good("enterprise-ed25519")
        .purpose(Purpose::Encrypt)
        .err();
    assert!(
        matches!(
            err,
            PathError::KeyUsageForbidsPurpose {
                purpose: Purpose::Encrypt,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn verified_path_reports_chain_subject_fingerprint_and_not_after() {
    let leaf = cert("ecp-rsa.pem");
    let path = Check::good("ecp-rsa").purpose(Purpose::Sign).ok();
    assert_eq!(path.chain().len(), 3);
    assert_eq!(path.leaf(), &leaf);
    assert_eq!(path.intermediates(), &[cert("issuing-ca.pem")][..]);
    assert_eq!(path.trust_anchor(), &cert("root-ca.pem"));
    assert_eq!(path.subject(), leaf.subject());
    assert!(path.subject().contains("Fapiao Cloud Platform"));
    assert_eq!(path.spki_fingerprint(), leaf.spki_fingerprint());
    assert_eq!(path.not_after(), time("2036-01-01T00:00:00Z"));
    assert_eq!(path.path_not_after(), time("2036-01-01T00:00:00Z"));
    assert_eq!(path.purpose(), Purpose::Sign);
    assert_eq!(path.validated_at(), AT);
}

#[test]
fn the_root_in_the_chain_and_extra_unrelated_certificates_are_harmless() {
    let mut check = Check::new("ecp-rsa.pem", "chain.pem");
    check.chain.extend(bundle("faulty/other-root.pem"));
    check.chain.extend(bundle("faulty/sub-ca.pem"));
    let path = check.ok();
    assert_eq!(path.chain().len(), 3);
}

#[test]
fn trust_store_loads_bundles_and_ignores_duplicates() {
    let mut store = TrustStore::from_pem_or_der(&data("chain.pem")).unwrap();
    assert_eq!(store.len(), 2);
    store.add(cert("root-ca.pem")).unwrap();
    assert_eq!(store.len(), 2);
    let der = TrustStore::from_pem_or_der(&data("root-ca.der")).unwrap();
    assert_eq!(der.certificates(), &[cert("root-ca.pem")][..]);
    // With the issuing CA itself trusted, the leaf validates without intermediates.
    let leaf = cert("ecp-rsa.pem");
    let path = store
        .validator(PathPolicy::default())
        .verify(&leaf, &[], &[], AT, Purpose::Any)
        .unwrap();
    assert_eq!(path.chain().len(), 2);
}

#[test]
fn an_empty_trust_store_refuses_everything() {
    let store = TrustStore::new();
    let err = store
        .validator(PathPolicy::default())
        .verify(
            &cert("ecp-rsa.pem"),
            &bundle("issuing-ca.pem"),
            &[],
            AT,
            Purpose::Any,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Path(PathError::NoTrustAnchors)),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// Every faulty fixture, each for exactly its own reason
// ---------------------------------------------------------------------------

/// Runs the check that belongs to one `expect.txt` keyword and asserts the exact
/// reason. Returns the keyword's fixture name for the coverage test.
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

// ---------------------------------------------------------------------------
// Extended key usage policy
// ---------------------------------------------------------------------------

#[test]
fn eku_policy_accepts_leaves_that_list_the_purposes() {
    let policy = PathPolicy::default().with_eku(EkuPolicy::new([
        key_purpose::EMAIL_PROTECTION,
        key_purpose::CLIENT_AUTH,
    ]));
    for name in RSA_LEAVES.iter().chain(EC_LEAVES.iter()) {
        Check::good(name).policy(policy.clone()).ok();
    }
    let err = Check::good("ecp-rsa")
        .policy(PathPolicy::default().with_eku(EkuPolicy::new([key_purpose::CODE_SIGNING])))
        .err();
    assert!(
        matches!(err, PathError::RequiredEkuMissing { .. }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// CRLs
// ---------------------------------------------------------------------------

#[test]
fn crls_load_from_pem_and_der() {
    let pem = crl("issuing-ca");
    let der = Crl::load_bundle(&data("crl/issuing-ca.crl.der"))
        .unwrap()
        .remove(0);
    assert_eq!(pem.der(), der.der());
    assert_eq!(pem.this_update(), time("2026-01-01T00:00:00Z"));
    assert_eq!(pem.next_update(), Some(time("2036-01-01T00:00:00Z")));
    assert_eq!(
        crl("issuing-ca-stale").next_update(),
        Some(time("2026-06-01T00:00:00Z"))
    );
    assert_eq!(crl("root-ca").revoked_count(), 0);
    let err = Crl::load_bundle(&data("root-ca.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Crl(fapiao::CrlError::UnexpectedPemLabel { index: 0, .. })
        ),
        "{err:?}"
    );
    assert!(matches!(
        Crl::load_bundle(b""),
        Err(Error::Crl(fapiao::CrlError::Empty))
    ));
}

#[test]
fn good_leaves_pass_with_every_crl_required() {
    let mut policy = PathPolicy::default().with_fresh_crls();
    policy.require_revocation_status = true;
    for name in RSA_LEAVES.iter().chain(EC_LEAVES.iter()) {
        Check::good(name)
            .crls(&["issuing-ca", "root-ca"])
            .policy(policy.clone())
            .ok();
    }
}

#[test]
fn stale_crl_is_used_unless_fresh_crls_are_required() {
    // Not required: the stale CRL still revokes and still clears.
    let err = Check::faulty("revoked").crls(&["issuing-ca-stale"]).err();
    assert!(matches!(err, PathError::Revoked { .. }), "{err:?}");
    Check::good("ecp-rsa").crls(&["issuing-ca-stale"]).ok();
    // Required: the stale CRL is an error.
    let fresh = PathPolicy::default().with_fresh_crls();
    let err = Check::good("ecp-rsa")
        .crls(&["issuing-ca-stale"])
        .policy(fresh.clone())
        .err();
    assert!(
        matches!(&err, PathError::CrlExpired { crl, next_update, at }
            if crl.index == 0 && crl.issuer.contains("Issuing CA")
                && *next_update == time("2026-06-01T00:00:00Z") && *at == AT),
        "{err:?}"
    );
    // While it was current (2026-03-01) it revokes under the strict policy too.
    let err = Check::faulty("revoked")
        .crls(&["issuing-ca-stale"])
        .policy(fresh.clone())
        .at(time("2026-03-01T00:00:00Z"))
        .err();
    assert!(matches!(err, PathError::Revoked { .. }), "{err:?}");
    // The fresh CRL passes the strict policy.
    Check::good("ecp-rsa")
        .crls(&["issuing-ca"])
        .policy(fresh)
        .ok();
}

#[test]
fn crl_of_another_issuer_does_not_revoke() {
    // wrong-issuer lists serial 0x2000 (ecp-rsa's), but it is root-ca's CRL.
    assert_eq!(cert("ecp-rsa.pem").serial_number(), &[0x20, 0x00]);
    Check::good("ecp-rsa").crls(&["wrong-issuer"]).ok();
    Check::good("ecp-rsa")
        .crls(&["wrong-issuer", "root-ca"])
        .ok();
    // It does not count as the leaf's revocation status either.
    let mut policy = PathPolicy::default();
    policy.require_revocation_status = true;
    let err = Check::good("ecp-rsa")
        .crls(&["wrong-issuer"])
        .policy(policy)
        .err();
    assert!(
        matches!(&err, PathError::RevocationStatusUnknown { certificate: Some(c) } if c.is_leaf()),
        "{err:?}"
    );
}

#[test]
fn required_revocation_status_without_crls_is_an_error() {
    let mut policy = PathPolicy::default();
    policy.require_revocation_status = true;
    let err = Check::good("ecp-rsa").policy(policy.clone()).err();
    assert!(
        matches!(&err, PathError::RevocationStatusUnknown { certificate: Some(c) } if c.is_leaf()),
        "{err:?}"
    );
    // Checking the leaf only, the issuing CA's CRL is enough.
    policy.revocation_leaf_only = true;
    Check::good("ecp-rsa")
        .crls(&["issuing-ca"])
        .policy(policy)
        .ok();
}

#[test]
fn crl_with_a_broken_signature_is_refused() {
    let mut der = data("crl/issuing-ca.crl.der");
    let at = der.len() - 8;
    der[at] ^= 0x01;
    let tampered = Crl::from_der(&der).unwrap();
    let mut check = Check::good("ecp-rsa");
    check.crls = vec![tampered];
    let err = check.err();
    assert!(
        matches!(&err, PathError::CrlBadSignature { crl: Some(c) } if c.index == 0),
        "{err:?}"
    );
}

/// Re-signs issuing-ca's CRL with another thisUpdate, using the fixture key.
fn crl_issued_at(this_update: &str) -> Crl {
    use der::{Decode, Encode};
    use x509_cert::crl::CertificateList;
    let mut list = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&data(
        "crl/issuing-ca.crl.der",
    ))
    .unwrap();
    let secs = time(this_update).unix_seconds();
    list.tbs_cert_list.this_update = x509_cert::time::Time::UtcTime(
        der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
    );
    let key = PrivateKeyDer::load(&data("issuing-ca.key.pem"), None).unwrap();
    let key: Arc<dyn PrivateKey> = CryptoProvider::default_provider()
        .keys
        .load_private_key(key.pkcs8_der())
        .unwrap();
    let tbs = list.tbs_cert_list.to_der().unwrap();
    let signature = key.sign(SignatureScheme::RsaPkcs1Sha256, &tbs).unwrap();
    list.signature = der::asn1::BitString::from_bytes(&signature).unwrap();
    Crl::from_der(&list.to_der().unwrap()).unwrap()
}

#[test]
fn crl_issued_after_the_validation_time_is_refused() {
    let future = crl_issued_at("2030-01-01T00:00:00Z");
    let mut check = Check::good("ecp-rsa");
    check.crls = vec![future];
    let err = check.err();
    assert!(
        matches!(&err, PathError::CrlNotYetValid { crl, this_update, at }
            if crl.index == 0 && *this_update == time("2030-01-01T00:00:00Z") && *at == AT),
        "{err:?}"
    );
    // The re-signed CRL is otherwise sound: at 2031 it revokes as before.
    let mut check = Check::faulty("revoked").at(time("2031-01-01T00:00:00Z"));
    check.crls = vec![crl_issued_at("2030-01-01T00:00:00Z")];
    assert!(matches!(check.err(), PathError::Revoked { .. }));
}

// ---------------------------------------------------------------------------
// Time windows
// ---------------------------------------------------------------------------

#[test]
fn validity_bounds_are_inclusive() {
    Check::good("ecp-rsa").at(time("2026-01-01T00:00:00Z")).ok();
    Check::good("ecp-rsa").at(time("2036-01-01T00:00:00Z")).ok();
    let err = Check::good("ecp-rsa")
        .at(time("2036-01-01T00:00:01Z"))
        .err();
    assert!(
        matches!(&err, PathError::Expired { certificate, .. } if certificate.is_leaf()),
        "{err:?}"
    );
    let err = Check::good("ecp-rsa")
        .at(time("2025-12-31T23:59:59Z"))
        .err();
    assert!(
        matches!(&err, PathError::NotYetValid { certificate, .. } if certificate.is_leaf()),
        "{err:?}"
    );
}

#[test]
fn expired_fixtures_were_valid_in_their_time() {
    // The expired leaf and the expired CA validate in 2020 (the leaf below the
    // expired CA did not exist yet then: not valid before 2026).
    let in_2020 = time("2020-06-01T00:00:00Z");
    let err = Check::faulty("expired").at(in_2020).err();
    // issuing-ca (2026..2036) was not valid in 2020.
    assert!(
        matches!(&err, PathError::NotYetValid { certificate, .. }
            if subject_has(certificate, "Issuing CA")),
        "{err:?}"
    );
    let err = Check::faulty("leaf-under-expired-ca").at(in_2020).err();
    assert!(
        matches!(&err, PathError::NotYetValid { certificate, .. } if certificate.is_leaf()),
        "{err:?}"
    );
}

#[test]
fn a_trust_anchor_outside_its_validity_is_refused() {
    // Trust issuing-ca directly and validate a leaf below the expired CA... use
    // the expired CA itself as the anchor.
    let store = TrustStore::from_pem_or_der(&data("faulty/ca-expired.pem")).unwrap();
    let err = store
        .validator(PathPolicy::default())
        .verify(
            &cert("faulty/leaf-under-expired-ca.pem"),
            &[],
            &[],
            AT,
            Purpose::Any,
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Path(PathError::Expired { certificate, .. })
            if certificate.role == ChainRole::TrustAnchor { index: 0 }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// Limits and the work budget
// ---------------------------------------------------------------------------

#[test]
fn too_many_intermediates_or_crls_are_refused_before_any_work() {
    let mut check = Check::good("ecp-rsa");
    check.chain = vec![cert("issuing-ca.pem"); 17];
    let err = check.err();
    assert!(
        matches!(
            err,
            PathError::TooManyIntermediates {
                supplied: 17,
                max: 16
            }
        ),
        "{err:?}"
    );
    let mut check = Check::good("ecp-rsa");
    check.crls = vec![crl("issuing-ca"); 17];
    assert!(matches!(
        check.err(),
        PathError::TooManyCrls {
            supplied: 17,
            max: 16
        }
    ));
}

#[test]
fn path_length_policy_limits_the_intermediates() {
    let mut policy = PathPolicy::default();
    policy.limits.max_path_intermediates = 0;
    let err = Check::good("ecp-rsa").policy(policy).err();
    assert!(matches!(err, PathError::PathTooLong { max: 0 }), "{err:?}");
}

/// The limbo suite's pathological chains: many intermediates with the same
/// subject (and distinct keys), where naive path building is exponential.
/// webpki's budget stops it with a specific error.
#[test]
fn work_budget_stops_pathological_path_building() {
    let suite: serde_json::Value =
        serde_json::from_slice(&data("limbo/limbo.json")).expect("limbo.json");
    let case = suite["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "pathological::pathological-chain-same-subject-distinct-key")
        .expect("case present");
    let pem =
        |v: &serde_json::Value| Certificate::load_bundle(v.as_str().unwrap().as_bytes()).unwrap();
    let mut store = TrustStore::new();
    for c in case["trusted_certs"].as_array().unwrap() {
        for root in pem(c) {
            store.add(root).unwrap();
        }
    }
    let intermediates: Vec<Certificate> = case["untrusted_intermediates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(pem)
        .collect();
    let leaf = pem(&case["peer_certificate"]).remove(0);
    // The case has no validation time (null): limbo means "now".
    let at = match case["validation_time"].as_str() {
        Some(text) => text.parse().unwrap(),
        None => Timestamp::from_system_time(std::time::SystemTime::now()).unwrap(),
    };
    let mut policy = PathPolicy::default();
    policy.limits.max_intermediates = intermediates.len();
    let started = std::time::Instant::now();
    let err = store
        .validator(policy)
        .verify(&leaf, &intermediates, &[], at, Purpose::Any)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Path(PathError::BudgetExceeded { .. })),
        "{} intermediates: {err:?}",
        intermediates.len()
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
    // With the default limits the input is refused before any path building.
    let err = store
        .validator(PathPolicy::default())
        .verify(&leaf, &intermediates, &[], at, Purpose::Any)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Path(PathError::TooManyIntermediates { .. })),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// Error messages
// ---------------------------------------------------------------------------

#[test]
fn errors_say_what_failed_and_where() {
    let text = Error::from(Check::faulty("leaf-under-expired-ca").err()).to_string();
    assert_eq!(
        text,
        "certificate path: intermediate 1 of the supplied chain \"CN=Fapiao Faulty Expired CA,O=Fapiao Test,C=CN\": \
         expired at 2021-01-01T00:00:00Z (validating at 2027-06-01T00:00:00Z)"
    );
    let text = Check::faulty("sha1-signature").err().to_string();
    assert!(text.contains("SHA-1 signature refused"), "{text}");
    let text = Check::faulty("unknown-critical-ext").err().to_string();
    assert!(
        text.contains("unknown critical extension 1.3.6.1.4.1.55555.1.1"),
        "{text}"
    );
    let text = Check::faulty("revoked")
        .crls(&["issuing-ca"])
        .err()
        .to_string();
    assert!(
        text.contains("revoked (serial 2013, since 2026-01-01T00:00:00Z, keyCompromise)"),
        "{text}"
    );
    let malformed = PathError::MalformedCertificate {
        certificate: None,
        detail: Malformation::BadDer,
    };
    assert_eq!(
        malformed.to_string(),
        "a certificate in the path: invalid DER"
    );
}
