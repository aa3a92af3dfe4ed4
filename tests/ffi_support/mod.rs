//! Helpers for the tests that call the C API from Rust: fixture loading, safe
//! wrappers for the last error detail, and handle constructors that panic with
//! the detail on failure.
#![allow(dead_code)]

pub mod platform_world;

use core::ptr;

use fapiao::ffi::*;

/// 2027-06-01T00:00:00Z, the time the fixture PKI is validated at.
pub const TEST_TIME: u64 = fapiao_testkit::NOW;
/// The password of every encrypted fixture key.
pub const PASSWORD: &[u8] = fapiao_testkit::PASSWORD;

/// Reads a file under tests/data.
pub fn data(name: &str) -> Vec<u8> {
    fapiao_testkit::data(name)
}

/// Reads a sample request under examples/requests.
pub fn request(name: &str) -> Vec<u8> {
    fapiao_testkit::sample(name)
}

/// A fixture leaf followed by the issuing CA.
pub fn chain(name: &str) -> Vec<u8> {
    let mut chain = data(&format!("{name}.pem"));
    chain.extend_from_slice(&data("issuing-ca.pem"));
    chain
}

/// This thread's last error detail.
pub fn last_error() -> String {
    let mut needed = 0usize;
    // SAFETY: a NULL buffer with length 0 asks for the length; `needed` is writable.
    let rc = unsafe { fapiao_last_error_detail(ptr::null_mut(), 0, &mut needed) };
    assert_eq!(rc, fapiao_result::FAPIAO_BUFFER_TOO_SMALL);
    let mut buf = vec![0u8; needed + 1];
    let mut written = 0usize;
    // SAFETY: `buf` has `needed + 1` writable bytes.
    let rc = unsafe { fapiao_last_error_detail(buf.as_mut_ptr().cast(), buf.len(), &mut written) };
    assert_eq!(rc, fapiao_result::FAPIAO_OK);
    assert_eq!(written, needed);
    assert_eq!(buf[written], 0, "NUL-terminated");
    String::from_utf8(buf[..written].to_vec()).unwrap()
}

/// Panics with the last error detail unless `rc` is `FAPIAO_OK`.
pub fn ok(rc: fapiao_result) {
    assert_eq!(rc, fapiao_result::FAPIAO_OK, "{}", last_error());
}

/// Credentials for a fixture leaf (unencrypted PKCS#8 key).
pub fn credentials(name: &str) -> *mut fapiao_credentials {
    let chain = chain(name);
    let key = data(&format!("{name}.key.pem"));
    let mut out = ptr::null_mut();
    // SAFETY: the slices are valid for their lengths; `out` is writable.
    ok(unsafe {
        fapiao_credentials_new(
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            ptr::null(),
            0,
            &mut out,
        )
    });
    assert!(!out.is_null());
    out
}

/// A trust store of the fixture root (and the issuing CA's CRL when `crls`).
pub fn trust_store(crls: bool) -> *mut fapiao_trust_store {
    let roots = data("root-ca.pem");
    let mut out = ptr::null_mut();
    // SAFETY: the slice is valid; `out` is writable.
    ok(unsafe { fapiao_trust_store_new(roots.as_ptr(), roots.len(), &mut out) });
    if crls {
        let crl = data("crl/issuing-ca.crl.pem");
        // SAFETY: `out` is a live store used by this thread only.
        ok(unsafe { fapiao_trust_store_add_crls(out, crl.as_ptr(), crl.len()) });
    }
    out
}

/// Copies and frees a `fapiao_bytes`.
pub fn take_bytes(bytes: *mut fapiao_bytes) -> Vec<u8> {
    // SAFETY: `bytes` is a live handle owned by the caller, freed here once.
    unsafe {
        let data = fapiao_bytes_data(bytes);
        let len = fapiao_bytes_len(bytes);
        assert!(!data.is_null());
        let copy = core::slice::from_raw_parts(data, len).to_vec();
        fapiao_bytes_free(bytes);
        copy
    }
}

/// A string accessor's value, read with a buffer of exactly the right size.
pub fn string(read: impl Fn(*mut core::ffi::c_char, usize, *mut usize) -> fapiao_result) -> String {
    let mut needed = 0usize;
    assert_eq!(
        read(ptr::null_mut(), 0, &mut needed),
        fapiao_result::FAPIAO_BUFFER_TOO_SMALL
    );
    let mut buf = vec![0u8; needed + 1];
    let mut written = 0usize;
    ok(read(buf.as_mut_ptr().cast(), buf.len(), &mut written));
    assert_eq!(written, needed);
    String::from_utf8(buf[..written].to_vec()).unwrap()
}

/// Signs `payload` as `enterprise`, countersigns as `cloud` and encrypts to
/// the certificate `recipient` (a fixture name) at the test time.
pub fn request_envelope(
    enterprise: *const fapiao_credentials,
    cloud: *const fapiao_credentials,
    recipient: &str,
    payload: &[u8],
) -> Vec<u8> {
    let recipient = data(&format!("{recipient}.pem"));
    let mut message = ptr::null_mut();
    let mut envelope = ptr::null_mut();
    // SAFETY: live handles, valid slices and writable outputs; `message` is
    // used by this thread only and freed once.
    unsafe {
        ok(fapiao_signed_message_sign(
            enterprise,
            payload.as_ptr(),
            payload.len(),
            TEST_TIME,
            &mut message,
        ));
        // The cloud platform's signature names the service platform's key.
        ok(fapiao_signed_message_add_signer_addressed(
            message,
            cloud,
            fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM as u32,
            recipient.as_ptr(),
            recipient.len(),
            TEST_TIME,
        ));
        ok(fapiao_signed_message_encrypt(
            message,
            recipient.as_ptr(),
            recipient.len(),
            &mut envelope,
        ));
        fapiao_signed_message_free(message);
    }
    take_bytes(envelope)
}
