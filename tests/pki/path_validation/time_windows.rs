//! Time windows: inclusive validity bounds, expired fixtures in their time, a
//! trust anchor outside its validity.

use fapiao::Error;
use fapiao::pki::{ChainRole, PathError, PathPolicy, Purpose, TrustStore};

use super::{AT, Check, cert, data, subject_has, time};

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
