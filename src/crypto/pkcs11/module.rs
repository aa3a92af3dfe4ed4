//! [`TokenModule`]: a PKCS#11 module loaded once per process, a token on it
//! logged in, and a pool of sessions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;

use zeroize::Zeroizing;

use crate::error::{Error, TokenError};

use super::{KeyLookup, TokenKey};

/// The number of sessions [`TokenModule::open`] keeps with the token.
pub const DEFAULT_SESSIONS: usize = 4;

/// The PKCS#11 contexts of this process, one per module path, kept for the
/// life of the process.
fn contexts() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    CONTEXTS.get_or_init(|| Mutex::new(HashMap::new()))
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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
            RvError::ObjectHandleInvalid | RvError::KeyHandleInvalid => {
                TokenError::KeyHandleInvalid
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
                | RvError::ObjectHandleInvalid
                | RvError::KeyHandleInvalid
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
    context: Pkcs11,
    /// The user PIN, kept to log in again when a session is reopened;
    /// zeroized when the last clone of the module is dropped.
    pin: Zeroizing<Vec<u8>>,
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
    /// as the user with `pin`. The PIN is copied into memory that is zeroized
    /// when the last clone of the module is dropped (it is kept to log in
    /// again if the token closes a session); it is never printed.
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
        let pin = Zeroizing::new(pin.to_vec());
        let sessions = (0..sessions.max(1))
            .map(|_| {
                context
                    .open_ro_session(slot)
                    .map(Mutex::new)
                    .map_err(|e| token_error("C_OpenSession", e))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        login(&lock(&sessions[0]), &pin)?;
        Ok(Self {
            inner: Arc::new(Inner {
                module: module.to_path_buf(),
                label: token_label.to_owned(),
                context,
                pin,
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
    /// otherwise the next in turn once it is free. When the session was
    /// closed under us or the login lost ([`TokenError::SessionClosed`]), or
    /// the token went away ([`TokenError::TokenRemoved`]), the session is
    /// replaced by a new one, logged in again, and `operation` runs once
    /// more; a token that cannot be found again is [`TokenError::TokenRemoved`].
    pub(crate) fn with_session<T>(
        &self,
        operation: impl Fn(&Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let sessions = &self.inner.sessions;
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let mut session = (0..sessions.len())
            .find_map(|i| sessions[(start + i) % sessions.len()].try_lock().ok())
            .unwrap_or_else(|| lock(&sessions[start % sessions.len()]));
        match operation(&session) {
            Err(Error::Token(TokenError::SessionClosed | TokenError::TokenRemoved)) => {
                *session = self.reopen()?;
                operation(&session)
            }
            done => done,
        }
    }

    /// Logs the user in on `session` again (a token may have dropped the
    /// login); already logged in is fine.
    pub(crate) fn log_in(&self, session: &Session) -> Result<(), Error> {
        login(session, &self.inner.pin)
    }

    /// `error`, or [`TokenError::TokenRemoved`] when the token is no longer
    /// in any slot of the module.
    pub(crate) fn removed_or(&self, error: Error) -> Error {
        match find_token(&self.inner.context, &self.inner.label) {
            Err(Error::Token(TokenError::TokenNotFound { .. })) => TokenError::TokenRemoved.into(),
            _ => error,
        }
    }

    /// A new session with the token, found again by its label, logged in.
    fn reopen(&self) -> Result<Session, Error> {
        let context = &self.inner.context;
        let slot = match find_token(context, &self.inner.label) {
            Err(Error::Token(TokenError::TokenNotFound { .. })) => {
                return Err(TokenError::TokenRemoved.into());
            }
            other => other?,
        };
        let session = context
            .open_ro_session(slot)
            .map_err(|e| token_error("C_OpenSession", e))?;
        login(&session, &self.inner.pin)?;
        Ok(session)
    }
}

/// Logs the user in on `session` (and so on every session of the process
/// with the token); already logged in is fine.
fn login(session: &Session, pin: &[u8]) -> Result<(), Error> {
    let pin = RawAuthPin::new(Box::new(pin.to_vec()));
    match session.login_with_raw(UserType::User, &pin) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(e) => Err(token_error("C_Login", e)),
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
