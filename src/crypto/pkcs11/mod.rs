//! Private keys on a PKCS#11 token (an HSM, a smart card, SoftHSM2), with the
//! `pkcs11` feature: docs/pkcs11.md.
//!
//! `TokenModule::open` (the `pkcs11` feature, like `TokenKey`) loads the
//! vendor's module (the PKCS#11 shared library), finds the token by its label, opens a small pool of sessions and
//! logs in with the user PIN. `TokenModule::key` finds a private key by
//! label or id and returns a `TokenKey`, a [`PrivateKey`](super::PrivateKey)
//! whose operations run on the token: the key bytes never leave it.
//! `pki::Credentials::new` (or `with_encryption_key`) pairs it with its
//! certificate chain, refusing a key that is not the leaf's.
//!
//! [`TokenUri`] reads an RFC 7512 `pkcs11:` URI naming the token and the key
//! (`pkcs11:token=fapiao;object=eisp`), as the command line takes it; it is
//! compiled without the feature too, so that a build without it can say why
//! it refuses such a URI. `TokenKey::open` opens the key a URI names.
//!
//! Supported: RSA (PKCS#1 v1.5 and PSS signatures, OAEP-SHA-256 decryption)
//! and EC P-256 (ECDSA, ECDH) keys.
//!
//! A module is loaded and initialised once per process (PKCS#11 allows one
//! `C_Initialize` per application) and stays loaded; several `TokenModule`s
//! may share it. The login state of a token is shared by every session the
//! process has with it. A session the token closed, or a login it lost, is
//! reopened (and logged in again) once before an operation gives up.
#![forbid(unsafe_code)]

#[cfg(feature = "pkcs11")]
mod key;
#[cfg(feature = "pkcs11")]
mod module;
mod uri;

#[cfg(feature = "pkcs11")]
pub use key::TokenKey;
#[cfg(feature = "pkcs11")]
pub use module::{DEFAULT_SESSIONS, TokenModule};
#[cfg(feature = "pkcs11")]
pub(crate) use module::{is_token_failure, token_error};
pub use uri::{KeyLookup, MAX_PIN_FILE_LEN, MAX_URI_LEN, TokenUri};
