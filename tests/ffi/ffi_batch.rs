//! Group commit through the C API: `fapiao_service_platform_handle_batch` and
//! `fapiao_cloud_platform_open_responses`, each message's outcome in the
//! caller's arrays, and their argument checks.

use crate::ffi_support;

use core::ptr;
use std::collections::BTreeSet;

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use ffi_support::platform_world::*;
use ffi_support::*;

fn order(serial: &str) -> Vec<u8> {
    String::from_utf8(request("valid-blue.json"))
        .unwrap()
        .replace("ERP-20261128-000001", serial)
        .into_bytes()
}

fn messages(of: &[&[u8]]) -> Vec<fapiao_message> {
    of.iter()
        .map(|m| fapiao_message {
            data: m.as_ptr(),
            len: m.len(),
        })
        .collect()
}

fn invoice_number(response: *const fapiao_issue_response) -> String {
    string(|buf, len, written| {
        // SAFETY: a live response and the buffer `string` provides.
        unsafe { fapiao_issue_response_invoice_number(response, buf, len, written) }
    })
}

/// `fapiao_batch_error_detail(index)`: `None` for `FAPIAO_NOT_FOUND`.
fn batch_detail(index: usize) -> Option<String> {
    let mut needed = 0usize;
    // SAFETY: a NULL buffer of length 0 asks for the length; a writable size_t.
    let rc = unsafe { fapiao_batch_error_detail(index, ptr::null_mut(), 0, &mut needed) };
    if rc == FAPIAO_NOT_FOUND {
        return None;
    }
    let mut buf = vec![0u8; needed + 1];
    let mut written = 0usize;
    // SAFETY: a buffer of `needed + 1` writable bytes and a writable size_t.
    let rc = unsafe {
        fapiao_batch_error_detail(index, buf.as_mut_ptr().cast(), buf.len(), &mut written)
    };
    assert_eq!(rc, FAPIAO_OK);
    Some(String::from_utf8(buf[..written].to_vec()).unwrap())
}

#[test]
fn a_batch_is_handled_and_stored_with_each_outcome_in_place() {
    let world = world("PLATFORM_HOSTED");
    let first = world.submit(&order("CB-1"));
    let second = world.submit(&order("CB-2"));
    let garbage = b"not an envelope".to_vec();
    let batch = messages(&[&first, &garbage, &second, &first]);
    let mut answers = [ptr::null_mut(); 4];
    let mut results = [FAPIAO_PANIC; 4];
    // SAFETY: a live handle, four readable messages and four writable elements
    // in each output array.
    ok(unsafe {
        fapiao_service_platform_handle_batch(
            world.service,
            batch.as_ptr(),
            batch.len(),
            TEST_TIME,
            answers.as_mut_ptr(),
            results.as_mut_ptr(),
        )
    });
    assert_eq!(results[0], FAPIAO_OK);
    assert_eq!(results[2], FAPIAO_OK);
    assert_ne!(results[1], FAPIAO_OK, "garbage has a code of its own");
    assert_eq!(
        results[3], FAPIAO_REPLAY,
        "the same envelope again in the batch"
    );
    assert!(answers[1].is_null() && answers[3].is_null());
    // Each message's own reason, kept for this thread until its next batch.
    assert_eq!(batch_detail(0), Some(String::new()), "succeeded: no detail");
    let replay = batch_detail(3).unwrap();
    assert!(
        replay.starts_with("fapiao_service_platform_handle_batch: messages[3]: ")
            && replay.contains("replay"),
        "{replay}"
    );
    assert!(batch_detail(1).unwrap().contains("messages[1]: "));
    assert_eq!(batch_detail(4), None, "four messages");
    let sealed = [take_bytes(answers[0]), take_bytes(answers[2])];

    let batch = messages(&[&sealed[0], b"\x30\x00", &sealed[1]]);
    let mut responses = [ptr::null_mut(); 3];
    let mut results = [FAPIAO_PANIC; 3];
    // SAFETY: as above, three elements.
    ok(unsafe {
        fapiao_cloud_platform_open_responses(
            world.cloud,
            batch.as_ptr(),
            batch.len(),
            TEST_TIME,
            responses.as_mut_ptr(),
            results.as_mut_ptr(),
        )
    });
    assert_eq!(results[0], FAPIAO_OK);
    assert_ne!(results[1], FAPIAO_OK);
    assert!(responses[1].is_null());
    assert_eq!(results[2], FAPIAO_OK);
    assert!(
        batch_detail(1)
            .unwrap()
            .starts_with("fapiao_cloud_platform_open_responses: messages[1]: envelope: ")
    );
    assert_eq!(
        batch_detail(3),
        None,
        "the cloud platform's batch replaced it"
    );
    let numbers: BTreeSet<String> = [responses[0], responses[2]]
        .iter()
        .map(|&r| invoice_number(r))
        .collect();
    assert_eq!(numbers.len(), 2, "two invoices, two numbers: {numbers:?}");
    for response in responses {
        // SAFETY: each response freed once (NULL does nothing).
        unsafe { fapiao_issue_response_free(response) };
    }
}

