//! The certificate exchange through the C API: a cloud platform and a service
//! platform, each with its own store, exchange offer, answer and confirm, and
//! then talk to each other; out-of-order and broken messages are refused
//! without losing the exchange's place.

mod ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::platform_world::*;
use ffi_support::*;

struct Sides {
    trust: *mut fapiao_trust_store,
    cloud_store: *mut fapiao_store,
    service_store: *mut fapiao_store,
    ecp: *mut fapiao_credentials,
    eisp: *mut fapiao_credentials,
    initiator: *mut fapiao_exchange,
    responder: *mut fapiao_exchange,
}

impl Drop for Sides {
    fn drop(&mut self) {
        // SAFETY: each live handle freed once.
        unsafe {
            fapiao_exchange_free(self.initiator);
            fapiao_exchange_free(self.responder);
            fapiao_store_free(self.cloud_store);
            fapiao_store_free(self.service_store);
            fapiao_credentials_free(self.ecp);
            fapiao_credentials_free(self.eisp);
            fapiao_trust_store_free(self.trust);
        }
    }
}

fn sides() -> Sides {
    let mut sides = Sides {
        trust: trust_store(true),
        cloud_store: ptr::null_mut(),
        service_store: ptr::null_mut(),
        ecp: ffi_support::credentials("ecp-rsa"),
        eisp: ffi_support::credentials("eisp-p256"),
        initiator: ptr::null_mut(),
        responder: ptr::null_mut(),
    };
    // SAFETY: live handles, NUL-terminated ids, writable outputs.
    unsafe {
        ok(fapiao_store_open(ptr::null(), &mut sides.cloud_store));
        ok(fapiao_store_open(ptr::null(), &mut sides.service_store));
        ok(fapiao_exchange_new(
            sides.ecp,
            sides.trust,
            sides.cloud_store,
            c"ECP-1".as_ptr(),
            fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM as u32,
            &mut sides.initiator,
        ));
        ok(fapiao_exchange_new(
            sides.eisp,
            sides.trust,
            sides.service_store,
            c"EISP-1".as_ptr(),
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM as u32,
            &mut sides.responder,
        ));
    }
    sides
}

fn offer(exchange: *const fapiao_exchange) -> Result<Vec<u8>, fapiao_result> {
    let mut out = ptr::null_mut();
    // SAFETY: a live exchange and a writable output.
    match unsafe { fapiao_exchange_offer(exchange, TEST_TIME, &mut out) } {
        FAPIAO_OK => Ok(take_bytes(out)),
        rc => Err(rc),
    }
}

type Step = unsafe extern "C" fn(
    *const fapiao_exchange,
    *const u8,
    usize,
    u64,
    *mut *mut fapiao_bytes,
) -> fapiao_result;

fn step(
    f: Step,
    exchange: *const fapiao_exchange,
    message: &[u8],
) -> Result<Vec<u8>, fapiao_result> {
    let mut out = ptr::null_mut();
    // SAFETY: a live exchange, a valid slice and a writable output.
    match unsafe {
        f(
            exchange,
            message.as_ptr(),
            message.len(),
            TEST_TIME,
            &mut out,
        )
    } {
        FAPIAO_OK => Ok(take_bytes(out)),
        rc => Err(rc),
    }
}

fn complete(exchange: *const fapiao_exchange, confirm: &[u8]) -> fapiao_result {
    // SAFETY: a live exchange and a valid slice.
    unsafe { fapiao_exchange_complete(exchange, confirm.as_ptr(), confirm.len(), TEST_TIME) }
}

