//! GM/T 0010 envelopes through the C API, on the SM2 fixture PKI
//! (tests/data/gm): dual credentials (`fapiao_credentials_with_encryption`),
//! SM4-CBC and SM4-GCM (`fapiao_seal_sm4_gcm`, `fapiao_opener_sm4_gcm`), a
//! signer's own SM2 ID (`fapiao_credentials_with_sm2_id`,
//! `fapiao_opener_set_sm2_id`), the codes of the refusals (mixed suites, not
//! for us, the one CBC failure) and of bad arguments; without the `gm`
//! feature, `FAPIAO_FEATURE_DISABLED`.

use crate::ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::{last_error, ok};

pub(crate) fn gm(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/gm/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `fapiao_credentials_new` on `chain`/`key`: the code and the handle.
fn try_credentials(chain: &[u8], key: &[u8]) -> (fapiao_result, *mut fapiao_credentials) {
    let mut out = ptr::dangling_mut();
    // SAFETY: valid slices and a writable out-pointer.
    let rc = unsafe {
        fapiao_credentials_new(
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            ptr::null(),
            0,
            &mut out,
        )
    };
    (rc, out)
}

/// `fapiao_credentials_with_encryption(base, chain, key)`: the code and the
/// new handle (`out` must stay unwritten on failure).
fn try_dual(
    base: *const fapiao_credentials,
    chain: &[u8],
    key: &[u8],
) -> (fapiao_result, *mut fapiao_credentials) {
    let mut out = ptr::dangling_mut();
    // SAFETY: a live (or deliberately invalid) handle, valid slices, a
    // writable out-pointer.
    let rc = unsafe {
        fapiao_credentials_with_encryption(
            base,
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            ptr::null(),
            0,
            &mut out,
        )
    };
    if rc != FAPIAO_OK {
        assert_eq!(out, ptr::dangling_mut(), "out written on failure");
    }
    (rc, out)
}

pub(crate) fn gm_trust() -> *mut fapiao_trust_store {
    let roots = gm("root-ca.pem");
    let mut out = ptr::null_mut();
    // SAFETY: a valid slice and a writable out-pointer.
    ok(unsafe { fapiao_trust_store_new(roots.as_ptr(), roots.len(), &mut out) });
    out
}

fn opener(recipient: *const fapiao_credentials) -> *mut fapiao_opener {
    let trust = gm_trust();
    let mut out = ptr::null_mut();
    // SAFETY: live handles; the opener copies both.
    unsafe {
        ok(fapiao_opener_new(recipient, trust, &mut out));
        fapiao_trust_store_free(trust);
    }
    out
}

pub(crate) fn free(credentials: &[*mut fapiao_credentials]) {
    for c in credentials {
        // SAFETY: each handle is live and freed once.
        unsafe { fapiao_credentials_free(*c) };
    }
}

#[cfg(feature = "gm")]
pub(crate) mod with_gm {
    use super::*;
    use ffi_support::{TEST_TIME, take_bytes};

    /// A party's signing pair, with the issuing CA.
    pub(crate) fn signing(party: &str) -> *mut fapiao_credentials {
        let chain = [gm(&format!("{party}-sign.pem")), gm("issuing-ca.pem")].concat();
        let (rc, out) = try_credentials(&chain, &gm(&format!("{party}-sign.key.pem")));
        ok(rc);
        out
    }

    /// A party's signing and encryption pairs.
    pub(crate) fn dual(party: &str) -> *mut fapiao_credentials {
        let signing = signing(party);
        let chain = [gm(&format!("{party}-enc.pem")), gm("issuing-ca.pem")].concat();
        let (rc, out) = try_dual(signing, &chain, &gm(&format!("{party}-enc.key.pem")));
        ok(rc);
        free(&[signing]);
        out
    }

    pub(super) fn seal_to(
        signer: *const fapiao_credentials,
        recipients: &[u8],
        payload: &[u8],
        gcm: bool,
    ) -> (fapiao_result, Vec<u8>) {
        let mut out = ptr::dangling_mut();
        let seal = if gcm {
            fapiao_seal_sm4_gcm
        } else {
            fapiao_seal
        };
        // SAFETY: a live signer, valid slices and a writable out-pointer.
        let rc = unsafe {
            seal(
                signer,
                payload.as_ptr(),
                payload.len(),
                recipients.as_ptr(),
                recipients.len(),
                TEST_TIME,
                &mut out,
            )
        };
        if rc != FAPIAO_OK {
            assert_eq!(out, ptr::dangling_mut(), "out written on failure");
            return (rc, Vec::new());
        }
        (rc, take_bytes(out))
    }

    /// Opens `envelope`; the code and, on success, the payload.
    pub(super) fn open(opener: *const fapiao_opener, envelope: &[u8]) -> (fapiao_result, Vec<u8>) {
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
            return (rc, Vec::new());
        }
        let (mut data, mut len) = (ptr::null(), 0usize);
        // SAFETY: a live opened envelope; the payload is copied before it is freed.
        unsafe {
            ok(fapiao_opened_payload(opened, &mut data, &mut len));
            let payload = core::slice::from_raw_parts(data, len).to_vec();
            fapiao_opened_free(opened);
            (rc, payload)
        }
    }

    pub(super) fn certificate(credentials: *const fapiao_credentials, encryption: bool) -> Vec<u8> {
        let mut out = ptr::null_mut();
        // SAFETY: a live handle and a writable out-pointer.
        ok(unsafe {
            if encryption {
                fapiao_credentials_encryption_certificate(credentials, &mut out)
            } else {
                fapiao_credentials_certificate(credentials, &mut out)
            }
        });
        take_bytes(out)
    }
}

