//! Path validation against the fixture PKI (tests/data, see its README): every
//! faulty certificate fails for exactly its own reason, the good leaves pass for
//! the purposes their keys allow, CRLs, time windows, the EKU policy and the
//! work budget.
//!
//! All validations run at the fixture time 2027-06-01T00:00:00Z unless a test
//! says otherwise.
//!
//! One submodule per area, in tests/pki/path_validation/; the fixture loaders and
//! the `Check` builder they share are below.

#[path = "path_validation/faulty_fixtures.rs"]
mod faulty_fixtures;
#[path = "path_validation/good_leaves.rs"]
mod good_leaves;
#[path = "path_validation/limits.rs"]
mod limits;
#[path = "path_validation/messages.rs"]
mod messages;
#[path = "path_validation/revocation.rs"]
mod revocation;
#[path = "path_validation/time_windows.rs"]
mod time_windows;

use fapiao::Error;
use fapiao::pki::{
    Certificate, Crl, PathError, PathPolicy, PathValidator, Purpose, Timestamp, TrustStore,
    VerifiedPath,
};

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

const RSA_LEAVES: [&str; 3] = ["ecp-rsa", "eisp-rsa", "enterprise-rsa"];
const EC_LEAVES: [&str; 4] = ["ecp-p256", "eisp-p256", "enterprise-p256", "ecp-p384"];
