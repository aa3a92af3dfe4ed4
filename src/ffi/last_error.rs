//! The thread's last error detail: the full reason of the last failed call on
//! this thread, for an ERP's log; and the per-message reasons of the last batch
//! call on this thread.

use core::cell::RefCell;
use core::ffi::c_char;

use super::boundary::{Failure, guard, guard_quiet, write_str};
use super::result::fapiao_result;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    static BATCH_DETAILS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records the per-message details of this thread's last batch call (one per
/// message, empty for a message that succeeded).
pub(crate) fn set_batch(details: Vec<String>) {
    BATCH_DETAILS.with(|last| *last.borrow_mut() = details);
}

/// Records `detail` as this thread's last error.
pub(crate) fn set(detail: String) {
    LAST_ERROR.with(|last| *last.borrow_mut() = detail);
}

/// This thread's last error detail (empty when no call has failed yet).
pub(crate) fn get() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Writes the full reason of the last failed call on this thread (the function's
/// name, then the whole chain of causes, e.g. `fapiao_opener_open: envelope: not
/// for us: no recipient info matches our certificate`) to `buf` as a
/// NUL-terminated UTF-8 string; an empty string when no call on this thread has
/// failed yet.
///
/// Every call that returns a code other than `FAPIAO_OK` (and every `_free` or
/// accessor that refuses its argument) replaces the detail; successful calls
/// leave it as it is, and so do this function and `fapiao_result_message`.
///
/// On `FAPIAO_OK`, `*written` is the length without the NUL. On
/// `FAPIAO_BUFFER_TOO_SMALL` (`buf` may be NULL when `len` is 0, to ask for the
/// length), `buf` is left as it is and `*written` receives the length needed
/// without the NUL: allocate `*written + 1` bytes and call again.
///
/// # Safety
///
/// `buf` must be NULL or point at `len` writable bytes; `written` must be NULL or
/// point at a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_last_error_detail(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard_quiet(|| {
        let detail = get();
        // SAFETY: the caller guarantees `buf` (when not NULL) has `len` writable
        // bytes and `written` (when not NULL) points at a writable size_t.
        unsafe { write_str(&detail, buf, len, written) }
    })
}

/// Writes the full reason why message `index` of the last batch call on this
/// thread (`fapiao_service_platform_handle_batch`,
/// `fapiao_cloud_platform_open_responses`) failed, e.g.
/// `fapiao_service_platform_handle_batch: messages[3]: envelope: replay: the
/// message was already accepted`, to `buf` as a NUL-terminated UTF-8 string: an
/// empty string when that message succeeded. When the whole call failed with
/// its result in every `results[i]`, every message's detail is the call's; when
/// it could not write the arrays (NULL, or more than 1024 messages), there are
/// none.
///
/// Returns `FAPIAO_NOT_FOUND` when `index` is not a message of the last batch
/// call on this thread (or no batch call ran on it yet). Buffer sizing as for
/// `fapiao_last_error_detail`.
///
/// # Safety
///
/// `buf` must be NULL or point at `len` writable bytes; `written` must be NULL or
/// point at a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_batch_error_detail(
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> fapiao_result {
    guard("fapiao_batch_error_detail", || {
        let detail = BATCH_DETAILS.with(|last| last.borrow().get(index).cloned());
        let detail = detail.ok_or_else(|| {
            Failure::new(
                fapiao_result::FAPIAO_NOT_FOUND,
                format!("argument `index`: {index} is not a message of this thread's last batch"),
            )
        })?;
        // SAFETY: the caller guarantees `buf` (when not NULL) has `len` writable
        // bytes and `written` (when not NULL) points at a writable size_t.
        unsafe { write_str(&detail, buf, len, written) }
    })
}
