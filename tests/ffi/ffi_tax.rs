//! The tax upload through the C API: a C host's upload callback, driven by
//! `fapiao_service_platform_drain_outbox` (accepted, retried with backoff,
//! parked), and its argument checks.

use crate::ffi_support;

use core::ffi::{c_char, c_void};
use core::ptr;
use std::collections::VecDeque;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use fapiao::invoice::IssuedInvoice;
use ffi_support::platform_world::*;
use ffi_support::*;

/// What the test's "tax authority" answers, one script entry per call.
#[derive(Clone, Copy)]
enum Answer {
    Accept(&'static str),
    Unavailable(&'static str),
    Refuse(&'static str, &'static str),
    /// Accepted, but the receipt id fills the whole array with no NUL.
    AcceptOverlong,
    /// A value that is no `fapiao_upload_status`.
    Unknown(u32),
}

#[derive(Default)]
struct Authority {
    script: VecDeque<Answer>,
    seen: Vec<IssuedInvoice>,
}

fn put(field: &mut [c_char; 256], text: &str) {
    for (slot, byte) in field.iter_mut().zip(text.bytes()) {
        *slot = byte as c_char;
    }
}

/// The C callback: reads the invoice, answers from the script.
unsafe extern "C" fn upload(
    user_data: *mut c_void,
    invoice_json: *const u8,
    invoice_json_len: usize,
    answer: *mut fapiao_upload_answer,
) -> u32 {
    // SAFETY: `user_data` is the `Authority` the test passed; the JSON and the
    // answer are valid for the call (the library's promise).
    let (authority, json, answer) = unsafe {
        (
            &mut *user_data.cast::<Authority>(),
            core::slice::from_raw_parts(invoice_json, invoice_json_len),
            &mut *answer,
        )
    };
    assert!(answer.receipt_id.iter().all(|&c| c == 0), "zeroed");
    authority
        .seen
        .push(serde_json::from_slice(json).expect("the invoice's JSON"));
    match authority.script.pop_front().expect("a scripted answer") {
        Answer::Accept(receipt) => {
            put(&mut answer.receipt_id, receipt);
            answer.accepted_at_unix = TEST_TIME + 1;
            fapiao_upload_status::FAPIAO_UPLOAD_ACCEPTED as u32
        }
        Answer::Unavailable(code) => {
            put(&mut answer.code, code);
            fapiao_upload_status::FAPIAO_UPLOAD_UNAVAILABLE as u32
        }
        Answer::Refuse(code, message) => {
            put(&mut answer.code, code);
            put(&mut answer.message, message);
            fapiao_upload_status::FAPIAO_UPLOAD_REFUSED as u32
        }
        Answer::AcceptOverlong => {
            answer.receipt_id = [b'R' as c_char; 256];
            fapiao_upload_status::FAPIAO_UPLOAD_ACCEPTED as u32
        }
        Answer::Unknown(status) => status,
    }
}

fn issue(world: &World, serial: &str) -> String {
    let order = String::from_utf8(ffi_support::request("valid-blue.json"))
        .unwrap()
        .replace("ERP-20261128-000001", serial);
    let (rc, answer) = world.handle(&world.submit(order.as_bytes()));
    ok(rc);
    let response = world.open(&answer);
    let mut buf = [0u8; 64];
    let mut written = 0;
    // SAFETY: a live response, a 64-byte buffer, a writable length; freed once.
    unsafe {
        ok(fapiao_issue_response_invoice_number(
            response,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        ));
        fapiao_issue_response_free(response);
    }
    String::from_utf8(buf[..written].to_vec()).unwrap()
}

fn drain(world: &World, authority: &mut Authority, now: u64) -> fapiao_drain_report {
    let mut report = fapiao_drain_report::default();
    // SAFETY: a live platform, a callback of the right type with the authority
    // as its user data, a writable report.
    ok(unsafe {
        fapiao_service_platform_drain_outbox(
            world.service,
            Some(upload),
            ptr::from_mut(authority).cast(),
            now,
            &mut report,
        )
    });
    report
}

fn report(due: usize, uploaded: usize, retried: usize, parked: usize) -> fapiao_drain_report {
    fapiao_drain_report {
        due,
        uploaded,
        retried,
        parked,
    }
}

#[test]
fn a_c_host_uploads_through_its_callback() {
    let world = world("PLATFORM_HOSTED");
    let numbers: Vec<String> = ["T-1", "T-2", "T-3"]
        .into_iter()
        .map(|serial| issue(&world, serial))
        .collect();

    let mut authority = Authority {
        script: [
            Answer::Unavailable("503"),
            Answer::Refuse("E42", "buyer unknown"),
            Answer::Accept("RCPT-3"),
        ]
        .into(),
        ..Authority::default()
    };
    assert_eq!(drain(&world, &mut authority, TEST_TIME), report(3, 1, 1, 1));
    let uploaded: Vec<String> = authority
        .seen
        .iter()
        .map(|invoice| invoice.invoice_number.to_string())
        .collect();
    assert_eq!(uploaded, numbers, "each issued invoice, oldest first");

    // Not due again before its backoff; then uploaded.
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME + 10),
        report(0, 0, 0, 0)
    );
    authority.script.push_back(Answer::Accept("RCPT-1"));
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME + 100_000),
        report(1, 1, 0, 0)
    );
    assert_eq!(
        authority.seen.last().unwrap().invoice_number.to_string(),
        numbers[0]
    );
    // The refused one stays parked; nothing else is due.
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME + 1_000_000),
        report(0, 0, 0, 0)
    );
    assert!(authority.script.is_empty());
}

