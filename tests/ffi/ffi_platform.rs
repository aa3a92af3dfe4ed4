//! The platform roles through the C API: a cloud platform and a service platform
//! set up as a C host would (stores, pinned peers, the qualification registry, a
//! hosted device), the synchronous issue, the asynchronous ticket, refusals, and
//! the argument checks of the platform functions.

use crate::ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::platform_world::*;
use ffi_support::*;

fn outcome(response: *const fapiao_issue_response) -> u32 {
    let mut outcome = 0;
    // SAFETY: a live response and a writable u32.
    ok(unsafe { fapiao_issue_response_outcome(response, &mut outcome) });
    outcome
}

fn field(
    response: *const fapiao_issue_response,
    read: unsafe extern "C" fn(
        *const fapiao_issue_response,
        *mut core::ffi::c_char,
        usize,
        *mut usize,
    ) -> fapiao_result,
) -> Result<String, fapiao_result> {
    let mut buf = [0u8; 256];
    let mut written = 0usize;
    // SAFETY: a live response and a 256-byte buffer.
    let rc = unsafe { read(response, buf.as_mut_ptr().cast(), buf.len(), &mut written) };
    if rc == FAPIAO_OK {
        Ok(String::from_utf8(buf[..written].to_vec()).unwrap())
    } else {
        Err(rc)
    }
}

#[test]
fn platform_hosted_order_is_issued_and_replay_refused() {
    let world = world("PLATFORM_HOSTED");
    let request = world.submit(&ffi_support::request("valid-blue.json"));
    let (rc, answer) = world.handle(&request);
    ok(rc);
    assert_eq!(world.handle(&request).0, FAPIAO_REPLAY);
    let response = world.open(&answer);
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32
    );
    assert_eq!(
        field(response, fapiao_issue_response_invoice_number).unwrap(),
        "26350000000000000001"
    );
    assert_eq!(
        field(response, fapiao_issue_response_check_code)
            .unwrap()
            .len(),
        20
    );
    assert_eq!(
        field(response, fapiao_issue_response_serial_number).unwrap(),
        "ERP-20261128-000001"
    );
    assert_eq!(
        field(response, fapiao_issue_response_ticket),
        Err(FAPIAO_NOT_FOUND)
    );
    assert_eq!(
        field(response, fapiao_issue_response_failure_code),
        Err(FAPIAO_NOT_FOUND)
    );
    let mut total = 0i64;
    let mut data = ptr::null();
    let mut len = 0usize;
    // SAFETY: a live response and writable outputs; the JSON is read before the
    // response is freed, once.
    unsafe {
        ok(fapiao_issue_response_total_fen(response, &mut total));
        ok(fapiao_issue_response_json(response, &mut data, &mut len));
        let json: serde_json::Value =
            serde_json::from_slice(core::slice::from_raw_parts(data, len)).unwrap();
        assert_eq!(json["outcome"]["invoice"]["total_fen"], total);
        fapiao_issue_response_free(response);
    }
    // The same answer opened twice is a replay at the cloud platform.
    let mut again = ptr::dangling_mut();
    // SAFETY: a live handle, a valid slice, a writable output.
    let rc = unsafe {
        fapiao_cloud_platform_open_response(
            world.cloud,
            answer.as_ptr(),
            answer.len(),
            TEST_TIME,
            &mut again,
        )
    };
    assert_eq!((rc, again), (FAPIAO_REPLAY, ptr::dangling_mut()));
}

/// An order whose answer was lost is re-sent from the journal: a fresh envelope
/// (the first is a replay), answered with the invoice already issued; a pass
/// ends with NULL and the order, once answered, is not re-sent again.
#[test]
fn an_outstanding_order_is_resent_and_gets_the_invoice_already_issued() {
    let world = world("PLATFORM_HOSTED");
    let first = world.submit(&ffi_support::request("valid-blue.json"));
    let (rc, lost) = world.handle(&first);
    ok(rc);
    drop(lost);

    let mut cursor = 0u64;
    let mut sealed = ptr::null_mut();
    // SAFETY: a live handle and writable outputs.
    ok(unsafe {
        fapiao_cloud_platform_resend_next(world.cloud, &mut cursor, TEST_TIME, &mut sealed)
    });
    assert!(!sealed.is_null());
    assert!(cursor > 0, "the cursor moves past the order");
    let again = take_bytes(sealed);
    assert_ne!(again, first);
    let (rc, answer) = world.handle(&again);
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        field(response, fapiao_issue_response_invoice_number).unwrap(),
        "26350000000000000001",
        "the invoice issued the first time"
    );
    // SAFETY: a live response, freed once.
    unsafe { fapiao_issue_response_free(response) };

    // The pass is over; a new pass finds nothing outstanding either.
    for start in [cursor, 0] {
        let mut at = start;
        let mut none = ptr::dangling_mut();
        // SAFETY: a live handle and writable outputs.
        ok(unsafe {
            fapiao_cloud_platform_resend_next(world.cloud, &mut at, TEST_TIME, &mut none)
        });
        assert!(none.is_null());
        assert_eq!(at, start, "the cursor stays");
    }
    let mut out = ptr::null_mut();
    // SAFETY: NULL pointers are refused before anything is read.
    let rc = unsafe {
        fapiao_cloud_platform_resend_next(world.cloud, ptr::null_mut(), TEST_TIME, &mut out)
    };
    assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    assert!(out.is_null());
}

