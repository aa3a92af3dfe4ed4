//! The fixture files of the repository: certificates and keys in `tests/data`,
//! sample requests in `examples/requests`.

use std::path::PathBuf;

use fapiao::CryptoProvider;
use fapiao::pki::{Credentials, TrustStore};
use fapiao::platform::PlatformTrust;

use crate::enterprises::{HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM};

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

/// A sample request (`valid-blue.json`, `valid-red.json`) with its seller
/// replaced by `seller`, its buyer by the other fixture enterprise, and its
/// serial number by `serial`.
pub fn request(sample_name: &str, seller: &str, serial: &str) -> Vec<u8> {
    let buyer = if seller == HOSTED_BY_PLATFORM {
        HOSTED_BY_ENTERPRISE
    } else {
        HOSTED_BY_PLATFORM
    };
    let sample = String::from_utf8(sample(sample_name)).expect("a UTF-8 sample");
    sample
        .replace(
            "\"tax_id\": \"91440101MA5CJQ4N59\"",
            "\"tax_id\": \"BUYER\"",
        )
        .replace(
            "\"tax_id\": \"91350200776049653A\"",
            &format!("\"tax_id\": \"{seller}\""),
        )
        .replace("\"tax_id\": \"BUYER\"", &format!("\"tax_id\": \"{buyer}\""))
        .replace("ERP-20261128-000001", serial)
        .replace("ERP-20261128-000002", serial)
        .into_bytes()
}
