//! [`fapiao_credentials_from_token`]: credentials whose private key is on a
//! PKCS#11 token (the `pkcs11` feature).

use core::ffi::{CStr, c_char};

use super::boundary::{Failure, Out, bytes_arg, guard, str_arg};
use super::credentials::fapiao_credentials;
use super::handle;
use super::result::fapiao_result;

/// Loads credentials whose private key stays on a PKCS#11 token (an HSM, a
/// smart card, SoftHSM2): `module_path` is the vendor's PKCS#11 library (e.g.
/// `/usr/lib/softhsm/libsofthsm2.so`), `token_label` the token's label,
/// `key_label` the private key's `CKA_LABEL`, `pin` the user PIN
/// (NUL-terminated), and `chain` the key's certificate followed by its
/// intermediates (PEM bundle or concatenated DER). Signing, decryption and
/// key agreement then run on the token; RSA and EC P-256 keys are supported.
///
/// The module is loaded once per process and stays loaded; the token is
/// logged in with four sessions that several threads may use at once. A
/// session the token closes is reopened and logged in again once before a
/// call fails: for that the library keeps its own copy of the PIN, in memory
/// that is zeroized when the last handle using the key is freed. `pin` itself
/// is not retained: wipe it as soon as the call returns.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_credentials_free`. On failure `*out` is not written.
///
/// Notable failures: `FAPIAO_TOKEN_MODULE_FAILED`, `FAPIAO_TOKEN_NOT_FOUND`,
/// `FAPIAO_TOKEN_PIN_INCORRECT`, `FAPIAO_TOKEN_PIN_LOCKED`,
/// `FAPIAO_TOKEN_KEY_NOT_FOUND`, `FAPIAO_TOKEN_KEY_UNSUPPORTED`,
/// `FAPIAO_KEY_MISMATCH` (the key is not the leaf's),
/// `FAPIAO_CERTIFICATE_MALFORMED`; `FAPIAO_FEATURE_DISABLED` when the library
/// is built without the `pkcs11` feature. Later calls using the key may fail
/// with `FAPIAO_TOKEN_REMOVED` (the token went away) or `FAPIAO_TOKEN_FAILED`.
///
/// # Safety
///
/// `module_path`, `token_label`, `key_label` and `pin` must each be NULL or
/// a NUL-terminated string; `chain` must be NULL or point at `chain_len`
/// readable bytes; `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_credentials_from_token(
    module_path: *const c_char,
    token_label: *const c_char,
    key_label: *const c_char,
    pin: *const c_char,
    chain: *const u8,
    chain_len: usize,
    out: *mut *mut fapiao_credentials,
) -> fapiao_result {
    guard("fapiao_credentials_from_token", || {
        // SAFETY: the caller guarantees the strings, the bytes and `out`.
        let (module_path, token_label, key_label, chain, out) = unsafe {
            (
                str_arg(module_path, "module_path")?,
                str_arg(token_label, "token_label")?,
                str_arg(key_label, "key_label")?,
                bytes_arg(chain, chain_len, "chain")?,
                Out::new(out, "out")?,
            )
        };
        if pin.is_null() {
            return Err(Failure::null("pin"));
        }
        // SAFETY: not NULL, and the caller guarantees a NUL-terminated string.
        let pin = unsafe { CStr::from_ptr(pin) }.to_bytes();
        if chain.is_empty() {
            return Err(Failure::new(
                fapiao_result::FAPIAO_CERTIFICATE_MALFORMED,
                "argument `chain` is empty",
            ));
        }
        let inner = token_credentials(module_path, token_label, key_label, pin, chain)?;
        out.write(handle::into_handle(fapiao_credentials { inner }));
        Ok(())
    })
}

#[cfg(feature = "pkcs11")]
fn token_credentials(
    module_path: &str,
    token_label: &str,
    key_label: &str,
    pin: &[u8],
    chain: &[u8],
) -> Result<crate::pki::Credentials, Failure> {
    use crate::crypto::pkcs11::{KeyLookup, TokenModule};
    let token = TokenModule::open(module_path, token_label, pin)?;
    let key = token.key(&KeyLookup::Label(key_label.to_owned()))?;
    Ok(crate::pki::Credentials::from_chain_pem(
        chain,
        std::sync::Arc::new(key),
    )?)
}

#[cfg(not(feature = "pkcs11"))]
fn token_credentials(
    _: &str,
    _: &str,
    _: &str,
    _: &[u8],
    _: &[u8],
) -> Result<crate::pki::Credentials, Failure> {
    Err(Failure::new(
        fapiao_result::FAPIAO_FEATURE_DISABLED,
        "keys on a PKCS#11 token need the `pkcs11` feature, which this build of the library lacks",
    ))
}