#[test]
fn enterprise_hosted_order_gets_a_ticket_to_query() {
    let world = world("ENTERPRISE_HOSTED");
    let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING as u32
    );
    let ticket = field(response, fapiao_issue_response_ticket).unwrap();
    assert_eq!(
        field(response, fapiao_issue_response_invoice_number),
        Err(FAPIAO_NOT_FOUND)
    );
    let ticket = std::ffi::CString::new(ticket).unwrap();
    let mut query = ptr::null_mut();
    // SAFETY: live handles, a NUL-terminated ticket, a writable output.
    unsafe {
        fapiao_issue_response_free(response);
        ok(fapiao_cloud_platform_query_ticket(
            world.cloud,
            ticket.as_ptr(),
            TEST_TIME,
            &mut query,
        ));
    }
    let (rc, answer) = world.handle(&take_bytes(query));
    ok(rc);
    let response = world.open(&answer);
    // The front end has not run the command yet: still pending.
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING as u32
    );
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(response) };
}

#[test]
fn refusals_and_unknown_senders() {
    let world = world("PLATFORM_HOSTED");
    // An invalid order is refused inside a sealed answer.
    let (rc, answer) =
        world.handle(&world.submit(&ffi_support::request("invalid-tax-mismatch.json")));
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_FAILED as u32
    );
    assert_eq!(
        field(response, fapiao_issue_response_failure_code).unwrap(),
        "INVALID_REQUEST"
    );
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(response) };

    // An envelope from a sender the service platform has not pinned.
    let stranger = ffi_support::credentials("ecp-p256");
    let envelope = request_envelope(
        world.enterprise,
        stranger,
        "eisp-p256",
        &ffi_support::request("valid-blue.json"),
    );
    assert_eq!(world.handle(&envelope).0, FAPIAO_SENDER_NOT_PINNED);
    assert!(
        last_error().starts_with("fapiao_service_platform_handle: platform: no signer is a pinned")
    );
    // SAFETY: freed once.
    unsafe { fapiao_credentials_free(stranger) };

    // A signed payload that is not an issue request.
    let mut signed = ptr::null_mut();
    let mut out = ptr::dangling_mut();
    // SAFETY: live handles, a valid slice and writable outputs.
    unsafe {
        ok(fapiao_signed_message_sign(
            world.enterprise,
            b"not json".as_ptr(),
            8,
            TEST_TIME,
            &mut signed,
        ));
        let rc = fapiao_cloud_platform_submit(world.cloud, signed, TEST_TIME, &mut out);
        assert_eq!(
            (rc, out),
            (FAPIAO_INVOICE_JSON_INVALID, ptr::dangling_mut())
        );
        fapiao_signed_message_free(signed);
    }
}

/// The answer's JSON, as a C host reads it.
fn json_of(response: *const fapiao_issue_response) -> serde_json::Value {
    let (mut data, mut len) = (ptr::null(), 0usize);
    // SAFETY: a live response and writable outputs; the bytes live as long as it.
    unsafe {
        ok(fapiao_issue_response_json(response, &mut data, &mut len));
        serde_json::from_slice(core::slice::from_raw_parts(data, len)).unwrap()
    }
}

#[test]
fn a_red_invoice_is_held_against_its_original() {
    let world = world("PLATFORM_HOSTED");
    // The sample red reverses an invoice never issued here: refused, with the
    // violation's code in the answer's JSON.
    let red = ffi_support::request("valid-red.json");
    let (rc, answer) = world.handle(&world.submit(&red));
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        field(response, fapiao_issue_response_failure_code).unwrap(),
        "INVALID_REQUEST"
    );
    let json = json_of(response);
    let violations = &json["outcome"]["reason"]["violations"];
    assert_eq!(
        violations[0]["code"], "ORIGINAL_INVOICE_NOT_FOUND",
        "{json}"
    );
    assert_eq!(violations[0]["path"], "red_letter.original_invoice_number");
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(response) };

    // Once the original is issued, the same red (under a new serial number)
    // reverses it.
    let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
    ok(rc);
    let blue = world.open(&answer);
    let number = field(blue, fapiao_issue_response_invoice_number).unwrap();
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(blue) };
    let red = String::from_utf8(red)
        .unwrap()
        .replace("26352000000012345678", &number)
        .replace("ERP-20261128-000002", "ERP-20261128-000003");
    let (rc, answer) = world.handle(&world.submit(red.as_bytes()));
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32,
        "{}",
        json_of(response)
    );
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(response) };
}

