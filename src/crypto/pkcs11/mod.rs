//! Private keys on a PKCS#11 token (an HSM, a smart card, SoftHSM2), with the
//! `pkcs11` feature: docs/pkcs11.md.
//!
//! [`TokenModule::open`] loads the vendor's module (the PKCS#11 shared
//! library), finds the token by its label, opens a small pool of sessions and
//! logs in with the user PIN. [`TokenModule::key`] finds a private key by
//! label or id and returns a [`TokenKey`], a [`PrivateKey`](super::PrivateKey)
//! whose operations run on the token: the key bytes never leave it.
//! `pki::Credentials::new` (or `with_encryption_key`) pairs it with its
//! certificate chain, refusing a key that is not the leaf's.
//!
//! Supported: RSA (PKCS#1 v1.5 and PSS signatures, OAEP-SHA-256 decryption)
//! and EC P-256 (ECDSA, ECDH) keys.
//!
//! A module is loaded and initialised once per process (PKCS#11 allows one
//! `C_Initialize` per application) and stays loaded; several [`TokenModule`]s
//! may share it. The login state of a token is shared by every session the
//! process has with it.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;

use crate::error::{Error, TokenError};

mod key;

pub use key::{KeyLookup, TokenKey};

/// The number of sessions [`TokenModule::open`] keeps with the token.
pub const DEFAULT_SESSIONS: usize = 4;

/// The PKCS#11 contexts of this process, one per module path, kept for the
/// life of the process.
fn contexts() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    CONTEXTS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Loads and initialises the module at `path`, or returns the context this
/// process already has for it.
fn context(path: &Path) -> Result<Pkcs11, Error> {
    let canonical = path
        .canonicalize()
        .map_err(|_| TokenError::ModuleNotFound {
            path: path.to_path_buf(),
        })?;
    let mut contexts = lock(contexts());
    if let Some(context) = contexts.get(&canonical) {
        return Ok(context.clone());
    }
    let load_failed = |source: P11Error| TokenError::ModuleLoadFailed {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let context = Pkcs11::new(&canonical).map_err(load_failed)?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(load_failed(e).into()),
    }
    contexts.insert(canonical, context.clone());
    Ok(context)
}

/// Maps a PKCS#11 failure of `operation` to the typed error.
pub(crate) fn token_error(operation: &'static str, error: P11Error) -> Error {
    match error {
        P11Error::Pkcs11(rv, _) => match rv {
            RvError::PinIncorrect | RvError::PinLenRange | RvError::PinInvalid => {
                TokenError::PinIncorrect
            }
            RvError::PinLocked => TokenError::PinLocked,
            RvError::DeviceRemoved | RvError::TokenNotPresent => TokenError::TokenRemoved,
            RvError::SessionHandleInvalid | RvError::SessionClosed | RvError::UserNotLoggedIn => {
                TokenError::SessionClosed
            }
            other => TokenError::Failed {
                operation,
                code: format!("{other:?}"),
            },
        },
        other => TokenError::Failed {
            operation,
            code: format!("{other:?}"),
        },
    }
    .into()
}

/// Whether a PKCS#11 failure is the token's or the session's (as opposed to
/// the operation's input being refused).
pub(crate) fn is_token_failure(error: &P11Error) -> bool {
    matches!(
        error,
        P11Error::Pkcs11(
            RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::UserNotLoggedIn
                | RvError::DeviceError
                | RvError::DeviceMemory
                | RvError::PinExpired,
            _
        )
    )
}

/// A token, logged in, with a pool of sessions that several threads may use
/// at once. Cheap to clone (the clones share the sessions).
#[derive(Clone)]
pub struct TokenModule {
    inner: Arc<Inner>,
}

struct Inner {
    module: PathBuf,
    label: String,
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
}

impl core::fmt::Debug for TokenModule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenModule")
            .field("module", &self.inner.module)
            .field("label", &self.inner.label)
            .field("sessions", &self.inner.sessions.len())
            .finish_non_exhaustive()
    }
}

impl TokenModule {
    /// Loads the PKCS#11 module at `module` (e.g.
    /// `/usr/lib/softhsm/libsofthsm2.so`), finds the token labelled
    /// `token_label`, opens [`DEFAULT_SESSIONS`] read-only sessions and logs in
    /// as the user with `pin` (copied into memory that is zeroized when the
    /// login is done; never printed).
    pub fn open(module: impl AsRef<Path>, token_label: &str, pin: &[u8]) -> Result<Self, Error> {
        Self::open_with_sessions(module, token_label, pin, DEFAULT_SESSIONS)
    }

    /// [`open`](Self::open) with a pool of `sessions` sessions (at least one):
    /// as many operations run on the token at once.
    pub fn open_with_sessions(
        module: impl AsRef<Path>,
        token_label: &str,
        pin: &[u8],
        sessions: usize,
    ) -> Result<Self, Error> {
        let module = module.as_ref();
        let context = context(module)?;
        let slot = find_token(&context, token_label)?;
        let sessions = (0..sessions.max(1))
            .map(|_| {
                context
                    .open_ro_session(slot)
                    .map(Mutex::new)
                    .map_err(|e| token_error("C_OpenSession", e))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let pin = RawAuthPin::new(Box::new(pin.to_vec()));
        match lock(&sessions[0]).login_with_raw(UserType::User, &pin) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(token_error("C_Login", e)),
        }
        Ok(Self {
            inner: Arc::new(Inner {
                module: module.to_path_buf(),
                label: token_label.to_owned(),
                sessions,
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// The token's label.
    pub fn token_label(&self) -> &str {
        &self.inner.label
    }

    /// The path of the module the token was opened through.
    pub fn module_path(&self) -> &Path {
        &self.inner.module
    }

    /// The number of sessions in the pool.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Finds the private key `lookup` names on the token: see
    /// [`TokenKey::find`].
    pub fn key(&self, lookup: &KeyLookup) -> Result<TokenKey, Error> {
        TokenKey::find(self, lookup)
    }

    /// Runs `operation` on a session of the pool: a free one if there is one,
    /// otherwise the next in turn once it is free.
    pub(crate) fn with_session<T>(&self, operation: impl FnOnce(&Session) -> T) -> T {
        let sessions = &self.inner.sessions;
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..sessions.len() {
            if let Ok(session) = sessions[(start + i) % sessions.len()].try_lock() {
                return operation(&session);
            }
        }
        operation(&lock(&sessions[start % sessions.len()]))
    }
}

/// The slot holding the token labelled `label`.
fn find_token(context: &Pkcs11, label: &str) -> Result<Slot, Error> {
    let slots = context
        .get_slots_with_token()
        .map_err(|e| token_error("C_GetSlotList", e))?;
    for slot in slots {
        let info = match context.get_token_info(slot) {
            Ok(info) => info,
            // A token removed or unreadable since the slot list: not the one.
            Err(_) => continue,
        };
        if info.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(TokenError::TokenNotFound {
        label: label.to_owned(),
    }
    .into())
}
