//! [`PlatformTrust`]: the trust anchors, path policy and CRLs a platform role
//! checks its peers against, owned so a role can keep them.

use crate::pki::{Crl, PathPolicy, PathValidator, TrustStore};

/// What a platform role validates certificate paths with.
#[derive(Clone, Debug)]
pub struct PlatformTrust {
    /// The trust anchors (the CA roots of the PKI/CA system).
    pub store: TrustStore,
    /// The path policy (key usage, EKU, fresh CRLs, limits).
    pub policy: PathPolicy,
    /// The CRLs to check revocation against.
    pub crls: Vec<Crl>,
}

impl PlatformTrust {
    /// Trust in `store` with the default policy and no CRLs.
    pub fn new(store: TrustStore) -> Self {
        Self {
            store,
            policy: PathPolicy::default(),
            crls: Vec::new(),
        }
    }

    /// Adds CRLs.
    pub fn with_crls(mut self, crls: Vec<Crl>) -> Self {
        self.crls = crls;
        self
    }

    /// A validator over these anchors, policy and CRLs.
    pub fn validator(&self) -> PathValidator<'_> {
        self.store
            .validator(self.policy.clone())
            .with_crls(&self.crls)
    }
}
