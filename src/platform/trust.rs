//! [`PlatformTrust`]: the trust anchors, path policy and CRLs a platform role
//! checks its peers against, owned so a role can keep them.

use crate::error::Error;
use crate::pki::{
    Certificate, Crl, PathPolicy, PathValidator, Timestamp, TrustStore, check_pinned_not_revoked,
};

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

    /// Checks, before sealing to it, that a pinned peer's certificate is not
    /// revoked by these CRLs at `now` (and, when the policy requires fresh
    /// CRLs, that the CRL covering it is fresh): a peer revoked after it was
    /// pinned receives nothing more.
    pub fn check_recipient(&self, certificate: &Certificate, now: u64) -> Result<(), Error> {
        check_pinned_not_revoked(
            certificate,
            &self.crls,
            Timestamp::from_unix_seconds(now),
            self.policy.require_fresh_crls,
        )
        .map_err(Error::from)
    }

    /// A validator over these anchors, policy and CRLs.
    pub fn validator(&self) -> PathValidator<'_> {
        self.store
            .validator(self.policy.clone())
            .with_crls(&self.crls)
    }
}
