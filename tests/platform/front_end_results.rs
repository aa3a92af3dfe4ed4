//! What an enterprise's front end reports is checked like what the hosted device
//! issues: an invoice from a device not registered to the enterprise, numbered
//! outside the segments allocated to its device (the hosted device's next number
//! included), with a seal that does not verify, or under a number already
//! taken, is refused: its command ends failed with a typed reason, nothing is
//! recorded or uploaded, the quota goes back, and both the front end's next
//! message and hosted issuing go on.

use crate::platform_support;

use fapiao::device::{ControlCommand, DeviceSecret, IssuingDevice, SoftwareDevice, sealed_bytes};
use fapiao::envelope;
use fapiao::exchange::PartyRole;
use fapiao::invoice::{
    FailureReason, InvoiceNumber, IssueOutcome, IssuedInvoice, UnifiedSocialCreditCode,
};
use fapiao::platform::IssuingStore;
use fapiao::platform::{
    CommandRefusal, CommandResult, CommandResultOutcome, FrontEndRequest, PLATFORM_MESSAGE_VERSION,
};
use fapiao::qualification::{QualificationRegistry, Refusal};
use fapiao::tax::OutboxStore;
use fapiao::time::Timestamp;
use platform_support::*;

/// The command id of `serial` for the enterprise-hosted seller.
fn command_id(serial: &str) -> String {
    format!("{HOSTED_BY_ENTERPRISE}:{serial}")
}

/// Queues an order of the enterprise-hosted seller at `now`: its ticket.
fn queue(world: &World, serial: &str, now: u64) -> String {
    let json = World::request(HOSTED_BY_ENTERPRISE, serial);
    ticket_of(&world.issue(HOSTED_BY_ENTERPRISE, &json, now))
}

/// The invoice the enterprise's own device issues for the queued command of
/// `serial` (the front end's device, on its store, as the front end runs it).
fn genuine_invoice(world: &World, serial: &str, now: u64) -> IssuedInvoice {
    let queued = world
        .service_store
        .queued_command(&command_id(serial))
        .unwrap()
        .unwrap();
    let command = ControlCommand::from_json(&queued.command_bytes, &Default::default()).unwrap();
    let device = SoftwareDevice::new(
        FRONT_DEVICE,
        creds("enterprise-p256"),
        DeviceSecret::new(&[9u8; 32]).unwrap(),
        world.front_store.clone(),
        provider(),
    )
    .unwrap();
    device.issue(&command, now).unwrap()
}

/// Seals `invoice` again with the front end's device key, as a front end that
/// controls its own device can.
fn reseal(invoice: &mut IssuedInvoice) {
    let (_, signature) = creds("enterprise-p256")
        .sign(&sealed_bytes(invoice).unwrap())
        .unwrap();
    invoice.device_signature = signature;
}

/// The front end reports `invoice` for the command of `serial` at `now`: the
/// command ids the service platform recorded.
fn report(world: &World, serial: &str, invoice: IssuedInvoice, now: u64) -> Vec<String> {
    let results = FrontEndRequest::Results {
        version: PLATFORM_MESSAGE_VERSION.to_owned(),
        results: vec![CommandResult {
            command_id: command_id(serial),
            outcome: CommandResultOutcome::Issued { invoice },
        }],
    };
    let sealed = envelope::seal_addressed(
        &serde_json::to_vec(&results).unwrap(),
        &creds("enterprise-p256"),
        PartyRole::EnterpriseFrontEnd,
        world.service.credentials().leaf(),
        now,
        provider(),
    )
    .unwrap();
    world
        .front_end
        .read_ack(&world.service.handle(&sealed, now).unwrap(), now)
        .unwrap()
}

/// The final device failure `ticket` answers (panics on any other answer).
fn failure_of(world: &World, ticket: &str, now: u64) -> String {
    match world.poll(ticket, now).outcome {
        IssueOutcome::Failed {
            reason: FailureReason::DeviceFailed { retryable, detail },
        } => {
            assert!(!retryable, "refused for good: {detail}");
            detail
        }
        other => panic!("expected a device failure, got {other:?}"),
    }
}

/// The quota used and reserved this month by the enterprise-hosted seller.
fn usage(world: &World) -> (i64, i64) {
    let tax_id = UnifiedSocialCreditCode::parse(HOSTED_BY_ENTERPRISE).unwrap();
    let month = Timestamp::from_unix_seconds(NOW).china_year_month();
    let u = QualificationRegistry::usage(world.service_store.as_ref(), &tax_id, month).unwrap();
    (u.used_fen, u.reserved_fen)
}

