//! The cloud platform keeps each enterprise-hosted request's ticket under the
//! request's seller: request serial numbers are the sellers' own, so two sellers
//! may use the same one, and an answer for one seller must never complete (or be
//! recorded as) another seller's ticket.

use crate::platform_support;

use fapiao::invoice::{FailureReason, IssueOutcome, IssueResponse};
use fapiao::platform::CloudStore;
use fapiao::platform::Order;
use platform_support::*;

fn outstanding(world: &World) -> Vec<(String, String, String)> {
    world
        .cloud_store
        .outstanding_tickets(10)
        .unwrap()
        .into_iter()
        .map(|t| (t.ticket, t.seller_tax_id, t.serial_number))
        .collect()
}

fn answers_carry_the_seller_on(world: World) {
    let accepted = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "T-0"),
        NOW,
    );
    assert_eq!(
        accepted.seller_tax_id.as_deref(),
        Some(HOSTED_BY_ENTERPRISE)
    );
    let issued = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "T-0"),
        NOW,
    );
    assert_eq!(issued.seller_tax_id.as_deref(), Some(HOSTED_BY_PLATFORM));
    // A ticket's answer names its seller too.
    let pending = world.poll(&ticket_of(&accepted), NOW + 1);
    assert_eq!(pending.seller_tax_id.as_deref(), Some(HOSTED_BY_ENTERPRISE));
}

/// Seller A's ticket is outstanding when seller B's order under the same serial
/// number is refused: the refusal is B's, A's ticket stays outstanding and later
/// completes with A's invoice.
fn another_sellers_refusal_leaves_a_ticket_alone_on(world: World) {
    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "T-1"),
        NOW,
    ));
    let bad = String::from_utf8(World::request(HOSTED_BY_PLATFORM, "T-1"))
        .unwrap()
        .replace("\"total_fen\": ", "\"total_fen\": 1");
    let refused = world.issue(HOSTED_BY_PLATFORM, bad.as_bytes(), NOW + 1);
    assert!(
        matches!(
            &refused.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::InvalidRequest { .. }
            }
        ),
        "{refused:?}"
    );
    assert_eq!(
        outstanding(&world),
        vec![(
            ticket.clone(),
            HOSTED_BY_ENTERPRISE.to_owned(),
            "T-1".to_owned()
        )],
        "another seller's refusal does not complete the ticket"
    );

    assert_eq!(world.run_front_end(10, NOW + 2).issued, 1);
    let done = world.poll(&ticket, NOW + 3);
    assert!(matches!(done.outcome, IssueOutcome::Issued { .. }));
    assert!(outstanding(&world).is_empty());
    let ticket = world.cloud_store.cloud_ticket(&ticket).unwrap().unwrap();
    assert_eq!(ticket.seller_tax_id, HOSTED_BY_ENTERPRISE);
}

/// Two sellers' orders under the same serial number are in flight at once (both
/// sealed before either answer arrives): each answer is recorded under its own
/// seller, and the synchronous invoice of one does not complete the other's ticket.
fn orders_in_flight_under_one_serial_stay_apart_on(world: World) {
    let serial = "T-2";
    let sealed = |seller: &str| {
        let json = World::request(seller, serial);
        let order = Order::Signed(world.erp_sign(seller, &json, NOW));
        world.cloud.submit(order, NOW).unwrap()
    };
    let to_enterprise_hosted = sealed(HOSTED_BY_ENTERPRISE);
    let to_platform_hosted = sealed(HOSTED_BY_PLATFORM);

    let answer = world.service.handle(&to_enterprise_hosted, NOW).unwrap();
    let ticket = ticket_of(&world.cloud.open_response(&answer, NOW).unwrap());
    let recorded = world.cloud_store.cloud_ticket(&ticket).unwrap().unwrap();
    assert_eq!(
        recorded.seller_tax_id, HOSTED_BY_ENTERPRISE,
        "the ticket is the enterprise-hosted seller's"
    );

    let answer = world.service.handle(&to_platform_hosted, NOW).unwrap();
    let issued = world.cloud.open_response(&answer, NOW).unwrap();
    assert!(matches!(issued.outcome, IssueOutcome::Issued { .. }));
    assert_eq!(
        outstanding(&world),
        vec![(ticket, HOSTED_BY_ENTERPRISE.to_owned(), serial.to_owned())],
        "the platform-hosted seller's invoice leaves the other seller's ticket alone"
    );
    assert!(
        world
            .cloud_store
            .invoice_by_serial(HOSTED_BY_ENTERPRISE, serial)
            .unwrap()
            .is_none()
    );
}

