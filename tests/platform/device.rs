//! The reference issuing device: sequential, durable, never reused numbering;
//! idempotent commands; deterministic check codes; a seal that verifies with the
//! device certificate.

use crate::issuing_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use fapiao::StoreError;
use fapiao::device::{
    ControlCommand, DeviceFailure, DeviceSecret, Disposition, IssuingDevice, NumberSegment,
    check_code_matches, compute_check_code, verify_device_signature,
};
use fapiao::device::{DeviceStore, NextNumber};
use fapiao::invoice::{InvoiceKind, ValidationPolicy};
use fapiao::store::SqliteStore;
use fapiao::{CryptoError, Error};
use issuing_support::*;

#[test]
fn numbering_is_strictly_sequential_and_survives_reopening_the_file() {
    let dir = temp_dir("device-durable");
    let path = dir.join("device.db");
    let mut issued = Vec::new();
    {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let device = device(store);
        device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
        for n in 1..=5 {
            let invoice = device.issue(&command(&format!("S-{n}")), NOW).unwrap();
            issued.push(invoice.invoice_number.to_string());
        }
    }
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let device = device(store.clone());
    // Adding the same segment again after a restart changes nothing.
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    for n in 6..=8 {
        let invoice = device.issue(&command(&format!("S-{n}")), NOW).unwrap();
        issued.push(invoice.invoice_number.to_string());
    }
    let expected: Vec<String> = (1..=8).map(number).collect();
    assert_eq!(issued, expected);
    let journal = store.journal(DEVICE).unwrap();
    let sequences: Vec<u64> = journal.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, (1..=8).collect::<Vec<_>>());
    assert_eq!(device.segments().unwrap()[0].next, 9);
    assert_eq!(device.segments().unwrap()[0].remaining(), 992);
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn the_same_command_gets_the_same_invoice_even_after_a_restart() {
    let dir = temp_dir("device-idempotent");
    let path = dir.join("device.db");
    let first = {
        let device = device(Arc::new(SqliteStore::open(&path).unwrap()));
        device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
        let first = device.issue(&command("S-1"), NOW).unwrap();
        assert_eq!(device.issue(&command("S-1"), NOW + 5).unwrap(), first);
        first
    };
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let device = device(store.clone());
    // A retry after the restart, even past the deadline, returns the invoice.
    assert_eq!(device.issue(&command("S-1"), NOW + 7200).unwrap(), first);
    let second = device.issue(&command("S-2"), NOW).unwrap();
    assert_eq!(second.invoice_number.to_string(), number(2));
    assert_eq!(store.journal(DEVICE).unwrap().len(), 2);
}

#[test]
fn a_command_id_reused_for_another_request_is_a_final_conflict() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 1, 10)).unwrap();
    device.issue(&command("S-1"), NOW).unwrap();
    let mut other = blue("S-1");
    other.buyer.name = "另一家公司".into();
    let other = other.validate(&ValidationPolicy::default()).unwrap();
    let reused = ControlCommand::new(command("S-1").command_id(), other, NOW + 3600).unwrap();
    let failure = device.issue(&reused, NOW).unwrap_err();
    assert!(
        matches!(
            failure,
            fapiao::Error::Device(DeviceFailure::CommandConflict { .. })
        ),
        "{failure}"
    );
    assert_eq!(failure.disposition(), Disposition::Final);
    assert_eq!(device.segments().unwrap()[0].next, 2);
}

#[test]
fn numbers_are_never_reused_across_many_commands_and_threads() {
    let store = memory_store();
    let device = Arc::new(device(store.clone()));
    device.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let device = device.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|n| {
                        // Every command twice: the retry must not take a number.
                        let command = command(&format!("T{t}-{n}"));
                        let a = device.issue(&command, NOW).unwrap();
                        assert_eq!(device.issue(&command, NOW).unwrap(), a);
                        a.invoice_number.to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 100);
    let expected: BTreeSet<String> = (1..=100).map(number).collect();
    assert_eq!(distinct, expected.iter().collect());
    assert!(store.check_integrity().unwrap().is_empty());
}

