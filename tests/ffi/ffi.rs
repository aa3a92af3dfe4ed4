//! The C API called from Rust: result codes, the last error detail, argument
//! checks (NULL pointers, zero lengths, short buffers), credentials, validation
//! and time. Handle checks are in tests/ffi_handles/main.rs.

use crate::ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::*;

#[test]
fn version_and_provider_are_static_strings() {
    // SAFETY: both return static NUL-terminated strings.
    let (version, provider) = unsafe {
        (
            core::ffi::CStr::from_ptr(fapiao_version()),
            core::ffi::CStr::from_ptr(fapiao_crypto_provider_name()),
        )
    };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        provider.to_str().unwrap(),
        fapiao::CryptoProvider::default_provider().name
    );
}

/// The codes are part of the ABI: this table may only grow. A code that is no
/// longer produced stays here (retired), and its number is never reused.
const STABLE_CODES: &[(fapiao_result, u32)] = &[
    (FAPIAO_OK, 0),
    (FAPIAO_NULL_ARGUMENT, 100),
    (FAPIAO_INVALID_UTF8, 101),
    (FAPIAO_BUFFER_TOO_SMALL, 102),
    (FAPIAO_INVALID_HANDLE, 103),
    (FAPIAO_INVALID_ARGUMENT, 104),
    (FAPIAO_NOT_FOUND, 105),
    (FAPIAO_CERTIFICATE_MALFORMED, 200),
    (FAPIAO_CERTIFICATE_UNSUPPORTED_KEY, 201),
    (FAPIAO_KEY_MALFORMED, 202),
    (FAPIAO_KEY_UNSUPPORTED, 203),
    (FAPIAO_KEY_PASSWORD_REQUIRED, 204),
    (FAPIAO_KEY_WRONG_PASSWORD, 205),
    (FAPIAO_KEY_MISMATCH, 206),
    (FAPIAO_CHAIN_EMPTY, 207),
    (FAPIAO_CRL_INVALID, 208),
    (FAPIAO_TOKEN_MODULE_FAILED, 250),
    (FAPIAO_TOKEN_NOT_FOUND, 251),
    (FAPIAO_TOKEN_PIN_INCORRECT, 252),
    (FAPIAO_TOKEN_PIN_LOCKED, 253),
    (FAPIAO_TOKEN_KEY_NOT_FOUND, 254),
    (FAPIAO_TOKEN_KEY_UNSUPPORTED, 255),
    (FAPIAO_TOKEN_REMOVED, 256),
    (FAPIAO_TOKEN_FAILED, 257),
    (FAPIAO_PATH_EXPIRED, 300),
    (FAPIAO_PATH_NOT_YET_VALID, 301),
    (FAPIAO_PATH_UNKNOWN_ISSUER, 302),
    (FAPIAO_PATH_REVOKED, 303),
    (FAPIAO_PATH_REVOCATION_UNKNOWN, 304),
    (FAPIAO_PATH_BAD_SIGNATURE, 305),
    (FAPIAO_PATH_WEAK_ALGORITHM, 306),
    (FAPIAO_PATH_KEY_USAGE, 307),
    (FAPIAO_PATH_CA_CONSTRAINTS, 308),
    (FAPIAO_PATH_MALFORMED, 309),
    (FAPIAO_PATH_LIMIT_EXCEEDED, 310),
    (FAPIAO_PATH_INVALID, 311),
    (FAPIAO_ENVELOPE_MALFORMED, 400),
    (FAPIAO_NOT_FOR_US, 401),
    (FAPIAO_TAG_MISMATCH, 402),
    (FAPIAO_SIGNATURE_INVALID, 403),
    (FAPIAO_REPLAY, 404),
    (FAPIAO_TOO_LARGE, 405),
    (FAPIAO_UNSUPPORTED_ALGORITHM, 406),
    (FAPIAO_SIGNER_UNTRUSTED, 407),
    (FAPIAO_SIGNING_TIME_OUT_OF_WINDOW, 408),
    (FAPIAO_SIGNED_ATTRIBUTES_INVALID, 409),
    (FAPIAO_NO_RECIPIENTS, 410),
    (FAPIAO_MIXED_SUITES, 411),
    (FAPIAO_INVOICE_JSON_INVALID, 500),
    (FAPIAO_INVOICE_UNSUPPORTED_VERSION, 501),
    (FAPIAO_INVOICE_INVALID, 502),
    (FAPIAO_INVOICE_TOO_LARGE, 503),
    (FAPIAO_PEER_REFUSED, 600),
    (FAPIAO_EXCHANGE_REFUSED, 601),
    (FAPIAO_QUALIFICATION_REFUSED, 602),
    (FAPIAO_QUALIFICATION_REGISTRY, 603),
    (FAPIAO_SENDER_NOT_PINNED, 604),
    (FAPIAO_PLATFORM_MESSAGE_INVALID, 605),
    (FAPIAO_PLATFORM_REFUSED, 606),
    (FAPIAO_CRYPTO_FAILED, 700),
    (FAPIAO_DECRYPT_FAILED, 701),
    (FAPIAO_RANDOM_FAILED, 702),
    (FAPIAO_FEATURE_DISABLED, 703),
    (FAPIAO_STORE_FAILED, 800),
    (FAPIAO_STORE_CONFLICT, 801),
    (FAPIAO_STORE_REFUSED, 802),
    (FAPIAO_STORE_UNAVAILABLE, 803),
    (FAPIAO_STORE_BUSY, 804),
    (FAPIAO_STORE_SETTING_INVALID, 805),
    (FAPIAO_DEVICE_FAILED, 810),
    (FAPIAO_TAX_UPLOAD_FAILED, 820),
    (FAPIAO_PANIC, 900),
    (FAPIAO_INTERNAL, 901),
];