#[cfg(feature = "gm")]
use with_gm::*;

#[cfg(feature = "gm")]
#[test]
fn gm_envelope_with_dual_credentials_sm4_cbc_and_gcm() {
    let ecp = dual("ecp");
    let eisp = dual("eisp");
    let eisp_sign_only = signing("eisp");
    // Peers seal to the encryption certificate; the leaf is the signing one.
    let to = certificate(eisp, true);
    let signing_cert = certificate(eisp_sign_only, false);
    assert_eq!(certificate(eisp_sign_only, true), signing_cert, "one pair");
    assert_eq!(certificate(eisp, false), signing_cert);
    assert_ne!(to, signing_cert);
    let payload = "{\"serial\":\"GM-1\",\"buyer\":\"厦门\"}".as_bytes();

    let service = opener(eisp);
    for gcm in [false, true] {
        let (rc, envelope) = seal_to(ecp, &to, payload, gcm);
        ok(rc);
        // SAFETY: a live opener used by this thread only.
        ok(unsafe { fapiao_opener_sm4_gcm(service, u32::from(gcm)) });
        let (rc, opened) = open(service, &envelope);
        ok(rc);
        assert_eq!(opened, payload);
        assert_eq!(open(service, &envelope).0, FAPIAO_REPLAY);

        // The other mode is refused; so is an opener holding the signing pair.
        let (rc, envelope) = seal_to(ecp, &to, payload, gcm);
        ok(rc);
        // SAFETY: as above.
        ok(unsafe { fapiao_opener_sm4_gcm(service, u32::from(!gcm)) });
        assert_eq!(open(service, &envelope).0, FAPIAO_UNSUPPORTED_ALGORITHM);
        let not_us = opener(eisp_sign_only);
        // SAFETY: a live opener used by this thread only.
        ok(unsafe { fapiao_opener_sm4_gcm(not_us, u32::from(gcm)) });
        assert_eq!(open(not_us, &envelope).0, FAPIAO_NOT_FOR_US);
        assert!(last_error().contains("not for us"), "{}", last_error());
        // SAFETY: freed once.
        unsafe { fapiao_opener_free(not_us) };
    }
    // SAFETY: freed once.
    unsafe { fapiao_opener_free(service) };
    free(&[ecp, eisp, eisp_sign_only]);
}

#[cfg(feature = "gm")]
#[test]
fn gm_signer_sm2_id_and_mixed_suites() {
    let ecp = signing("ecp");
    let eisp = dual("eisp");
    let to = certificate(eisp, true);
    let id = b"ecp@example.cn";
    let mut with_id = ptr::dangling_mut();
    // SAFETY: a live handle, a valid slice, a writable out-pointer.
    ok(unsafe { fapiao_credentials_with_sm2_id(ecp, id.as_ptr(), id.len(), &mut with_id) });

    let (rc, envelope) = seal_to(with_id, &to, b"order", false);
    ok(rc);
    let service = opener(eisp);
    // Under the default ID the signature fails: SM4-CBC's one error.
    assert_eq!(open(service, &envelope).0, FAPIAO_DECRYPT_FAILED);
    let signer = gm("ecp-sign.pem");
    // SAFETY: a live opener, valid slices.
    ok(unsafe {
        fapiao_opener_set_sm2_id(
            service,
            signer.as_ptr(),
            signer.len(),
            id.as_ptr(),
            id.len(),
        )
    });
    assert_eq!(open(service, &envelope), (FAPIAO_OK, b"order".to_vec()));

    // An SM2 signer to an RSA recipient, an RSA signer to an SM2 one.
    let rsa_to = ffi_support::data("eisp-rsa.pem");
    assert_eq!(seal_to(ecp, &rsa_to, b"x", false).0, FAPIAO_MIXED_SUITES);
    assert!(last_error().contains("SM2 and non-SM2"), "{}", last_error());
    let rsa = ffi_support::credentials("ecp-rsa");
    assert_eq!(seal_to(rsa, &to, b"x", false).0, FAPIAO_MIXED_SUITES);
    let both = [gm("eisp-enc.pem"), ffi_support::data("eisp-p256.pem")].concat();
    assert_eq!(seal_to(ecp, &both, b"x", true).0, FAPIAO_MIXED_SUITES);

    // SAFETY: freed once.
    unsafe { fapiao_opener_free(service) };
    free(&[ecp, eisp, with_id, rsa]);
}

