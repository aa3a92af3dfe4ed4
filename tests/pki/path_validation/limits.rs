//! Limits and the work budget: too many intermediates or CRLs, the path length
//! policy, pathological path building.

use fapiao::Error;
use fapiao::pki::{Certificate, PathError, PathPolicy, Purpose, Timestamp, TrustStore};

use super::{Check, cert, crl, data};

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

#[test]
fn the_diagnosis_of_a_bad_signature_spends_a_bounded_number_of_verifications() {
    use fapiao::pki::MAX_DIAGNOSIS_SIGNATURES;
    // A leaf whose signature is bad, sent with copies of its issuer: after
    // webpki refuses it, the diagnosis checks the leaf against each candidate
    // issuer to name the certificate at fault.
    let mut check = Check::faulty("broken-signature");
    check.chain = vec![cert("issuing-ca.pem"); 3];
    let err = check.err();
    assert!(
        matches!(&err, PathError::BadSignature { certificate: Some(c) } if c.role == fapiao::pki::ChainRole::Leaf),
        "{err:?}"
    );
    // A sender that supplies more same-name candidates than the diagnosis may
    // verify (the intermediates limit raised to let them in) gets the same
    // refusal, naming no certificate: the extra work stops at the budget.
    let mut policy = PathPolicy::default();
    policy.limits.max_intermediates = 64;
    let mut check = Check::faulty("broken-signature").policy(policy);
    check.chain = vec![cert("issuing-ca.pem"); MAX_DIAGNOSIS_SIGNATURES + 1];
    let err = check.err();
    assert!(
        matches!(err, PathError::BadSignature { certificate: None }),
        "{err:?}"
    );
}
