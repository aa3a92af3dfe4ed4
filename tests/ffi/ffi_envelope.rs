//! Envelopes and certificate paths through the C API: the ERP → cloud platform
//! → service platform round trip, and every refusal an ERP must tell apart
//! (not for us, tag mismatch, replay, untrusted signer, too large, malformed).

use crate::ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::*;

fn opener(recipient: &str, crls: bool) -> *mut fapiao_opener {
    let credentials = ffi_support::credentials(recipient);
    let store = trust_store(crls);
    let mut opener = ptr::null_mut();
    // SAFETY: live handles and a writable out-pointer; the opener copies both,
    // so they are freed right away.
    unsafe {
        ok(fapiao_opener_new(credentials, store, &mut opener));
        fapiao_credentials_free(credentials);
        fapiao_trust_store_free(store);
    }
    opener
}

fn open(opener: *const fapiao_opener, envelope: &[u8]) -> (fapiao_result, *mut fapiao_opened) {
    let mut opened = ptr::dangling_mut();
    // SAFETY: a live opener, a valid slice and a writable out-pointer.
    let rc = unsafe {
        fapiao_opener_open(
            opener,
            envelope.as_ptr(),
            envelope.len(),
            TEST_TIME,
            &mut opened,
        )
    };
    if rc != FAPIAO_OK {
        assert_eq!(opened, ptr::dangling_mut(), "out written on failure");
    }
    (rc, opened)
}

#[test]
fn request_round_trip_with_both_signers() {
    let enterprise = ffi_support::credentials("enterprise-p256");
    let cloud = ffi_support::credentials("ecp-rsa");
    let order = request("valid-blue.json");
    let envelope = request_envelope(enterprise, cloud, "eisp-p256", &order);
    let service = opener("eisp-p256", true);

    let (rc, opened) = open(service, &envelope);
    ok(rc);
    let mut data = ptr::null();
    let mut len = 0usize;
    let mut count = 0usize;
    // SAFETY: a live opened message and writable outputs; the payload pointer
    // is read before the message is freed.
    unsafe {
        ok(fapiao_opened_payload(opened, &mut data, &mut len));
        assert_eq!(core::slice::from_raw_parts(data, len), order.as_slice());
        ok(fapiao_opened_signer_count(opened, &mut count));
    }
    assert_eq!(count, 2);
    let mut subjects = Vec::new();
    for index in 0..count {
        subjects.push(string(|buf, len, written| {
            // SAFETY: a live opened message and a buffer of `len` bytes.
            unsafe { fapiao_opened_signer_subject(opened, index, buf, len, written) }
        }));
        let fingerprint = string(|buf, len, written| {
            // SAFETY: as above.
            unsafe { fapiao_opened_signer_fingerprint(opened, index, buf, len, written) }
        });
        assert_eq!(fingerprint.len(), 64);
        let mut at = 0u64;
        // SAFETY: a live opened message and a writable u64.
        ok(unsafe { fapiao_opened_signer_signing_time(opened, index, &mut at) });
        assert_eq!(at, TEST_TIME);
    }
    subjects.sort();
    assert!(
        subjects[0].starts_with("CN=Fapiao Cloud Platform"),
        "{subjects:?}"
    );
    assert!(
        subjects[1].contains("SERIALNUMBER=91350200776049653A"),
        "{subjects:?}"
    );
    let id = string(|buf, len, written| {
        // SAFETY: a live opened message and a buffer of `len` bytes.
        unsafe { fapiao_opened_message_id(opened, buf, len, written) }
    });
    assert_eq!(id.len(), 32);
    let mut at = 5u64;
    // SAFETY: a live opened message; the index is checked.
    let rc = unsafe { fapiao_opened_signer_signing_time(opened, 2, &mut at) };
    assert_eq!((rc, at), (FAPIAO_INVALID_ARGUMENT, 5));

    // The same envelope again is a replay.
    assert_eq!(open(service, &envelope).0, FAPIAO_REPLAY);
    assert!(last_error().starts_with("fapiao_opener_open: envelope: replay"));

    // SAFETY: each live handle freed once.
    unsafe {
        fapiao_opened_free(opened);
        fapiao_opener_free(service);
        fapiao_credentials_free(enterprise);
        fapiao_credentials_free(cloud);
    }
}