#[test]
fn result_codes_are_stable_unique_and_described() {
    for &(result, code) in STABLE_CODES {
        assert_eq!(result as u32, code, "{result:?} changed its number");
        assert_eq!(fapiao_result::from_code(code), Some(result));
    }
    assert_eq!(
        fapiao_result::ALL.len(),
        STABLE_CODES.len(),
        "a new code must be added to STABLE_CODES (with a number never used before)"
    );
    for &result in fapiao_result::ALL {
        let message = string(|buf, len, written| {
            // SAFETY: `string` passes a buffer of `len` bytes and a writable length.
            unsafe { fapiao_result_message(result as u32, buf, len, written) }
        });
        assert!(!message.is_empty());
        assert_eq!(message, result.message());
    }
    let mut buf = [0u8; 64];
    let mut written = 12345usize;
    // SAFETY: valid buffer and length.
    let rc = unsafe { fapiao_result_message(42, buf.as_mut_ptr().cast(), 64, &mut written) };
    assert_eq!(rc, FAPIAO_INVALID_ARGUMENT);
    assert_eq!(written, 12345, "nothing written on failure");
}

#[test]
fn short_buffers_report_the_length_needed_and_leave_the_buffer_alone() {
    let message = FAPIAO_REPLAY.message();
    let mut buf = [b'x'; 8];
    let mut written = 0usize;
    // SAFETY: an 8-byte buffer.
    let rc = unsafe {
        fapiao_result_message(
            FAPIAO_REPLAY as u32,
            buf.as_mut_ptr().cast(),
            8,
            &mut written,
        )
    };
    assert_eq!(rc, FAPIAO_BUFFER_TOO_SMALL);
    assert_eq!(written, message.len());
    assert_eq!(buf, [b'x'; 8]);
    // Exactly the length is one short (the NUL).
    let mut buf = vec![b'x'; message.len()];
    // SAFETY: a buffer of `message.len()` bytes.
    let rc = unsafe {
        fapiao_result_message(
            FAPIAO_REPLAY as u32,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        )
    };
    assert_eq!(rc, FAPIAO_BUFFER_TOO_SMALL);
    // NULL buffer with a nonzero length, NULL `written`.
    // SAFETY: NULL pointers are checked.
    unsafe {
        assert_eq!(
            fapiao_result_message(0, ptr::null_mut(), 10, &mut written),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_result_message(0, buf.as_mut_ptr().cast(), buf.len(), ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );
    }
}

#[test]
fn last_error_names_the_function_and_survives_reading_it() {
    // SAFETY: NULL pointers are checked.
    let rc = unsafe { fapiao_trust_store_new(ptr::null(), 5, ptr::null_mut()) };
    assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    let detail = last_error();
    assert_eq!(detail, "fapiao_trust_store_new: argument `roots` is NULL");
    // A short buffer does not clobber it, and a success does not clear it.
    let mut small = [0u8; 4];
    let mut written = 0usize;
    // SAFETY: a 4-byte buffer.
    let rc = unsafe { fapiao_last_error_detail(small.as_mut_ptr().cast(), 4, &mut written) };
    assert_eq!(rc, FAPIAO_BUFFER_TOO_SMALL);
    assert_eq!(written, detail.len());
    let mut seconds = 0u64;
    // SAFETY: a NUL-terminated string and a writable u64.
    ok(unsafe { fapiao_time_parse(c"2027-06-01T00:00:00Z".as_ptr(), &mut seconds) });
    assert_eq!(last_error(), detail);
    // The detail is per thread.
    let other = std::thread::spawn(last_error).join().unwrap();
    assert_eq!(other, "");
}

#[test]
fn credentials_argument_checks() {
    let chain = chain("enterprise-rsa");
    let key = data("enterprise-rsa.enc.pem");
    let sentinel = ptr::dangling_mut::<fapiao_credentials>();
    let load = |chain: &[u8], chain_ptr: *const u8, key: &[u8], password: Option<&[u8]>| {
        let mut out = sentinel;
        let (pw, pw_len) = password.map_or((ptr::null(), 0), |p| (p.as_ptr(), p.len()));
        // SAFETY: the slices are valid for their lengths; `out` is writable.
        let rc = unsafe {
            fapiao_credentials_new(
                chain_ptr,
                chain.len(),
                key.as_ptr(),
                key.len(),
                pw,
                pw_len,
                &mut out,
            )
        };
        (rc, out)
    };
    let (rc, out) = load(&chain, ptr::null(), &key, Some(PASSWORD));
    assert_eq!((rc, out), (FAPIAO_NULL_ARGUMENT, sentinel));
    assert!(last_error().contains("`chain` is NULL"));
    let (rc, out) = load(&[], ptr::null(), &key, Some(PASSWORD));
    assert_eq!((rc, out), (FAPIAO_CERTIFICATE_MALFORMED, sentinel));
    let (rc, out) = load(&chain, chain.as_ptr(), &[], Some(PASSWORD));
    assert_eq!((rc, out), (FAPIAO_KEY_MALFORMED, sentinel));
    let (rc, out) = load(&chain, chain.as_ptr(), &key, None);
    assert_eq!((rc, out), (FAPIAO_KEY_PASSWORD_REQUIRED, sentinel));
    let (rc, out) = load(&chain, chain.as_ptr(), &key, Some(b"not the password"));
    assert_eq!((rc, out), (FAPIAO_KEY_WRONG_PASSWORD, sentinel));
    assert!(last_error().contains("wrong password"), "{}", last_error());
    let other_key = data("ecp-rsa.key.pem");
    let (rc, out) = load(&chain, chain.as_ptr(), &other_key, None);
    assert_eq!((rc, out), (FAPIAO_KEY_MISMATCH, sentinel));
    let (rc, out) = load(b"not a certificate", b"x".as_ptr(), &key, Some(PASSWORD));
    assert_eq!((rc, out), (FAPIAO_CERTIFICATE_MALFORMED, sentinel));

    // NULL password with a length is refused; NULL out is refused.
    let mut out = sentinel;
    // SAFETY: NULL pointers are checked; the slices are valid.
    unsafe {
        let rc = fapiao_credentials_new(
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            ptr::null(),
            3,
            &mut out,
        );
        assert_eq!((rc, out), (FAPIAO_NULL_ARGUMENT, sentinel));
        let rc = fapiao_credentials_new(
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            PASSWORD.as_ptr(),
            PASSWORD.len(),
            ptr::null_mut(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    }

    let (rc, credentials) = load(&chain, chain.as_ptr(), &key, Some(PASSWORD));
    ok(rc);
    let subject = string(|buf, len, written| {
        // SAFETY: a live handle and a buffer of `len` bytes.
        unsafe { fapiao_credentials_subject(credentials, buf, len, written) }
    });
    assert!(
        subject.contains("CN=Xiamen Example Trading Co."),
        "{subject}"
    );
    let code = string(|buf, len, written| {
        // SAFETY: as above.
        unsafe { fapiao_credentials_subject_serial_number(credentials, buf, len, written) }
    });
    assert_eq!(code, "91350200776049653A");
    let mut der = ptr::null_mut();
    // SAFETY: a live handle and a writable out-pointer.
    ok(unsafe { fapiao_credentials_certificate(credentials, &mut der) });
    assert_eq!(take_bytes(der)[0], 0x30, "DER SEQUENCE");
    // SAFETY: freed once.
    unsafe { fapiao_credentials_free(credentials) };

    let cloud = ffi_support::credentials("ecp-rsa");
    let mut buf = [0u8; 64];
    let mut written = 777usize;
    // SAFETY: a live handle and a 64-byte buffer.
    let rc = unsafe {
        fapiao_credentials_subject_serial_number(cloud, buf.as_mut_ptr().cast(), 64, &mut written)
    };
    assert_eq!((rc, written), (FAPIAO_NOT_FOUND, 777));
    // SAFETY: freed once.
    unsafe { fapiao_credentials_free(cloud) };
}

#[test]
fn validation_returns_violations_as_json() {
    let validate = |json: &[u8], flags: u32| {
        let mut out = ptr::null_mut();
        let mut count = 999usize;
        // SAFETY: a valid slice and writable outputs.
        let rc = unsafe {
            fapiao_request_validate(json.as_ptr(), json.len(), flags, &mut out, &mut count)
        };
        let json = (!out.is_null()).then(|| String::from_utf8(take_bytes(out)).unwrap());
        (rc, json, count)
    };
    assert_eq!(
        validate(&request("valid-blue.json"), 0),
        (FAPIAO_OK, Some("[]".into()), 0)
    );
    let (rc, json, count) = validate(&request("invalid-tax-mismatch.json"), 0);
    assert_eq!((rc, count), (FAPIAO_OK, 1));
    let violations: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
    assert_eq!(violations[0]["code"], "TAX_MISMATCH");
    assert_eq!(violations[0]["path"], "lines[0].tax_amount_fen");
    let lenient = fapiao_validate_flags::FAPIAO_VALIDATE_LENIENT_BUYER_TAX_IDS as u32;
    assert_eq!(validate(&request("valid-red.json"), lenient).0, FAPIAO_OK);

    assert_eq!(
        validate(&request("unreadable-unknown-field.json"), 0),
        (FAPIAO_INVOICE_JSON_INVALID, None, 999)
    );
    assert!(last_error().starts_with("fapiao_request_validate: invoice: "));
    assert_eq!(
        validate(&request("unreadable-unsupported-version.json"), 0).0,
        FAPIAO_INVOICE_UNSUPPORTED_VERSION
    );
    assert_eq!(validate(b"", 0).0, FAPIAO_INVOICE_JSON_INVALID);
    assert_eq!(validate(b"{}", 2).0, FAPIAO_INVALID_ARGUMENT);
}

#[test]
fn time_parsing_checks_utf8() {
    let mut seconds = 0u64;
    // SAFETY: NUL-terminated strings (or NULL) and a writable u64.
    unsafe {
        ok(fapiao_time_parse(
            c"2027-06-01T08:00:00+08:00".as_ptr(),
            &mut seconds,
        ));
        assert_eq!(seconds, TEST_TIME);
        assert_eq!(
            fapiao_time_parse(c"\xff\xfe".as_ptr(), &mut seconds),
            FAPIAO_INVALID_UTF8
        );
        assert_eq!(
            fapiao_time_parse(c"yesterday".as_ptr(), &mut seconds),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            fapiao_time_parse(ptr::null(), &mut seconds),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_time_parse(c"2027-06-01T00:00:00Z".as_ptr(), ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );
    }
    assert_eq!(seconds, TEST_TIME, "not written on failure");
}
