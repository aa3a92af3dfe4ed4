//! [`TrustStore`]: the trust anchors (root certificates) that path validation
//! accepts as the end of a path.

use pki_types::{CertificateDer, TrustAnchor};

use super::Certificate;
use super::policy::PathPolicy;
use super::validator::PathValidator;
use crate::error::Error;
use crate::error::PathError;
use crate::error::{CertificateRef, ChainRole, Malformation};

/// A set of trust anchors, loaded from PEM or DER certificates.
///
/// Anchors are taken as they are: their own signature is not checked, and
/// critical extensions the validator does not know only matter when the anchor
/// ends a path (unrelated anchors never make a validation fail).
///
/// ```
/// use fapiao::pki::TrustStore;
/// let roots = std::fs::read("tests/data/root-ca.pem").unwrap();
/// let store = TrustStore::from_pem_or_der(&roots).unwrap();
/// assert_eq!(store.len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    certificates: Vec<Certificate>,
    anchors: Vec<TrustAnchor<'static>>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads every certificate of a PEM bundle or of concatenated DER as an anchor.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        let mut store = Self::new();
        for cert in Certificate::load_bundle(input)? {
            store.add(cert)?;
        }
        Ok(store)
    }

    /// Adds an anchor. Adding a certificate that is already present does nothing.
    pub fn add(&mut self, certificate: Certificate) -> Result<(), Error> {
        if self.certificates.contains(&certificate) {
            return Ok(());
        }
        let index = self.certificates.len();
        let der = CertificateDer::from(certificate.der());
        let anchor = webpki::anchor_from_trusted_cert(&der)
            .map_err(|_| PathError::MalformedCertificate {
                certificate: Some(CertificateRef {
                    role: ChainRole::TrustAnchor { index },
                    subject: super::diagnosis::shorten(certificate.subject()),
                }),
                detail: Malformation::BadDer,
            })?
            .to_owned();
        self.anchors.push(anchor);
        self.certificates.push(certificate);
        Ok(())
    }

    /// How many anchors the store holds.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// True when the store holds no anchor.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The anchors' certificates, in the order they were added.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// A validator over this store with the given policy.
    pub fn validator(&self, policy: PathPolicy) -> PathValidator<'_> {
        PathValidator::new(self, policy)
    }

    pub(crate) fn webpki_anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }
}
