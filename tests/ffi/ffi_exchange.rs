//! The certificate exchange through the C API: a cloud platform and a service
//! platform, each with its own store, exchange offer, answer and confirm, and
//! then talk to each other; out-of-order and broken messages are refused
//! without losing the exchange's place; claims nothing binds are refused, an
//! enterprise front end is bound by its record, and a new key needs the pinned
//! one's endorsement.

use crate::ffi_support;

use core::ffi::CStr;
use core::ptr;
use std::ffi::CString;

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
        // Each operator binds the other platform's id to its certificate's key.
        bind_key(
            sides.initiator,
            c"EISP-1",
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
            "eisp-p256",
        );
        bind_key(
            sides.responder,
            c"ECP-1",
            fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
            "ecp-rsa",
        );
    }
    sides
}

/// The SPKI fingerprint (hex) of the fixture leaf `name`.
fn key_hex(name: &str) -> CString {
    let leaf = fapiao::pki::Certificate::from_pem(&data(&format!("{name}.pem"))).unwrap();
    CString::new(leaf.spki_fingerprint().to_hex()).unwrap()
}

/// Binds `id` in `role` to the key of the fixture leaf `name` at `exchange`.
fn bind_key(exchange: *const fapiao_exchange, id: &CStr, role: fapiao_party_role, name: &str) {
    let key = key_hex(name);
    // SAFETY: a live exchange and NUL-terminated strings.
    ok(unsafe {
        fapiao_exchange_bind(
            exchange,
            id.as_ptr(),
            role as u32,
            fapiao_certificate_match::FAPIAO_MATCH_KEY as u32,
            key.as_ptr(),
        )
    });
}

/// Runs a whole exchange between two sides; the responder's last result.
fn run(initiator: *const fapiao_exchange, responder: *const fapiao_exchange) -> fapiao_result {
    let offered = offer(initiator).unwrap();
    let answer = step(fapiao_exchange_answer, responder, &offered).unwrap();
    let confirm = step(fapiao_exchange_confirm, initiator, &answer).unwrap();
    complete(responder, &confirm)
}

/// A new exchange side with fixture credentials `name` on `store`.
fn side(
    sides: &Sides,
    creds: *const fapiao_credentials,
    store: *const fapiao_store,
    id: &CStr,
    role: fapiao_party_role,
) -> *mut fapiao_exchange {
    let mut out = ptr::null_mut();
    // SAFETY: live handles, a NUL-terminated id, a writable output.
    ok(unsafe {
        fapiao_exchange_new(
            creds,
            sides.trust,
            store,
            id.as_ptr(),
            role as u32,
            &mut out,
        )
    });
    out
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

/// The responder's completion; a side with one certificate sends no finish.
fn complete(exchange: *const fapiao_exchange, confirm: &[u8]) -> fapiao_result {
    let mut finish = ptr::dangling_mut();
    // SAFETY: a live exchange, a valid slice and a writable output.
    let rc = unsafe {
        fapiao_exchange_complete(
            exchange,
            confirm.as_ptr(),
            confirm.len(),
            TEST_TIME,
            &mut finish,
        )
    };
    if rc == FAPIAO_OK {
        assert!(
            finish.is_null(),
            "a side with one certificate sends no finish"
        );
    }
    rc
}

#[test]
fn two_platforms_exchange_certificates_and_then_talk() {
    let sides = sides();
    let offered = offer(sides.initiator).unwrap();
    let answer = step(fapiao_exchange_answer, sides.responder, &offered).unwrap();
    let confirm = step(fapiao_exchange_confirm, sides.initiator, &answer).unwrap();
    // SAFETY: live exchanges.
    unsafe {
        assert_eq!(fapiao_exchange_done(sides.initiator), 1);
        assert_eq!(fapiao_exchange_done(sides.responder), 0);
    }
    ok(complete(sides.responder, &confirm));
    // SAFETY: a live exchange; NULL is answered with 0.
    unsafe {
        assert_eq!(fapiao_exchange_done(sides.responder), 1);
        assert_eq!(fapiao_exchange_done(ptr::null()), 0);
    }

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
            fapiao_exchange_complete(sides.responder, ptr::null(), 3, TEST_TIME, &mut out),
            FAPIAO_NULL_ARGUMENT
        );
        fapiao_exchange_free(ptr::null_mut());
    }
    assert_eq!(exchange, ptr::dangling_mut());
    assert_eq!(out, ptr::dangling_mut());
}