/// `invoice`'s number was never recorded nor queued for the tax authority.
fn not_uploaded(world: &World, number: &InvoiceNumber) {
    assert!(
        world.service_store.outbox_entry(number).unwrap().is_none(),
        "{number} must not go to the tax authority"
    );
}

/// The front end's next round still works: a fresh order is pulled, issued,
/// recorded and polled.
fn front_end_goes_on(world: &World, serial: &str, now: u64) {
    let ticket = queue(world, serial, now);
    let report = world.run_front_end(10, now + 1);
    assert_eq!((report.issued, report.failed), (1, 0), "{report:?}");
    assert!(matches!(
        world.poll(&ticket, now + 2).outcome,
        IssueOutcome::Issued { .. }
    ));
}

/// The number the hosted device gives next (its segment starts at 1).
fn hosted_next() -> InvoiceNumber {
    InvoiceNumber::digital("26440000000000000001").unwrap()
}

/// Refuses one forged result: `forge` changes the genuine invoice, the
/// platform must answer `expected(forged)`.
fn refused(
    world: &World,
    serial: &str,
    forge: impl FnOnce(&mut IssuedInvoice),
    expected: impl FnOnce(&IssuedInvoice) -> CommandRefusal,
) -> IssuedInvoice {
    let ticket = queue(world, serial, NOW);
    let mut invoice = genuine_invoice(world, serial, NOW + 1);
    forge(&mut invoice);
    let recorded = report(world, serial, invoice.clone(), NOW + 1);
    assert_eq!(recorded, vec![command_id(serial)], "answered, for good");
    assert_eq!(
        failure_of(world, &ticket, NOW + 2),
        expected(&invoice).to_string()
    );
    assert_eq!(
        usage(world).1,
        0,
        "the quota the command held is given back"
    );
    invoice
}

#[test]
fn the_hosted_devices_next_number_reported_by_a_front_end_is_refused() {
    let world = World::new();
    // Under its own device's id, re-sealed with its own key.
    let forged = refused(
        &world,
        "H-1",
        |i| {
            i.invoice_number = hosted_next();
            reseal(i);
        },
        |i| CommandRefusal::NumberNotAllocated {
            number: i.invoice_number.clone(),
            device_id: FRONT_DEVICE.to_owned(),
            invoice_kind: i.invoice_kind,
        },
    );
    not_uploaded(&world, &forged.invoice_number);
    // Under the hosted device's id.
    refused(
        &world,
        "H-2",
        |i| {
            i.invoice_number = hosted_next();
            i.device_id = "EISP-DEV-1".to_owned();
            reseal(i);
        },
        |i| CommandRefusal::UnregisteredDevice {
            number: i.invoice_number.clone(),
            device_id: "EISP-DEV-1".to_owned(),
        },
    );
    not_uploaded(&world, &hosted_next());

    // Hosted issuing goes on, with that very number.
    let hosted = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "P-1"),
        NOW + 3,
    );
    match hosted.outcome {
        IssueOutcome::Issued { invoice } => assert_eq!(invoice.invoice_number, hosted_next()),
        other => panic!("hosted issuing must go on, got {other:?}"),
    }
    assert!(
        world
            .service_store
            .outbox_entry(&hosted_next())
            .unwrap()
            .is_some()
    );
    front_end_goes_on(&world, "H-3", NOW + 4);
}

