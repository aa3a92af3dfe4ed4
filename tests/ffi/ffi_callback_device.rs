//! A device outside the library plugged in through the C API
//! (`fapiao_callback_device_new`): the service platform hosts it, issues through
//! it, and never passes on an invoice that is not the command's; the device's
//! "retry later" and "refused" reach the cloud platform as device failures.

use crate::ffi_support;

use core::ffi::{c_char, c_void};
use core::ptr;
use std::sync::{Arc, Mutex};

use fapiao::CryptoProvider;
use fapiao::device::{ControlCommand, DeviceSecret, IssuingDevice, NumberSegment, SoftwareDevice};
use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use fapiao::invoice::{InvoiceKind, IssueResponse};
use fapiao::pki::Credentials;
use fapiao::store::SqliteStore;
use ffi_support::platform_world::*;
use ffi_support::*;

/// How the stand-in device answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Issue on the software device inside.
    Issue,
    /// Issue, then change the total before answering.
    Tamper,
    /// Issue, but claim another device issued it.
    OtherDevice,
    /// Answer with a length past the array.
    Overlong,
    RetryLater,
    Refuse,
    /// A value that is no `fapiao_device_status`.
    Unknown,
}

/// The host's device: a software device standing in for hardware.
struct StandIn {
    device: SoftwareDevice,
    mode: Mutex<Mode>,
    calls: Mutex<usize>,
}

fn stand_in() -> StandIn {
    let mut chain = data("eisp-p256.pem");
    chain.extend_from_slice(&data("issuing-ca.pem"));
    let provider = CryptoProvider::default_provider();
    let credentials =
        Credentials::from_pem(&chain, &data("eisp-p256.key.pem"), None, provider).unwrap();
    let device = SoftwareDevice::new(
        "HW-1",
        credentials,
        DeviceSecret::new(&[5u8; 32]).unwrap(),
        Arc::new(SqliteStore::open_in_memory().unwrap()),
        provider,
    )
    .unwrap();
    device
        .add_segment(
            &NumberSegment::digital(
                "hw-seg",
                "HW-1",
                InvoiceKind::DigitalOrdinary,
                "26352",
                1,
                100,
            )
            .unwrap(),
        )
        .unwrap();
    StandIn {
        device,
        mode: Mutex::new(Mode::Issue),
        calls: Mutex::new(0),
    }
}

fn put(field: &mut [c_char; 256], text: &str) {
    for (slot, byte) in field.iter_mut().zip(text.bytes()) {
        *slot = byte as c_char;
    }
}

unsafe extern "C" fn issue(
    user_data: *mut c_void,
    command_json: *const u8,
    command_json_len: usize,
    now: u64,
    answer: *mut fapiao_device_answer,
) -> u32 {
    // SAFETY: `user_data` is the test's `StandIn`; the command and the answer
    // are valid for the call (the library's promise).
    let (stand_in, json, answer) = unsafe {
        (
            &*user_data.cast::<StandIn>(),
            core::slice::from_raw_parts(command_json, command_json_len),
            &mut *answer,
        )
    };
    *stand_in.calls.lock().unwrap() += 1;
    assert_eq!(answer.invoice_json_len, 0, "zeroed");
    let mode = *stand_in.mode.lock().unwrap();
    match mode {
        Mode::RetryLater => {
            put(&mut answer.detail, "device busy");
            return fapiao_device_status::FAPIAO_DEVICE_RETRY_LATER as u32;
        }
        Mode::Refuse => {
            put(&mut answer.detail, "no paper");
            return fapiao_device_status::FAPIAO_DEVICE_REFUSED as u32;
        }
        Mode::Unknown => return 9,
        _ => {}
    }
    let command = ControlCommand::from_json(json, &Default::default()).expect("a command");
    let mut invoice = stand_in.device.issue(&command, now).expect("issued");
    match mode {
        Mode::Tamper => invoice.total_fen += 1,
        Mode::OtherDevice => invoice.device_id = "HW-2".into(),
        _ => {}
    }
    let out = serde_json::to_vec(&invoice).unwrap();
    answer.invoice_json[..out.len()].copy_from_slice(&out);
    answer.invoice_json_len = if mode == Mode::Overlong {
        16385
    } else {
        out.len()
    };
    fapiao_device_status::FAPIAO_DEVICE_ISSUED as u32
}

