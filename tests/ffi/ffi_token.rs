//! `fapiao_credentials_from_token` in a build without the `pkcs11` feature:
//! `FAPIAO_FEATURE_DISABLED`, its arguments checked first. With the feature,
//! on a SoftHSM2 token: tests/pkcs11/ffi_token.rs.

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;

use crate::ffi_support::{chain, last_error};

#[test]
fn token_credentials_need_the_feature_or_say_why() {
    let chain = chain("eisp-p256");
    let (module, token, key, pin) = (
        c"/usr/lib/softhsm/libsofthsm2.so",
        c"fapiao",
        c"eisp-p256",
        c"1234",
    );
    let mut out = ptr::null_mut();
    // SAFETY: NUL-terminated strings, the chain's bytes, a writable `out`.
    let rc = unsafe {
        fapiao_credentials_from_token(
            module.as_ptr(),
            token.as_ptr(),
            key.as_ptr(),
            pin.as_ptr(),
            chain.as_ptr(),
            chain.len(),
            &mut out,
        )
    };
    if cfg!(feature = "pkcs11") {
        // The token does not exist in this process's configuration.
        assert_ne!(rc, FAPIAO_OK);
    } else {
        assert_eq!(rc, FAPIAO_FEATURE_DISABLED);
        assert!(last_error().contains("pkcs11"), "{}", last_error());
    }
    assert!(out.is_null());
    // A NULL PIN is refused before anything else.
    // SAFETY: as above, with a NULL `pin`.
    let rc = unsafe {
        fapiao_credentials_from_token(
            module.as_ptr(),
            token.as_ptr(),
            key.as_ptr(),
            ptr::null(),
            chain.as_ptr(),
            chain.len(),
            &mut out,
        )
    };
    assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
}
