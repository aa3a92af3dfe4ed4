//! Good leaves: the purposes their keys allow, the path they verify to, trust
//! stores, and the EKU policy they meet.

use fapiao::Error;
use fapiao::pki::{EkuPolicy, PathError, PathPolicy, Purpose, TrustStore, key_purpose};

use super::{AT, Check, EC_LEAVES, RSA_LEAVES, bundle, cert, data, time};

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
