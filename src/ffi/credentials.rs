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
        not_empty(chain, "chain", key, "key")?;
        let inner =
            Credentials::from_pem(chain, key, password, CryptoProvider::default_provider())?;
        out.write(handle::into_handle(fapiao_credentials { inner }));
        Ok(())
    })
}

/// Refuses an empty certificate chain or key before parsing either.
fn not_empty(chain: &[u8], chain_name: &str, key: &[u8], key_name: &str) -> Result<(), Failure> {
    if chain.is_empty() {
        return Err(Failure::new(
            fapiao_result::FAPIAO_CERTIFICATE_MALFORMED,
            format!("argument `{chain_name}` is empty"),
        ));
    }
    if key.is_empty() {
        return Err(Failure::new(
            fapiao_result::FAPIAO_KEY_MALFORMED,
            format!("argument `{key_name}` is empty"),
        ));
    }
    Ok(())
}

/// New credentials for a party with dual certificates (双证书, the GM
/// practice): `credentials` (the signing certificate chain and key) with an
/// encryption certificate chain `enc_chain` (leaf first, PEM bundle or
/// concatenated DER) and its private key `enc_key` (formats as for
/// `fapiao_credentials_new`; `password` may be NULL with `password_len` 0).
///
/// Sealing signs with the signing pair; `fapiao_credentials_certificate`
/// still returns the signing certificate, and
/// `fapiao_credentials_encryption_certificate` the one peers seal to; an
/// opener made from the new credentials matches recipients against the
/// encryption certificate and decrypts with its key. Any key kinds work; SM2
/// keys need the `gm` feature (`FAPIAO_FEATURE_DISABLED` without it).
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_credentials_free`; `credentials` is unchanged and still to be
/// freed. On failure `*out` is not written. The library copies the inputs.
///
/// Notable failures: `FAPIAO_KEY_MISMATCH` (the key is not the encryption
/// leaf's), `FAPIAO_KEY_PASSWORD_REQUIRED`, `FAPIAO_KEY_WRONG_PASSWORD`,
/// `FAPIAO_CERTIFICATE_MALFORMED`, `FAPIAO_KEY_MALFORMED`,
/// `FAPIAO_FEATURE_DISABLED`.
///
/// # Safety
///
/// `credentials` must not be freed by another thread during the call;
/// `enc_chain`, `enc_key` and `password` must each be NULL or point at their
/// length in readable bytes; `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_with_encryption(
    credentials: *const fapiao_credentials,
    enc_chain: *const u8,
    enc_chain_len: usize,
    enc_key: *const u8,
    enc_key_len: usize,
    password: *const u8,
    password_len: usize,
    out: *mut *mut fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_credentials_with_encryption", || {
        // SAFETY: the caller guarantees the handle, the pointer/length pairs
        // and `out`.
        let (credentials, chain, key, password, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                bytes_arg(enc_chain, enc_chain_len, "enc_chain")?,
                bytes_arg(enc_key, enc_key_len, "enc_key")?,
                optional_bytes_arg(password, password_len, "password")?,
                Out::new(out, "out")?,
            )
        };
        not_empty(chain, "enc_chain", key, "enc_key")?;
        let inner = credentials.inner.clone().with_encryption(
            chain,
            key,
            password,
            CryptoProvider::default_provider(),
        )?;
        out.write(handle::into_handle(fapiao_credentials { inner }));
        Ok(())
    })
}

/// The longest SM2 distinguishing ID (its bit length is a 16-bit field).
const MAX_SM2_ID_LEN: usize = 8191;

/// New credentials that sign SM2-with-SM3 under the distinguishing ID `id`
/// (1 to 8191 bytes) instead of the default `1234567812345678`; peers must
/// verify under the same ID. Only SM2 signing keys read it.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_credentials_free`; `credentials` is unchanged and still to be
/// freed. On failure `*out` is not written. `FAPIAO_INVALID_ARGUMENT` for an
/// empty or longer ID; `FAPIAO_FEATURE_DISABLED` when the library is built
/// without the `gm` feature.
///
/// # Safety
///
/// `credentials` must not be freed by another thread during the call; `id`
/// must be NULL or point at `id_len` readable bytes; `out` must be NULL or
/// point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_with_sm2_id(
    credentials: *const fapiao_credentials,
    id: *const u8,
    id_len: usize,
    out: *mut *mut fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_credentials_with_sm2_id", || {
        // SAFETY: the caller guarantees the handle, the bytes and `out`.
        let (credentials, id, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                bytes_arg(id, id_len, "id")?,
                Out::new(out, "out")?,
            )
        };
        gm_enabled("SM2 distinguishing IDs")?;
        check_sm2_id(id)?;
        let inner = credentials.inner.clone().with_sm2_id(id);
        out.write(handle::into_handle(fapiao_credentials { inner }));
        Ok(())
    })
}

/// `FAPIAO_INVALID_ARGUMENT` unless `id` is 1 to [`MAX_SM2_ID_LEN`] bytes.
pub(crate) fn check_sm2_id(id: &[u8]) -> Result<(), Failure> {
    if id.is_empty() || id.len() > MAX_SM2_ID_LEN {
        return Err(Failure::new(
            fapiao_result::FAPIAO_INVALID_ARGUMENT,
            format!(
                "argument `id` is {} bytes: an SM2 ID has 1 to {MAX_SM2_ID_LEN}",
                id.len()
            ),
        ));
    }
    Ok(())
}

/// `FAPIAO_FEATURE_DISABLED` naming `what` when the library is built without
/// the `gm` feature.
pub(crate) fn gm_enabled(what: &str) -> Result<(), Failure> {
    if cfg!(feature = "gm") {
        Ok(())
    } else {
        Err(Failure::new(
            fapiao_result::FAPIAO_FEATURE_DISABLED,
            format!("{what} need the `gm` feature, which this build of the library lacks"),
        ))
    }
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

/// The leaf certificate (the signing certificate) as DER, for example to give
/// a peer as the recipient of envelopes (for dual credentials, give
/// `fapiao_credentials_encryption_certificate`). On `FAPIAO_OK`, `*out` receives a new buffer to free with
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

/// The encryption certificate as DER: the one peers seal envelopes to (for
/// dual credentials the encryption certificate, otherwise the leaf, as
/// `fapiao_credentials_certificate`). On `FAPIAO_OK`, `*out` receives a new
/// buffer to free with `fapiao_bytes_free`; on failure `*out` is not written.
///
/// # Safety
///
/// As for `fapiao_credentials_certificate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_encryption_certificate(
    credentials: *const fapiao_credentials,
    out: *mut *mut fapiao_bytes,
) -> fapiao_result {
    guard("fapiao_credentials_encryption_certificate", || {
        // SAFETY: the caller guarantees the handle's lifetime and `out`.
        let (credentials, out) = unsafe {
            (
                handle::borrow(credentials, "credentials")?,
                Out::new(out, "out")?,
            )
        };
        out.write(fapiao_bytes::into_handle(
            credentials.inner.encryption_leaf().der().to_vec(),
        ));
        Ok(())
    })
}
