//! The enterprise-hosted mode through the C API: the cloud platform's order is
//! accepted with a ticket, the enterprise's front end pulls the command, issues
//! it on its own device and reports; the ticket's next answer is the invoice.
//! And the argument checks of the front-end functions.

use crate::ffi_support;

use core::ptr;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::platform_world::*;
use ffi_support::*;

fn outcome_and_number(world: &World, answer: &[u8]) -> (u32, String) {
    let response = world.open(answer);
    let mut outcome = 0;
    let mut buf = [0u8; 64];
    let mut written = 0;
    // SAFETY: a live response, a writable u32, a 64-byte buffer; freed once.
    unsafe {
        ok(fapiao_issue_response_outcome(response, &mut outcome));
        let rc = fapiao_issue_response_invoice_number(
            response,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        );
        if rc != FAPIAO_OK {
            written = 0;
        }
        if outcome == fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING as u32 {
            ok(fapiao_issue_response_ticket(
                response,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            ));
        }
        fapiao_issue_response_free(response);
    }
    (outcome, String::from_utf8(buf[..written].to_vec()).unwrap())
}

fn query(world: &World, ticket: &str) -> Vec<u8> {
    let ticket = std::ffi::CString::new(ticket).unwrap();
    let mut query = ptr::null_mut();
    // SAFETY: a live platform, a NUL-terminated ticket, a writable output.
    ok(unsafe {
        fapiao_cloud_platform_query_ticket(world.cloud, ticket.as_ptr(), TEST_TIME, &mut query)
    });
    take_bytes(query)
}

#[test]
fn the_front_end_issues_a_ticket_on_the_enterprises_device() {
    let world = world("ENTERPRISE_HOSTED");
    let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
    ok(rc);
    let (outcome, ticket) = outcome_and_number(&world, &answer);
    assert_eq!(
        outcome,
        fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING as u32
    );

    let (report, recorded) = front_end_round(&world, world.front_end);
    assert_eq!(
        report,
        fapiao_front_end_report {
            issued: 1,
            ..Default::default()
        }
    );
    assert_eq!(recorded, 1);

    let (rc, answer) = world.handle(&query(&world, &ticket));
    ok(rc);
    let (outcome, number) = outcome_and_number(&world, &answer);
    assert_eq!(outcome, fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32);
    assert_eq!(
        number, "26351000000000000001",
        "numbered by the enterprise's device"
    );

    // Nothing waits any more.
    let (report, recorded) = front_end_round(&world, world.front_end);
    assert_eq!((report, recorded), (fapiao_front_end_report::default(), 0));
}