#[test]
fn an_exhausted_segment_is_final_and_the_next_segment_takes_over() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 1, 2)).unwrap();
    device.issue(&command("S-1"), NOW).unwrap();
    device.issue(&command("S-2"), NOW).unwrap();
    let failure = device.issue(&command("S-3"), NOW).unwrap_err();
    assert!(
        matches!(
            failure,
            fapiao::Error::Device(DeviceFailure::SegmentExhausted { .. })
        ),
        "{failure}"
    );
    assert!(!failure.is_retryable());
    // An operator adds a segment: numbering goes on there, in order.
    device.add_segment(&segment("seg-b", 500, 501)).unwrap();
    let third = device.issue(&command("S-3"), NOW).unwrap();
    assert_eq!(third.invoice_number.to_string(), number(500));
    let states = device.segments().unwrap();
    assert_eq!(states[0].remaining(), 0);
    assert_eq!(states[1].next, 501);
    // A kind without any segment.
    let failure = device
        .issue(&command_of_kind("S-4", InvoiceKind::DigitalSpecial), NOW)
        .unwrap_err();
    assert!(
        matches!(
            failure,
            fapiao::Error::Device(DeviceFailure::NoSegment { .. })
        ),
        "{failure}"
    );
}

#[test]
fn legacy_kinds_get_an_invoice_code_and_eight_digits() {
    let device = device(memory_store());
    let legacy = NumberSegment::legacy(
        "paper-1",
        DEVICE,
        InvoiceKind::PaperSpecial,
        "3500261130",
        1,
        99,
    )
    .unwrap();
    device.add_segment(&legacy).unwrap();
    let invoice = device
        .issue(&command_of_kind("S-1", InvoiceKind::PaperSpecial), NOW)
        .unwrap();
    assert_eq!(invoice.invoice_number.to_string(), "3500261130/00000001");
    let json = serde_json::to_value(&invoice.invoice_number).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"code": "3500261130", "number": "00000001"})
    );
}

#[test]
fn segments_must_not_overlap() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 100, 199)).unwrap();
    let overlap = device.add_segment(&segment("seg-b", 150, 250)).unwrap_err();
    assert!(
        matches!(
            overlap,
            fapiao::Error::Store(StoreError::SegmentOverlap { .. })
        ),
        "{overlap}"
    );
    // The same numbers written with a shorter prefix overlap too.
    let shorter = NumberSegment::digital(
        "seg-c",
        DEVICE,
        InvoiceKind::DigitalOrdinary,
        "2635",
        150,
        160,
    )
    .unwrap();
    assert!(device.add_segment(&shorter).is_err());
    // Another id for a different range is fine; a different range under a used id is not.
    device.add_segment(&segment("seg-d", 200, 299)).unwrap();
    let reused = device.add_segment(&segment("seg-a", 300, 399)).unwrap_err();
    assert!(
        matches!(reused, fapiao::Error::Store(StoreError::Duplicate { .. })),
        "{reused}"
    );
    // Another device's segment is refused by this device.
    let foreign =
        NumberSegment::digital("seg-x", "other", InvoiceKind::DigitalOrdinary, PREFIX, 1, 2)
            .unwrap();
    assert!(matches!(
        device.add_segment(&foreign),
        Err(fapiao::Error::Device(DeviceFailure::InvalidSegment { .. }))
    ));
}

