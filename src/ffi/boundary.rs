//! The panic boundary and argument helpers every export goes through.
//!
//! Each `extern "C"` function runs its body inside [`guard`] (or a sibling):
//! `catch_unwind` turns a panic into `FAPIAO_PANIC`, and a failure is recorded
//! as the thread's last error detail before its code is returned. Arguments are
//! read with [`bytes_arg`], [`str_arg`] and [`Out`], which check for NULL before
//! anything is dereferenced.

use core::ffi::{CStr, c_char};
use core::ptr::NonNull;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{SystemTime, UNIX_EPOCH};

use super::classify::classify;
use super::last_error;
use super::result::fapiao_result::{self, *};
use crate::error::Error;

/// Why a call failed: its code and the detail recorded as the last error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: fapiao_result,
    pub(crate) detail: String,
}

impl Failure {
    /// A failure with a detail of its own.
    pub(crate) fn new(code: fapiao_result, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    /// `FAPIAO_NULL_ARGUMENT` naming the argument.
    pub(crate) fn null(name: &str) -> Self {
        Self::new(FAPIAO_NULL_ARGUMENT, format!("argument `{name}` is NULL"))
    }
}

impl From<fapiao_result> for Failure {
    fn from(code: fapiao_result) -> Self {
        Self::new(code, code.message())
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::new(classify(&error), error.to_string())
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

fn run(function: &str, record: bool, body: impl FnOnce() -> Result<(), Failure>) -> fapiao_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => FAPIAO_OK,
        Ok(Err(failure)) => {
            if record {
                last_error::set(format!("{function}: {}", failure.detail));
            }
            failure.code
        }
        Err(payload) => {
            if record {
                last_error::set(format!("{function}: panic: {}", panic_message(&*payload)));
            }
            FAPIAO_PANIC
        }
    }
}

/// Runs the body of export `function`: a panic becomes `FAPIAO_PANIC`, and a
/// failure's detail (prefixed with the function's name) becomes the thread's
/// last error detail.
pub(crate) fn guard(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> fapiao_result {
    run(function, true, body)
}

/// Like [`guard`] but leaves the last error detail as it is (for the functions
/// that report on it).
pub(crate) fn guard_quiet(body: impl FnOnce() -> Result<(), Failure>) -> fapiao_result {
    run("", false, body)
}

/// For exports that return a plain value (accessors, `_free`): `fallback` on
/// failure or panic, whose detail is recorded as with [`guard`].
pub(crate) fn guard_value<T>(
    function: &str,
    fallback: T,
    body: impl FnOnce() -> Result<T, Failure>,
) -> T {
    let mut value = None;
    run(function, true, || {
        value = Some(body()?);
        Ok(())
    });
    value.unwrap_or(fallback)
}

/// The input byte string `data[..len]`; `data` may be NULL when `len` is 0.
///
/// # Safety
///
/// When `data` is not NULL it must point at `len` readable bytes that stay valid
/// and unchanged for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(
    data: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Failure::null(name));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("argument `{name}`: length {len} is too large"),
        ));
    }
    // SAFETY: `data` is not NULL and the caller guarantees `len` readable bytes,
    // valid and unchanged for 'a; `len` fits in isize.
    Ok(unsafe { core::slice::from_raw_parts(data, len) })
}

/// Like [`bytes_arg`], but a NULL `data` with a zero `len` means "absent"
/// (`None`); NULL with a nonzero length is refused.
///
/// # Safety
///
/// As for [`bytes_arg`].
pub(crate) unsafe fn optional_bytes_arg<'a>(
    data: *const u8,
    len: usize,
    name: &str,
) -> Result<Option<&'a [u8]>, Failure> {
    if data.is_null() {
        if len != 0 {
            return Err(Failure::new(
                FAPIAO_NULL_ARGUMENT,
                format!("argument `{name}` is NULL with a length of {len}"),
            ));
        }
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { bytes_arg(data, len, name) }.map(Some)
}

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
///
/// When `text` is not NULL it must point at a NUL-terminated string that stays
/// valid and unchanged for `'a`.
pub(crate) unsafe fn str_arg<'a>(text: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if text.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string valid
    // for 'a.
    let text = unsafe { CStr::from_ptr(text) };
    text.to_str().map_err(|e| {
        Failure::new(
            FAPIAO_INVALID_UTF8,
            format!("argument `{name}` is not UTF-8: {e}"),
        )
    })
}

