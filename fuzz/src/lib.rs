//! The fixture PKI of `tests/data`, compiled into the fuzz targets, and the fixed
//! time they run at.
//!
//! Every target runs at [`NOW`], the time the fixture PKI is valid at (see
//! `tests/data/README.md`), so that the seeds made at that time by
//! `tests/cli/fuzz_seeds.rs` open and verify all the way through.

use std::sync::LazyLock;

use fapiao::CryptoProvider;
use fapiao::pki::{Certificate, Credentials, Crl, PathPolicy, PathValidator, TrustStore};

/// 2027-06-01T00:00:00Z: the fixtures' test time.
pub const NOW: u64 = 1_811_808_000;

/// The password of every encrypted fixture key.
pub const PASSWORD: &[u8] = b"fapiao-test-password";

macro_rules! data {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/",
            $name
        ))
    };
}

pub mod platform;

/// The default crypto provider (aws-lc), as the service platform runs it.
pub fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

/// The fixture parties and trust.
pub struct Fixture {
    /// The service platform, P-256 (key agreement).
    pub eisp_p256: Credentials,
    /// The service platform, RSA (key transport).
    pub eisp_rsa: Credentials,
    /// The cloud platform, P-256.
    pub ecp_p256: Credentials,
    /// The issuing CA, the intermediate every fixture leaf chains through.
    pub issuing_ca: Certificate,
    /// `faulty/revoked.pem`, listed in the issuing CA's CRL.
    pub revoked_leaf: Certificate,
    /// The service platform on SM2 dual certificates (`tests/data/gm`): a
    /// signing pair and an encryption pair, for GM/T 0010 envelopes.
    pub eisp_gm: Credentials,
}

/// A fixture leaf with the issuing CA, and its key.
pub fn credentials(cert: &[u8], key: &[u8]) -> Credentials {
    let mut chain = cert.to_vec();
    chain.extend_from_slice(data!("issuing-ca.pem"));
    Credentials::from_pem(&chain, key, None, provider()).expect("fixture credentials load")
}

/// The root CA alone: the trust anchor.
pub static ROOTS: LazyLock<TrustStore> = LazyLock::new(|| {
    TrustStore::from_pem_or_der(data!("root-ca.pem")).expect("fixture root loads")
});

/// The current CRLs of the root and the issuing CA.
pub static CRLS: LazyLock<Vec<Crl>> = LazyLock::new(|| {
    let mut crls = Crl::load_bundle(data!("crl/issuing-ca.crl.pem")).expect("fixture CRL");
    crls.extend(Crl::load_bundle(data!("crl/root-ca.crl.pem")).expect("fixture CRL"));
    crls
});

/// The parties, loaded once per process.
pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    eisp_p256: credentials(data!("eisp-p256.pem"), data!("eisp-p256.key.pem")),
    eisp_rsa: credentials(data!("eisp-rsa.pem"), data!("eisp-rsa.key.pem")),
    ecp_p256: credentials(data!("ecp-p256.pem"), data!("ecp-p256.key.pem")),
    issuing_ca: Certificate::from_pem(data!("issuing-ca.pem")).expect("fixture CA"),
    revoked_leaf: Certificate::from_pem(data!("faulty/revoked.pem")).expect("fixture leaf"),
    eisp_gm: gm_credentials(
        (data!("gm/eisp-sign.pem"), data!("gm/eisp-sign.key.pem")),
        (data!("gm/eisp-enc.pem"), data!("gm/eisp-enc.key.pem")),
    ),
});

/// An SM2 dual-certificate party of `tests/data/gm`: its signing and its
/// encryption leaf (each with the SM2 issuing CA) and their keys.
pub fn gm_credentials(sign: (&[u8], &[u8]), enc: (&[u8], &[u8])) -> Credentials {
    let chain = |leaf: &[u8]| [leaf, data!("gm/issuing-ca.pem")].concat();
    Credentials::from_pem(&chain(sign.0), sign.1, None, provider())
        .and_then(|c| c.with_encryption(&chain(enc.0), enc.1, None, provider()))
        .expect("fixture SM2 credentials load")
}

/// The SM2 root CA of `tests/data/gm`.
pub static GM_ROOTS: LazyLock<TrustStore> = LazyLock::new(|| {
    TrustStore::from_pem_or_der(data!("gm/root-ca.pem")).expect("fixture SM2 root loads")
});

/// The SM2 issuing CA's CRL (SM2-with-SM3).
pub static GM_CRLS: LazyLock<Vec<Crl>> = LazyLock::new(|| {
    Crl::load_bundle(data!("gm/crl/issuing-ca.crl.pem")).expect("fixture SM2 CRL")
});

/// The path validator for SM2 chains: the SM2 root and CRL, the default
/// policy.
pub fn gm_validator() -> PathValidator<'static> {
    PathValidator::new(&GM_ROOTS, PathPolicy::default()).with_crls(&GM_CRLS)
}

/// The path validator a service platform would use: the fixture root, the
/// fixture CRLs, the default policy.
pub fn validator() -> PathValidator<'static> {
    PathValidator::new(&ROOTS, PathPolicy::default()).with_crls(&CRLS)
}