#[test]
fn unsigned_orders_are_signed_with_the_credentials_the_cloud_platform_holds() {
    let world = world("PLATFORM_HOSTED");
    let order = ffi_support::request("valid-blue.json");
    let submit = |order: &[u8]| {
        let mut out = ptr::dangling_mut();
        // SAFETY: a live handle, a valid slice and a writable output.
        let rc = unsafe {
            fapiao_cloud_platform_submit_unsigned(
                world.cloud,
                order.as_ptr(),
                order.len(),
                TEST_TIME,
                &mut out,
            )
        };
        if rc == FAPIAO_OK {
            (rc, take_bytes(out))
        } else {
            assert_eq!(out, ptr::dangling_mut(), "out written on failure");
            (rc, Vec::new())
        }
    };
    let hold = |tax_id: &core::ffi::CStr, credentials: *const fapiao_credentials| {
        // SAFETY: the platform is used by this thread only; live credentials and
        // a NUL-terminated code.
        unsafe {
            fapiao_cloud_platform_hold_enterprise_credentials(
                world.cloud,
                tax_id.as_ptr(),
                credentials,
            )
        }
    };
    // Nothing held for the seller yet.
    assert_eq!(submit(&order).0, FAPIAO_PLATFORM_REFUSED);
    assert!(last_error().contains(SELLER), "{}", last_error());
    // A code with a wrong check character is refused, naming the argument.
    assert_eq!(
        hold(c"91350200776049653B", world.enterprise),
        FAPIAO_INVALID_ARGUMENT
    );
    assert!(last_error().contains("tax_id"), "{}", last_error());

    // Credentials that are not an enterprise's (the cloud platform's own
    // certificate) held for the seller: the cloud platform signs with them, and
    // the service platform finds no enterprise signature.
    let other = ffi_support::credentials("ecp-rsa");
    let seller = std::ffi::CString::new(SELLER).unwrap();
    ok(hold(&seller, other));
    let (rc, sealed) = submit(&order);
    ok(rc);
    assert_eq!(world.handle(&sealed).0, FAPIAO_PLATFORM_MESSAGE_INVALID);
    assert!(
        last_error().contains("no enterprise signature"),
        "{}",
        last_error()
    );

    // The seller's own credentials (replacing the others): issued.
    ok(hold(&seller, world.enterprise));
    // SAFETY: the platform copied them; freed once.
    unsafe { fapiao_credentials_free(other) };
    let (rc, sealed) = submit(&order);
    ok(rc);
    let (rc, answer) = world.handle(&sealed);
    ok(rc);
    let response = world.open(&answer);
    assert_eq!(
        outcome(response),
        fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32
    );
    assert_eq!(
        field(response, fapiao_issue_response_serial_number).unwrap(),
        "ERP-20261128-000001"
    );
    // SAFETY: freed once.
    unsafe { fapiao_issue_response_free(response) };

    // Bytes that are not an issue request; a null order.
    assert_eq!(submit(b"not json").0, FAPIAO_INVOICE_JSON_INVALID);
    let mut out = ptr::dangling_mut();
    // SAFETY: a null order with a length is refused before it is read.
    let rc = unsafe {
        fapiao_cloud_platform_submit_unsigned(world.cloud, ptr::null(), 5, TEST_TIME, &mut out)
    };
    assert_eq!((rc, out), (FAPIAO_NULL_ARGUMENT, ptr::dangling_mut()));
}