struct Hosted {
    world: World,
    stand_in: Box<StandIn>,
}

fn hosted() -> Hosted {
    let stand_in = Box::new(stand_in());
    let mut device = ptr::null_mut();
    // SAFETY: a NUL-terminated id, a callback of the right type, user data that
    // outlives the platform (it lives in `Hosted` beside it), a writable output.
    unsafe {
        ok(fapiao_callback_device_new(
            c"HW-1".as_ptr(),
            Some(issue),
            ptr::from_ref::<StandIn>(&stand_in).cast_mut().cast(),
            &mut device,
        ));
    }
    let world = world_with("PLATFORM_HOSTED", device);
    // SAFETY: freed once; the platform keeps the device.
    unsafe { fapiao_callback_device_free(device) };
    Hosted { world, stand_in }
}

/// The order with `serial` through the whole path, and the answer.
fn order(hosted: &Hosted, serial: &str) -> IssueResponse {
    let order = String::from_utf8(ffi_support::request("valid-blue.json"))
        .unwrap()
        .replace("ERP-20261128-000001", serial);
    let (rc, answer) = hosted.world.handle(&hosted.world.submit(order.as_bytes()));
    ok(rc);
    let response = hosted.world.open(&answer);
    let mut json = ptr::null();
    let mut len = 0;
    // SAFETY: a live response and writable outputs; the JSON is read before
    // the response is freed, once.
    unsafe {
        ok(fapiao_issue_response_json(response, &mut json, &mut len));
        let parsed = IssueResponse::from_json(core::slice::from_raw_parts(json, len)).unwrap();
        fapiao_issue_response_free(response);
        parsed
    }
}

fn device_failure(response: &IssueResponse) -> (bool, String) {
    match &response.outcome {
        fapiao::invoice::IssueOutcome::Failed {
            reason: fapiao::invoice::FailureReason::DeviceFailed { retryable, detail },
        } => (*retryable, detail.clone()),
        other => panic!("expected a device failure, got {other:?}"),
    }
}

#[test]
fn the_service_platform_issues_on_the_hosts_device() {
    let hosted = hosted();
    let response = order(&hosted, "HW-ORDER-1");
    let fapiao::invoice::IssueOutcome::Issued { invoice } = &response.outcome else {
        panic!("expected an invoice, got {response:?}");
    };
    assert_eq!(invoice.device_id, "HW-1");
    assert_eq!(invoice.invoice_number.to_string(), "26352000000000000001");
    assert_eq!(*hosted.stand_in.calls.lock().unwrap(), 1);
}

#[test]
fn an_invoice_that_is_not_the_commands_is_never_passed_on() {
    let hosted = hosted();
    for (mode, serial, expect) in [
        (Mode::Tamper, "HW-T", "not the command's invoice: total_fen"),
        (Mode::OtherDevice, "HW-O", "names device \"HW-2\""),
        (Mode::Overlong, "HW-L", "invoice_json_len 16385"),
    ] {
        *hosted.stand_in.mode.lock().unwrap() = mode;
        let (retryable, detail) = device_failure(&order(&hosted, serial));
        assert!(!retryable, "{mode:?}");
        assert!(detail.contains(expect), "{mode:?}: {detail}");
    }
}

