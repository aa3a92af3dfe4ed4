//! [`fapiao_bytes`]: a byte buffer the library returns (an envelope, a DER
//! message, a JSON document), freed with `fapiao_bytes_free`.

use super::boundary::guard_value;
use super::handle::{self, Handle};

/// An immutable byte buffer owned by the library. Read it with
/// `fapiao_bytes_data` and `fapiao_bytes_len`; free it with `fapiao_bytes_free`.
pub struct fapiao_bytes {
    data: Vec<u8>,
}

impl Handle for fapiao_bytes {
    const NAME: &'static str = "fapiao_bytes";
}

impl fapiao_bytes {
    /// A new handle owning `data`.
    pub(crate) fn into_handle(data: Vec<u8>) -> *mut fapiao_bytes {
        handle::into_handle(fapiao_bytes { data })
    }
}

/// The first byte of `bytes` (never NULL for a live handle, even when the length
/// is 0). The pointer stays valid until `fapiao_bytes_free(bytes)`.
///
/// Returns NULL, and sets the last error detail, when `bytes` is NULL or not a
/// live `fapiao_bytes`.
///
/// # Safety
///
/// `bytes` must not be freed by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_bytes_data(bytes: *const fapiao_bytes) -> *const u8 {
    guard_value("fapiao_bytes_data", core::ptr::null(), || {
        // SAFETY: the caller guarantees no concurrent free.
        let bytes = unsafe { handle::borrow(bytes, "bytes") }?;
        Ok(bytes.data.as_ptr())
    })
}

/// The length of `bytes` in bytes; 0 (and the last error detail set) when
/// `bytes` is NULL or not a live `fapiao_bytes`.
///
/// # Safety
///
/// `bytes` must not be freed by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_bytes_len(bytes: *const fapiao_bytes) -> usize {
    guard_value("fapiao_bytes_len", 0, || {
        // SAFETY: the caller guarantees no concurrent free.
        let bytes = unsafe { handle::borrow(bytes, "bytes") }?;
        Ok(bytes.data.len())
    })
}

/// Frees a buffer the library returned. NULL does nothing; a pointer that is not
/// a live `fapiao_bytes` (freed already, for example) is left alone and recorded
/// as the last error detail.
///
/// # Safety
///
/// No other thread may use `bytes` during or after the call; pointers from
/// `fapiao_bytes_data` are dangling afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_bytes_free(bytes: *mut fapiao_bytes) {
    guard_value("fapiao_bytes_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(bytes, "bytes") }
    })
}