#[test]
fn setup_argument_checks() {
    let trust = trust_store(false);
    let mut store = ptr::null_mut();
    let credentials = ffi_support::credentials("eisp-rsa");
    // SAFETY: live handles (or NULL, checked), NUL-terminated strings, valid
    // slices and writable outputs; each handle freed once at the end.
    unsafe {
        ok(fapiao_store_open(ptr::null(), &mut store));
        assert_eq!(
            fapiao_store_open(c"\xff".as_ptr(), &mut store),
            FAPIAO_INVALID_UTF8
        );
        assert_eq!(
            fapiao_store_open(ptr::null(), ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );

        let bad = br#"{"tax_id": "91350200776049653A", "surprise": 1}"#;
        assert_eq!(
            fapiao_store_add_enterprise(store, bad.as_ptr(), bad.len()),
            FAPIAO_QUALIFICATION_REGISTRY
        );
        let blank = record("PLATFORM_HOSTED").replace("Xiamen Example Trading Co.", " ");
        assert_eq!(
            fapiao_store_add_enterprise(store, blank.as_ptr(), blank.len()),
            FAPIAO_QUALIFICATION_REGISTRY
        );
        assert!(
            last_error().contains("the name is blank"),
            "{}",
            last_error()
        );

        assert_eq!(
            pin(
                store,
                trust,
                c"X",
                fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
                "faulty/expired"
            ),
            FAPIAO_PATH_EXPIRED
        );
        let chain = chain("ecp-rsa");
        assert_eq!(
            fapiao_store_pin_peer(
                store,
                trust,
                c"X".as_ptr(),
                9,
                chain.as_ptr(),
                chain.len(),
                TEST_TIME
            ),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            fapiao_store_pin_peer(
                store,
                trust,
                ptr::null(),
                1,
                chain.as_ptr(),
                chain.len(),
                TEST_TIME
            ),
            FAPIAO_NULL_ARGUMENT
        );

        let mut device = ptr::dangling_mut();
        assert_eq!(
            fapiao_software_device_new(
                c"DEV".as_ptr(),
                credentials,
                [1u8; 4].as_ptr(),
                4,
                store,
                &mut device
            ),
            FAPIAO_DEVICE_FAILED
        );
        assert_eq!(
            fapiao_software_device_new(
                c"no spaces".as_ptr(),
                credentials,
                [1u8; 32].as_ptr(),
                32,
                store,
                &mut device
            ),
            FAPIAO_DEVICE_FAILED
        );
        assert_eq!(device, ptr::dangling_mut());
        ok(fapiao_software_device_new(
            c"DEV".as_ptr(),
            credentials,
            [1u8; 32].as_ptr(),
            32,
            store,
            &mut device,
        ));
        assert_eq!(
            fapiao_software_device_add_segment(
                device,
                c"s".as_ptr(),
                c"GOLD".as_ptr(),
                c"26350".as_ptr(),
                1,
                9
            ),
            FAPIAO_INVALID_ARGUMENT
        );
        ok(fapiao_software_device_add_segment(
            device,
            c"s".as_ptr(),
            c"DIGITAL_ORDINARY".as_ptr(),
            c"26350".as_ptr(),
            1,
            9,
        ));
        assert_eq!(
            fapiao_software_device_add_segment(
                device,
                c"t".as_ptr(),
                c"DIGITAL_ORDINARY".as_ptr(),
                c"26350".as_ptr(),
                5,
                20
            ),
            FAPIAO_STORE_REFUSED,
            "overlapping segment: {}",
            last_error()
        );

        // A role with a handle of the wrong type, or NULL.
        let mut service = ptr::dangling_mut();
        assert_eq!(
            fapiao_service_platform_new(credentials, trust, store, store.cast(), &mut service),
            FAPIAO_INVALID_HANDLE
        );
        assert_eq!(
            fapiao_service_platform_new(credentials, trust, ptr::null(), device, &mut service),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(service, ptr::dangling_mut());

        // A cloud platform with no pinned service platform cannot submit.
        let mut cloud = ptr::null_mut();
        ok(fapiao_cloud_platform_new(
            credentials,
            trust,
            store,
            c"EISP-9".as_ptr(),
            &mut cloud,
        ));
        let enterprise = ffi_support::credentials("enterprise-rsa");
        let order = ffi_support::request("valid-blue.json");
        let mut signed = ptr::null_mut();
        let mut out = ptr::dangling_mut();
        ok(fapiao_signed_message_sign(
            enterprise,
            order.as_ptr(),
            order.len(),
            TEST_TIME,
            &mut signed,
        ));
        assert_eq!(
            fapiao_cloud_platform_submit(cloud, signed, TEST_TIME, &mut out),
            FAPIAO_PEER_REFUSED
        );
        assert_eq!(
            fapiao_cloud_platform_query_ticket(cloud, ptr::null(), TEST_TIME, &mut out),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(out, ptr::dangling_mut());

        fapiao_signed_message_free(signed);
        fapiao_credentials_free(enterprise);
        fapiao_cloud_platform_free(cloud);
        fapiao_software_device_free(device);
        fapiao_store_free(store);
        fapiao_credentials_free(credentials);
        fapiao_trust_store_free(trust);
    }
}