/// Which segment, of any device, a number belongs to: the service platform's
/// look-up for the numbers an enterprise's front end reports.
#[test]
fn a_number_is_found_in_the_one_segment_that_holds_it() {
    use fapiao::invoice::InvoiceNumber;
    let store = memory_store();
    store.add_segment(&segment("seg-a", 100, 199)).unwrap();
    let other = NumberSegment::digital(
        "seg-o",
        "OTHER-DEV",
        InvoiceKind::DigitalOrdinary,
        PREFIX,
        200,
        299,
    )
    .unwrap();
    store.add_segment(&other).unwrap();
    let legacy = NumberSegment::legacy(
        "seg-l",
        "OTHER-DEV",
        InvoiceKind::PaperOrdinary,
        "3500261130",
        1,
        9,
    )
    .unwrap();
    store.add_segment(&legacy).unwrap();
    let found = |number: &InvoiceNumber| {
        store
            .segment_of(number)
            .unwrap()
            .map(|s| s.segment_id().to_owned())
    };
    let digital = |n: u64| InvoiceNumber::digital(&number(n)).unwrap();
    assert_eq!(found(&digital(100)).as_deref(), Some("seg-a"));
    assert_eq!(found(&digital(199)).as_deref(), Some("seg-a"));
    assert_eq!(found(&digital(200)).as_deref(), Some("seg-o"));
    assert_eq!(found(&digital(99)), None);
    assert_eq!(found(&digital(300)), None);
    let paper = |code: &str, n: &str| InvoiceNumber::legacy(code, n).unwrap();
    assert_eq!(
        found(&paper("3500261130", "00000009")).as_deref(),
        Some("seg-l")
    );
    assert_eq!(found(&paper("3500261131", "00000009")), None);
    assert_eq!(found(&paper("3500261130", "00000010")), None);
}

#[test]
fn a_passed_deadline_is_final_and_takes_no_number() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 1, 10)).unwrap();
    let failure = device.issue(&command("S-1"), NOW + 3601).unwrap_err();
    assert!(
        matches!(
            failure,
            fapiao::Error::Device(DeviceFailure::DeadlinePassed { .. })
        ),
        "{failure}"
    );
    assert_eq!(failure.disposition(), Disposition::Final);
    assert_eq!(device.segments().unwrap()[0].next, 1);
    let next = device.issue(&command("S-2"), NOW).unwrap();
    assert_eq!(next.invoice_number.to_string(), number(1));
}

#[test]
fn a_failure_while_building_the_invoice_leaves_nothing_half_written() {
    let store = memory_store();
    store.add_segment(&segment("seg-a", 1, 10)).unwrap();
    let digest = [7u8; 32];
    let next = NextNumber {
        device_id: DEVICE,
        command_id: "C-1",
        command_digest: &digest,
        invoice_kind: InvoiceKind::DigitalOrdinary,
    };
    // The seal fails (an HSM away, say) after the number was taken in the transaction.
    let failure = store
        .issue_next(&next, &mut |allocated| {
            assert_eq!(allocated.number.to_string(), number(1));
            Err(DeviceFailure::Seal(CryptoError::ProviderFailed {
                operation: "sign",
            }))
        })
        .unwrap_err();
    assert!(failure.is_retryable(), "{failure}");
    assert_eq!(store.segments(DEVICE).unwrap()[0].next, 1);
    assert!(store.journal(DEVICE).unwrap().is_empty());
    assert!(store.issued_for_command(DEVICE, "C-1").unwrap().is_none());
    // The retry gets the same, first number.
    let device = device(store.clone());
    assert_eq!(
        device
            .issue(&command("S-1"), NOW)
            .unwrap()
            .invoice_number
            .to_string(),
        number(1)
    );
}

#[test]
fn the_check_code_is_twenty_digits_deterministic_and_keyed() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 1, 10)).unwrap();
    let command = command("S-1");
    let invoice = device.issue(&command, NOW).unwrap();
    let code = invoice.check_code.as_str();
    assert_eq!(code.len(), 20);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let request = command.request().request();
    let again = compute_check_code(&secret(), provider(), &invoice, request).unwrap();
    assert_eq!(again, invoice.check_code);
    assert!(check_code_matches(&secret(), provider(), &invoice, request).unwrap());
    // Another secret, another code.
    let other = DeviceSecret::new(&[0x42; 32]).unwrap();
    assert_ne!(
        compute_check_code(&other, provider(), &invoice, request).unwrap(),
        invoice.check_code
    );
    // The code covers the content, not only the header.
    let mut altered = request.clone();
    altered.lines[0].name = "*信息技术服务*别的服务".into();
    assert!(!check_code_matches(&secret(), provider(), &invoice, &altered).unwrap());
    let mut moved = invoice.clone();
    moved.total_fen += 1;
    assert!(!check_code_matches(&secret(), provider(), &moved, request).unwrap());
}

