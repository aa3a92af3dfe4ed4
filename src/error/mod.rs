//! The one public error type, [`Error`], with nested kinds per concern.
//!
//! Every variant says what failed and where; there is no `String` catch-all. Kinds
//! are `#[non_exhaustive]` so that new failure reasons are not breaking changes.
//!
//! Every kind lives here, one file per concern, with the few small types the
//! kinds name; the modules that fail with a kind re-export it. This module
//! imports nothing of the crate but [`invoice`](crate::invoice), the domain's
//! data, so every other module may use it.
#![forbid(unsafe_code)]

use thiserror::Error as ThisError;

mod crypto;
mod device;
mod envelope;
mod exchange;
mod path;
mod path_reasons;
mod pki;
mod platform;
mod qualification;
mod store;
mod tax;
mod token;
mod token_uri;

pub use self::crypto::{CryptoError, KeyError, KeyFamily};
pub use self::device::{DeviceFailure, Disposition};
pub use self::envelope::EnvelopeError;
pub use self::exchange::{ExchangeError, ExchangeKind, PartyRole, PeerError};
pub use self::path::PathError;
pub use self::path_reasons::{
    CertificateRef, ChainRole, CrlRef, Malformation, ProfileRule, Purpose, WeakDigest, WorkBudget,
};
pub use self::pki::{CertificateError, CredentialsError, CrlError, CrlFeature};
pub use self::platform::PlatformError;
pub use self::qualification::{QualificationError, SUPPORTED_REGISTRY_VERSIONS};
pub use self::store::{CorruptValue, DatabaseEngine, DatabaseFailure, StoreError};
pub use self::tax::UploadError;
pub use self::token::TokenError;
pub use self::token_uri::TokenUriError;
pub use crate::invoice::InvoiceError;

/// Everything that can go wrong in fapiao.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic primitive failed or refused its input.
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// A private key could not be loaded.
    #[error("private key: {0}")]
    Key(#[from] KeyError),
    /// A PKCS#11 token (an HSM, a smart card) failed or refused: its module,
    /// the login, a key on it, or the session (the `pkcs11` feature).
    #[error("PKCS#11 token: {0}")]
    Token(#[from] TokenError),
    /// A certificate could not be loaded or used.
    #[error("certificate: {0}")]
    Certificate(#[from] CertificateError),
    /// A certificate chain and its key do not form valid credentials.
    #[error("credentials: {0}")]
    Credentials(#[from] CredentialsError),
    /// A certificate path failed validation.
    #[error("certificate path: {0}")]
    Path(#[from] PathError),
    /// A certificate revocation list could not be loaded.
    #[error("CRL: {0}")]
    Crl(#[from] CrlError),
    /// A peer is not pinned, or its pinned certificate may not be used.
    #[error("peer: {0}")]
    Peer(#[from] PeerError),
    /// A certificate-exchange message was refused.
    #[error("certificate exchange: {0}")]
    Exchange(#[from] ExchangeError),
    /// A platform role refused a message or could not answer it.
    #[error("platform: {0}")]
    Platform(#[from] PlatformError),
    /// A CMS envelope could not be built, or was refused when opened.
    #[error("envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    /// An invoice message could not be read or written, or breaks order rules.
    #[error("invoice: {0}")]
    Invoice(#[from] InvoiceError),
    /// An enterprise was refused, or the qualification registry failed.
    #[error("qualification: {0}")]
    Qualification(#[from] QualificationError),
    /// An issuing device did not issue (retryable or final).
    #[error("issuing device: {0}")]
    Device(#[from] DeviceFailure),
    /// The store failed or refused a change.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// An upload to the tax authority failed.
    #[error("tax upload: {0}")]
    Tax(#[from] UploadError),
}

impl Error {
    /// Whether the same operation may succeed if tried again later: an issuing
    /// device's [retryable failure](DeviceFailure::disposition), a
    /// [transient](StoreError::is_transient) store failure (the database busy or
    /// unavailable), a [retryable](UploadError::is_retryable) upload.
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Device(failure) => failure.disposition(),
            Self::Store(error) if error.is_transient() => Disposition::Retryable,
            Self::Tax(error) if error.is_retryable() => Disposition::Retryable,
            _ => Disposition::Final,
        }
    }

    /// `true` when [`disposition`](Self::disposition) is [`Disposition::Retryable`].
    pub fn is_retryable(&self) -> bool {
        self.disposition() == Disposition::Retryable
    }

    /// The qualification refusal, if this error is one (it goes back to the ERP).
    pub fn refusal(&self) -> Option<&crate::invoice::Refusal> {
        match self {
            Self::Qualification(error) => error.refusal(),
            _ => None,
        }
    }
}

impl From<TokenUriError> for Error {
    fn from(error: TokenUriError) -> Self {
        Self::Token(TokenError::Uri(error))
    }
}
