//! The certificate exchange through the C API between two platforms on SM2
//! dual certificates (双证书): the responder proves it holds its encryption
//! key in a fourth message, the finish, and each side pins the other only when
//! its last call succeeds.
#![cfg(feature = "gm")]

use core::ffi::CStr;
use core::ptr;
use std::ffi::CString;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use fapiao::pki::Certificate;

use crate::ffi_gm::with_gm::dual;
use crate::ffi_gm::{free, gm, gm_trust};
use crate::ffi_support::{TEST_TIME, ok, take_bytes};

/// A new exchange side for `credentials` on `store`, binding the other side's
/// id in `other_role` to the key of its signing certificate `other`.
fn side(
    credentials: *const fapiao_credentials,
    trust: *const fapiao_trust_store,
    store: *const fapiao_store,
    (id, role): (&CStr, fapiao_party_role),
    (other_id, other_role, other): (&CStr, fapiao_party_role, &str),
) -> *mut fapiao_exchange {
    let key = Certificate::from_pem(&gm(&format!("{other}-sign.pem")))
        .unwrap()
        .spki_fingerprint()
        .to_hex();
    let key = CString::new(key).unwrap();
    let mut out = ptr::null_mut();
    // SAFETY: live handles, NUL-terminated strings, a writable output.
    unsafe {
        ok(fapiao_exchange_new(
            credentials,
            trust,
            store,
            id.as_ptr(),
            role as u32,
            &mut out,
        ));
        ok(fapiao_exchange_bind(
            out,
            other_id.as_ptr(),
            other_role as u32,
            fapiao_certificate_match::FAPIAO_MATCH_KEY as u32,
            key.as_ptr(),
        ));
    }
    out
}

/// Calls one step that reads `message` and writes one message out.
fn step(
    f: unsafe extern "C" fn(
        *const fapiao_exchange,
        *const u8,
        usize,
        u64,
        *mut *mut fapiao_bytes,
    ) -> fapiao_result,
    exchange: *const fapiao_exchange,
    message: &[u8],
) -> (fapiao_result, *mut fapiao_bytes) {
    let mut out = ptr::dangling_mut();
    // SAFETY: a live exchange, a valid slice and a writable output.
    let rc = unsafe {
        f(
            exchange,
            message.as_ptr(),
            message.len(),
            TEST_TIME,
            &mut out,
        )
    };
    (rc, out)
}

#[test]
fn dual_platforms_exchange_in_four_messages_through_the_c_api() {
    use fapiao_party_role::{
        FAPIAO_ROLE_CLOUD_PLATFORM as CLOUD, FAPIAO_ROLE_SERVICE_PLATFORM as SERVICE,
    };
    let (ecp, eisp, trust) = (dual("ecp"), dual("eisp"), gm_trust());
    let (mut cloud_store, mut service_store) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: writable outputs; NULL opens an in-memory store.
    unsafe {
        ok(fapiao_store_open(ptr::null(), &mut cloud_store));
        ok(fapiao_store_open(ptr::null(), &mut service_store));
    }
    let initiator = side(
        ecp,
        trust,
        cloud_store,
        (c"ECP-1", CLOUD),
        (c"EISP-1", SERVICE, "eisp"),
    );
    let responder = side(
        eisp,
        trust,
        service_store,
        (c"EISP-1", SERVICE),
        (c"ECP-1", CLOUD, "ecp"),
    );

    let mut offer = ptr::null_mut();
    // SAFETY: a live exchange and a writable output.
    ok(unsafe { fapiao_exchange_offer(initiator, TEST_TIME, &mut offer) });
    let offer = take_bytes(offer);
    let (rc, answer) = step(fapiao_exchange_answer, responder, &offer);
    ok(rc);
    let answer = take_bytes(answer);
    let (rc, confirm) = step(fapiao_exchange_confirm, initiator, &answer);
    ok(rc);
    let confirm = take_bytes(confirm);
    // SAFETY: live exchanges.
    unsafe {
        // The confirm challenges the responder: the initiator waits.
        assert_eq!(fapiao_exchange_done(initiator), 0);
        // A finish out of turn is refused and loses nothing.
        assert_eq!(
            fapiao_exchange_finish(responder, confirm.as_ptr(), confirm.len(), TEST_TIME),
            FAPIAO_INVALID_ARGUMENT
        );
    }
    let (rc, finish) = step(fapiao_exchange_complete, responder, &confirm);
    ok(rc);
    assert!(!finish.is_null(), "a dual responder sends a finish");
    let finish = take_bytes(finish);
    // SAFETY: live exchanges and valid slices.
    unsafe {
        assert_eq!(fapiao_exchange_done(responder), 1);
        // A damaged finish is refused; the confirm still waits for a good one.
        let mut damaged = finish.clone();
        let at = damaged.len() - 10;
        damaged[at] ^= 1;
        assert_ne!(
            fapiao_exchange_finish(initiator, damaged.as_ptr(), damaged.len(), TEST_TIME),
            FAPIAO_OK
        );
        assert_eq!(fapiao_exchange_done(initiator), 0);
        ok(fapiao_exchange_finish(
            initiator,
            finish.as_ptr(),
            finish.len(),
            TEST_TIME,
        ));
        assert_eq!(fapiao_exchange_done(initiator), 1);
        fapiao_exchange_free(initiator);
        fapiao_exchange_free(responder);
        fapiao_store_free(cloud_store);
        fapiao_store_free(service_store);
        fapiao_trust_store_free(trust);
    }
    free(&[ecp, eisp]);
}
