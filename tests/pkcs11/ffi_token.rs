//! The C API's `fapiao_credentials_from_token`, called through the C ABI:
//! credentials whose key is on the token seal an envelope a software
//! recipient opens and open one sealed to the token's certificate (ECDH on
//! the token); each failure is its `FAPIAO_TOKEN_*` code.

use core::ffi::{CStr, c_char};
use core::ptr;

use fapiao::ffi::fapiao_result::{self, *};
use fapiao::ffi::*;

use crate::ffi_support::{self, TEST_TIME, chain, data, last_error, ok, take_bytes};
use crate::{MODULE, PIN, PIN_TOKEN, TOKEN, payload};

fn c(text: &str) -> std::ffi::CString {
    std::ffi::CString::new(text).unwrap()
}

/// Calls `fapiao_credentials_from_token`; the handle on `FAPIAO_OK`.
fn from_token(
    module: &str,
    token: &str,
    key: &str,
    pin: Option<&[u8]>,
    chain: &[u8],
) -> Result<*mut fapiao_credentials, fapiao_result> {
    let (module, token, key) = (c(module), c(token), c(key));
    let pin = pin.map(|p| std::ffi::CString::new(p).unwrap());
    let mut out = ptr::null_mut();
    // SAFETY: NUL-terminated strings (or NULL), the chain's bytes, a writable `out`.
    let rc = unsafe {
        fapiao_credentials_from_token(
            module.as_ptr(),
            token.as_ptr(),
            key.as_ptr(),
            pin.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            chain.as_ptr(),
            chain.len(),
            &mut out,
        )
    };
    if rc == FAPIAO_OK {
        assert!(!out.is_null());
        Ok(out)
    } else {
        assert!(out.is_null(), "out is not written on failure");
        Err(rc)
    }
}

/// Seals `payload()` as `signer` to the PEM certificate `recipient`.
fn seal(signer: *const fapiao_credentials, recipient: &str) -> Vec<u8> {
    let recipient = data(&format!("{recipient}.pem"));
    let payload = payload();
    let mut out = ptr::null_mut();
    // SAFETY: a live handle, valid slices, a writable `out`.
    ok(unsafe {
        fapiao_seal(
            signer,
            payload.as_ptr(),
            payload.len(),
            recipient.as_ptr(),
            recipient.len(),
            TEST_TIME,
            &mut out,
        )
    });
    take_bytes(out)
}

/// Opens `envelope` as `recipient`; the payload.
fn open(recipient: *const fapiao_credentials, envelope: &[u8]) -> Vec<u8> {
    let trust = ffi_support::trust_store(false);
    let (mut opener, mut opened) = (ptr::null_mut(), ptr::null_mut());
    let (mut data, mut len) = (ptr::null(), 0usize);
    // SAFETY: live handles used by this thread only, freed once; valid slices.
    unsafe {
        ok(fapiao_opener_new(recipient, trust, &mut opener));
        ok(fapiao_opener_open(
            opener,
            envelope.as_ptr(),
            envelope.len(),
            TEST_TIME,
            &mut opened,
        ));
        ok(fapiao_opened_payload(opened, &mut data, &mut len));
        let payload = core::slice::from_raw_parts(data, len).to_vec();
        fapiao_opened_free(opened);
        fapiao_opener_free(opener);
        fapiao_trust_store_free(trust);
        payload
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_c_api_credentials_seal_and_open_on_the_token() {
    let signer = from_token(MODULE, TOKEN, "eisp-p256", Some(PIN), &chain("eisp-p256"))
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", last_error()));
    let software = ffi_support::credentials("ecp-p256");
    // Signed on the token, opened by software.
    assert_eq!(open(software, &seal(signer, "ecp-p256")), payload());
    // Sealed by software to the token's certificate, opened with ECDH on it.
    assert_eq!(open(signer, &seal(software, "eisp-p256")), payload());
    let subject = ffi_support::string(|buf: *mut c_char, len, written| {
        // SAFETY: a live handle; the buffer and `written` come from `string`.
        unsafe { fapiao_credentials_subject(signer, buf, len, written) }
    });
    assert!(subject.contains("CN="), "{subject}");
    // SAFETY: live handles, freed once.
    unsafe {
        fapiao_credentials_free(signer);
        fapiao_credentials_free(software);
    }
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_c_api_failures_have_their_codes() {
    let eisp = chain("eisp-p256");
    /// Module, token, key label, PIN, chain, the code expected.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a [u8]>,
        &'a [u8],
        fapiao_result,
    );
    let cases: [Case; 7] = [
        (
            MODULE,
            PIN_TOKEN,
            "eisp-p256",
            Some(b"0000"),
            &eisp,
            FAPIAO_TOKEN_PIN_INCORRECT,
        ),
        (
            MODULE,
            "no-such-token",
            "eisp-p256",
            Some(PIN),
            &eisp,
            FAPIAO_TOKEN_NOT_FOUND,
        ),
        (
            MODULE,
            TOKEN,
            "nobody",
            Some(PIN),
            &eisp,
            FAPIAO_TOKEN_KEY_NOT_FOUND,
        ),
        (
            MODULE,
            TOKEN,
            "ecp-p384",
            Some(PIN),
            &eisp,
            FAPIAO_TOKEN_KEY_UNSUPPORTED,
        ),
        (
            "/nonexistent/libpkcs11.so",
            TOKEN,
            "eisp-p256",
            Some(PIN),
            &eisp,
            FAPIAO_TOKEN_MODULE_FAILED,
        ),
        (
            MODULE,
            TOKEN,
            "ecp-p256",
            Some(PIN),
            &eisp,
            FAPIAO_KEY_MISMATCH,
        ),
        (
            MODULE,
            TOKEN,
            "eisp-p256",
            None,
            &eisp,
            FAPIAO_NULL_ARGUMENT,
        ),
    ];
    for (module, token, key, pin, chain, expected) in cases {
        let rc = from_token(module, token, key, pin, chain).expect_err(key);
        assert_eq!(rc, expected, "{token}/{key}: {}", last_error());
        assert!(
            !last_error().contains("0000"),
            "the PIN is never in the detail"
        );
    }
    let rc = from_token(MODULE, TOKEN, "eisp-p256", Some(PIN), b"").unwrap_err();
    assert_eq!(rc, FAPIAO_CERTIFICATE_MALFORMED);
    // Every new code has its fixed message.
    for code in [
        FAPIAO_TOKEN_MODULE_FAILED,
        FAPIAO_TOKEN_NOT_FOUND,
        FAPIAO_TOKEN_PIN_INCORRECT,
        FAPIAO_TOKEN_PIN_LOCKED,
        FAPIAO_TOKEN_KEY_NOT_FOUND,
        FAPIAO_TOKEN_KEY_UNSUPPORTED,
        FAPIAO_TOKEN_REMOVED,
        FAPIAO_TOKEN_FAILED,
    ] {
        let mut buf = [0u8; 128];
        let mut written = 0;
        // SAFETY: `buf` has 128 writable bytes; `written` is writable.
        ok(unsafe {
            fapiao_result_message(code as u32, buf.as_mut_ptr().cast(), 128, &mut written)
        });
        let text = CStr::from_bytes_until_nul(&buf).unwrap().to_str().unwrap();
        assert!(
            text.contains("token") || text.contains("PKCS#11"),
            "{code:?}: {text}"
        );
        assert_eq!(fapiao_result::from_code(code as u32), Some(code));
    }
}