#[cfg(feature = "gm")]
#[test]
fn gm_bad_arguments_give_their_codes() {
    let base = signing("eisp");
    let chain = gm("eisp-enc.pem");
    let key = gm("eisp-enc.key.pem");

    let (rc, _) = try_dual(ptr::null(), &chain, &key);
    assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    assert!(last_error().contains("credentials"), "{}", last_error());
    // SAFETY: a live handle; a NULL pointer with a length; a NULL out.
    unsafe {
        let mut out = ptr::dangling_mut();
        let rc = fapiao_credentials_with_encryption(
            base,
            ptr::null(),
            5,
            key.as_ptr(),
            key.len(),
            ptr::null(),
            0,
            &mut out,
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert_eq!(out, ptr::dangling_mut());
        let rc = fapiao_credentials_with_encryption(
            base,
            chain.as_ptr(),
            chain.len(),
            key.as_ptr(),
            key.len(),
            ptr::null(),
            0,
            ptr::null_mut(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    }
    assert_eq!(try_dual(base, b"", &key).0, FAPIAO_CERTIFICATE_MALFORMED);
    assert_eq!(
        try_dual(base, b"-----BEGIN CERTIFICATE-----\nnot base64\n", &key).0,
        FAPIAO_CERTIFICATE_MALFORMED
    );
    assert_eq!(try_dual(base, &chain, b"").0, FAPIAO_KEY_MALFORMED);
    assert_eq!(try_dual(base, &chain, b"not a key").0, FAPIAO_KEY_MALFORMED);
    // The signing key with the encryption certificate.
    assert_eq!(
        try_dual(base, &chain, &gm("eisp-sign.key.pem")).0,
        FAPIAO_KEY_MISMATCH
    );
    // An encrypted key without its password.
    assert_eq!(
        try_dual(
            base,
            &gm("enterprise-sign.pem"),
            &gm("enterprise-sign.enc.pem")
        )
        .0,
        FAPIAO_KEY_PASSWORD_REQUIRED
    );
    // A freed handle.
    let freed = signing("ecp");
    free(&[freed]);
    assert_eq!(try_dual(freed, &chain, &key).0, FAPIAO_INVALID_HANDLE);

    // SM2 IDs: 1 to 8191 bytes.
    for len in [0, 8192] {
        let id = vec![b'a'; len];
        let mut out = ptr::dangling_mut();
        // SAFETY: a live handle, a valid slice, a writable out-pointer.
        let rc = unsafe { fapiao_credentials_with_sm2_id(base, id.as_ptr(), id.len(), &mut out) };
        assert_eq!(rc, FAPIAO_INVALID_ARGUMENT, "{len} bytes");
        assert_eq!(out, ptr::dangling_mut());
    }
    let service = opener(base);
    let two = [gm("ecp-sign.pem"), gm("issuing-ca.pem")].concat();
    // SAFETY: a live opener, valid slices.
    unsafe {
        let rc = fapiao_opener_set_sm2_id(service, two.as_ptr(), two.len(), b"x".as_ptr(), 1);
        assert_eq!(rc, FAPIAO_INVALID_ARGUMENT);
        let rc = fapiao_opener_set_sm2_id(service, b"junk".as_ptr(), 4, b"x".as_ptr(), 1);
        assert_eq!(rc, FAPIAO_CERTIFICATE_MALFORMED);
        assert_eq!(
            fapiao_opener_sm4_gcm(ptr::null_mut(), 1),
            FAPIAO_NULL_ARGUMENT
        );
        fapiao_opener_free(service);
    }
    free(&[base]);
}

#[cfg(not(feature = "gm"))]
#[test]
fn without_gm_the_gm_calls_say_feature_disabled() {
    let chain = [gm("ecp-sign.pem"), gm("issuing-ca.pem")].concat();
    let (rc, _) = try_credentials(&chain, &gm("ecp-sign.key.pem"));
    assert_eq!(rc, FAPIAO_FEATURE_DISABLED, "{}", last_error());
    let rsa = ffi_support::credentials("ecp-rsa");
    let (rc, _) = try_dual(rsa, &gm("ecp-enc.pem"), &gm("ecp-enc.key.pem"));
    assert_eq!(rc, FAPIAO_FEATURE_DISABLED, "{}", last_error());
    let mut out = ptr::dangling_mut();
    // SAFETY: a live handle, a valid slice, a writable out-pointer.
    let rc = unsafe { fapiao_credentials_with_sm2_id(rsa, b"id".as_ptr(), 2, &mut out) };
    assert_eq!(rc, FAPIAO_FEATURE_DISABLED);
    let service = opener(rsa);
    // SAFETY: a live opener used by this thread only.
    unsafe {
        assert_eq!(fapiao_opener_sm4_gcm(service, 1), FAPIAO_FEATURE_DISABLED);
        ok(fapiao_opener_sm4_gcm(service, 0));
        fapiao_opener_free(service);
    }
    free(&[rsa]);
}
