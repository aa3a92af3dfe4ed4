//! [`fapiao_trust_store`]: trust anchors, CRLs and certificate path validation.

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now};
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_CERTIFICATE_MALFORMED, FAPIAO_INVALID_ARGUMENT};
use crate::pki::{Certificate, Crl, PathPolicy, PathValidator, Purpose, Timestamp, TrustStore};

/// What a certificate is checked for: the `purpose` argument of
/// `fapiao_trust_store_verify`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_purpose {
    /// Path validation only, no keyUsage check.
    FAPIAO_PURPOSE_ANY = 0,
    /// Verifying the holder's signatures (digitalSignature or nonRepudiation).
    FAPIAO_PURPOSE_SIGN = 1,
    /// Encrypting to the holder (keyEncipherment for RSA, keyAgreement for EC).
    FAPIAO_PURPOSE_ENCRYPT = 2,
}

/// Trust anchors (root certificates) and the CRLs to check, used to validate
/// the certificate paths of envelope signers and of peers.
///
/// Not synchronized: `fapiao_trust_store_add_crls` must not run while another
/// thread uses the store. Openers made from a store take a copy of it.
#[derive(Clone)]
pub struct fapiao_trust_store {
    pub(crate) roots: TrustStore,
    pub(crate) crls: Vec<Crl>,
}

impl Handle for fapiao_trust_store {
    const NAME: &'static str = "fapiao_trust_store";
}

impl fapiao_trust_store {
    /// A validator over the store's anchors and CRLs with the default policy.
    pub(crate) fn validator(&self) -> PathValidator<'_> {
        PathValidator::new(&self.roots, PathPolicy::default()).with_crls(&self.crls)
    }
}

/// Loads trust anchors from `roots`: one or more certificates, as a PEM bundle or
/// concatenated DER.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_trust_store_free`; on failure `*out` is not written and nothing needs
/// freeing. The input is copied.
///
/// # Safety
///
/// `roots` must be NULL or point at `roots_len` readable bytes; `out` must be
/// NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_trust_store_new(
    roots: *const u8,
    roots_len: usize,
    out: *mut *mut fapiao_trust_store,
) -> fapiao_result {
    guard("fapiao_trust_store_new", || {
        // SAFETY: the caller guarantees the pointer/length pair and `out`.
        let (roots, out) =
            unsafe { (bytes_arg(roots, roots_len, "roots")?, Out::new(out, "out")?) };
        if roots.is_empty() {
            return Err(Failure::new(
                FAPIAO_CERTIFICATE_MALFORMED,
                "argument `roots` is empty",
            ));
        }
        let roots = TrustStore::from_pem_or_der(roots)?;
        out.write(handle::into_handle(fapiao_trust_store {
            roots,
            crls: Vec::new(),
        }));
        Ok(())
    })
}

/// Adds the CRLs in `crls` (PEM bundle or concatenated DER) to the store; they
/// are checked for every path validated with it from now on (including by
/// openers made afterwards). On failure the store is unchanged.
///
/// # Safety
///
/// `store` must not be used by another thread during the call; `crls` must be
/// NULL or point at `crls_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_trust_store_add_crls(
    store: *mut fapiao_trust_store,
    crls: *const u8,
    crls_len: usize,
) -> fapiao_result {
    guard("fapiao_trust_store_add_crls", || {
        // SAFETY: the caller guarantees exclusive use of `store` and the bytes.
        let (store, crls) = unsafe {
            (
                handle::borrow_mut(store, "store")?,
                bytes_arg(crls, crls_len, "crls")?,
            )
        };
        let loaded = Crl::load_bundle(crls)?;
        store.crls.extend(loaded);
        Ok(())
    })
}

/// Validates the certificate path of `certificate` (one certificate, PEM or DER)
/// with the untrusted `intermediates` (PEM bundle or concatenated DER; NULL with
/// length 0 for none) to one of the store's anchors, at `at` (UNIX seconds; 0 =
/// now), for `purpose` (a `fapiao_purpose` value), checking the store's CRLs.
///
/// `FAPIAO_OK` when valid; otherwise a 3xx code naming the most specific reason
/// (`FAPIAO_PATH_EXPIRED`, `FAPIAO_PATH_REVOKED`, ...), with the certificate it is
/// about in the last error detail. Nothing is written on either outcome.
///
/// # Safety
///
/// `store` must not be mutated by another thread during the call; the byte
/// arguments must be NULL or point at their length in readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_trust_store_verify(
    store: *const fapiao_trust_store,
    certificate: *const u8,
    certificate_len: usize,
    intermediates: *const u8,
    intermediates_len: usize,
    at: u64,
    purpose: u32,
) -> fapiao_result {
    guard("fapiao_trust_store_verify", || {
        // SAFETY: the caller guarantees the handle's lifetime and the bytes.
        let (store, certificate, intermediates) = unsafe {
            (
                handle::borrow(store, "store")?,
                bytes_arg(certificate, certificate_len, "certificate")?,
                bytes_arg(intermediates, intermediates_len, "intermediates")?,
            )
        };
        let purpose = match purpose {
            0 => Purpose::Any,
            1 => Purpose::Sign,
            2 => Purpose::Encrypt,
            other => {
                return Err(Failure::new(
                    FAPIAO_INVALID_ARGUMENT,
                    format!("purpose {other} is not a fapiao_purpose"),
                ));
            }
        };
        let leaf = match Certificate::load_bundle(certificate)?.as_slice() {
            [leaf] => leaf.clone(),
            more => {
                return Err(Failure::new(
                    FAPIAO_CERTIFICATE_MALFORMED,
                    format!(
                        "argument `certificate` must hold one certificate, found {}",
                        more.len()
                    ),
                ));
            }
        };
        let intermediates = if intermediates.is_empty() {
            Vec::new()
        } else {
            Certificate::load_bundle(intermediates)?
        };
        let at = Timestamp::from_unix_seconds(resolve_now(at)?);
        store
            .validator()
            .verify(&leaf, &intermediates, &store.crls, at, purpose)?;
        Ok(())
    })
}

/// Frees a trust store. NULL does nothing; a pointer that is not a live trust
/// store is left alone and recorded as the last error detail. Openers made from
/// the store keep their own copy.
///
/// # Safety
///
/// No other thread may use `store` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_trust_store_free(store: *mut fapiao_trust_store) {
    guard_value("fapiao_trust_store_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(store, "store") }
    })
}
