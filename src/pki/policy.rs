//! What a validation asks for: the [`Purpose`](crate::pki::Purpose) of the leaf's key and the
//! [`PathPolicy`] (revocation, extended key usage, limits).

use const_oid::ObjectIdentifier;

use super::{Certificate, SpkiFingerprint};
use crate::crypto::DEFAULT_SM2_ID;

/// Well-known extendedKeyUsage key purposes (RFC 5280 4.2.1.12).
pub mod key_purpose {
    use const_oid::ObjectIdentifier;

    /// id-kp-serverAuth.
    pub const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
    /// id-kp-clientAuth.
    pub const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
    /// id-kp-codeSigning.
    pub const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
    /// id-kp-emailProtection (S/MIME, what `openssl cms` checks for signers).
    pub const EMAIL_PROTECTION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
    /// id-kp-timeStamping.
    pub const TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
    /// anyExtendedKeyUsage (2.5.29.37.0).
    pub const ANY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
}

/// An extendedKeyUsage requirement on the leaf: every OID in `required` must be
/// listed in the leaf's extendedKeyUsage extension.
///
/// Configure one per role of the party whose certificate is checked (for
/// instance emailProtection for CMS signers); without a policy any
/// extendedKeyUsage, or none, is accepted.
///
/// ```
/// use fapiao::pki::{EkuPolicy, key_purpose};
/// let signer = EkuPolicy::new([key_purpose::EMAIL_PROTECTION]);
/// assert!(!signer.accepts_absent);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EkuPolicy {
    /// Key purposes the leaf must list, all of them.
    pub required: Vec<ObjectIdentifier>,
    /// Accept a leaf that has no extendedKeyUsage extension at all (RFC 5280:
    /// unrestricted). Default false: the required purposes must be listed.
    pub accepts_absent: bool,
    /// Accept anyExtendedKeyUsage in place of a required purpose. Default false.
    pub accepts_any: bool,
}

impl EkuPolicy {
    /// Requires every purpose in `required`; a leaf without extendedKeyUsage and
    /// anyExtendedKeyUsage are refused.
    pub fn new(required: impl IntoIterator<Item = ObjectIdentifier>) -> Self {
        Self {
            required: required.into_iter().collect(),
            accepts_absent: false,
            accepts_any: false,
        }
    }

    /// Also accepts a leaf without an extendedKeyUsage extension.
    pub fn accepting_absent(mut self) -> Self {
        self.accepts_absent = true;
        self
    }

    /// Also accepts anyExtendedKeyUsage in place of the required purposes.
    pub fn accepting_any(mut self) -> Self {
        self.accepts_any = true;
        self
    }
}

/// Bounds on the input and on path building, against denial of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most untrusted intermediates accepted with one leaf (default 16).
    pub max_intermediates: usize,
    /// Most CRLs accepted per validation (default 16).
    pub max_crls: usize,
    /// Most intermediates in a validated path, leaf and trust anchor not counted
    /// (default 6, which is also webpki's hard limit).
    pub max_path_intermediates: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_intermediates: 16,
            max_crls: 16,
            max_path_intermediates: 6,
        }
    }
}

/// How strictly to validate, beyond the rules that always apply.
///
/// ```
/// use fapiao::pki::PathPolicy;
/// let mut policy = PathPolicy::default();
/// policy.require_fresh_crls = true;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PathPolicy {
    /// A CRL past its nextUpdate is an error ([`PathError::CrlExpired`]) instead
    /// of being used as it is. Default false.
    ///
    /// [`PathError::CrlExpired`]: super::PathError::CrlExpired
    pub require_fresh_crls: bool,
    /// Every certificate of the path (leaf and intermediates) must be covered by a
    /// supplied CRL from its issuer ([`PathError::RevocationStatusUnknown`]
    /// otherwise). Default false: certificates no CRL covers are accepted.
    ///
    /// [`PathError::RevocationStatusUnknown`]: super::PathError::RevocationStatusUnknown
    pub require_revocation_status: bool,
    /// Only check the leaf's revocation status, not the intermediates'. Default
    /// false.
    pub revocation_leaf_only: bool,
    /// Required extendedKeyUsage of the leaf; `None` (the default) accepts any.
    pub eku: Option<EkuPolicy>,
    /// Input and path-building bounds.
    pub limits: Limits,
    /// SM2 distinguishing IDs of peers that sign under another ID than
    /// [`DEFAULT_SM2_ID`], by the SHA-256 of their SubjectPublicKeyInfo: what
    /// verifying a peer's own SM2 signature (a CMS signer's) uses. Certificate
    /// and CRL signatures are always checked under [`DEFAULT_SM2_ID`] (GM/T
    /// 0015). Empty by default.
    pub sm2_ids: Vec<(SpkiFingerprint, Vec<u8>)>,
}

impl PathPolicy {
    /// Sets the extendedKeyUsage requirement.
    pub fn with_eku(mut self, eku: EkuPolicy) -> Self {
        self.eku = Some(eku);
        self
    }

    /// Verifies the SM2 signatures of the peer whose certificate has the key
    /// `peer` under `id` instead of [`DEFAULT_SM2_ID`].
    pub fn with_sm2_id(mut self, peer: SpkiFingerprint, id: impl Into<Vec<u8>>) -> Self {
        self.sm2_ids.retain(|(known, _)| *known != peer);
        self.sm2_ids.push((peer, id.into()));
        self
    }

    /// The SM2 distinguishing ID the holder of `certificate` signs under:
    /// the one [`with_sm2_id`](Self::with_sm2_id) named, or [`DEFAULT_SM2_ID`].
    pub fn sm2_id_for(&self, certificate: &Certificate) -> &[u8] {
        let peer = certificate.spki_fingerprint();
        self.sm2_ids
            .iter()
            .find(|(known, _)| *known == peer)
            .map_or(DEFAULT_SM2_ID, |(_, id)| id.as_slice())
    }

    /// Requires CRLs to be fresh (validation time before their nextUpdate).
    pub fn with_fresh_crls(mut self) -> Self {
        self.require_fresh_crls = true;
        self
    }
}
