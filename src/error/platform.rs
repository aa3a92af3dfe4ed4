//! [`PlatformError`]: failures of the platform roles.

use thiserror::Error as ThisError;

/// Failures of the platform roles that cannot be answered with a sealed
/// refusal (the sender is unknown), or that a role reports to its host.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum PlatformError {
    /// No signer of the envelope is a pinned peer in a role that may send it.
    #[error("no signer is a pinned {expected}: the sender is unknown")]
    SenderNotPinned {
        /// The role that was looked for.
        expected: &'static str,
    },
    /// An issuing request carries no enterprise signature besides the cloud
    /// platform's.
    #[error("the request carries no enterprise signature")]
    NoEnterpriseSigner,
    /// A platform message is not readable.
    #[error("malformed platform message: {detail}")]
    MalformedMessage {
        /// What the parser said.
        detail: String,
    },
    /// A platform message of a version we do not speak.
    #[error("platform message version {found} is not supported (supported: {supported})")]
    UnsupportedMessageVersion {
        /// The version found.
        found: String,
        /// The version we speak.
        supported: &'static str,
    },
    /// A pull asked for too many (or zero) commands.
    #[error("a pull takes 1 to 100 commands, not {limit}")]
    BadPullLimit {
        /// The number asked for.
        limit: usize,
    },
    /// The answer is not for a request this cloud platform sent.
    #[error("the answer came from {party_id}, which is not our service platform")]
    WrongServicePlatform {
        /// The party that signed it.
        party_id: String,
    },
    /// The enterprise has no credentials here and the order is not signed.
    #[error("no enterprise credentials for {tax_id}: the ERP must sign the order")]
    NoEnterpriseCredentials {
        /// The seller's tax id.
        tax_id: String,
    },
    /// The enterprise is not hosted by this platform in the mode asked for.
    #[error("enterprise {tax_id} is not served here in this hosting mode")]
    WrongHostingMode {
        /// The seller's tax id.
        tax_id: String,
    },
    /// A [`UnitOfWork`](crate::platform::UnitOfWork) said it succeeded without
    /// running the work it was given (a bug in that implementation).
    #[error("the unit of work returned without running the message's work")]
    UnitOfWorkSkipped,
    /// A platform builder was asked to build without a part it requires.
    #[error("the platform cannot be built without its {missing}")]
    Incomplete {
        /// The part missing, e.g. "hosted device".
        missing: &'static str,
    },
}
