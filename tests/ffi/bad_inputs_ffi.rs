//! The C API's part of the bad-input catalogue (tests/envelope/bad_inputs.rs has the Rust
//! API's): NULL pointers, zero lengths, absurd lengths, hostile bytes, invalid
//! UTF-8, handles freed and then used or freed again, handles of another type.
//! Each call must return exactly its `fapiao_result`, and leave its
//! out-parameter untouched on failure.
//!
//! In its own test binary, one test: a freed handle is used again right after
//! its `_free`, before anything else could allocate a handle at the same address.

use crate::ffi_support;

use core::ffi::c_char;
use core::ptr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use fapiao::ffi::fapiao_result::{self, *};
use fapiao::ffi::*;
use ffi_support::*;

/// A value no successful call writes: what an out-parameter holds before the call.
fn sentinel<T>() -> *mut T {
    ptr::dangling_mut()
}

struct Fx {
    eisp: *mut fapiao_credentials,
    ecp: *mut fapiao_credentials,
    enterprise: *mut fapiao_credentials,
    trust: *mut fapiao_trust_store,
    opener: *mut fapiao_opener,
    service: *mut fapiao_service_platform,
    /// enterprise-p256 then ecp-p256 signed, sealed to eisp-p256 at TEST_TIME.
    envelope: Vec<u8>,
}

