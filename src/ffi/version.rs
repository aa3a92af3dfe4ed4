//! The library's version and crypto provider, and RFC 3339 time parsing.

use core::ffi::c_char;

use super::boundary::{Failure, Out, guard, guard_value, str_arg};
use super::result::fapiao_result::{self, FAPIAO_INVALID_ARGUMENT};
use crate::CryptoProvider;
use crate::pki::Timestamp;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, e.g. `"0.1.0"`: a static NUL-terminated string, never
/// freed.
#[unsafe(no_mangle)]
pub extern "C" fn fapiao_version() -> *const c_char {
    guard_value("fapiao_version", c"".as_ptr(), || {
        Ok(VERSION.as_ptr().cast::<c_char>())
    })
}

/// The name of the crypto provider this build uses (`"aws-lc"` or
/// `"portable"`): a static NUL-terminated string, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn fapiao_crypto_provider_name() -> *const c_char {
    guard_value("fapiao_crypto_provider_name", c"".as_ptr(), || {
        Ok(match CryptoProvider::default_provider().name {
            "aws-lc" => c"aws-lc".as_ptr(),
            "portable" => c"portable".as_ptr(),
            _ => c"other".as_ptr(),
        })
    })
}

/// Parses an RFC 3339 date-time (`2027-06-01T00:00:00Z`, or with an offset such
/// as `+08:00`) into UNIX seconds, for the time arguments of the other
/// functions. On `FAPIAO_OK` `*seconds` is written; otherwise nothing is:
/// `FAPIAO_INVALID_UTF8`, or `FAPIAO_INVALID_ARGUMENT` for text that is not such
/// a time (or is before 1970).
///
/// # Safety
///
/// `text` must be NULL or a NUL-terminated string; `seconds` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_time_parse(
    text: *const c_char,
    seconds: *mut u64,
) -> fapiao_result {
    guard("fapiao_time_parse", || {
        // SAFETY: the caller guarantees the string and the output.
        let (text, seconds) = unsafe { (str_arg(text, "text")?, Out::new(seconds, "seconds")?) };
        let time = Timestamp::parse_rfc3339(text)
            .map_err(|e| Failure::new(FAPIAO_INVALID_ARGUMENT, e.to_string()))?;
        seconds.write(time.unix_seconds());
        Ok(())
    })
}
