//! CRLs: loading, revocation, required revocation status, stale, foreign,
//! tampered and not-yet-valid CRLs.

use std::sync::Arc;

use fapiao::crypto::{CryptoProvider, SignatureScheme};
use fapiao::pki::{Crl, PathError, PathPolicy, PrivateKeyDer};
use fapiao::{Error, crypto::PrivateKey};

use super::{AT, Check, EC_LEAVES, RSA_LEAVES, cert, crl, data, time};

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
