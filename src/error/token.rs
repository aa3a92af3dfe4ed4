//! [`TokenError`]: failures of private keys held on a PKCS#11 token (an HSM,
//! a smart card, SoftHSM2), with the `pkcs11` feature.

use std::path::PathBuf;

use thiserror::Error as ThisError;

use super::TokenUriError;

/// Failures opening a PKCS#11 module, logging in to a token, finding a key on
/// it or using the key. A failure of the cryptographic operation itself (a
/// ciphertext that does not decrypt) is the same [`CryptoError`](super::CryptoError)
/// a software key gives.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum TokenError {
    /// The module (the PKCS#11 shared library) does not exist at this path.
    #[error("PKCS#11 module {} not found", path.display())]
    ModuleNotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The module exists but could not be loaded or initialised (not a
    /// PKCS#11 library, a missing symbol, `C_Initialize` failed).
    #[error("PKCS#11 module {} could not be loaded: {source}", path.display())]
    ModuleLoadFailed {
        /// The path given.
        path: PathBuf,
        /// What the loader or the module said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No slot of the module holds a token with this label.
    #[error("no token labelled \"{label}\" in the PKCS#11 module")]
    TokenNotFound {
        /// The label looked for.
        label: String,
    },
    /// The token refused the user PIN (`CKR_PIN_INCORRECT`).
    #[error("the token refused the PIN")]
    PinIncorrect,
    /// The token's user PIN is locked after too many wrong attempts
    /// (`CKR_PIN_LOCKED`); the security officer must unlock it.
    #[error("the token's PIN is locked")]
    PinLocked,
    /// No private key on the token has this label or id.
    #[error("no private key {what} on the token")]
    ObjectNotFound {
        /// The label or id looked for, as `label "…"` or `id 0a1b…`.
        what: String,
    },
    /// More than one private key on the token has this label or id.
    #[error("more than one private key {what} on the token")]
    AmbiguousObject {
        /// The label or id looked for.
        what: String,
    },
    /// The key on the token is of a type fapiao does not use from a token
    /// (only RSA and EC P-256 keys are supported).
    #[error("the key on the token is not usable: {reason}")]
    UnsupportedKey {
        /// Why, e.g. "an EC key on a curve other than P-256".
        reason: &'static str,
    },
    /// The token does not offer the mechanism (or these parameters of it):
    /// SoftHSM 2.6, for one, decrypts RSA-OAEP with SHA-1 only.
    #[error("the token does not support {mechanism}")]
    MechanismUnsupported {
        /// The mechanism, e.g. "RSA-OAEP with SHA-256".
        mechanism: &'static str,
    },
    /// The token was removed, or is no longer present in its slot
    /// (`CKR_DEVICE_REMOVED`, `CKR_TOKEN_NOT_PRESENT`).
    #[error("the token was removed")]
    TokenRemoved,
    /// The session with the token was closed under us
    /// (`CKR_SESSION_HANDLE_INVALID`, `CKR_SESSION_CLOSED`), or the login
    /// was lost (`CKR_USER_NOT_LOGGED_IN`).
    #[error("the session with the token is closed")]
    SessionClosed,
    /// The key's handle is no longer valid and the key could not be used
    /// after it was found again (`CKR_OBJECT_HANDLE_INVALID`,
    /// `CKR_KEY_HANDLE_INVALID`: the token was reset, or the key deleted).
    #[error("the key's handle on the token is no longer valid")]
    KeyHandleInvalid,
    /// The `pkcs11:` URI naming the key was refused.
    #[error("{0}")]
    Uri(#[from] TokenUriError),
    /// Another PKCS#11 failure.
    #[error("PKCS#11 {operation} failed: {code}")]
    Failed {
        /// The operation, e.g. "C_Sign".
        operation: &'static str,
        /// The `CKR_` return value's name, e.g. `DeviceError`.
        code: String,
    },
}