/// The enterprise's ERP sends another request under a serial number whose first
/// request waits for the front end: the conflict refusal is about the new
/// request; the waiting request's ticket stays outstanding and completes with its
/// invoice.
fn a_conflict_under_a_waiting_serial_leaves_its_ticket_alone_on(world: World) {
    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "T-4"),
        NOW,
    ));
    let other = String::from_utf8(World::request(HOSTED_BY_ENTERPRISE, "T-4"))
        .unwrap()
        .replace("\"drawer\": \"", "\"drawer\": \"另");
    let conflict = world.issue(HOSTED_BY_ENTERPRISE, other.as_bytes(), NOW + 1);
    assert!(
        matches!(
            &conflict.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::SerialNumberConflict { .. }
            }
        ),
        "{conflict:?}"
    );
    assert_eq!(
        outstanding(&world),
        vec![(
            ticket.clone(),
            HOSTED_BY_ENTERPRISE.to_owned(),
            "T-4".to_owned()
        )],
        "the refusal of the new request does not end the waiting one"
    );
    assert_eq!(world.run_front_end(10, NOW + 2).issued, 1);
    assert!(matches!(
        world.poll(&ticket, NOW + 3).outcome,
        IssueOutcome::Issued { .. }
    ));
    assert!(outstanding(&world).is_empty());
}

/// A ticket the service platform does not know is over: its "not found" answer
/// completes it (polling it again could never succeed).
#[test]
fn a_ticket_the_service_platform_does_not_know_is_completed() {
    let world = World::new();
    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "T-5"),
        NOW,
    ));
    // The service platform's database is replaced by an empty one (a restore
    // gone wrong): the same platform keys, nothing recorded.
    let empty = World::new();
    let query = world.cloud.query_ticket(&ticket, NOW + 1).unwrap();
    let answer = empty.service.handle(&query, NOW + 1).unwrap();
    let response = world.cloud.open_response(&answer, NOW + 1).unwrap();
    assert!(
        matches!(
            &response.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::NotFound { reference }
            } if *reference == ticket
        ),
        "{response:?}"
    );
    assert!(outstanding(&world).is_empty());
}

/// An "accepted" answer without the seller (as service platforms before the
/// field sent them) is recorded with the seller unknown; the invoice for its
/// serial number completes it and fills the seller in.
#[test]
fn an_answer_without_its_seller_is_still_completed() {
    use fapiao::invoice::ProtocolVersion;
    use fapiao::platform::IssuingStore;
    let world = World::new();
    let json = World::request(HOSTED_BY_ENTERPRISE, "T-3");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_ENTERPRISE, &json, NOW));
    let request = world.cloud.submit(order, NOW).unwrap();
    world.service.handle(&request, NOW).unwrap();
    let ticket = world
        .service_store
        .find_request(HOSTED_BY_ENTERPRISE, "T-3")
        .unwrap()
        .unwrap()
        .ticket
        .unwrap();
    let older = IssueResponse {
        version: ProtocolVersion::V1_0,
        serial_number: "T-3".into(),
        seller_tax_id: None,
        outcome: IssueOutcome::AcceptedPending {
            ticket: ticket.clone(),
        },
    };
    let answer = fapiao::envelope::seal_addressed(
        &older.to_json().unwrap(),
        world.service.credentials(),
        fapiao::exchange::PartyRole::ServicePlatform,
        world.cloud.credentials().leaf(),
        NOW,
        provider(),
    )
    .unwrap();
    world.cloud.open_response(&answer, NOW).unwrap();
    assert_eq!(
        outstanding(&world),
        vec![(ticket.clone(), String::new(), "T-3".to_owned())]
    );

    assert_eq!(world.run_front_end(10, NOW + 1).issued, 1);
    assert!(matches!(
        world.poll(&ticket, NOW + 2).outcome,
        IssueOutcome::Issued { .. }
    ));
    assert!(outstanding(&world).is_empty());
    let completed = world.cloud_store.cloud_ticket(&ticket).unwrap().unwrap();
    assert_eq!(completed.seller_tax_id, HOSTED_BY_ENTERPRISE);
}

