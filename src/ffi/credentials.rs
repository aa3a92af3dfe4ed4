//! [`fapiao_credentials`]: a party's certificate chain and private key.

use core::ffi::c_char;

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, optional_bytes_arg, write_str};
use super::bytes::fapiao_bytes;
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_NOT_FOUND};
use crate::CryptoProvider;
use crate::pki::Credentials;

/// A party's identity: its certificate chain (leaf first) and the leaf's private
/// key, loaded into the default crypto provider. Immutable: one handle may be
/// used from several threads at once.
pub struct fapiao_credentials {
    pub(crate) inner: Credentials,
}

impl Handle for fapiao_credentials {
    const NAME: &'static str = "fapiao_credentials";
}

/// Loads credentials: `chain` is the leaf certificate followed by its
/// intermediates (PEM bundle or concatenated DER), `key` the leaf's private key
/// (PKCS#8 plain or encrypted, PKCS#1 or SEC1; PEM or DER). `password` may be
/// NULL (with `password_len` 0) for an unencrypted key.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_credentials_free`. On failure `*out` is not written and nothing needs
/// freeing. The library copies the inputs: they may be freed (and the password
/// wiped) as soon as the call returns. Key material is zeroized on free.
///
/// Notable failures: `FAPIAO_KEY_PASSWORD_REQUIRED`, `FAPIAO_KEY_WRONG_PASSWORD`,
/// `FAPIAO_KEY_MISMATCH`, `FAPIAO_CERTIFICATE_MALFORMED`, `FAPIAO_KEY_MALFORMED`.
///
/// # Safety
///
/// `chain`, `key` and `password` must each be NULL or point at their length in
/// readable bytes; `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_new(
    chain: *const u8,
    chain_len: usize,
    key: *const u8,
    key_len: usize,
    password: *const u8,
    password_len: usize,
    out: *mut *mut fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_credentials_new", || {
        // SAFETY: the caller guarantees the pointer/length pairs and `out`.
        let (chain, key, password, out) = unsafe {
            (
                bytes_arg(chain, chain_len, "chain")?,
                bytes_arg(key, key_len, "key")?,
                optional_bytes_arg(password, password_len, "password")?,
                Out::new(out, "out")?,
            )
        };
        if chain.is_empty() {
            return Err(Failure::new(
                fapiao_result::FAPIAO_CERTIFICATE_MALFORMED,
                "argument `chain` is empty",
            ));
        }
        if key.is_empty() {
            return Err(Failure::new(
                fapiao_result::FAPIAO_KEY_MALFORMED,
                "argument `key` is empty",
            ));
        }
        let inner =
            Credentials::from_pem(chain, key, password, CryptoProvider::default_provider())?;
        out.write(handle::into_handle(fapiao_credentials { inner }));
        Ok(())
    })
}

/// Frees credentials. NULL does nothing; a pointer that is not live credentials
/// is left alone and recorded as the last error detail. Openers made from these
/// credentials keep their own copy and stay usable.
///
/// # Safety
///
/// No other thread may use `credentials` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_free(credentials: *mut fapiao_credentials) {
    guard_value("fapiao_credentials_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(credentials, "credentials") }
    })
}

/// Writes the leaf certificate's subject (RFC 4514, e.g. `CN=Fapiao Cloud
/// Platform,O=Fapiao Test,C=CN`) to `buf` as a NUL-terminated string.
///
/// On `FAPIAO_OK` `*written` is its length without the NUL; on
/// `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the length
/// needed without the NUL; on any other failure nothing is written.
///
/// # Safety
///
/// `credentials` must not be freed by another thread during the call; `buf` must
/// be NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_subject(
    credentials: *const fapiao_credentials,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_credentials_subject", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe {
            let credentials = handle::borrow(credentials, "credentials")?;
            write_str(&credentials.inner.leaf().subject(), buf, len, written)
        }
    })
}

/// Writes the leaf's subject serialNumber attribute (an enterprise's unified
/// social credit code) to `buf` as a NUL-terminated string;
/// `FAPIAO_NOT_FOUND` when the subject has none. Buffer rules as for
/// `fapiao_credentials_subject`.
///
/// # Safety
///
/// As for `fapiao_credentials_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_subject_serial_number(
    credentials: *const fapiao_credentials,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_credentials_subject_serial_number", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe {
            let credentials = handle::borrow(credentials, "credentials")?;
            let serial = credentials
                .inner
                .leaf()
                .subject_serial_number()
                .ok_or_else(|| {
                    Failure::new(
                        FAPIAO_NOT_FOUND,
                        "the subject has no serialNumber attribute",
                    )
                })?;
            write_str(&serial, buf, len, written)
        }
    })
}

/// The leaf certificate as DER, for example to give a peer as the recipient of
/// envelopes. On `FAPIAO_OK`, `*out` receives a new buffer to free with
/// `fapiao_bytes_free`; on failure `*out` is not written.
///
/// # Safety
///
/// `credentials` must not be freed by another thread during the call; `out` must
/// be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_certificate(
    credentials: *const fapiao_credentials,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_credentials_certificate", || {
        // SAFETY: the caller guarantees the handle's lifetime and `out`.
        let (credentials, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                Out::new(out, "out")?,
            )
        };
        out.write(fapiao_bytes::into_handle(
            credentials.inner.leaf().der().to_vec(),
        ));
        Ok(())
    })
}