#[test]
fn claims_nothing_binds_are_refused_and_front_ends_are_bound_by_their_record() {
    let sides = sides();
    let front = ffi_support::credentials("enterprise-p256");
    let other = ffi_support::credentials("enterprise-rsa");
    let record = record("ENTERPRISE_HOSTED");
    // SAFETY: live handles, valid slices.
    unsafe {
        ok(fapiao_store_add_enterprise(
            sides.service_store,
            record.as_ptr(),
            record.len(),
        ));
    }
    let seller = CString::new(SELLER).unwrap();
    // A certificate that is not the cloud platform's claims ECP-1: refused.
    let rogue = side(
        &sides,
        other,
        sides.cloud_store,
        c"ECP-1",
        fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
    );
    let offered = offer(rogue).unwrap();
    assert_eq!(
        step(fapiao_exchange_answer, sides.responder, &offered),
        Err(FAPIAO_EXCHANGE_REFUSED)
    );
    assert!(
        last_error().contains("may not claim party ECP-1"),
        "{}",
        last_error()
    );
    // The enterprise's certificate (its credit code in the subject) runs the
    // exchange as its own front end: the service platform binds it through
    // the enterprise's record in its store, with no binding of its own.
    let responder = side(
        &sides,
        sides.eisp,
        sides.service_store,
        c"EISP-1",
        fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
    );
    let mut front_store = ptr::null_mut();
    // SAFETY: a writable output.
    unsafe { ok(fapiao_store_open(ptr::null(), &mut front_store)) };
    let initiator = side(
        &sides,
        front,
        front_store,
        &seller,
        fapiao_party_role::FAPIAO_ROLE_ENTERPRISE_FRONT_END,
    );
    bind_key(
        initiator,
        c"EISP-1",
        fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
        "eisp-p256",
    );
    ok(run(initiator, responder));
    // The same certificate claiming another enterprise's front end: refused.
    let impostor = side(
        &sides,
        front,
        front_store,
        c"91440101MA5CJQ4N59",
        fapiao_party_role::FAPIAO_ROLE_ENTERPRISE_FRONT_END,
    );
    let fresh = side(
        &sides,
        sides.eisp,
        sides.service_store,
        c"EISP-1",
        fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
    );
    let offered = offer(impostor).unwrap();
    assert_eq!(
        step(fapiao_exchange_answer, fresh, &offered),
        Err(FAPIAO_EXCHANGE_REFUSED)
    );
    // SAFETY: each handle freed once.
    unsafe {
        for exchange in [rogue, responder, initiator, impostor, fresh] {
            fapiao_exchange_free(exchange);
        }
        fapiao_store_free(front_store);
        fapiao_credentials_free(front);
        fapiao_credentials_free(other);
    }
}

#[test]
fn a_new_key_is_pinned_only_when_the_pinned_one_endorses_it() {
    let sides = sides();
    ok(run(sides.initiator, sides.responder));
    // The cloud platform's new certificate, bound to ECP-1 as well.
    let new = ffi_support::credentials("ecp-p256");
    bind_key(
        sides.responder,
        c"ECP-1",
        fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
        "ecp-p256",
    );
    let run = |initiator: *mut fapiao_exchange| {
        let responder = side(
            &sides,
            sides.eisp,
            sides.service_store,
            c"EISP-1",
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
        );
        bind_key(
            responder,
            c"ECP-1",
            fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
            "ecp-p256",
        );
        bind_key(
            initiator,
            c"EISP-1",
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
            "eisp-p256",
        );
        let rc = run(initiator, responder);
        // SAFETY: each handle freed once.
        unsafe {
            fapiao_exchange_free(responder);
            fapiao_exchange_free(initiator);
        }
        rc
    };
    let alone = side(
        &sides,
        new,
        sides.cloud_store,
        c"ECP-1",
        fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
    );
    assert_eq!(run(alone), FAPIAO_PEER_REFUSED, "{}", last_error());
    assert!(last_error().contains("not endorsed"), "{}", last_error());
    let endorsed = side(
        &sides,
        new,
        sides.cloud_store,
        c"ECP-1",
        fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
    );
    // SAFETY: live handles.
    unsafe { ok(fapiao_exchange_endorse(endorsed, sides.ecp)) };
    ok(run(endorsed));
    // SAFETY: freed once.
    unsafe { fapiao_credentials_free(new) };
}

#[test]
fn binding_argument_checks() {
    let sides = sides();
    let key = key_hex("ecp-rsa");
    let role = fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM as u32;
    let by_key = fapiao_certificate_match::FAPIAO_MATCH_KEY as u32;
    // SAFETY: a live or NULL exchange, NUL-terminated or NULL strings.
    unsafe {
        for (id, role, kind, value, expected) in [
            (
                c"ECP-1".as_ptr(),
                9,
                by_key,
                key.as_ptr(),
                FAPIAO_INVALID_ARGUMENT,
            ),
            (
                c"ECP-1".as_ptr(),
                role,
                7,
                key.as_ptr(),
                FAPIAO_INVALID_ARGUMENT,
            ),
            (
                c"ECP-1".as_ptr(),
                role,
                by_key,
                c"abcd".as_ptr(),
                FAPIAO_INVALID_ARGUMENT,
            ),
            (
                c"".as_ptr(),
                role,
                by_key,
                key.as_ptr(),
                FAPIAO_INVALID_ARGUMENT,
            ),
            (
                ptr::null(),
                role,
                by_key,
                key.as_ptr(),
                FAPIAO_NULL_ARGUMENT,
            ),
            (
                c"ECP-1".as_ptr(),
                role,
                by_key,
                ptr::null(),
                FAPIAO_NULL_ARGUMENT,
            ),
        ] {
            assert_eq!(
                fapiao_exchange_bind(sides.responder, id, role, kind, value),
                expected
            );
        }
        assert_eq!(
            fapiao_exchange_bind(ptr::null(), c"ECP-1".as_ptr(), role, by_key, key.as_ptr()),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_exchange_endorse(sides.responder, ptr::null()),
            FAPIAO_NULL_ARGUMENT
        );
    }
}
