//! Handles are checked before use: a double free, a use after free, a handle of
//! another type and a pointer that never came from fapiao are refused with
//! `FAPIAO_INVALID_HANDLE` without touching the memory.
//!
//! One test in its own binary: a freed address may be reused by the allocator
//! for a new handle of the same type, which the registry would then (rightly)
//! accept, so no other test may allocate handles concurrently.

#[path = "../ffi_support/mod.rs"]
mod ffi_support;

use core::ffi::c_char;
use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::*;

#[test]
fn handles_are_checked_before_use() {
    let credentials = ffi_support::credentials("ecp-p256");
    let store = trust_store(false);
    let mut buf = [0u8; 256];
    let mut written = 0usize;
    let subject = |handle: *const fapiao_credentials, buf: &mut [u8], written: &mut usize| {
        // SAFETY: the registry refuses anything but a live credentials handle
        // before dereferencing it.
        unsafe {
            fapiao_credentials_subject(
                handle,
                buf.as_mut_ptr().cast::<c_char>(),
                buf.len(),
                written,
            )
        }
    };
    ok(subject(credentials, &mut buf, &mut written));
    // A handle of another type.
    assert_eq!(
        subject(store.cast(), &mut buf, &mut written),
        FAPIAO_INVALID_HANDLE
    );
    assert!(last_error().contains("not a live fapiao_credentials"));
    // A pointer that never came from fapiao (never dereferenced).
    assert_eq!(
        subject(ptr::dangling(), &mut buf, &mut written),
        FAPIAO_INVALID_HANDLE
    );
    assert_eq!(
        subject(ptr::null(), &mut buf, &mut written),
        FAPIAO_NULL_ARGUMENT
    );

    // SAFETY: freeing a live handle once, then the checked double free and use
    // after free (the registry refuses them without touching the memory).
    unsafe {
        fapiao_credentials_free(credentials);
        fapiao_credentials_free(credentials);
        assert!(
            last_error()
                .starts_with("fapiao_credentials_free: argument `credentials` is not a live")
        );
        fapiao_credentials_free(ptr::null_mut());
        // Freeing a handle with the wrong `_free` leaves it alone.
        fapiao_bytes_free(store.cast());
        assert!(last_error().contains("not a live fapiao_bytes"));
        fapiao_trust_store_free(store);
        fapiao_trust_store_free(store);
        assert!(fapiao_bytes_data(ptr::null()).is_null());
        assert_eq!(fapiao_bytes_len(ptr::dangling()), 0);
    }
    assert_eq!(
        subject(credentials, &mut buf, &mut written),
        FAPIAO_INVALID_HANDLE
    );
}
