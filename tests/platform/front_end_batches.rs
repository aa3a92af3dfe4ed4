//! A front-end service works through a batch command by command: one command its
//! device cannot take (its request fails the front end's own validation, or it
//! does not read at all) is reported as failed for good, and never holds up the
//! others in the queue.

use crate::platform_support;

use fapiao::invoice::{FailureReason, IssueOutcome};
use fapiao::platform::{IssuingStore, NewCommand, RequestDigest};
use platform_support::*;

/// Queues a command for the enterprise-hosted seller straight into the service
/// platform's store (as a service platform with other rules, or a damaged queue,
/// would hand it over), behind the waiting ones.
fn queue_raw(world: &World, serial: &str, command_bytes: &[u8]) -> String {
    let ticket = format!("raw-{serial}");
    let command_id = format!("{HOSTED_BY_ENTERPRISE}:{serial}");
    world
        .service_store
        .enqueue_command(&NewCommand {
            seller_tax_id: HOSTED_BY_ENTERPRISE,
            serial_number: serial,
            digest: &RequestDigest([7; 32]),
            command_id: &command_id,
            ticket: &ticket,
            command_bytes,
            accepted_response_json: b"{}",
            quota: None,
            reverses: None,
            platform: "ECP-1",
            deadline_unix: 0,
        })
        .unwrap();
    ticket
}

/// The JSON of the oldest command queued for the enterprise-hosted seller, to
/// change into another.
fn first_queued(world: &World) -> serde_json::Value {
    let queued = world
        .service_store
        .pending_commands(HOSTED_BY_ENTERPRISE, 1)
        .unwrap();
    serde_json::from_slice(&queued[0].command_bytes).unwrap()
}

fn device_failure(world: &World, ticket: &str, now: u64) -> String {
    let query = world.cloud.query_ticket(ticket, now).unwrap();
    let answer = world.service.handle(&query, now).unwrap();
    let response = world.cloud.open_response(&answer, now).unwrap();
    match response.outcome {
        IssueOutcome::Failed {
            reason: FailureReason::DeviceFailed { retryable, detail },
        } => {
            assert!(
                !retryable,
                "a command the device cannot take fails for good"
            );
            detail
        }
        other => panic!("expected a device failure, got {other:?}"),
    }
}

fn a_command_the_device_cannot_take_fails_alone_on(world: World) {
    let good = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "F-1"),
        NOW,
    ));
    // A command whose request the front end's validation refuses: the totals
    // do not add up.
    let mut command = first_queued(&world);
    command["command_id"] = format!("{HOSTED_BY_ENTERPRISE}:F-2").into();
    command["request"]["serial_number"] = "F-2".into();
    command["request"]["totals"]["total_fen"] = 1.into();
    let invalid = queue_raw(&world, "F-2", &serde_json::to_vec(&command).unwrap());
    // One that does not read as a command at all (but names its id).
    let unreadable = queue_raw(
        &world,
        "F-3",
        format!(r#"{{"command_id": "{HOSTED_BY_ENTERPRISE}:F-3", "request": 1}}"#).as_bytes(),
    );
    // And a good one behind them.
    let behind = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "F-4"),
        NOW,
    ));

    let report = world.run_front_end(10, NOW + 1);
    assert_eq!((report.issued, report.failed), (2, 2), "{report:?}");
    assert!(
        world
            .service_store
            .pending_commands(HOSTED_BY_ENTERPRISE, 10)
            .unwrap()
            .is_empty(),
        "every command was answered"
    );

    for ticket in [&good, &behind] {
        let query = world.cloud.query_ticket(ticket, NOW + 2).unwrap();
        let answer = world.service.handle(&query, NOW + 2).unwrap();
        let response = world.cloud.open_response(&answer, NOW + 2).unwrap();
        assert!(
            matches!(response.outcome, IssueOutcome::Issued { .. }),
            "{response:?}"
        );
    }
    let detail = device_failure(&world, &invalid, NOW + 2);
    assert!(detail.contains("total"), "{detail}");
    let detail = device_failure(&world, &unreadable, NOW + 2);
    assert!(detail.contains("command"), "{detail}");
}

#[test]
fn a_command_the_device_cannot_take_fails_alone() {
    a_command_the_device_cannot_take_fails_alone_on(World::new());
}

#[test]
fn a_command_the_device_cannot_take_fails_alone_change_by_change() {
    a_command_the_device_cannot_take_fails_alone_on(World::change_by_change());
}