#[test]
fn front_end_argument_checks() {
    let world = world("ENTERPRISE_HOSTED");
    let mut bytes = ptr::dangling_mut();
    let mut report = fapiao_front_end_report {
        issued: 7,
        ..Default::default()
    };
    let mut recorded = 7usize;
    // SAFETY: live or NULL handles, valid slices, writable or NULL outputs.
    unsafe {
        assert_eq!(
            fapiao_front_end_pull(ptr::null(), 10, TEST_TIME, &mut bytes),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_front_end_pull(world.front_end, 10, TEST_TIME, ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );
        // A batch that is no envelope.
        assert_eq!(
            fapiao_front_end_run_commands(
                world.front_end,
                b"junk".as_ptr(),
                4,
                TEST_TIME,
                &mut bytes,
                &mut report
            ),
            FAPIAO_ENVELOPE_MALFORMED
        );
        assert_eq!(
            fapiao_front_end_run_commands(
                world.front_end,
                ptr::null(),
                4,
                TEST_TIME,
                &mut bytes,
                &mut report
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_front_end_read_ack(
                world.front_end,
                b"junk".as_ptr(),
                4,
                TEST_TIME,
                &mut recorded
            ),
            FAPIAO_ENVELOPE_MALFORMED
        );
        // Its own pull is not an answer from the service platform.
        let mut pull = ptr::null_mut();
        ok(fapiao_front_end_pull(
            world.front_end,
            10,
            TEST_TIME,
            &mut pull,
        ));
        let pull = take_bytes(pull);
        assert_ne!(
            fapiao_front_end_read_ack(
                world.front_end,
                pull.as_ptr(),
                pull.len(),
                TEST_TIME,
                &mut recorded
            ),
            FAPIAO_OK
        );
        let mut front_end = ptr::dangling_mut();
        assert_eq!(
            fapiao_front_end_new(
                ptr::null(),
                ptr::null(),
                ptr::null(),
                c"EISP-1".as_ptr(),
                SELLER_C.as_ptr(),
                ptr::null(),
                &mut front_end
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(front_end, ptr::dangling_mut());
        fapiao_front_end_free(ptr::null_mut());
    }
    assert_eq!(bytes, ptr::dangling_mut(), "outputs untouched on failure");
    assert_eq!(report.issued, 7);
    assert_eq!(recorded, 7);
}

/// The host's periodic sweep fails a command past its deadline: its ticket
/// answers the failure and the front end gets nothing.
#[test]
fn the_sweep_fails_commands_past_their_deadline() {
    let world = world("ENTERPRISE_HOSTED");
    let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
    ok(rc);
    let (_, ticket) = outcome_and_number(&world, &answer);
    let mut expired = usize::MAX;
    // SAFETY: a live platform and a writable count, or NULLs.
    unsafe {
        ok(fapiao_service_platform_expire_commands(
            world.service,
            TEST_TIME + 600,
            &mut expired,
        ));
        assert_eq!(expired, 0, "not past its deadline at the deadline");
        ok(fapiao_service_platform_expire_commands(
            world.service,
            TEST_TIME + 601,
            &mut expired,
        ));
        assert_eq!(expired, 1);
        ok(fapiao_service_platform_expire_commands(
            world.service,
            TEST_TIME + 601,
            ptr::null_mut(),
        ));
        assert_eq!(
            fapiao_service_platform_expire_commands(ptr::null(), 0, &mut expired),
            FAPIAO_NULL_ARGUMENT
        );
    }
    let (rc, answer) = world.handle(&query(&world, &ticket));
    ok(rc);
    let (outcome, _) = outcome_and_number(&world, &answer);
    assert_eq!(outcome, fapiao_issue_outcome::FAPIAO_OUTCOME_FAILED as u32);
    let (report, recorded) = front_end_round(&world, world.front_end);
    assert_eq!((report, recorded), (fapiao_front_end_report::default(), 0));
}

/// Number segments allocated to an enterprise's device at the service platform:
/// checked like a device's own, and never overlapping another device's.
#[test]
fn number_segments_are_allocated_to_enterprise_devices() {
    let mut store = ptr::null_mut();
    // SAFETY: a fresh store handle, NUL-terminated strings; freed once.
    unsafe {
        ok(fapiao_store_open(ptr::null(), &mut store));
        let add =
            |device: &core::ffi::CStr, id: &core::ffi::CStr, kind: &core::ffi::CStr, first| {
                fapiao_store_add_number_segment(
                    store,
                    device.as_ptr(),
                    id.as_ptr(),
                    kind.as_ptr(),
                    c"26351".as_ptr(),
                    first,
                    first + 99,
                )
            };
        ok(add(c"ENT-DEV-1", c"s-1", c"DIGITAL_ORDINARY", 1));
        ok(add(c"ENT-DEV-1", c"s-1", c"DIGITAL_ORDINARY", 1));
        assert_eq!(
            add(c"ENT-DEV-2", c"s-2", c"DIGITAL_ORDINARY", 50),
            FAPIAO_STORE_REFUSED,
            "overlaps ENT-DEV-1's"
        );
        assert_eq!(
            add(c"ENT-DEV-2", c"s-1", c"DIGITAL_ORDINARY", 500),
            FAPIAO_STORE_CONFLICT
        );
        assert_eq!(
            add(c"ENT-DEV-2", c"s-3", c"PAPER", 500),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            add(c"ENT DEV", c"s-4", c"DIGITAL_ORDINARY", 500),
            FAPIAO_DEVICE_FAILED
        );
        ok(add(c"ENT-DEV-2", c"s-5", c"DIGITAL_ORDINARY", 500));
        assert_eq!(
            fapiao_store_add_number_segment(
                store,
                ptr::null(),
                c"s-6".as_ptr(),
                c"DIGITAL_ORDINARY".as_ptr(),
                c"26351".as_ptr(),
                1000,
                1001
            ),
            FAPIAO_NULL_ARGUMENT
        );
        fapiao_store_free(store);
    }
}
