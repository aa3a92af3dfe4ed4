//! The cloud platform's submission journal: every order is recorded before it is
//! sent and stays outstanding until its answer is stored; an order whose answer
//! was lost is re-sent (countersigned afresh) and the service platform answers
//! with the invoice it already issued, issuing nothing twice.

use crate::platform_support;

use fapiao::Error;
use fapiao::StoreError;
use fapiao::invoice::{FailureReason, IssueOutcome, IssueResponse, IssuedInvoice};
use fapiao::platform::Order;
use fapiao::platform::{CloudStore, IssuingStore, SubmissionState};
use platform_support::*;

fn invoice_of(response: &IssueResponse) -> &IssuedInvoice {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice,
        other => panic!("expected an issued invoice, got {other:?}"),
    }
}

fn state(world: &World, seller: &str, serial: &str) -> SubmissionState {
    world
        .cloud_store
        .submission(seller, serial)
        .unwrap()
        .unwrap_or_else(|| panic!("{seller}/{serial} not journaled"))
        .state
}

/// The cloud platform seals `serial`'s order; nothing is sent yet.
fn submit(world: &World, seller: &str, serial: &str) -> Vec<u8> {
    let json = World::request(seller, serial);
    let order = Order::Signed(world.erp_sign(seller, &json, NOW));
    world.cloud.submit(order, NOW).unwrap()
}