/// A command for another seller in this enterprise's queue (a service
/// platform's mistake, or a command meant for another front end): the front
/// end reports it failed and its device issues nothing for it.
#[test]
fn a_command_for_another_seller_is_refused_by_the_front_end() {
    use fapiao::device::DeviceStore;
    let world = World::new();
    ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "G-0"),
        NOW,
    ));
    let mut command = first_queued(&world);
    command["command_id"] = format!("{HOSTED_BY_ENTERPRISE}:G-1").into();
    command["request"] =
        serde_json::from_slice(&World::request(HOSTED_BY_PLATFORM, "G-1")).unwrap();
    let foreign = queue_raw(&world, "G-1", &serde_json::to_vec(&command).unwrap());

    let report = world.run_front_end(10, NOW + 1);
    assert_eq!((report.issued, report.failed), (1, 1), "{report:?}");
    let detail = device_failure(&world, &foreign, NOW + 2);
    assert!(
        detail.contains(&format!("this front end serves {HOSTED_BY_ENTERPRISE}")),
        "{detail}"
    );
    // The device numbered one invoice: the good command's.
    assert_eq!(world.front_store.journal("ENT-DEV-1").unwrap().len(), 1);
}

/// A front end reports an invoice that is not the one its command asked for
/// (other totals): the service platform does not record or upload it; the
/// command ends failed, saying why, and its quota is given back.
fn an_invoice_unlike_its_command_is_not_recorded_on(world: World) {
    use fapiao::envelope;
    use fapiao::platform::{CommandResult, CommandResultOutcome, FrontEndRequest};
    use fapiao::tax::OutboxStore;

    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "M-1"),
        NOW,
    ));
    // The invoice the enterprise's device would issue, with another total.
    let platform_hosted = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "M-0"),
        NOW,
    );
    let IssueOutcome::Issued { invoice } = platform_hosted.outcome else {
        panic!("expected an invoice");
    };
    let mut forged = invoice.clone();
    forged.seller_tax_id =
        fapiao::invoice::UnifiedSocialCreditCode::parse(HOSTED_BY_ENTERPRISE).unwrap();
    forged.invoice_number =
        fapiao::invoice::InvoiceNumber::digital("26350000000000009999").unwrap();
    forged.total_fen += 100;
    forged.tax_amount_fen += 100;

    let results = FrontEndRequest::Results {
        version: fapiao::platform::PLATFORM_MESSAGE_VERSION.to_owned(),
        results: vec![CommandResult {
            command_id: format!("{HOSTED_BY_ENTERPRISE}:M-1"),
            outcome: CommandResultOutcome::Issued { invoice: forged },
        }],
    };
    let sealed = envelope::seal_addressed(
        &serde_json::to_vec(&results).unwrap(),
        &creds("enterprise-p256"),
        fapiao::exchange::PartyRole::EnterpriseFrontEnd,
        world.service.credentials().leaf(),
        NOW + 1,
        provider(),
    )
    .unwrap();
    let ack = world
        .front_end
        .read_ack(&world.service.handle(&sealed, NOW + 1).unwrap(), NOW + 1)
        .unwrap();
    assert_eq!(
        ack,
        vec![format!("{HOSTED_BY_ENTERPRISE}:M-1")],
        "answered, for good"
    );

    let detail = device_failure(&world, &ticket, NOW + 2);
    assert!(
        detail.contains("unlike its command: tax_amount_fen 245565, the request asked for 245465"),
        "{detail}"
    );
    assert!(
        world
            .service_store
            .outbox_entry(&fapiao::invoice::InvoiceNumber::digital("26350000000000009999").unwrap())
            .unwrap()
            .is_none(),
        "not sent to the tax authority"
    );
    assert!(
        world.service_store.quota_reservations().unwrap().is_empty(),
        "the quota the command held is given back"
    );
}

#[test]
fn an_invoice_unlike_its_command_is_not_recorded() {
    an_invoice_unlike_its_command_is_not_recorded_on(World::new());
}

#[test]
fn an_invoice_unlike_its_command_is_not_recorded_change_by_change() {
    an_invoice_unlike_its_command_is_not_recorded_on(World::change_by_change());
}

fn invoice_numbers_after_polling(world: &World, tickets: &[String]) -> Vec<String> {
    tickets
        .iter()
        .map(|ticket| match world.poll(ticket, NOW + 1).outcome {
            IssueOutcome::Issued { invoice } => invoice.invoice_number.to_string(),
            other => panic!("expected the invoice, got {other:?}"),
        })
        .collect()
}

fn queue_three(world: &World) -> Vec<String> {
    (1..=3)
        .map(|n| {
            let json = World::request(HOSTED_BY_ENTERPRISE, &format!("U-{n}"));
            ticket_of(&world.issue(HOSTED_BY_ENTERPRISE, &json, NOW))
        })
        .collect()
}

