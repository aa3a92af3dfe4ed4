//! [`fapiao_opened`]: a verified message (an opened envelope or a verified
//! signed message) and its signers.

use core::ffi::c_char;

use super::boundary::{Failure, Out, guard, guard_value, write_str};
use super::handle::{self, Handle};
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT, FAPIAO_NOT_FOUND};
use crate::envelope::{OpenedEnvelope, VerifiedSigner};

/// A verified message: its payload and its signers, in SignedData order. DER
/// sorts the SignerInfos, so that is not the order in which they signed: tell
/// the enterprise (which has a subject serialNumber, its credit code) from the
/// platforms by their subjects. Immutable.
pub struct fapiao_opened {
    inner: OpenedEnvelope,
}

impl Handle for fapiao_opened {
    const NAME: &'static str = "fapiao_opened";
}

impl fapiao_opened {
    pub(crate) fn into_handle(inner: OpenedEnvelope) -> *mut fapiao_opened {
        handle::into_handle(fapiao_opened { inner })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Borrows `opened` and its signer `index`.
///
/// # Safety
///
/// As for [`handle::borrow`].
unsafe fn signer<'a>(
    opened: *const fapiao_opened,
    index: usize,
) -> Result<&'a VerifiedSigner, Failure> {
    // SAFETY: forwarded from the caller.
    let opened = unsafe { handle::borrow(opened, "opened") }?;
    let count = opened.inner.signers.len();
    opened.inner.signers.get(index).ok_or_else(|| {
        Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("signer index {index} is out of range ({count} signers)"),
        )
    })
}

/// The payload (for an issue request, the order JSON the enterprise signed).
/// On `FAPIAO_OK`, `*data` and `*len` describe bytes owned by `opened`, valid
/// until `fapiao_opened_free(opened)`; on failure neither is written.
///
/// # Safety
///
/// `opened` must not be freed by another thread during the call; `data` and
/// `len` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_payload(
    opened: *const fapiao_opened,
    data: *mut *const u8,
    len: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_payload", || {
        // SAFETY: the caller guarantees the handle's lifetime and the outputs.
        let (opened, data, len) = unsafe {
            (
                handle::borrow(opened, "opened")?,
                Out::new(data, "data")?,
                Out::new(len, "len")?,
            )
        };
        data.write(opened.inner.payload.as_ptr());
        len.write(opened.inner.payload.len());
        Ok(())
    })
}

/// The number of signers; `*count` is written on `FAPIAO_OK` only.
///
/// # Safety
///
/// `opened` must not be freed by another thread during the call; `count` must
/// be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_signer_count(
    opened: *const fapiao_opened,
    count: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_signer_count", || {
        // SAFETY: the caller guarantees the handle's lifetime and `count`.
        let (opened, count) =
            unsafe { (handle::borrow(opened, "opened")?, Out::new(count, "count")?) };
        count.write(opened.inner.signers.len());
        Ok(())
    })
}

/// Writes signer `index`'s certificate subject (RFC 4514) to `buf` as a
/// NUL-terminated string. An index past the last signer gives
/// `FAPIAO_INVALID_ARGUMENT`. On `FAPIAO_OK` `*written` is the length without the
/// NUL; on `FAPIAO_BUFFER_TOO_SMALL` `buf` is untouched and `*written` is the
/// length needed without the NUL; otherwise nothing is written.
///
/// # Safety
///
/// `opened` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_signer_subject(
    opened: *const fapiao_opened,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_signer_subject", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe { write_str(&signer(opened, index)?.subject, buf, len, written) }
    })
}

/// Writes signer `index`'s subject serialNumber (the enterprise's unified social
/// credit code) to `buf`; `FAPIAO_NOT_FOUND` when its subject has none (the
/// platforms' certificates). Buffer rules as for `fapiao_opened_signer_subject`.
///
/// # Safety
///
/// As for `fapiao_opened_signer_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_signer_serial_number(
    opened: *const fapiao_opened,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_signer_serial_number", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe {
            let serial = signer(opened, index)?
                .subject_serial_number
                .as_deref()
                .ok_or_else(|| {
                    Failure::new(FAPIAO_NOT_FOUND, "the signer's subject has no serialNumber")
                })?;
            write_str(serial, buf, len, written)
        }
    })
}

/// Writes signer `index`'s SPKI fingerprint (SHA-256 of its
/// SubjectPublicKeyInfo, 64 lowercase hex digits, what peers are pinned by) to
/// `buf`. Buffer rules as for `fapiao_opened_signer_subject`.
///
/// # Safety
///
/// As for `fapiao_opened_signer_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_signer_fingerprint(
    opened: *const fapiao_opened,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_signer_fingerprint", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe {
            let fingerprint = signer(opened, index)?.spki_fingerprint.to_hex();
            write_str(&fingerprint, buf, len, written)
        }
    })
}

/// Signer `index`'s signingTime (UNIX seconds); `*signing_time` is written on
/// `FAPIAO_OK` only.
///
/// # Safety
///
/// `opened` must not be freed by another thread during the call; `signing_time`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_signer_signing_time(
    opened: *const fapiao_opened,
    index: usize,
    signing_time: *mut u64,
) -> fapiao_result {
    guard("fapiao_opened_signer_signing_time", || {
        // SAFETY: the caller guarantees the handle's lifetime and the output.
        let (signer, out) = unsafe {
            (
                signer(opened, index)?,
                Out::new(signing_time, "signing_time")?,
            )
        };
        out.write(signer.signing_time);
        Ok(())
    })
}

/// Writes the message id (lowercase hex: the contentIdentifier the signers
/// share, or for envelopes without one a digest of the first signature) to `buf`;
/// `FAPIAO_NOT_FOUND` for a verified signed message without one. Buffer rules as
/// for `fapiao_opened_signer_subject`.
///
/// # Safety
///
/// `opened` must not be freed by another thread during the call; `buf` must be
/// NULL or point at `len` writable bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_message_id(
    opened: *const fapiao_opened,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_opened_message_id", || {
        // SAFETY: the caller guarantees the handle's lifetime and the buffers.
        unsafe {
            let opened = handle::borrow(opened, "opened")?;
            if opened.inner.message_id.is_empty() {
                return Err(Failure::new(FAPIAO_NOT_FOUND, "the message has no id"));
            }
            write_str(&hex(&opened.inner.message_id), buf, len, written)
        }
    })
}

/// Frees an opened message; pointers from `fapiao_opened_payload` dangle
/// afterwards. NULL does nothing; a pointer that is not a live opened message is
/// left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `opened` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_opened_free(opened: *mut fapiao_opened) {
    guard_value("fapiao_opened_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(opened, "opened") }
    })
}