#[test]
fn batch_arguments_are_checked_and_a_refused_call_fills_the_arrays() {
    let world = world("PLATFORM_HOSTED");
    let envelope = world.submit(&order("CB-9"));
    let batch = messages(&[&envelope]);
    let mut answers = [ptr::null_mut(); 1];
    let mut responses = [ptr::null_mut(); 1];
    let mut results = [FAPIAO_OK; 1];
    // SAFETY: every pointer below is NULL, dangling with a zero count, or valid
    // for the count given.
    unsafe {
        // Nothing to do.
        ok(fapiao_service_platform_handle_batch(
            world.service,
            ptr::null(),
            0,
            TEST_TIME,
            ptr::null_mut(),
            ptr::null_mut(),
        ));
        // No result array.
        let rc = fapiao_service_platform_handle_batch(
            world.service,
            batch.as_ptr(),
            1,
            TEST_TIME,
            answers.as_mut_ptr(),
            ptr::null_mut(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert!(last_error().contains("results"), "{}", last_error());
        // No messages: each output reports the refusal.
        let rc = fapiao_service_platform_handle_batch(
            world.service,
            ptr::null(),
            1,
            TEST_TIME,
            answers.as_mut_ptr(),
            results.as_mut_ptr(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert_eq!(results[0], FAPIAO_NULL_ARGUMENT);
        assert!(answers[0].is_null());
        // The call's own reason stands for its one message.
        assert!(
            batch_detail(0).unwrap().contains("messages"),
            "{:?}",
            batch_detail(0)
        );
        // No result array to write: no details either (they replace the above).
        let rc = fapiao_service_platform_handle_batch(
            world.service,
            batch.as_ptr(),
            1,
            TEST_TIME,
            answers.as_mut_ptr(),
            ptr::null_mut(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert_eq!(batch_detail(0), None, "no arrays written, no details");
        // A message whose bytes are NULL.
        let hole = [fapiao_message {
            data: ptr::null(),
            len: 5,
        }];
        let rc = fapiao_cloud_platform_open_responses(
            world.cloud,
            hole.as_ptr(),
            1,
            TEST_TIME,
            responses.as_mut_ptr(),
            results.as_mut_ptr(),
        );
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        assert!(last_error().contains("messages[0]"), "{}", last_error());
        assert_eq!(results[0], FAPIAO_NULL_ARGUMENT);
        assert!(responses[0].is_null());
        // Too many messages: refused before anything is read or written.
        results[0] = FAPIAO_OK;
        let rc = fapiao_service_platform_handle_batch(
            world.service,
            batch.as_ptr(),
            FAPIAO_MAX_BATCH + 1,
            TEST_TIME,
            answers.as_mut_ptr(),
            results.as_mut_ptr(),
        );
        assert_eq!(rc, FAPIAO_INVALID_ARGUMENT);
        assert!(last_error().contains("count"), "{}", last_error());
        assert_eq!(
            results[0], FAPIAO_OK,
            "nothing written past a refused count"
        );
        // The envelope was not consumed by the refused calls.
        ok(fapiao_service_platform_handle_batch(
            world.service,
            batch.as_ptr(),
            1,
            TEST_TIME,
            answers.as_mut_ptr(),
            results.as_mut_ptr(),
        ));
        assert_eq!(results[0], FAPIAO_OK);
        fapiao_bytes_free(answers[0]);
    }
}
