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

/// The dual SM2 credentials (双证书) of `party` (`ecp`, `eisp`, `enterprise`)
/// in `tests/data/gm`: `{party}-sign.pem` to sign, `{party}-enc.pem` to
/// encrypt to, each followed by the SM2 issuing CA, with their keys.
pub fn gm_creds(party: &str) -> Credentials {
    let chain = |leaf: &str| {
        let mut chain = data(&format!("gm/{party}-{leaf}.pem"));
        chain.extend_from_slice(&data("gm/issuing-ca.pem"));
        chain
    };
    let key = |leaf: &str| data(&format!("gm/{party}-{leaf}.key.pem"));
    Credentials::from_pem(&chain("sign"), &key("sign"), None, provider())
        .and_then(|c| c.with_encryption(&chain("enc"), &key("enc"), None, provider()))
        .unwrap_or_else(|e| panic!("fixture SM2 credentials {party}: {e}"))
}

/// The credentials [`Setup`](crate::Setup) names: `gm/{leaf}-sign` is the
/// one SM2 signing certificate `tests/data/gm/{leaf}-sign.pem` (with the SM2
/// issuing CA and its key), `gm/{party}` is [`gm_creds`], anything else
/// [`creds`].
pub fn creds_named(name: &str) -> Credentials {
    match name.strip_prefix("gm/") {
        Some(leaf) if leaf.ends_with("-sign") => {
            let mut chain = data(&format!("gm/{leaf}.pem"));
            chain.extend_from_slice(&data("gm/issuing-ca.pem"));
            let key = data(&format!("gm/{leaf}.key.pem"));
            Credentials::from_pem(&chain, &key, None, provider())
                .unwrap_or_else(|e| panic!("fixture SM2 credentials {leaf}: {e}"))
        }
        Some(party) => gm_creds(party),
        None => creds(name),
    }
}

/// The platforms' trust with both fixture roots: the RSA/ECDSA root of
/// `tests/data` and the SM2 root of `tests/data/gm`.
pub fn trust_with_gm() -> PlatformTrust {
    let mut roots = data("root-ca.pem");
    roots.extend_from_slice(&data("gm/root-ca.pem"));
    PlatformTrust::new(TrustStore::from_pem_or_der(&roots).expect("the fixture root CAs"))
}

/// The platforms' trust: the fixture root CA as the only anchor.
pub fn trust() -> PlatformTrust {
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).expect("the fixture root CA");
    PlatformTrust::new(roots)
}