#[test]
fn two_platforms_exchange_certificates_and_then_talk() {
    let sides = sides();
    let offered = offer(sides.initiator).unwrap();
    let answer = step(fapiao_exchange_answer, sides.responder, &offered).unwrap();
    let confirm = step(fapiao_exchange_confirm, sides.initiator, &answer).unwrap();
    ok(complete(sides.responder, &confirm));

    // The cloud platform now seals to the service platform it pinned, and the
    // service platform opens what the pinned cloud platform sent.
    let mut cloud = ptr::null_mut();
    let device;
    let mut service = ptr::null_mut();
    let record = record("PLATFORM_HOSTED");
    // SAFETY: live handles, NUL-terminated strings, valid slices, writable
    // outputs; every handle freed once.
    unsafe {
        ok(fapiao_cloud_platform_new(
            sides.ecp,
            sides.trust,
            sides.cloud_store,
            c"EISP-1".as_ptr(),
            &mut cloud,
        ));
        ok(fapiao_store_add_enterprise(
            sides.service_store,
            record.as_ptr(),
            record.len(),
        ));
        device = hosted_device(sides.eisp, sides.service_store);
        ok(fapiao_service_platform_new(
            sides.eisp,
            sides.trust,
            sides.service_store,
            device,
            &mut service,
        ));
        let world = World {
            cloud,
            service,
            enterprise: ffi_support::credentials("enterprise-p256"),
            front_end: ptr::null_mut(),
        };
        let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
        ok(rc);
        let response = world.open(&answer);
        let mut outcome = 0;
        ok(fapiao_issue_response_outcome(response, &mut outcome));
        assert_eq!(outcome, fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32);
        fapiao_issue_response_free(response);
        fapiao_software_device_free(device);
    }
}

#[test]
fn out_of_order_and_broken_messages_keep_the_exchange_in_place() {
    let sides = sides();
    // Nothing to confirm or complete yet.
    assert_eq!(
        step(fapiao_exchange_confirm, sides.initiator, b"x"),
        Err(FAPIAO_INVALID_ARGUMENT)
    );
    assert_eq!(complete(sides.responder, b"x"), FAPIAO_INVALID_ARGUMENT);

    let offered = offer(sides.initiator).unwrap();
    assert_eq!(
        offer(sides.initiator),
        Err(FAPIAO_INVALID_ARGUMENT),
        "one offer"
    );
    let answer = step(fapiao_exchange_answer, sides.responder, &offered).unwrap();
    assert_eq!(
        step(fapiao_exchange_answer, sides.responder, &offered),
        Err(FAPIAO_INVALID_ARGUMENT),
        "one answer"
    );

    // A damaged answer is refused; the offer still waits for the real one.
    let mut damaged = answer.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    assert!(step(fapiao_exchange_confirm, sides.initiator, &damaged).is_err());
    let confirm = step(fapiao_exchange_confirm, sides.initiator, &answer).unwrap();

    // Its own answer is no confirm; the real one completes.
    assert_ne!(complete(sides.responder, &answer), FAPIAO_OK);
    ok(complete(sides.responder, &confirm));
    assert_eq!(
        complete(sides.responder, &confirm),
        FAPIAO_INVALID_ARGUMENT,
        "done"
    );
}

#[test]
fn exchange_argument_checks() {
    let sides = sides();
    let mut exchange = ptr::dangling_mut();
    let mut out = ptr::dangling_mut();
    // SAFETY: live or NULL handles, NUL-terminated or NULL strings, writable or
    // NULL outputs.
    unsafe {
        assert_eq!(
            fapiao_exchange_new(
                sides.ecp,
                sides.trust,
                sides.cloud_store,
                c"ECP-1".as_ptr(),
                9,
                &mut exchange
            ),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            fapiao_exchange_new(
                sides.ecp,
                sides.trust,
                sides.cloud_store,
                ptr::null(),
                1,
                &mut exchange
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_exchange_offer(ptr::null(), TEST_TIME, &mut out),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_exchange_answer(sides.responder, ptr::null(), 3, TEST_TIME, &mut out),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_exchange_complete(sides.responder, ptr::null(), 3, TEST_TIME),
            FAPIAO_NULL_ARGUMENT
        );
        fapiao_exchange_free(ptr::null_mut());
    }
    assert_eq!(exchange, ptr::dangling_mut());
    assert_eq!(out, ptr::dangling_mut());
}
