//! `fapiao_store_open_postgres` without a server: its arguments checked first,
//! `FAPIAO_FEATURE_DISABLED` in a build without the `postgres` feature, and
//! with it a schema name refused before any connection. Against a real
//! server: tests/postgres/ffi.rs.

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;

use crate::ffi_support::last_error;

/// A connection string with a password, to check it is never echoed.
const CONNINFO: &core::ffi::CStr = c"postgres://eisp:s3cret-pw@127.0.0.1:1/fapiao";

#[test]
fn null_arguments_are_refused_and_out_is_not_written() {
    let sentinel = ptr::dangling_mut::<fapiao_store>();
    let mut out = sentinel;
    // SAFETY: NULL or NUL-terminated strings; `out` writable.
    unsafe {
        let rc = fapiao_store_open_postgres(ptr::null(), c"eisp".as_ptr(), &mut out);
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert!(last_error().contains("conninfo"), "{}", last_error());
        let rc = fapiao_store_open_postgres(CONNINFO.as_ptr(), ptr::null(), &mut out);
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert!(last_error().contains("schema"), "{}", last_error());
        let rc = fapiao_store_open_postgres(CONNINFO.as_ptr(), c"eisp".as_ptr(), ptr::null_mut());
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    }
    assert_eq!(out, sentinel, "out is not written on failure");
}

#[test]
fn the_store_needs_the_feature_or_refuses_a_bad_schema_name() {
    let mut out = ptr::null_mut();
    // SAFETY: NUL-terminated strings; `out` writable.
    let rc = unsafe {
        fapiao_store_open_postgres(CONNINFO.as_ptr(), c"Not-A-Schema".as_ptr(), &mut out)
    };
    let detail = last_error();
    if cfg!(feature = "postgres") {
        assert_eq!(rc, FAPIAO_STORE_SETTING_INVALID, "{detail}");
        assert!(detail.contains("schema"), "{detail}");
    } else {
        assert_eq!(rc, FAPIAO_FEATURE_DISABLED, "{detail}");
        assert!(detail.contains("postgres"), "{detail}");
    }
    assert!(!detail.contains("s3cret-pw"), "{detail}");
    assert!(out.is_null());
}
