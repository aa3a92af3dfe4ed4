//! [`QualificationError`]: failures of the qualification registry and its checks.

use crate::invoice::{Refusal, UnifiedSocialCreditCode};

/// Versions of the registry's JSON this library reads.
pub const SUPPORTED_REGISTRY_VERSIONS: &[&str] = &["1.0"];

/// Failures of authentication, the qualification check and the registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QualificationError {
    /// The enterprise was refused: the reason goes back to the ERP.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// The registry's JSON is malformed, has an unknown field or a wrong value.
    #[error("qualification registry JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The registry's JSON has no `version` field.
    #[error("qualification registry JSON: no \"version\" field (supported: {})", SUPPORTED_REGISTRY_VERSIONS.join(", "))]
    MissingVersion,
    /// The registry's JSON is of a version this library does not read.
    #[error("qualification registry JSON: version {found:?} is not supported (supported: {})", supported.join(", "))]
    UnsupportedVersion {
        /// The version found.
        found: String,
        /// The versions this library reads.
        supported: &'static [&'static str],
    },
    /// A record breaks a rule of the registry.
    #[error("qualification record of {tax_id}: {problem}")]
    InvalidRecord {
        /// The enterprise.
        tax_id: UnifiedSocialCreditCode,
        /// What is wrong.
        problem: &'static str,
    },
    /// The registry's JSON lists an enterprise twice.
    #[error("qualification registry JSON: enterprise {tax_id} is listed twice")]
    DuplicateEnterprise {
        /// The enterprise.
        tax_id: UnifiedSocialCreditCode,
    },
    /// An administrative change names an enterprise that is not registered.
    #[error("enterprise {tax_id} is not registered")]
    NoSuchEnterprise {
        /// The enterprise.
        tax_id: UnifiedSocialCreditCode,
    },
    /// A quota reservation is not (or no longer) held by this registry.
    #[error("quota reservation {id} is not held by this registry")]
    UnknownReservation {
        /// The reservation's id.
        id: u64,
    },
}

impl QualificationError {
    /// The refusal, if this error is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }
}

impl From<Refusal> for QualificationError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

impl From<Refusal> for super::Error {
    fn from(refusal: Refusal) -> Self {
        Self::Qualification(QualificationError::Refused(refusal))
    }
}