#[test]
fn the_devices_own_failures_reach_the_cloud_platform() {
    let hosted = hosted();
    *hosted.stand_in.mode.lock().unwrap() = Mode::RetryLater;
    let (retryable, detail) = device_failure(&order(&hosted, "HW-R"));
    assert!(retryable);
    assert!(detail.contains("device busy"), "{detail}");
    // Not recorded: the same serial number goes through once the device is back.
    *hosted.stand_in.mode.lock().unwrap() = Mode::Issue;
    assert!(matches!(
        order(&hosted, "HW-R").outcome,
        fapiao::invoice::IssueOutcome::Issued { .. }
    ));

    *hosted.stand_in.mode.lock().unwrap() = Mode::Refuse;
    let (retryable, detail) = device_failure(&order(&hosted, "HW-F"));
    assert!(!retryable);
    assert!(detail.contains("no paper"), "{detail}");

    *hosted.stand_in.mode.lock().unwrap() = Mode::Unknown;
    let (retryable, detail) = device_failure(&order(&hosted, "HW-U"));
    assert!(!retryable, "an unknown status is a refusal");
    assert!(detail.contains("returned 9"), "{detail}");
}

#[test]
fn callback_device_argument_checks() {
    let mut device = ptr::dangling_mut();
    // SAFETY: NULL or NUL-terminated strings, a writable output.
    unsafe {
        assert_eq!(
            fapiao_callback_device_new(c"HW-1".as_ptr(), None, ptr::null_mut(), &mut device),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_callback_device_new(
                c"no spaces".as_ptr(),
                Some(issue),
                ptr::null_mut(),
                &mut device
            ),
            FAPIAO_INVALID_ARGUMENT
        );
        assert_eq!(
            fapiao_callback_device_new(ptr::null(), Some(issue), ptr::null_mut(), &mut device),
            FAPIAO_NULL_ARGUMENT
        );
        let mut service = ptr::dangling_mut();
        assert_eq!(
            fapiao_service_platform_new_with_callback_device(
                ptr::null(),
                ptr::null(),
                ptr::null(),
                ptr::null(),
                &mut service
            ),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(service, ptr::dangling_mut());
        fapiao_callback_device_free(ptr::null_mut());
    }
    assert_eq!(device, ptr::dangling_mut(), "untouched on failure");
}

/// The enterprise-hosted mode with the enterprise's own device behind a
/// callback: its front end issues the queued command on it.
#[test]
fn a_front_end_issues_on_the_enterprises_device() {
    let world = world("ENTERPRISE_HOSTED");
    let stand_in = Box::new(stand_in());
    let trust = trust_store(true);
    let credentials = ffi_support::credentials("enterprise-rsa");
    let mut store = ptr::null_mut();
    let mut device = ptr::null_mut();
    let mut front_end = ptr::null_mut();
    // SAFETY: live handles, NUL-terminated strings, user data that outlives the
    // front end, writable outputs; each handle freed once.
    unsafe {
        ok(fapiao_store_open(ptr::null(), &mut store));
        ok(pin(
            store,
            trust,
            c"EISP-1",
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
            "eisp-p256",
        ));
        ok(fapiao_callback_device_new(
            c"HW-1".as_ptr(),
            Some(issue),
            ptr::from_ref::<StandIn>(&stand_in).cast_mut().cast(),
            &mut device,
        ));
        ok(fapiao_front_end_new_with_callback_device(
            credentials,
            trust,
            store,
            c"EISP-1".as_ptr(),
            SELLER_C.as_ptr(),
            device,
            &mut front_end,
        ));
        fapiao_callback_device_free(device);
        fapiao_store_free(store);
        fapiao_credentials_free(credentials);
        fapiao_trust_store_free(trust);
    }

    let (rc, answer) = world.handle(&world.submit(&ffi_support::request("valid-blue.json")));
    ok(rc);
    // SAFETY: a live response, freed once.
    unsafe { fapiao_issue_response_free(world.open(&answer)) };

    let (report, recorded) = front_end_round(&world, front_end);
    // SAFETY: freed once.
    unsafe { fapiao_front_end_free(front_end) };
    assert_eq!((report.issued, recorded), (1, 1));
    assert_eq!(*stand_in.calls.lock().unwrap(), 1);
}
