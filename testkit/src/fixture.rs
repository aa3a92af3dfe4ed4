//! The fixture files of the repository: certificates and keys in `tests/data`,
//! sample requests in `examples/requests`.

use std::path::PathBuf;

use fapiao::CryptoProvider;
use fapiao::pki::{Credentials, TrustStore};
use fapiao::platform::PlatformTrust;

/// 2027-06-01T00:00:00Z: a time the whole fixture PKI is valid at.
pub const NOW: u64 = 1_811_808_000;

/// The password of every encrypted fixture key.
pub const PASSWORD: &[u8] = b"fapiao-test-password";

/// The repository's root directory.
fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Reads `tests/data/{name}`.
pub fn data(name: &str) -> Vec<u8> {
    let path = repository().join("tests/data").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads the sample request `examples/requests/{name}`.
pub fn sample(name: &str) -> Vec<u8> {
    let path = repository().join("examples/requests").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The crypto provider of this build.
pub fn provider() -> &'static CryptoProvider {
    CryptoProvider::default_provider()
}

/// The credentials of the fixture leaf `name` (`ecp-rsa`, `eisp-p256`,
/// `enterprise-p256`, …): its certificate followed by the issuing CA, and its
/// unencrypted key.
pub fn creds(name: &str) -> Credentials {
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    Credentials::from_pem(&chain, &data(&format!("{name}.key.pem")), None, provider())
        .unwrap_or_else(|e| panic!("fixture credentials {name}: {e}"))
}

/// The platforms' trust: the fixture root CA as the only anchor.
pub fn trust() -> PlatformTrust {
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).expect("the fixture root CA");
    PlatformTrust::new(roots)
}