/// Even a record that lists the hosted device's id as the enterprise's (with the
/// front end's certificate) does not let its front end report the hosted
/// device's numbers; and a device is one enterprise's only.
#[test]
fn the_hosted_devices_id_is_never_a_front_ends() {
    use fapiao::qualification::{QualificationError, RegisteredDevice};
    let world = World::new();
    let mut listed = enterprise_hosted_record();
    listed.devices.push(RegisteredDevice {
        device_id: "EISP-DEV-1".to_owned(),
        seal_certificate_pem: String::from_utf8(data("enterprise-p256.pem")).unwrap(),
    });
    world.service_store.upsert_enterprise(&listed).unwrap();
    refused(
        &world,
        "N-1",
        |i| {
            i.invoice_number = hosted_next();
            i.device_id = "EISP-DEV-1".to_owned();
            reseal(i);
        },
        |i| CommandRefusal::UnregisteredDevice {
            number: i.invoice_number.clone(),
            device_id: "EISP-DEV-1".to_owned(),
        },
    );
    not_uploaded(&world, &hosted_next());

    // The platform-hosted enterprise may not list the other's device.
    let mut other = record(
        HOSTED_BY_PLATFORM,
        fapiao::qualification::HostingMode::PlatformHosted,
    );
    other.devices = enterprise_hosted_record().devices;
    match world.service_store.upsert_enterprise(&other) {
        Err(fapiao::Error::Qualification(QualificationError::InvalidRecord {
            problem, ..
        })) => {
            assert!(problem.contains("another enterprise"), "{problem}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_number_outside_the_devices_segment_is_refused() {
    let world = World::new();
    let forged = refused(
        &world,
        "O-1",
        |i| {
            // seg-e ends at sequence 1 000 000.
            i.invoice_number = InvoiceNumber::digital("26350000000001000001").unwrap();
            reseal(i);
        },
        |i| CommandRefusal::NumberNotAllocated {
            number: i.invoice_number.clone(),
            device_id: FRONT_DEVICE.to_owned(),
            invoice_kind: i.invoice_kind,
        },
    );
    not_uploaded(&world, &forged.invoice_number);
    front_end_goes_on(&world, "O-2", NOW + 3);
}

#[test]
fn a_device_not_registered_to_the_enterprise_is_refused() {
    let world = World::new();
    let forged = refused(
        &world,
        "D-1",
        |i| {
            i.device_id = "ENT-DEV-2".to_owned();
            reseal(i);
        },
        |i| CommandRefusal::UnregisteredDevice {
            number: i.invoice_number.clone(),
            device_id: "ENT-DEV-2".to_owned(),
        },
    );
    not_uploaded(&world, &forged.invoice_number);
    front_end_goes_on(&world, "D-2", NOW + 3);
}

#[test]
fn a_seal_that_does_not_verify_is_refused() {
    let world = World::new();
    let forged = refused(
        &world,
        "S-1",
        |i| i.device_signature[10] ^= 0x01,
        |i| CommandRefusal::BadSeal {
            number: i.invoice_number.clone(),
            device_id: FRONT_DEVICE.to_owned(),
        },
    );
    not_uploaded(&world, &forged.invoice_number);
    // Sealed by another key than the registered certificate's.
    let forged = refused(
        &world,
        "S-2",
        |i| {
            let (_, signature) = creds("enterprise-rsa")
                .sign(&sealed_bytes(i).unwrap())
                .unwrap();
            i.device_signature = signature;
        },
        |i| CommandRefusal::BadSeal {
            number: i.invoice_number.clone(),
            device_id: FRONT_DEVICE.to_owned(),
        },
    );
    not_uploaded(&world, &forged.invoice_number);
    front_end_goes_on(&world, "S-3", NOW + 3);
}

#[test]
fn a_number_already_taken_fails_that_command_only() {
    let world = World::new();
    let first = queue(&world, "T-1", NOW);
    assert_eq!(world.run_front_end(10, NOW + 1).issued, 1);
    let IssueOutcome::Issued { invoice: taken } = world.poll(&first, NOW + 1).outcome else {
        panic!("expected the first invoice");
    };
    let (used, _) = usage(&world);
    // The second command's own invoice, under the first one's number.
    refused(
        &world,
        "T-2",
        |i| {
            i.invoice_number = taken.invoice_number.clone();
            reseal(i);
        },
        |i| CommandRefusal::NumberTaken {
            number: i.invoice_number.clone(),
        },
    );
    assert_eq!(usage(&world), (used, 0), "only the first invoice counts");
    // The first invoice stands, once.
    match world.poll(&first, NOW + 3).outcome {
        IssueOutcome::Issued { invoice } => assert_eq!(invoice, taken),
        other => panic!("the first invoice must stand, got {other:?}"),
    }
    front_end_goes_on(&world, "T-3", NOW + 4);
}

#[test]
fn an_invoice_issued_after_the_deadline_is_refused() {
    let world = World::new();
    let forged = refused(
        &world,
        "L-1",
        |i| {
            // The default deadline is 600 s after the request.
            i.issued_at_unix = Timestamp::from_unix_seconds(NOW + 601);
            reseal(i);
        },
        |_| CommandRefusal::PastDeadline {
            deadline_unix: NOW + 600,
            at_unix: NOW as i64 + 601,
        },
    );
    not_uploaded(&world, &forged.invoice_number);
}

/// Suspends the enterprise-hosted seller in the service platform's registry.
fn suspend(world: &World) {
    let mut record = enterprise_hosted_record();
    record.status = fapiao::qualification::EnterpriseStatus::Suspended;
    world.service_store.upsert_enterprise(&record).unwrap();
}

fn suspended() -> CommandRefusal {
    CommandRefusal::EnterpriseMayNotIssue {
        refusal: Refusal::EnterpriseSuspended {
            tax_id: UnifiedSocialCreditCode::parse(HOSTED_BY_ENTERPRISE).unwrap(),
        },
    }
}

#[test]
fn a_command_of_an_enterprise_suspended_since_is_not_delivered() {
    let world = World::new();
    let ticket = queue(&world, "B-1", NOW);
    assert!(usage(&world).1 > 0, "reserved while queued");
    suspend(&world);
    let report = world.run_front_end(10, NOW + 1);
    assert_eq!(report, Default::default(), "nothing delivered");
    assert_eq!(
        failure_of(&world, &ticket, NOW + 2),
        suspended().to_string()
    );
    assert_eq!(usage(&world), (0, 0), "the reservation is released");
    assert!(world.service_store.quota_reservations().unwrap().is_empty());
    assert!(
        world
            .service_store
            .pending_commands(HOSTED_BY_ENTERPRISE, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_result_reported_after_the_enterprise_was_suspended_is_refused() {
    let world = World::new();
    let ticket = queue(&world, "B-2", NOW);
    // Pulled and issued on the enterprise's device while still active ...
    let batch = world
        .service
        .handle(&world.front_end.pull(10, NOW + 1).unwrap(), NOW + 1)
        .unwrap();
    let (results, run) = world.front_end.run_commands(&batch, NOW + 1).unwrap();
    assert_eq!(run.issued, 1);
    // ... reported once suspended.
    suspend(&world);
    let recorded = world
        .front_end
        .read_ack(&world.service.handle(&results, NOW + 2).unwrap(), NOW + 2)
        .unwrap();
    assert_eq!(recorded, vec![command_id("B-2")]);
    assert_eq!(
        failure_of(&world, &ticket, NOW + 3),
        suspended().to_string()
    );
    let journal =
        fapiao::device::DeviceStore::journal(world.front_store.as_ref(), FRONT_DEVICE).unwrap();
    not_uploaded(&world, &journal[0].invoice.invoice_number);
    assert_eq!(usage(&world), (0, 0));
}

#[test]
fn a_command_past_its_deadline_is_not_delivered() {
    let world = World::new();
    let ticket = queue(&world, "E-1", NOW);
    let report = world.run_front_end(10, NOW + 601);
    assert_eq!(report, Default::default(), "nothing delivered");
    let expected = CommandRefusal::PastDeadline {
        deadline_unix: NOW + 600,
        at_unix: NOW as i64 + 601,
    };
    assert_eq!(failure_of(&world, &ticket, NOW + 602), expected.to_string());
    assert_eq!(usage(&world), (0, 0));
    // At its deadline it is still delivered.
    let on_time = queue(&world, "E-2", NOW + 1000);
    assert_eq!(world.run_front_end(10, NOW + 1600).issued, 1);
    assert!(matches!(
        world.poll(&on_time, NOW + 1600).outcome,
        IssueOutcome::Issued { .. }
    ));
}

fn expired_commands_are_failed_by_the_sweep_on(world: World) {
    let late = [queue(&world, "X-1", NOW), queue(&world, "X-2", NOW)];
    let waiting = queue(&world, "X-3", NOW + 500);
    let (_, all_three) = usage(&world);
    let report = world.service.expire_commands(NOW + 601).unwrap();
    assert_eq!(report.expired, 2);
    for ticket in &late {
        let expected = CommandRefusal::PastDeadline {
            deadline_unix: NOW + 600,
            at_unix: NOW as i64 + 601,
        };
        assert_eq!(failure_of(&world, ticket, NOW + 602), expected.to_string());
    }
    assert_eq!(
        usage(&world),
        (0, all_three / 3),
        "two reservations released"
    );
    assert_eq!(world.service_store.quota_reservations().unwrap().len(), 1);
    // Nothing more to do; the one still in time is issued.
    assert_eq!(world.service.expire_commands(NOW + 601).unwrap().expired, 0);
    assert_eq!(world.run_front_end(10, NOW + 602).issued, 1);
    assert!(matches!(
        world.poll(&waiting, NOW + 603).outcome,
        IssueOutcome::Issued { .. }
    ));
}

#[test]
fn expired_commands_are_failed_by_the_sweep() {
    expired_commands_are_failed_by_the_sweep_on(World::new());
}

#[test]
fn expired_commands_are_failed_by_the_sweep_change_by_change() {
    expired_commands_are_failed_by_the_sweep_on(World::change_by_change());
}