/// A checked, non-NULL out-parameter, written at most once, on success.
pub(crate) struct Out<T> {
    ptr: NonNull<T>,
}

impl<T> Out<T> {
    /// Checks that `ptr` is not NULL.
    ///
    /// # Safety
    ///
    /// When `ptr` is not NULL it must be valid for writing one (aligned) `T` for as
    /// long as the returned `Out` lives.
    pub(crate) unsafe fn new(ptr: *mut T, name: &str) -> Result<Self, Failure> {
        NonNull::new(ptr)
            .map(|ptr| Self { ptr })
            .ok_or_else(|| Failure::null(name))
    }

    /// An out-parameter already checked (and read, for an in-out one).
    pub(crate) fn checked(ptr: NonNull<T>) -> Self {
        Self { ptr }
    }

    /// Writes the value (the previous value is not dropped: it is C data).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `new`'s contract: the pointer is non-NULL, aligned and writable.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// Writes `text` and a NUL to `buf` (capacity `len`) and its length to
/// `*written`; on a short buffer writes only `*written` (the length needed) and
/// fails with `FAPIAO_BUFFER_TOO_SMALL`. `buf` may be NULL when `len` is 0.
///
/// # Safety
///
/// `buf`, when not NULL, must point at `len` writable bytes; `written`, when not
/// NULL, at a writable `size_t`.
pub(crate) unsafe fn write_str(
    text: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let written = unsafe { Out::new(written, "written") }?;
    if buf.is_null() && len != 0 {
        return Err(Failure::null("buf"));
    }
    let needed = text.len();
    if needed >= len {
        written.write(needed);
        return Err(Failure::new(
            FAPIAO_BUFFER_TOO_SMALL,
            format!(
                "the buffer holds {len} bytes, {} are needed with the NUL",
                needed + 1
            ),
        ));
    }
    // SAFETY: `buf` is not NULL (len > needed >= 0) and has `len` > `needed`
    // writable bytes; `text` cannot overlap a buffer the caller owns.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), needed);
        buf.add(needed).write(0);
    }
    written.write(needed);
    Ok(())
}

/// The time to use: `now`, or the system clock when `now` is 0 (UNIX seconds).
pub(crate) fn resolve_now(now: u64) -> Result<u64, Failure> {
    if now != 0 {
        return Ok(now);
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::new(FAPIAO_INTERNAL, "the system clock is before 1970"))
}

/// The text a C host wrote into a fixed `char` array: up to its first NUL (or
/// its last byte, which is never read, so an unterminated array is cut there),
/// invalid UTF-8 replaced.
pub(crate) fn fixed_text(field: &[c_char]) -> String {
    let bytes: Vec<u8> = field[..field.len().saturating_sub(1)]
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &[u8]) -> [c_char; 256] {
        let mut out = [0 as c_char; 256];
        for (slot, &byte) in out.iter_mut().zip(text) {
            *slot = byte as c_char;
        }
        out
    }

    #[test]
    fn fixed_texts_end_at_their_nul_or_the_last_byte() {
        assert_eq!(fixed_text(&field(b"RCPT-1\0junk")), "RCPT-1");
        assert_eq!(fixed_text(&field(b"")), "");
        assert_eq!(fixed_text(&field(&[b'R'; 256])), "R".repeat(255));
        assert_eq!(fixed_text(&field(b"\xff\xfeok")), "\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn a_panic_becomes_fapiao_panic_with_its_message_as_detail() {
        let code = guard("fapiao_test", || panic!("boom"));
        assert_eq!(code, FAPIAO_PANIC);
        assert_eq!(last_error::get(), "fapiao_test: panic: boom");
        let value = guard_value("fapiao_test_value", 7usize, || panic!("bang {}", 1));
        assert_eq!(value, 7);
        assert_eq!(last_error::get(), "fapiao_test_value: panic: bang 1");
    }

    #[test]
    fn quiet_guard_keeps_the_last_error() {
        last_error::set("earlier".into());
        let code = guard_quiet(|| Err(FAPIAO_INVALID_ARGUMENT.into()));
        assert_eq!(code, FAPIAO_INVALID_ARGUMENT);
        assert_eq!(last_error::get(), "earlier");
    }
}
