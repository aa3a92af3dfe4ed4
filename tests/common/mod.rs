//! Helpers shared by the integration tests: fixture loading and the providers
//! compiled into this build.
#![allow(dead_code)]

pub mod malleate;
pub mod openssl;
pub mod reshape;

use fapiao::CryptoProvider;
use fapiao::pki::{Certificate, Credentials};

/// 2027-06-01T00:00:00Z, the time the fixture PKI is validated at.
pub const TEST_TIME: u64 = 1_811_808_000;

/// Reads a file under tests/data.
pub fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Path of a file under tests/data.
pub fn data_path(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Every provider compiled into this build.
pub fn providers() -> Vec<&'static CryptoProvider> {
    vec![
        #[cfg(feature = "aws-lc")]
        &fapiao::crypto::aws_lc::PROVIDER,
        #[cfg(feature = "portable")]
        &fapiao::crypto::portable::PROVIDER,
    ]
}

/// Credentials for a fixture leaf (`ecp-rsa`, `eisp-p256`, …) with the issuing CA
/// in its chain.
pub fn credentials(name: &str, provider: &CryptoProvider) -> Credentials {
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    Credentials::from_pem(&chain, &data(&format!("{name}.key.pem")), None, provider)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A fixture certificate.
pub fn certificate(name: &str) -> Certificate {
    Certificate::from_pem(&data(&format!("{name}.pem"))).unwrap()
}

/// A deliberately small signer check for envelope tests, independent of the path
/// validator: the leaf must be inside its validity window at the signing time
/// and carry a valid sha256WithRSAEncryption signature by the fixture issuing CA,
/// which the sender must present unaltered among the intermediates.
pub struct IssuedByFixtureCa {
    pub ca: Certificate,
    pub provider: &'static CryptoProvider,
}

impl IssuedByFixtureCa {
    pub fn new(provider: &'static CryptoProvider) -> Self {
        Self {
            ca: certificate("issuing-ca"),
            provider,
        }
    }
}

impl fapiao::envelope::SignerTrust for IssuedByFixtureCa {
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), fapiao::PathError> {
        use der::Encode;
        // The sender must present the genuine issuing CA, as a real path needs.
        if !intermediates.contains(&self.ca) {
            return Err(FORGED);
        }
        if at < leaf.not_before() || at > leaf.not_after() {
            return Err(FORGED);
        }
        // RFC 5280 §4.1.1.2: the outer algorithm must equal the signed one.
        let x509 = leaf.x509();
        if x509.signature_algorithm() != x509.tbs_certificate().signature()
            || x509.signature_algorithm().oid.to_string() != "1.2.840.113549.1.1.11"
        {
            return Err(FORGED);
        }
        let tbs = leaf.x509().tbs_certificate().to_der().unwrap();
        let sig = leaf.x509().signature().as_bytes().ok_or(FORGED)?;
        self.provider
            .verifier
            .verify(
                fapiao::crypto::SignatureScheme::RsaPkcs1Sha256,
                self.ca.public_key(),
                &tbs,
                sig,
            )
            .map_err(|_| FORGED)
    }
}

/// What [`IssuedByFixtureCa`] answers for any leaf it does not accept.
const FORGED: fapiao::PathError = fapiao::PathError::BadSignature { certificate: None };
