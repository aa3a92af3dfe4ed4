//! The thread's last error detail: the full reason of the last failed call on
//! this thread, for an ERP's log.

use core::cell::RefCell;
use core::ffi::c_char;

use super::boundary::{guard_quiet, write_str};
use super::result::fapiao_result;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
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