#[test]
fn an_order_is_outstanding_from_its_submission_until_its_invoice_is_stored() {
    let world = World::new();
    let sealed = submit(&world, HOSTED_BY_PLATFORM, "J-1");
    let outstanding = world.cloud.outstanding_submissions(0, 10).unwrap();
    assert_eq!(outstanding.len(), 1);
    let entry = &outstanding[0];
    assert_eq!(
        (entry.seller_tax_id.as_str(), entry.serial_number.as_str()),
        (HOSTED_BY_PLATFORM, "J-1")
    );
    let order = entry
        .order_der
        .as_deref()
        .expect("the order is kept while outstanding");
    assert!(
        fapiao::envelope::SignedMessage::from_der(order.to_vec()).is_ok(),
        "the enterprise-signed order is kept"
    );
    assert_eq!((entry.submitted_at, entry.attempts), (NOW, 1));
    assert_eq!(entry.state, SubmissionState::Outstanding);

    let answer = world.service.handle(&sealed, NOW).unwrap();
    world.cloud.open_response(&answer, NOW).unwrap();
    assert_eq!(
        state(&world, HOSTED_BY_PLATFORM, "J-1"),
        SubmissionState::Issued
    );
    let entry = |world: &World| {
        world
            .cloud_store
            .submission(HOSTED_BY_PLATFORM, "J-1")
            .unwrap()
            .unwrap()
    };
    assert!(entry(&world).order_der.is_some(), "kept for the retention");
    let retention = fapiao::platform::DEFAULT_JOURNAL_RETENTION;
    assert_eq!(
        world
            .cloud
            .maintain(NOW + retention)
            .unwrap()
            .orders_dropped,
        0
    );
    assert!(entry(&world).order_der.is_some());
    let report = world.cloud.maintain(NOW + retention + 1).unwrap();
    assert_eq!(
        report.orders_dropped, 1,
        "closed past the retention: dropped"
    );
    let compacted = entry(&world);
    assert_eq!(compacted.order_der, None);
    assert_eq!(compacted.state, SubmissionState::Issued, "the entry stays");
    assert_eq!(
        world
            .cloud
            .maintain(NOW + retention + 1)
            .unwrap()
            .orders_dropped,
        0
    );
    assert!(
        world
            .cloud
            .outstanding_submissions(0, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_lost_answer_is_recovered_by_a_resend_without_a_second_invoice() {
    let world = World::new();
    let first = submit(&world, HOSTED_BY_PLATFORM, "J-2");
    // The service platform issues and commits; the answer never arrives.
    let lost = world.service.handle(&first, NOW).unwrap();
    let issued = world
        .service_store
        .find_request(HOSTED_BY_PLATFORM, "J-2")
        .unwrap()
        .unwrap()
        .invoice_number
        .unwrap();
    drop(lost);
    assert!(
        world
            .cloud_store
            .invoice_by_serial(HOSTED_BY_PLATFORM, "J-2")
            .unwrap()
            .is_none()
    );

    // The same envelope again is a replay to the service platform.
    let replay = world.service.handle(&first, NOW + 1).unwrap_err();
    assert!(replay.to_string().contains("replay"), "{replay}");

    let outstanding = world.cloud.outstanding_submissions(0, 10).unwrap();
    assert_eq!(outstanding.len(), 1);
    let again = world
        .cloud
        .resend(HOSTED_BY_PLATFORM, "J-2", NOW + 2)
        .unwrap();
    assert_ne!(again, first, "a fresh envelope");
    let entry = world
        .cloud_store
        .submission(HOSTED_BY_PLATFORM, "J-2")
        .unwrap()
        .unwrap();
    assert_eq!(
        (entry.attempts, entry.submitted_at, entry.last_sent_at),
        (2, NOW, NOW + 2)
    );
    let answer = world.service.handle(&again, NOW + 2).unwrap();
    let response = world.cloud.open_response(&answer, NOW + 2).unwrap();
    assert_eq!(
        invoice_of(&response).invoice_number,
        issued,
        "the invoice already issued, not a new one"
    );
    let stored = world
        .cloud_store
        .invoice_by_serial(HOSTED_BY_PLATFORM, "J-2")
        .unwrap()
        .unwrap();
    assert_eq!(stored.invoice.invoice_number, issued);
    assert_eq!(
        state(&world, HOSTED_BY_PLATFORM, "J-2"),
        SubmissionState::Issued
    );
    // Answered for good: nothing left to re-send.
    let closed = world
        .cloud
        .resend(HOSTED_BY_PLATFORM, "J-2", NOW + 3)
        .unwrap_err();
    assert!(
        matches!(closed, Error::Store(StoreError::WrongState { .. })),
        "{closed:?}"
    );
}

#[test]
fn a_ticket_moves_the_order_to_ticket_tracking_and_a_refusal_closes_it() {
    let world = World::new();
    let accepted = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "J-3"),
        NOW,
    );
    let ticket = ticket_of(&accepted);
    assert_eq!(
        state(&world, HOSTED_BY_ENTERPRISE, "J-3"),
        SubmissionState::Accepted
    );
    assert_eq!(world.cloud_store.outstanding_tickets(10).unwrap().len(), 1);
    assert_eq!(
        world.cloud_store.outstanding_tickets(10).unwrap()[0].ticket,
        ticket
    );

    let bad = String::from_utf8(World::request(HOSTED_BY_PLATFORM, "J-4"))
        .unwrap()
        .replace("\"total_fen\": ", "\"total_fen\": 9");
    let refused = world.issue(HOSTED_BY_PLATFORM, bad.as_bytes(), NOW);
    assert!(matches!(
        refused.outcome,
        IssueOutcome::Failed {
            reason: FailureReason::InvalidRequest { .. }
        }
    ));
    assert_eq!(
        state(&world, HOSTED_BY_PLATFORM, "J-4"),
        SubmissionState::Refused
    );
    assert!(
        world
            .cloud
            .outstanding_submissions(0, 10)
            .unwrap()
            .is_empty()
    );
    let unknown = world
        .cloud
        .resend(HOSTED_BY_PLATFORM, "J-404", NOW)
        .unwrap_err();
    assert!(
        matches!(unknown, Error::Store(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
}

#[test]
fn the_journal_entry_commits_with_the_transaction_that_made_the_order() {
    let world = World::new();
    let result: Result<(), Error> = world.cloud_store.atomically(|| {
        submit(&world, HOSTED_BY_PLATFORM, "J-5");
        // Whatever made the order fails after it was sealed.
        Err(StoreError::NotFound {
            what: "order",
            key: "J-5".into(),
        }
        .into())
    });
    assert!(result.is_err());
    assert!(
        world
            .cloud_store
            .submission(HOSTED_BY_PLATFORM, "J-5")
            .unwrap()
            .is_none(),
        "rolled back with its transaction"
    );
    let result: Result<(), Error> = world.cloud_store.atomically(|| {
        submit(&world, HOSTED_BY_PLATFORM, "J-6");
        Ok(())
    });
    result.unwrap();
    assert_eq!(
        state(&world, HOSTED_BY_PLATFORM, "J-6"),
        SubmissionState::Outstanding
    );
}

#[test]
fn a_pass_over_the_journal_resends_each_outstanding_order_once() {
    let world = World::new();
    let mut lost = Vec::new();
    for serial in ["J-7", "J-8", "J-9"] {
        let sealed = submit(&world, HOSTED_BY_PLATFORM, serial);
        lost.push(world.service.handle(&sealed, NOW).unwrap());
    }
    // J-8's answer did arrive.
    world.cloud.open_response(&lost[1], NOW).unwrap();

    let mut after = 0;
    let mut resent = Vec::new();
    while let Some((order, sealed)) = world.cloud.resend_next(after, NOW + 1).unwrap() {
        after = order.position;
        resent.push(order.serial_number.clone());
        let answer = world.service.handle(&sealed, NOW + 1).unwrap();
        let response = world.cloud.open_response(&answer, NOW + 1).unwrap();
        let service = world
            .service_store
            .find_request(HOSTED_BY_PLATFORM, &order.serial_number)
            .unwrap()
            .unwrap();
        assert_eq!(
            Some(&invoice_of(&response).invoice_number),
            service.invoice_number.as_ref()
        );
    }
    assert_eq!(resent, ["J-7", "J-9"]);
    assert!(world.cloud.resend_next(0, NOW + 2).unwrap().is_none());
}