impl Fx {
    fn new() -> Self {
        let eisp = ffi_support::credentials("eisp-p256");
        let ecp = ffi_support::credentials("ecp-p256");
        let enterprise = ffi_support::credentials("enterprise-p256");
        let trust = trust_store(true);
        let (mut opener, mut store, mut device, mut service) = (
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        // SAFETY: live handles, NUL-terminated strings, a valid secret and
        // writable outputs; the store and device are kept by the platform.
        unsafe {
            ok(fapiao_opener_new(eisp, trust, &mut opener));
            ok(fapiao_store_open(ptr::null(), &mut store));
            ok(fapiao_software_device_new(
                c"EISP-DEV-1".as_ptr(),
                eisp,
                [7u8; 32].as_ptr(),
                32,
                store,
                &mut device,
            ));
            ok(fapiao_service_platform_new(
                eisp,
                trust,
                store,
                device,
                &mut service,
            ));
            fapiao_software_device_free(device);
            fapiao_store_free(store);
        }
        let envelope = request_envelope(enterprise, ecp, "eisp-p256", b"invoice");
        Self {
            eisp,
            ecp,
            enterprise,
            trust,
            opener,
            service,
            envelope,
        }
    }

    /// Opens `envelope` with a fresh opener (fresh replay guard); `out` must be
    /// untouched unless the result is FAPIAO_OK.
    fn open(&self, envelope: *const u8, len: usize) -> fapiao_result {
        let mut opener = ptr::null_mut();
        // SAFETY: live handles and writable outputs; `envelope` is valid for
        // `len` bytes or NULL (the cases decide), the opener is freed once.
        unsafe {
            ok(fapiao_opener_new(self.eisp, self.trust, &mut opener));
            let rc = self.open_with(opener, envelope, len);
            fapiao_opener_free(opener);
            rc
        }
    }

    /// # Safety
    /// `envelope` must be NULL or valid for `len` bytes.
    unsafe fn open_with(
        &self,
        opener: *const fapiao_opener,
        envelope: *const u8,
        len: usize,
    ) -> fapiao_result {
        let mut out = sentinel();
        // SAFETY: the caller's contract; `out` is writable.
        let rc = unsafe { fapiao_opener_open(opener, envelope, len, TEST_TIME, &mut out) };
        if rc == FAPIAO_OK {
            // SAFETY: a live opened handle, freed once.
            unsafe { fapiao_opened_free(out) };
        } else {
            assert_eq!(out, sentinel(), "out written on failure");
        }
        rc
    }

    fn open_bytes(&self, envelope: &[u8]) -> fapiao_result {
        self.open(envelope.as_ptr(), envelope.len())
    }

    fn validate(&self, json: &[u8]) -> fapiao_result {
        validate_raw(json.as_ptr(), json.len(), 0)
    }

    fn credentials(&self, chain: &[u8], key: &[u8], password: Option<&[u8]>) -> fapiao_result {
        let mut out = sentinel();
        let (pw, pw_len) = password.map_or((ptr::null(), 0), |p| (p.as_ptr(), p.len()));
        // SAFETY: valid slices and a writable output.
        let rc = unsafe {
            fapiao_credentials_new(
                chain.as_ptr(),
                chain.len(),
                key.as_ptr(),
                key.len(),
                pw,
                pw_len,
                &mut out,
            )
        };
        if rc == FAPIAO_OK {
            // SAFETY: a live handle, freed once.
            unsafe { fapiao_credentials_free(out) };
        } else {
            assert_eq!(out, sentinel(), "out written on failure");
        }
        rc
    }

    fn handle(&self, envelope: *const u8, len: usize) -> fapiao_result {
        let mut out = sentinel();
        // SAFETY: a live platform; `envelope` valid for `len` bytes or NULL.
        let rc = unsafe {
            fapiao_service_platform_handle(self.service, envelope, len, TEST_TIME, &mut out)
        };
        if rc == FAPIAO_OK {
            take_bytes(out);
        } else {
            assert_eq!(out, sentinel(), "out written on failure");
        }
        rc
    }
}

impl Drop for Fx {
    fn drop(&mut self) {
        // SAFETY: each handle is live and freed exactly once here.
        unsafe {
            fapiao_service_platform_free(self.service);
            fapiao_opener_free(self.opener);
            fapiao_trust_store_free(self.trust);
            fapiao_credentials_free(self.enterprise);
            fapiao_credentials_free(self.ecp);
            fapiao_credentials_free(self.eisp);
        }
    }
}

fn validate_raw(json: *const u8, len: usize, flags: u32) -> fapiao_result {
    let (mut violations, mut count) = (sentinel(), usize::MAX);
    // SAFETY: `json` is NULL or valid for `len` bytes (the cases decide); the
    // outputs are writable.
    let rc = unsafe { fapiao_request_validate(json, len, flags, &mut violations, &mut count) };
    if rc == FAPIAO_OK {
        take_bytes(violations);
    } else {
        assert_eq!(
            (violations, count),
            (sentinel(), usize::MAX),
            "written on failure"
        );
    }
    rc
}

fn time_parse(text: *const c_char) -> fapiao_result {
    let mut seconds = u64::MAX;
    // SAFETY: `text` is NULL or NUL-terminated; `seconds` is writable.
    let rc = unsafe { fapiao_time_parse(text, &mut seconds) };
    if rc != FAPIAO_OK {
        assert_eq!(seconds, u64::MAX, "written on failure");
    }
    rc
}

fn flip(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 1;
    out
}

struct Case {
    name: &'static str,
    run: fn(&Fx) -> fapiao_result,
    expected: fapiao_result,
}

macro_rules! case {
    ($name:expr, $run:expr, $expected:ident) => {
        Case {
            name: $name,
            run: $run,
            expected: $expected,
        }
    };
}

fn catalogue() -> Vec<Case> {
    vec![
        // -- opening envelopes -------------------------------------------------------
        case!(
            "open: NULL opener",
            |fx| {
                // SAFETY: a NULL opener is refused before anything is read.
                unsafe { fx.open_with(ptr::null(), fx.envelope.as_ptr(), fx.envelope.len()) }
            },
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "open: NULL envelope with a length",
            |fx| fx.open(ptr::null(), 10),
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "open: NULL envelope of length 0",
            |fx| fx.open(ptr::null(), 0),
            FAPIAO_ENVELOPE_MALFORMED
        ),
        case!(
            "open: zero-length envelope",
            |fx| fx.open(fx.envelope.as_ptr(), 0),
            FAPIAO_ENVELOPE_MALFORMED
        ),
        case!(
            "open: a length beyond isize::MAX (never read)",
            |fx| fx.open(fx.envelope.as_ptr(), usize::MAX),
            FAPIAO_INVALID_ARGUMENT
        ),
        case!(
            "open: NULL out-parameter",
            |fx| {
                // SAFETY: the out-pointer is checked before anything is written.
                unsafe {
                    fapiao_opener_open(
                        fx.opener,
                        fx.envelope.as_ptr(),
                        fx.envelope.len(),
                        TEST_TIME,
                        ptr::null_mut(),
                    )
                }
            },
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "open: truncated",
            |fx| fx.open_bytes(&fx.envelope[..fx.envelope.len() - 1]),
            FAPIAO_ENVELOPE_MALFORMED
        ),
        case!(
            "open: bit flip in the ciphertext",
            |fx| fx.open_bytes(&flip(&fx.envelope, fx.envelope.len() - 40)),
            FAPIAO_TAG_MISMATCH
        ),
        case!(
            "open: 16 MiB and one byte",
            |fx| fx.open_bytes(&vec![0x30; 16 * 1024 * 1024 + 1]),
            FAPIAO_TOO_LARGE
        ),
        case!(
            "open: DER nested 40 deep",
            |fx| {
                let mut der = vec![0x05, 0x00];
                for _ in 0..40 {
                    der = [&[0x30, der.len() as u8][..], &der].concat();
                }
                fx.open_bytes(&der)
            },
            FAPIAO_TOO_LARGE
        ),
        case!(
            "open: the same envelope twice",
            |fx| {
                // SAFETY: a live opener (kept by the fixture) and a valid envelope.
                unsafe {
                    let first = fx.open_with(fx.opener, fx.envelope.as_ptr(), fx.envelope.len());
                    assert_eq!(first, FAPIAO_OK, "{}", last_error());
                    fx.open_with(fx.opener, fx.envelope.as_ptr(), fx.envelope.len())
                }
            },
            FAPIAO_REPLAY
        ),
        case!(
            "open: a handle of another type as the opener",
            |fx| {
                // SAFETY: the registry refuses a trust store as an opener before use.
                unsafe { fx.open_with(fx.trust.cast(), fx.envelope.as_ptr(), fx.envelope.len()) }
            },
            FAPIAO_INVALID_HANDLE
        ),
        case!(
            "open: an opener used after its free",
            |fx| {
                let mut opener = ptr::null_mut();
                // SAFETY: a fresh opener, freed once, then used: the registry refuses
                // it without touching the memory (nothing was allocated in between).
                unsafe {
                    ok(fapiao_opener_new(fx.eisp, fx.trust, &mut opener));
                    fapiao_opener_free(opener);
                    fx.open_with(opener, fx.envelope.as_ptr(), fx.envelope.len())
                }
            },
            FAPIAO_INVALID_HANDLE
        ),
        case!(
            "inspect: NULL envelope of length 0",
            |_| {
                let mut out = sentinel();
                // SAFETY: an empty input and a writable output.
                let rc = unsafe { fapiao_inspect(ptr::null(), 0, &mut out) };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_ENVELOPE_MALFORMED
        ),
        case!(
            "seal: to no recipient",
            |fx| {
                let mut out = sentinel();
                // SAFETY: a live signer, valid (empty) slices, a writable output.
                let rc = unsafe {
                    fapiao_seal(
                        fx.ecp,
                        b"x".as_ptr(),
                        1,
                        ptr::null(),
                        0,
                        TEST_TIME,
                        &mut out,
                    )
                };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_NO_RECIPIENTS
        ),
        case!(
            "seal: recipients that are not certificates",
            |fx| {
                let mut out = sentinel();
                // SAFETY: as above.
                let rc = unsafe {
                    fapiao_seal(
                        fx.ecp,
                        b"x".as_ptr(),
                        1,
                        b"junk".as_ptr(),
                        4,
                        TEST_TIME,
                        &mut out,
                    )
                };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_CERTIFICATE_MALFORMED
        ),
        case!(
            "signed message: zero-length DER",
            |_| {
                let mut out = sentinel();
                // SAFETY: an empty input and a writable output.
                let rc = unsafe { fapiao_signed_message_from_der(ptr::null(), 0, &mut out) };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_ENVELOPE_MALFORMED
        ),
        // -- the service platform ------------------------------------------------------
        case!(
            "handle: NULL envelope with a length",
            |fx| fx.handle(ptr::null(), 3),
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "handle: garbage",
            |fx| fx.handle(b"\x30\x03garbage".as_ptr(), 9),
            FAPIAO_ENVELOPE_MALFORMED
        ),
        case!(
            "handle: a sender nobody pinned",
            |fx| fx.handle(fx.envelope.as_ptr(), fx.envelope.len()),
            FAPIAO_SENDER_NOT_PINNED
        ),
        // -- requests ----------------------------------------------------------------------
        case!(
            "validate: NULL JSON with a length",
            |_| validate_raw(ptr::null(), 5, 0),
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "validate: zero-length JSON",
            |fx| fx.validate(b""),
            FAPIAO_INVOICE_JSON_INVALID
        ),
        case!(
            "validate: invalid UTF-8",
            |fx| fx.validate(b"{\"version\":\"1.\xff\"}"),
            FAPIAO_INVOICE_JSON_INVALID
        ),
        case!(
            "validate: NaN as a quantity",
            |fx| {
                let json = String::from_utf8(request("valid-blue.json"))
                    .unwrap()
                    .replacen("\"quantity\": \"2\"", "\"quantity\": \"NaN\"", 1);
                fx.validate(json.as_bytes())
            },
            FAPIAO_INVOICE_JSON_INVALID
        ),
        case!(
            "validate: a version we do not speak",
            |fx| fx.validate(br#"{"version":"9.9"}"#),
            FAPIAO_INVOICE_UNSUPPORTED_VERSION
        ),
        case!(
            "validate: JSON nested 17 deep",
            |fx| fx.validate(format!("{{\"version\":\"1.0\",\"x\":{}", "[".repeat(17)).as_bytes()),
            FAPIAO_INVOICE_TOO_LARGE
        ),
        case!(
            "validate: unknown flags",
            |_| {
                let json = request("valid-blue.json");
                validate_raw(json.as_ptr(), json.len(), 0x80)
            },
            FAPIAO_INVALID_ARGUMENT
        ),
        // -- keys, certificates, trust --------------------------------------------------------
        case!(
            "credentials: NULL chain with a length",
            |_| {
                let key = data("ecp-p256.key.pem");
                let mut out = sentinel();
                // SAFETY: NULL with a length is refused before reading.
                let rc = unsafe {
                    fapiao_credentials_new(
                        ptr::null(),
                        100,
                        key.as_ptr(),
                        key.len(),
                        ptr::null(),
                        0,
                        &mut out,
                    )
                };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "credentials: zero-length chain",
            |fx| fx.credentials(b"", &data("ecp-p256.key.pem"), None),
            FAPIAO_CERTIFICATE_MALFORMED
        ),
        case!(
            "credentials: zero-length key",
            |fx| fx.credentials(&chain("ecp-p256"), b"", None),
            FAPIAO_KEY_MALFORMED
        ),
        case!(
            "credentials: another certificate's key",
            |fx| fx.credentials(&chain("eisp-p256"), &data("ecp-p256.key.pem"), None),
            FAPIAO_KEY_MISMATCH
        ),
        case!(
            "credentials: encrypted key, no password",
            |fx| {
                fx.credentials(
                    &chain("enterprise-p256"),
                    &data("enterprise-p256.enc.pem"),
                    None,
                )
            },
            FAPIAO_KEY_PASSWORD_REQUIRED
        ),
        case!(
            "credentials: encrypted key, wrong password",
            |fx| {
                fx.credentials(
                    &chain("enterprise-p256"),
                    &data("enterprise-p256.enc.pem"),
                    Some(b"wrong"),
                )
            },
            FAPIAO_KEY_WRONG_PASSWORD
        ),
        case!(
            "credentials: a subject into a buffer too small",
            |fx| {
                let mut buf = [0u8; 4];
                let mut written = 0usize;
                // SAFETY: a live handle, a 4-byte buffer, a writable length.
                let rc = unsafe {
                    fapiao_credentials_subject(
                        fx.ecp,
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        &mut written,
                    )
                };
                assert!(written > buf.len(), "the length needed is reported");
                rc
            },
            FAPIAO_BUFFER_TOO_SMALL
        ),
        case!(
            "trust store: zero-length roots",
            |_| {
                let mut out = sentinel();
                // SAFETY: an empty input and a writable output.
                let rc = unsafe { fapiao_trust_store_new(ptr::null(), 0, &mut out) };
                assert_eq!(out, sentinel());
                rc
            },
            FAPIAO_CERTIFICATE_MALFORMED
        ),
        case!(
            "trust store: CRLs that are not CRLs",
            |fx| {
                let roots = data("root-ca.pem");
                // SAFETY: a valid slice into a live store.
                unsafe { fapiao_trust_store_add_crls(fx.trust, roots.as_ptr(), roots.len()) }
            },
            FAPIAO_CRL_INVALID
        ),
        case!(
            "time: NULL",
            |_| time_parse(ptr::null()),
            FAPIAO_NULL_ARGUMENT
        ),
        case!(
            "time: invalid UTF-8",
            |_| time_parse(c"2027-06-01T00:00:00\xff".as_ptr()),
            FAPIAO_INVALID_UTF8
        ),
        case!(
            "time: not a time",
            |_| time_parse(c"yesterday".as_ptr()),
            FAPIAO_INVALID_ARGUMENT
        ),
        // -- freed handles ---------------------------------------------------------------------
        // `fapiao_bytes_data`/`_len` return no code: NULL and 0, with the detail set.
        case!(
            "bytes: freed twice, then read",
            |fx| {
                let mut out = ptr::null_mut();
                // SAFETY: a live credentials handle and a writable output; the bytes
                // are freed once, then freed and read again: both refused.
                unsafe {
                    ok(fapiao_credentials_certificate(fx.ecp, &mut out));
                    fapiao_bytes_free(out);
                    fapiao_bytes_free(out);
                    assert!(
                        last_error().contains("not a live fapiao_bytes"),
                        "{}",
                        last_error()
                    );
                    assert!(fapiao_bytes_data(out).is_null());
                    assert_eq!(fapiao_bytes_len(out), 0);
                    assert!(
                        last_error().contains("not a live fapiao_bytes"),
                        "{}",
                        last_error()
                    );
                }
                FAPIAO_INVALID_HANDLE
            },
            FAPIAO_INVALID_HANDLE
        ),
        case!(
            "credentials: freed twice, then used",
            |_| {
                let mut creds = ptr::null_mut();
                let chain = chain("ecp-p256");
                let key = data("ecp-p256.key.pem");
                let mut out = sentinel();
                // SAFETY: fresh credentials freed once; the second free and the use
                // are refused by the registry without touching the memory.
                unsafe {
                    ok(fapiao_credentials_new(
                        chain.as_ptr(),
                        chain.len(),
                        key.as_ptr(),
                        key.len(),
                        ptr::null(),
                        0,
                        &mut creds,
                    ));
                    fapiao_credentials_free(creds);
                    fapiao_credentials_free(creds);
                    assert!(
                        last_error().contains("not a live fapiao_credentials"),
                        "{}",
                        last_error()
                    );
                    let rc =
                        fapiao_seal(creds, b"x".as_ptr(), 1, ptr::null(), 0, TEST_TIME, &mut out);
                    assert_eq!(out, sentinel());
                    rc
                }
            },
            FAPIAO_INVALID_HANDLE
        ),
    ]
}

#[test]
fn every_bad_c_call_gets_exactly_its_result_code() {
    let fx = Fx::new();
    let cases = catalogue();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        match catch_unwind(AssertUnwindSafe(|| (case.run)(&fx))) {
            Ok(rc) if rc == case.expected => {}
            Ok(rc) => failures.push(format!(
                "{}: got {rc:?} ({}), expected {:?}",
                case.name,
                last_error(),
                case.expected
            )),
            Err(_) => failures.push(format!("{}: PANICKED", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