#[test]
fn refusals_have_their_own_codes() {
    let enterprise = ffi_support::credentials("enterprise-rsa");
    let cloud = ffi_support::credentials("ecp-p256");
    let order = request("valid-blue.json");
    let service = opener("eisp-rsa", false);

    // Addressed to someone else.
    let for_cloud = request_envelope(enterprise, cloud, "ecp-rsa", &order);
    assert_eq!(open(service, &for_cloud).0, FAPIAO_NOT_FOR_US);
    assert!(last_error().contains("not for us"));

    // Altered ciphertext (the AES-GCM tag is the last thing in the envelope;
    // flip a byte of the encrypted content before it).
    let mut altered = request_envelope(enterprise, cloud, "eisp-rsa", &order);
    let index = altered.len() - 100;
    altered[index] ^= 1;
    assert_eq!(open(service, &altered).0, FAPIAO_TAG_MISMATCH);

    // Not an envelope; empty; too large (checked before decoding).
    assert_eq!(
        open(service, b"\x30\x03\x02\x01\x00").0,
        FAPIAO_ENVELOPE_MALFORMED
    );
    assert_eq!(open(service, &[]).0, FAPIAO_ENVELOPE_MALFORMED);
    let huge = vec![0u8; 16 * 1024 * 1024 + 1];
    assert_eq!(open(service, &huge).0, FAPIAO_TOO_LARGE);

    // A signer whose chain ends at another root.
    let stranger = {
        let mut chain = data("faulty/untrusted-root.pem");
        chain.extend_from_slice(&data("faulty/other-root.pem"));
        let key = data("faulty/untrusted-root.key.pem");
        let mut out = ptr::null_mut();
        // SAFETY: valid slices and a writable out-pointer.
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
        out
    };
    let untrusted = request_envelope(enterprise, stranger, "eisp-rsa", &order);
    assert_eq!(open(service, &untrusted).0, FAPIAO_SIGNER_UNTRUSTED);
    assert!(
        last_error().contains("certificate chain invalid"),
        "{}",
        last_error()
    );

    // A signing time outside the window.
    let recipient = data("eisp-rsa.pem");
    let mut late = ptr::null_mut();
    // SAFETY: live handles, valid slices, writable outputs.
    ok(unsafe {
        fapiao_seal(
            cloud,
            order.as_ptr(),
            order.len(),
            recipient.as_ptr(),
            recipient.len(),
            TEST_TIME - 3600,
            &mut late,
        )
    });
    assert_eq!(
        open(service, &take_bytes(late)).0,
        FAPIAO_SIGNING_TIME_OUT_OF_WINDOW
    );

    // Sealing to nobody.
    let mut out = ptr::dangling_mut();
    // SAFETY: as above; empty recipients with a NULL pointer are allowed.
    let rc = unsafe {
        fapiao_seal(
            cloud,
            order.as_ptr(),
            order.len(),
            ptr::null(),
            0,
            TEST_TIME,
            &mut out,
        )
    };
    assert_eq!((rc, out), (FAPIAO_NO_RECIPIENTS, ptr::dangling_mut()));

    // SAFETY: each live handle freed once.
    unsafe {
        fapiao_opener_free(service);
        fapiao_credentials_free(stranger);
        fapiao_credentials_free(enterprise);
        fapiao_credentials_free(cloud);
    }
}

