//! Group commit: `ServicePlatform::handle_batch` and `CloudPlatform::open_responses`
//! run a batch of messages in one transaction, each message in a savepoint of
//! it, and answer only after the commit.

use crate::platform_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use fapiao::invoice::{FailureReason, IssueOutcome, IssueResponse};
use fapiao::platform::Order;
use fapiao::platform::{CloudStore, IssuingStore};
use platform_support::*;

/// A world whose two platforms count their transactions.
fn counted_world() -> (World, Arc<CountingUnit>, Arc<CountingUnit>) {
    let mut world = World::new();
    let service_unit = CountingUnit::on(&world.service_store);
    let cloud_unit = CountingUnit::on(&world.cloud_store);
    world.service = world.service.with_unit_of_work(service_unit.clone());
    world.cloud = world.cloud.with_unit_of_work(cloud_unit.clone());
    (world, service_unit, cloud_unit)
}

fn sealed_order(world: &World, seller: &str, serial: &str) -> Vec<u8> {
    let json = World::request(seller, serial);
    let order = Order::Signed(world.erp_sign(seller, &json, NOW));
    world.cloud.submit(order, NOW).unwrap()
}

fn invoice_number(response: &IssueResponse) -> String {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice.invoice_number.to_string(),
        other => panic!("expected an invoice, got {other:?}"),
    }
}

#[test]
fn a_batch_issues_every_order_in_one_transaction_per_platform() {
    let (world, service_unit, cloud_unit) = counted_world();
    // The cloud platform seals and journals the orders with one commit; one
    // that is no issuing request fails alone.
    let mut orders: Vec<Order> = (0..6)
        .map(|n| {
            let json = World::request(HOSTED_BY_PLATFORM, &format!("B-{n}"));
            Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW))
        })
        .collect();
    orders.push(Order::Signed(world.erp_sign(
        HOSTED_BY_PLATFORM,
        b"not an order",
        NOW,
    )));
    let mut sealed = world.cloud.submit_batch(orders, NOW).unwrap();
    assert_eq!(
        cloud_unit.transactions(),
        1,
        "one journal commit for the orders"
    );
    assert!(sealed.pop().unwrap().is_err(), "not an issuing request");
    assert_eq!(
        world.cloud.outstanding_submissions(0, 100).unwrap().len(),
        6
    );
    let orders: Vec<Vec<u8>> = sealed.into_iter().map(Result::unwrap).collect();
    let refs: Vec<&[u8]> = orders.iter().map(Vec::as_slice).collect();

    let answers = world.service.handle_batch(&refs, NOW).unwrap();
    assert_eq!(service_unit.transactions(), 1, "one commit for the batch");
    let answers: Vec<Vec<u8>> = answers.into_iter().map(Result::unwrap).collect();
    let refs: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
    let responses = world.cloud.open_responses(&refs, NOW).unwrap();
    assert_eq!(cloud_unit.transactions(), 2, "one commit for the answers");

    let mut numbers = BTreeSet::new();
    for (n, response) in responses.into_iter().enumerate() {
        let response = response.unwrap();
        assert_eq!(response.serial_number, format!("B-{n}"));
        let number = invoice_number(&response);
        assert!(numbers.insert(number.clone()), "number {number} used twice");
        let stored = world
            .cloud_store
            .invoice_by_serial(HOSTED_BY_PLATFORM, &format!("B-{n}"))
            .unwrap()
            .expect("stored by the cloud platform");
        assert_eq!(stored.invoice.invoice_number.to_string(), number);
        let recorded = world
            .service_store
            .find_request(HOSTED_BY_PLATFORM, &format!("B-{n}"))
            .unwrap()
            .expect("recorded by the service platform");
        assert_eq!(
            IssueResponse::from_json(&recorded.response_json).unwrap(),
            response
        );
    }
    assert_eq!(numbers.len(), 6);
}