#[test]
fn the_seal_verifies_with_the_device_certificate() {
    for leaf in ["eisp-p256", "enterprise-rsa"] {
        let device = device_with(memory_store(), leaf);
        device.add_segment(&segment("seg-a", 1, 10)).unwrap();
        let invoice = device.issue(&command("S-1"), NOW).unwrap();
        let certificate = credentials(leaf).leaf().clone();
        verify_device_signature(&invoice, &certificate, provider()).unwrap();
        assert_eq!(device.certificate(), &certificate);

        let mut tampered = invoice.clone();
        tampered.amount_fen -= 100;
        let err = verify_device_signature(&tampered, &certificate, provider()).unwrap_err();
        assert!(
            matches!(err, Error::Crypto(CryptoError::BadSignature)),
            "{leaf}: {err}"
        );

        let stranger = credentials("ecp-p256").leaf().clone();
        assert!(verify_device_signature(&invoice, &stranger, provider()).is_err());
    }
}

#[test]
fn commands_travel_as_strict_json_and_their_digest_ignores_the_deadline() {
    let command = command("S-1");
    let json = command.to_json().unwrap();
    let back = ControlCommand::from_json(&json, &ValidationPolicy::default()).unwrap();
    assert_eq!(back, command);
    assert_eq!(back.enterprise().as_str(), SELLER);
    let renewed = ControlCommand::new(
        command.command_id(),
        command.request().clone(),
        command.deadline_unix() + 60,
    )
    .unwrap();
    assert_eq!(
        renewed.digest(provider()).unwrap(),
        command.digest(provider()).unwrap()
    );
    let mut text: serde_json::Value = serde_json::from_slice(&json).unwrap();
    text["extra"] = serde_json::json!(1);
    let strict =
        ControlCommand::from_json(text.to_string().as_bytes(), &ValidationPolicy::default());
    assert!(strict.is_err());
    assert!(
        ControlCommand::new(
            "bad id with spaces",
            validated("S-1", InvoiceKind::DigitalOrdinary),
            0
        )
        .is_err()
    );
}

#[test]
fn a_red_letter_invoice_is_numbered_and_sealed_like_a_blue_one() {
    let device = device(memory_store());
    device.add_segment(&segment("seg-a", 1, 10)).unwrap();
    let red = fapiao::invoice::IssueRequest::from_json(include_bytes!(
        "../../examples/requests/valid-red.json"
    ))
    .unwrap()
    .validate(&ValidationPolicy::default())
    .unwrap();
    let totals = red.totals();
    let command = ControlCommand::new("red-1", red, NOW + 60).unwrap();
    let invoice = device.issue(&command, NOW).unwrap();
    assert_eq!(invoice.color, fapiao::invoice::InvoiceColor::Red);
    assert_eq!(invoice.total_fen, totals.total_fen);
    assert!(invoice.total_fen < 0);
    assert_eq!(invoice.invoice_number.to_string(), number(1));
    verify_device_signature(&invoice, device.certificate(), provider()).unwrap();
    assert!(matches!(
        fapiao::SoftwareDevice::new(
            "bad id",
            credentials("eisp-p256"),
            secret(),
            memory_store(),
            provider()
        ),
        Err(DeviceFailure::InvalidDeviceId { .. })
    ));
}

#[test]
fn a_device_serving_one_seller_refuses_the_others_before_taking_a_number() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let seller = command("S-1").enterprise().clone();
    let other: fapiao::invoice::UnifiedSocialCreditCode = "91440101MA5CJQ4N59".parse().unwrap();
    let refusing = device(store.clone()).serving([other.clone()]);
    refusing.add_segment(&segment("seg-a", 1, 1000)).unwrap();
    let err = refusing.issue(&command("S-1"), NOW).unwrap_err();
    assert!(
        matches!(&err, fapiao::Error::Device(DeviceFailure::SellerNotServed { seller: s }) if *s == seller.to_string()),
        "{err}"
    );
    assert_eq!(err.disposition(), Disposition::Final);
    assert!(store.journal(DEVICE).unwrap().is_empty(), "no number taken");
    // Serving the command's seller, it issues the first number.
    let serving = device(store.clone()).serving([seller, other]);
    let invoice = serving.issue(&command("S-1"), NOW).unwrap();
    assert_eq!(invoice.invoice_number.to_string(), number(1));
}