#[test]
fn signed_messages_round_trip_through_der_and_verify() {
    let enterprise = ffi_support::credentials("enterprise-ed25519");
    let store = trust_store(true);
    let mut message = ptr::null_mut();
    let mut copy = ptr::null_mut();
    let mut opened = ptr::null_mut();
    let mut data = ptr::null();
    let mut len = 0usize;
    // SAFETY: live handles, valid slices and writable outputs; each handle is
    // freed once; the DER pointer is used before its message is freed.
    unsafe {
        ok(fapiao_signed_message_sign(
            enterprise,
            b"order".as_ptr(),
            5,
            TEST_TIME,
            &mut message,
        ));
        ok(fapiao_signed_message_der(message, &mut data, &mut len));
        ok(fapiao_signed_message_from_der(data, len, &mut copy));
        ok(fapiao_signed_message_verify(
            copy,
            store,
            TEST_TIME,
            &mut opened,
        ));
        let mut count = 0;
        ok(fapiao_opened_signer_count(opened, &mut count));
        assert_eq!(count, 1);
        assert_eq!(
            fapiao_signed_message_from_der(b"junk".as_ptr(), 4, &mut copy),
            FAPIAO_ENVELOPE_MALFORMED
        );
        // The inspect summary of a bare SignedData lists its signer.
        let mut summary = ptr::null_mut();
        ok(fapiao_inspect(data, len, &mut summary));
        let summary: serde_json::Value = serde_json::from_slice(&take_bytes(summary)).unwrap();
        assert_eq!(summary["content_type"], "1.2.840.113549.1.7.2");
        assert_eq!(summary["signers"].as_array().unwrap().len(), 1);

        fapiao_opened_free(opened);
        fapiao_signed_message_free(copy);
        fapiao_signed_message_free(message);
        fapiao_trust_store_free(store);
        fapiao_credentials_free(enterprise);
    }
}

#[test]
fn trust_store_verifies_paths_with_specific_codes() {
    let store = trust_store(true);
    let verify = |name: &str, purpose: fapiao_purpose| {
        let certificate = data(&format!("{name}.pem"));
        let chain = if name.starts_with("faulty/") {
            data(&format!("{name}.chain.pem"))
        } else {
            data("issuing-ca.pem")
        };
        // SAFETY: a live store and valid slices.
        unsafe {
            fapiao_trust_store_verify(
                store,
                certificate.as_ptr(),
                certificate.len(),
                chain.as_ptr(),
                chain.len(),
                TEST_TIME,
                purpose as u32,
            )
        }
    };
    use fapiao_purpose::*;
    ok(verify("ecp-rsa", FAPIAO_PURPOSE_SIGN));
    ok(verify("eisp-p256", FAPIAO_PURPOSE_ENCRYPT));
    assert_eq!(
        verify("faulty/expired", FAPIAO_PURPOSE_ANY),
        FAPIAO_PATH_EXPIRED
    );
    assert_eq!(
        verify("faulty/not-yet-valid", FAPIAO_PURPOSE_ANY),
        FAPIAO_PATH_NOT_YET_VALID
    );
    assert_eq!(
        verify("faulty/revoked", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_REVOKED
    );
    assert_eq!(
        verify("faulty/untrusted-root", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_UNKNOWN_ISSUER
    );
    assert_eq!(
        verify("faulty/wrong-key-usage-sign", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_KEY_USAGE
    );
    assert_eq!(
        verify("faulty/broken-signature", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_BAD_SIGNATURE
    );
    assert_eq!(
        verify("faulty/md5-signature", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_WEAK_ALGORITHM
    );
    assert_eq!(
        verify("faulty/path-len-exceeded", FAPIAO_PURPOSE_SIGN),
        FAPIAO_PATH_CA_CONSTRAINTS
    );
    assert!(last_error().starts_with("fapiao_trust_store_verify: certificate path: "));

    let certificate = data("ecp-rsa.pem");
    // SAFETY: a live store and valid slices; NULL intermediates with length 0.
    unsafe {
        assert_eq!(
            fapiao_trust_store_verify(
                store,
                certificate.as_ptr(),
                certificate.len(),
                ptr::null(),
                0,
                TEST_TIME,
                7
            ),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            fapiao_trust_store_verify(
                store,
                certificate.as_ptr(),
                certificate.len(),
                ptr::null(),
                0,
                TEST_TIME,
                0
            ),
            FAPIAO_PATH_UNKNOWN_ISSUER,
            "without the intermediate"
        );
        assert_eq!(
            fapiao_trust_store_add_crls(store, b"junk".as_ptr(), 4),
            FAPIAO_CRL_INVALID
        );
        fapiao_trust_store_free(store);
    }
}