#[test]
fn a_failing_message_leaves_nothing_and_the_others_go_on() {
    let (world, service_unit, _) = counted_world();
    let good = sealed_order(&world, HOSTED_BY_PLATFORM, "G-1");
    let invalid = {
        let json = String::from_utf8(World::request(HOSTED_BY_PLATFORM, "G-2"))
            .unwrap()
            .replacen("\"amount_fen\": 1000000,", "\"amount_fen\": 1000001,", 1);
        let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, json.as_bytes(), NOW));
        world.cloud.submit(order, NOW).unwrap()
    };
    let other = sealed_order(&world, HOSTED_BY_PLATFORM, "G-3");
    let garbage = b"not an envelope".to_vec();
    // The same envelope twice: a replay the second time.
    let batch: Vec<&[u8]> = vec![&good, &invalid, &garbage, &other, &good];

    let answers = world.service.handle_batch(&batch, NOW).unwrap();
    assert_eq!(service_unit.transactions(), 1);
    assert_eq!(answers.len(), 5);
    assert!(answers[2].is_err(), "garbage gets a typed error");
    let replay = answers[4].as_ref().unwrap_err().to_string();
    assert!(replay.contains("replay"), "{replay}");

    let opened: Vec<IssueResponse> = [0, 1, 3]
        .iter()
        .map(|&i| {
            world
                .cloud
                .open_response(answers[i].as_ref().unwrap(), NOW)
                .unwrap()
        })
        .collect();
    invoice_number(&opened[0]);
    invoice_number(&opened[2]);
    assert_ne!(invoice_number(&opened[0]), invoice_number(&opened[2]));
    assert!(
        matches!(
            &opened[1].outcome,
            IssueOutcome::Failed {
                reason: FailureReason::InvalidRequest { .. }
            }
        ),
        "{:?}",
        opened[1].outcome
    );
    // The invalid order is not recorded (its seller is not authenticated).
    assert!(
        world
            .service_store
            .find_request(HOSTED_BY_PLATFORM, "G-2")
            .unwrap()
            .is_none()
    );
    // The same order again after the batch: the same answer, not a second invoice.
    let again = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "G-1"),
        NOW,
    );
    assert_eq!(invoice_number(&again), invoice_number(&opened[0]));
}

#[test]
fn a_batch_whose_commit_fails_records_nothing_and_can_be_sent_again() {
    let (world, service_unit, _) = counted_world();
    let orders: Vec<Vec<u8>> = (0..3)
        .map(|n| sealed_order(&world, HOSTED_BY_PLATFORM, &format!("F-{n}")))
        .collect();
    let refs: Vec<&[u8]> = orders.iter().map(Vec::as_slice).collect();

    service_unit.fail_commit.store(true, Ordering::SeqCst);
    let failed = world.service.handle_batch(&refs, NOW);
    assert!(failed.is_err(), "the batch's commit failed");
    for n in 0..3 {
        let serial = format!("F-{n}");
        assert!(
            world
                .service_store
                .find_request(HOSTED_BY_PLATFORM, &serial)
                .unwrap()
                .is_none(),
            "{serial} was recorded although the commit failed"
        );
    }

    // Nothing was recorded, the message ids included: the same envelopes again
    // are issued, with the numbers a fresh world gives its first three orders.
    service_unit.fail_commit.store(false, Ordering::SeqCst);
    let answers = world.service.handle_batch(&refs, NOW).unwrap();
    let numbers: Vec<String> = answers
        .iter()
        .map(|a| invoice_number(&world.cloud.open_response(a.as_ref().unwrap(), NOW).unwrap()))
        .collect();
    let fresh = World::new();
    let first_three: Vec<String> = (0..3)
        .map(|n| {
            let json = World::request(HOSTED_BY_PLATFORM, &format!("F-{n}"));
            invoice_number(&fresh.issue(HOSTED_BY_PLATFORM, &json, NOW))
        })
        .collect();
    assert_eq!(numbers, first_three, "a failed batch used no number");
}

#[test]
fn an_answer_that_fails_to_store_leaves_the_rest_of_the_batch_stored() {
    let (world, _, cloud_unit) = counted_world();
    let first = sealed_order(&world, HOSTED_BY_PLATFORM, "C-1");
    let second = sealed_order(&world, HOSTED_BY_PLATFORM, "C-2");
    let a1 = world.service.handle(&first, NOW).unwrap();
    let a2 = world.service.handle(&second, NOW).unwrap();
    let batch: Vec<&[u8]> = vec![&a1, b"\x30\x03\x02\x01\x00", &a2, &a1];

    let journaled = cloud_unit.transactions();
    let stored = world.cloud.open_responses(&batch, NOW).unwrap();
    assert_eq!(cloud_unit.transactions(), journaled + 1);
    assert!(stored[1].is_err(), "a damaged answer is an error");
    let replay = stored[3].as_ref().unwrap_err().to_string();
    assert!(replay.contains("replay"), "{replay}");
    for serial in ["C-1", "C-2"] {
        assert!(
            world
                .cloud_store
                .invoice_by_serial(HOSTED_BY_PLATFORM, serial)
                .unwrap()
                .is_some(),
            "{serial} not stored"
        );
    }
}

#[test]
fn without_units_a_batch_is_each_message_in_turn() {
    let world = World::change_by_change();
    let orders: Vec<Vec<u8>> = (0..3)
        .map(|n| sealed_order(&world, HOSTED_BY_PLATFORM, &format!("U-{n}")))
        .collect();
    let refs: Vec<&[u8]> = orders.iter().map(Vec::as_slice).collect();
    let answers = world.service.handle_batch(&refs, NOW).unwrap();
    let answers: Vec<Vec<u8>> = answers.into_iter().map(Result::unwrap).collect();
    let refs: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
    let responses = world.cloud.open_responses(&refs, NOW).unwrap();
    let numbers: BTreeSet<String> = responses
        .iter()
        .map(|r| invoice_number(r.as_ref().unwrap()))
        .collect();
    assert_eq!(numbers.len(), 3);
}