/// A world whose front end counts its transactions, three commands queued for
/// it, and the batch it pulled: the world, the unit, the tickets, the batch.
fn three_commands_pulled() -> (World, std::sync::Arc<CountingUnit>, Vec<String>, Vec<u8>) {
    let mut world = World::new();
    let unit = CountingUnit::on(&world.front_store);
    world.front_end = world.front_end.with_unit_of_work(unit.clone());
    let tickets = queue_three(&world);
    let batch = world
        .service
        .handle(&world.front_end.pull(10, NOW).unwrap(), NOW)
        .unwrap();
    (world, unit, tickets, batch)
}

#[test]
fn a_batch_of_commands_is_one_transaction_at_the_front_end() {
    let (world, unit, tickets, batch) = three_commands_pulled();
    let (results, report) = world.front_end.run_commands(&batch, NOW).unwrap();
    assert_eq!(report.issued, 3);
    assert_eq!(unit.transactions(), 1, "three commands, one commit");
    let ack = world.service.handle(&results, NOW).unwrap();
    assert_eq!(world.front_end.read_ack(&ack, NOW).unwrap().len(), 3);

    let numbers = invoice_numbers_after_polling(&world, &tickets);
    let distinct: std::collections::BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), 3, "{numbers:?}");
}

#[test]
fn a_front_end_batch_that_does_not_commit_takes_no_number() {
    let (world, unit, tickets, batch) = three_commands_pulled();
    unit.fail_commit
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(world.front_end.run_commands(&batch, NOW).is_err());
    unit.fail_commit
        .store(false, std::sync::atomic::Ordering::SeqCst);

    // Nothing happened, the batch's message id included: the same batch runs
    // again and its invoices take the segment's first three numbers, as in a
    // world where the failed attempt never was.
    let (results, report) = world.front_end.run_commands(&batch, NOW).unwrap();
    assert_eq!(report.issued, 3);
    let ack = world.service.handle(&results, NOW).unwrap();
    world.front_end.read_ack(&ack, NOW).unwrap();
    let numbers = invoice_numbers_after_polling(&world, &tickets);

    let fresh = World::new();
    let fresh_tickets = queue_three(&fresh);
    fresh.run_front_end(10, NOW);
    assert_eq!(
        numbers,
        invoice_numbers_after_polling(&fresh, &fresh_tickets)
    );
}

/// A second enterprise's front end, pinned for its own enterprise, asks for
/// the first one's commands and reports them done: it gets none, and its
/// results change nothing.
#[test]
fn another_front_end_neither_pulls_nor_completes_the_commands_of_an_enterprise() {
    use fapiao::envelope;
    use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
    use fapiao::platform::{
        CommandResult, CommandResultOutcome, FrontEndRequest, PLATFORM_MESSAGE_VERSION,
        ServiceToFrontEnd,
    };
    let world = World::new();
    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "O-1"),
        NOW,
    ));
    // The operator pinned another enterprise's front end (its own key).
    let other = creds("enterprise-rsa");
    PeerDirectory::new(world.service_store.clone())
        .pin(PeerRecord::new(
            HOSTED_BY_PLATFORM,
            PartyRole::EnterpriseFrontEnd,
            other.leaf().clone(),
            NOW,
        ))
        .unwrap();
    let send = |request: &FrontEndRequest| {
        let sealed = envelope::seal_addressed(
            &serde_json::to_vec(request).unwrap(),
            &other,
            PartyRole::EnterpriseFrontEnd,
            world.service.credentials().leaf(),
            NOW + 1,
            provider(),
        )
        .unwrap();
        let answer = world.service.handle(&sealed, NOW + 1).unwrap();
        let trust = trust();
        let replay = fapiao::envelope::MemoryReplayGuard::new();
        let opened = envelope::Opener::new(&other, &trust.validator(), &replay, provider())
            .open(&answer, NOW + 1)
            .unwrap();
        ServiceToFrontEnd::from_json(&opened.payload).unwrap()
    };
    let pulled = send(&FrontEndRequest::Pull {
        version: PLATFORM_MESSAGE_VERSION.to_owned(),
        limit: 10,
    });
    assert!(
        matches!(&pulled, ServiceToFrontEnd::Commands { commands, .. } if commands.is_empty()),
        "{pulled:?}"
    );
    let acked = send(&FrontEndRequest::Results {
        version: PLATFORM_MESSAGE_VERSION.to_owned(),
        results: vec![CommandResult {
            command_id: format!("{HOSTED_BY_ENTERPRISE}:O-1"),
            outcome: CommandResultOutcome::Failed {
                detail: "made up".into(),
            },
        }],
    });
    assert!(
        matches!(&acked, ServiceToFrontEnd::Ack { recorded, .. } if recorded.is_empty()),
        "{acked:?}"
    );
    // The real front end still gets the command and issues it.
    assert_eq!(world.run_front_end(10, NOW + 2).issued, 1);
    assert!(matches!(
        world.poll(&ticket, NOW + 3).outcome,
        IssueOutcome::Issued { .. }
    ));
}