#[test]
fn answers_carry_the_seller() {
    answers_carry_the_seller_on(World::new());
}

#[test]
fn another_sellers_refusal_leaves_a_ticket_alone() {
    another_sellers_refusal_leaves_a_ticket_alone_on(World::new());
}

#[test]
fn another_sellers_refusal_leaves_a_ticket_alone_change_by_change() {
    another_sellers_refusal_leaves_a_ticket_alone_on(World::change_by_change());
}

#[test]
fn orders_in_flight_under_one_serial_stay_apart() {
    orders_in_flight_under_one_serial_stay_apart_on(World::new());
}

#[test]
fn orders_in_flight_under_one_serial_stay_apart_change_by_change() {
    orders_in_flight_under_one_serial_stay_apart_on(World::change_by_change());
}

#[test]
fn a_conflict_under_a_waiting_serial_leaves_its_ticket_alone() {
    a_conflict_under_a_waiting_serial_leaves_its_ticket_alone_on(World::new());
}

#[test]
fn a_conflict_under_a_waiting_serial_leaves_its_ticket_alone_change_by_change() {
    a_conflict_under_a_waiting_serial_leaves_its_ticket_alone_on(World::change_by_change());
}

/// A second cloud platform, pinned at the service platform and allowed to act
/// for the enterprise, asks about a ticket another cloud platform's order got:
/// the service platform answers that it knows no such ticket. The platform that
/// submitted the order gets its answer.
#[test]
fn a_ticket_is_answered_only_to_the_platform_that_submitted_the_order() {
    use std::sync::Arc;

    use fapiao::exchange::{PartyRole, PeerDirectory, PeerRecord};
    use fapiao::platform::{CloudPlatform, CloudPlatformParts};
    use fapiao::store::SqliteStore;

    let world = World::new();
    let ticket = ticket_of(&world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "T-9"),
        NOW,
    ));
    let mut record = enterprise_hosted_record();
    record.allowed_platforms.insert("ECP-2".to_owned());
    world.service_store.upsert_enterprise(&record).unwrap();
    let other_key = creds("ecp-p256");
    PeerDirectory::new(world.service_store.clone())
        .pin(PeerRecord::new(
            "ECP-2",
            PartyRole::CloudPlatform,
            other_key.leaf().clone(),
            NOW,
        ))
        .unwrap();
    let other_store = Arc::new(SqliteStore::open_in_memory().unwrap());
    PeerDirectory::new(other_store.clone())
        .pin(PeerRecord::new(
            "EISP-1",
            PartyRole::ServicePlatform,
            world.service.credentials().leaf().clone(),
            NOW,
        ))
        .unwrap();
    let other = CloudPlatform::new(CloudPlatformParts::on_sqlite(
        other_key,
        trust(),
        other_store,
        "EISP-1",
        provider(),
    ));
    let query = other.query_ticket(&ticket, NOW + 1).unwrap();
    let answer = other
        .open_response(&world.service.handle(&query, NOW + 1).unwrap(), NOW + 1)
        .unwrap();
    assert!(
        matches!(
            &answer.outcome,
            IssueOutcome::Failed {
                reason: FailureReason::NotFound { reference }
            } if *reference == ticket
        ),
        "{answer:?}"
    );
    // The submitter is answered: still pending on the front end.
    assert!(matches!(
        world.poll(&ticket, NOW + 2).outcome,
        IssueOutcome::AcceptedPending { .. }
    ));
}