#[test]
fn a_receipt_without_an_id_is_not_taken_and_long_texts_are_cut() {
    let world = world("PLATFORM_HOSTED");
    issue(&world, "L-1");
    let mut authority = Authority {
        script: [Answer::Accept("")].into(),
        ..Authority::default()
    };
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME),
        report(1, 0, 1, 0),
        "an empty receipt id is tried again, not recorded"
    );
    authority.script.push_back(Answer::AcceptOverlong);
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME + 100_000),
        report(1, 1, 0, 0)
    );
}

#[test]
fn a_status_that_is_no_upload_status_parks_the_invoice() {
    let world = world("PLATFORM_HOSTED");
    issue(&world, "U-1");
    let mut authority = Authority {
        script: [Answer::Unknown(7)].into(),
        ..Authority::default()
    };
    assert_eq!(drain(&world, &mut authority, TEST_TIME), report(1, 0, 0, 1));
    assert_eq!(
        drain(&world, &mut authority, TEST_TIME + 1_000_000),
        report(0, 0, 0, 0),
        "parked, not retried"
    );
}

#[test]
fn drain_argument_checks() {
    let world = world("PLATFORM_HOSTED");
    let mut authority = Authority::default();
    let mut report = fapiao_drain_report {
        due: 7,
        ..fapiao_drain_report::default()
    };
    let user_data: *mut c_void = ptr::from_mut(&mut authority).cast();
    // SAFETY: live or NULL handles, writable or NULL outputs.
    unsafe {
        assert_eq!(
            fapiao_service_platform_drain_outbox(
                world.service,
                None,
                user_data,
                TEST_TIME,
                &mut report
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert!(last_error().contains("upload"), "{}", last_error());
        assert_eq!(
            fapiao_service_platform_drain_outbox(
                ptr::null(),
                Some(upload),
                user_data,
                TEST_TIME,
                &mut report
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_service_platform_drain_outbox(
                world.service,
                Some(upload),
                user_data,
                TEST_TIME,
                ptr::null_mut()
            ),
            FAPIAO_NULL_ARGUMENT
        );
    }
    assert_eq!(report.due, 7, "the report is untouched on failure");
    assert!(authority.seen.is_empty());
}

fn drain_with(
    world: &World,
    authority: &mut Authority,
    policy: &fapiao_retry_policy,
    now: u64,
) -> (fapiao_result, fapiao_drain_report) {
    let mut report = fapiao_drain_report::default();
    // SAFETY: a live platform, a callback of the right type with the authority
    // as its user data, a readable policy, a writable report.
    let rc = unsafe {
        fapiao_service_platform_drain_outbox_with_policy(
            world.service,
            Some(upload),
            ptr::from_mut(authority).cast(),
            policy,
            now,
            &mut report,
        )
    };
    (rc, report)
}

#[test]
fn a_c_host_sets_the_retry_policy() {
    let world = world("PLATFORM_HOSTED");
    let numbers = [issue(&world, "P-1"), issue(&world, "P-2")];
    let mut policy = fapiao_retry_policy {
        base_delay_secs: 0,
        max_delay_secs: 0,
        max_attempts: 0,
        jitter_percent: 0,
        batch_limit: 0,
    };
    // SAFETY: a writable policy.
    ok(unsafe { fapiao_retry_policy_default(&mut policy) });
    assert_eq!(
        (
            policy.base_delay_secs,
            policy.max_delay_secs,
            policy.max_attempts,
            policy.jitter_percent,
            policy.batch_limit
        ),
        (30, 3600, 12, 20, 100)
    );

    // One invoice a call, parked at its first failure even when retryable (the
    // default would schedule it again).
    policy.batch_limit = 1;
    policy.max_attempts = 1;
    let mut authority = Authority {
        script: [Answer::Unavailable("503"), Answer::Accept("RCPT-2")].into(),
        ..Authority::default()
    };
    let run = |authority: &mut Authority, now| drain_with(&world, authority, &policy, now);
    assert_eq!(
        run(&mut authority, TEST_TIME),
        (FAPIAO_OK, report(1, 0, 0, 1))
    );
    assert_eq!(
        run(&mut authority, TEST_TIME),
        (FAPIAO_OK, report(1, 1, 0, 0))
    );
    assert_eq!(
        run(&mut authority, TEST_TIME + 1_000_000),
        (FAPIAO_OK, report(0, 0, 0, 0)),
        "the first is parked, the second uploaded"
    );
    let seen: Vec<String> = authority
        .seen
        .iter()
        .map(|invoice| invoice.invoice_number.to_string())
        .collect();
    assert_eq!(seen, numbers, "oldest first, one per call");

    // Policies out of range are refused before anything is uploaded.
    let default = {
        let mut p = policy;
        // SAFETY: a writable policy.
        ok(unsafe { fapiao_retry_policy_default(&mut p) });
        p
    };
    for (bad, why) in [
        (
            fapiao_retry_policy {
                base_delay_secs: 0,
                ..default
            },
            "base_delay_secs",
        ),
        (
            fapiao_retry_policy {
                max_delay_secs: 10,
                ..default
            },
            "max_delay_secs",
        ),
        (
            fapiao_retry_policy {
                max_attempts: 0,
                ..default
            },
            "max_attempts",
        ),
        (
            fapiao_retry_policy {
                jitter_percent: 101,
                ..default
            },
            "jitter_percent",
        ),
        (
            fapiao_retry_policy {
                batch_limit: 0,
                ..default
            },
            "batch_limit",
        ),
    ] {
        let (rc, _) = drain_with(&world, &mut authority, &bad, TEST_TIME);
        assert_eq!(rc, FAPIAO_INVALID_ARGUMENT, "{why}");
        assert!(last_error().contains(why), "{why}: {}", last_error());
    }
    let mut report = fapiao_drain_report::default();
    // SAFETY: a live platform and callback; a NULL policy is refused.
    let rc = unsafe {
        fapiao_service_platform_drain_outbox_with_policy(
            world.service,
            Some(upload),
            ptr::from_mut(&mut authority).cast(),
            ptr::null(),
            TEST_TIME,
            &mut report,
        )
    };
    assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    assert!(last_error().contains("policy"), "{}", last_error());
    // SAFETY: a NULL output is refused.
    assert_eq!(
        unsafe { fapiao_retry_policy_default(ptr::null_mut()) },
        FAPIAO_NULL_ARGUMENT
    );
    assert!(authority.script.is_empty() && authority.seen.len() == 2);
}

#[test]
fn a_c_host_compacts_old_uploads_and_forgets_expired_ids() {
    const DAY: u64 = 86_400;
    let world = world("PLATFORM_HOSTED");
    issue(&world, "M-1");
    let mut authority = Authority {
        script: [Answer::Accept("RCPT-1")].into(),
        ..Authority::default()
    };
    assert_eq!(drain(&world, &mut authority, TEST_TIME), report(1, 1, 0, 0));
    let maintain = |now: u64| {
        let mut done = fapiao_maintenance_report::default();
        // SAFETY: a live platform and a writable report.
        ok(unsafe { fapiao_service_platform_maintain(world.service, now, &mut done) });
        done
    };
    // Within the window and the retention: nothing to do.
    assert_eq!(maintain(TEST_TIME), fapiao_maintenance_report::default());
    // A retention of one day: the upload goes on day 2, once; the ids long before.
    // SAFETY: the platform is used by this thread alone.
    ok(unsafe { fapiao_service_platform_set_outbox_retention(world.service, DAY) });
    let done = maintain(TEST_TIME + 2 * DAY);
    assert_eq!(done.outbox_compacted, 1);
    assert!(done.replay_ids_pruned >= 1);
    assert_eq!(
        maintain(TEST_TIME + 2 * DAY),
        fapiao_maintenance_report::default()
    );
    let mut pruned = 0;
    // SAFETY: a live platform and a writable count.
    ok(unsafe { fapiao_cloud_platform_maintain(world.cloud, TEST_TIME + 2 * DAY, &mut pruned) });
    assert!(pruned >= 1);
    // SAFETY: live platforms; NULL outputs are refused before anything is done.
    unsafe {
        assert_eq!(
            fapiao_service_platform_maintain(world.service, TEST_TIME, ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_cloud_platform_maintain(world.cloud, TEST_TIME, ptr::null_mut()),
            FAPIAO_NULL_ARGUMENT
        );
    }
}
