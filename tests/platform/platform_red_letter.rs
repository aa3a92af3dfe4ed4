//! Red-letter invoices held against the invoices they reverse, as an enterprise
//! trying to lower its reported tax would send them: made-up originals, another
//! seller's invoice, a red reversed again, the same blue reversed twice, partial
//! reversals past the total, and queued reds in the asynchronous mode. Each is
//! refused in a sealed answer with its typed violation.

use crate::platform_support;

use fapiao::invoice::Reversed;
use fapiao::invoice::{
    FailureReason, InvoiceColor, InvoiceNumber, IssueOutcome, IssueResponse, IssuedInvoice,
    ViolationCode,
};
use fapiao::platform::IssuingStore;
use platform_support::*;

/// The blue sample's total with tax and amount without tax, in fen.
const BLUE_TOTAL: i64 = 2_689_965;
const BLUE_AMOUNT: i64 = 2_444_500;

fn invoice_of(response: &IssueResponse) -> &IssuedInvoice {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice,
        other => panic!("expected an issued invoice, got {other:?}"),
    }
}

fn digits(number: &InvoiceNumber) -> String {
    match number {
        InvoiceNumber::Digital(n) => n.clone(),
        other => panic!("expected a digital number, got {other:?}"),
    }
}

/// A red request of `seller` under `serial` reversing `original` by `total_fen`
/// (with tax, prices including tax) at `percent`% tax.
fn red(seller: &str, serial: &str, original: &str, total_fen: i64, percent: i64) -> Vec<u8> {
    let buyer = if seller == HOSTED_BY_PLATFORM {
        HOSTED_BY_ENTERPRISE
    } else {
        HOSTED_BY_PLATFORM
    };
    // Tax in a total that includes it, rounded half up to the fen.
    let tax = (2 * total_fen * percent + 100 + percent) / (2 * (100 + percent));
    let mut json: serde_json::Value =
        serde_json::from_slice(&data("../../examples/requests/valid-red.json")).unwrap();
    json["serial_number"] = serial.into();
    json["seller"]["tax_id"] = seller.into();
    json["buyer"]["tax_id"] = buyer.into();
    json["red_letter"]["original_invoice_number"] = original.into();
    json["remarks"] = format!("退货：原发票 {original}").into();
    let line = &mut json["lines"][0];
    line["unit_price"] = format!("{}.{:02}", total_fen / 100, total_fen % 100).into();
    line["amount_fen"] = (-total_fen).into();
    line["tax_rate"] = format!("0.{percent:02}").into();
    line["tax_amount_fen"] = (-tax).into();
    json["totals"]["amount_fen"] = (tax - total_fen).into();
    json["totals"]["tax_amount_fen"] = (-tax).into();
    json["totals"]["total_fen"] = (-total_fen).into();
    serde_json::to_vec(&json).unwrap()
}

/// The one violation of a refused answer: its code and path.
fn violation_of(response: &IssueResponse) -> (ViolationCode, String) {
    match &response.outcome {
        IssueOutcome::Failed {
            reason: FailureReason::InvalidRequest { violations },
        } => {
            assert_eq!(violations.len(), 1, "{violations}");
            let v = &violations.as_slice()[0];
            (v.code, v.path.clone())
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

const NUMBER_PATH: &str = "red_letter.original_invoice_number";

/// A blue invoice of the platform-hosted seller, issued at once.
fn blue_of_platform_hosted(world: &World, serial: &str) -> IssuedInvoice {
    invoice_of(&world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, serial),
        NOW,
    ))
    .clone()
}

/// A blue invoice of the enterprise-hosted seller, through its front end.
fn blue_of_enterprise_hosted(world: &World, serial: &str, now: u64) -> IssuedInvoice {
    let accepted = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, serial),
        now,
    );
    let ticket = ticket_of(&accepted);
    assert_eq!(world.run_front_end(10, now + 1).issued, 1);
    invoice_of(&world.poll(&ticket, now + 2)).clone()
}

fn made_up_and_foreign_originals_are_refused_on(world: World) {
    let seller = HOSTED_BY_PLATFORM;
    // A number never issued here.
    let made_up = world.issue(
        seller,
        &red(seller, "X-1", "26440000000000999999", 10_000, 13),
        NOW,
    );
    assert_eq!(
        violation_of(&made_up),
        (ViolationCode::OriginalInvoiceNotFound, NUMBER_PATH.into())
    );
    // Another seller's real invoice.
    let foreign = blue_of_enterprise_hosted(&world, "F-1", NOW);
    assert_eq!(foreign.seller_tax_id.as_str(), HOSTED_BY_ENTERPRISE);
    let number = digits(&foreign.invoice_number);
    let stolen = world.issue(seller, &red(seller, "X-2", &number, 10_000, 13), NOW + 5);
    assert_eq!(
        violation_of(&stolen),
        (
            ViolationCode::OriginalInvoiceOfAnotherSeller,
            NUMBER_PATH.into()
        )
    );
    // And the other way round, refused before it is queued.
    let mine = blue_of_platform_hosted(&world, "B-1");
    let queued = world.issue(
        HOSTED_BY_ENTERPRISE,
        &red(
            HOSTED_BY_ENTERPRISE,
            "X-3",
            &digits(&mine.invoice_number),
            10_000,
            13,
        ),
        NOW + 6,
    );
    assert_eq!(
        violation_of(&queued),
        (
            ViolationCode::OriginalInvoiceOfAnotherSeller,
            NUMBER_PATH.into()
        )
    );
    assert!(
        world
            .service_store
            .pending_commands(HOSTED_BY_ENTERPRISE, 10)
            .unwrap()
            .is_empty()
    );
    // Nothing refused was recorded: none of the serial numbers is taken.
    for (who, serial) in [
        (seller, "X-1"),
        (seller, "X-2"),
        (HOSTED_BY_ENTERPRISE, "X-3"),
    ] {
        assert!(
            world
                .service_store
                .find_request(who, serial)
                .unwrap()
                .is_none()
        );
    }
}

fn a_red_is_not_reversed_on(world: World) {
    let seller = HOSTED_BY_PLATFORM;
    let blue = blue_of_platform_hosted(&world, "B-1");
    let first = world.issue(
        seller,
        &red(seller, "R-1", &digits(&blue.invoice_number), 100_000, 13),
        NOW + 1,
    );
    let red_invoice = invoice_of(&first);
    assert_eq!(red_invoice.color, InvoiceColor::Red);
    let again = world.issue(
        seller,
        &red(
            seller,
            "R-2",
            &digits(&red_invoice.invoice_number),
            50_000,
            13,
        ),
        NOW + 2,
    );
    assert_eq!(
        violation_of(&again),
        (ViolationCode::OriginalInvoiceNotBlue, NUMBER_PATH.into())
    );
}

fn a_blue_reversed_in_full_is_not_reversed_again_on(world: World) {
    let seller = HOSTED_BY_PLATFORM;
    let blue = blue_of_platform_hosted(&world, "B-1");
    assert_eq!((blue.total_fen, blue.amount_fen), (BLUE_TOTAL, BLUE_AMOUNT));
    let number = digits(&blue.invoice_number);
    let full = red(seller, "R-1", &number, BLUE_TOTAL, 13);
    let first = world.issue(seller, &full, NOW + 1);
    assert_eq!(invoice_of(&first).total_fen, -BLUE_TOTAL);
    // The same request again is the same answer, not a second reversal.
    let resent = world.issue(seller, &full, NOW + 2);
    assert_eq!(invoice_of(&resent), invoice_of(&first));
    // The same reversal under a new serial number: refused.
    let twice = world.issue(
        seller,
        &red(seller, "R-2", &number, BLUE_TOTAL, 13),
        NOW + 3,
    );
    assert_eq!(
        violation_of(&twice),
        (ViolationCode::OriginalFullyReversed, NUMBER_PATH.into())
    );
    let a_fen = world.issue(seller, &red(seller, "R-3", &number, 1, 13), NOW + 4);
    assert_eq!(
        violation_of(&a_fen),
        (ViolationCode::OriginalFullyReversed, NUMBER_PATH.into())
    );
    assert_eq!(
        world
            .service_store
            .reversed_so_far(&blue.invoice_number)
            .unwrap()
            .total_fen,
        BLUE_TOTAL
    );
}

fn partial_reversals_stop_at_the_original_on(world: World) {
    let seller = HOSTED_BY_PLATFORM;
    let blue = blue_of_platform_hosted(&world, "B-1");
    let number = digits(&blue.invoice_number);
    let (half, rest) = (BLUE_TOTAL / 2 + 1, BLUE_TOTAL / 2);
    assert_eq!(half + rest, BLUE_TOTAL);
    let issue = |serial: &str, total: i64, percent: i64, at: u64| {
        world.issue(
            seller,
            &red(seller, serial, &number, total, percent),
            NOW + at,
        )
    };
    assert!(matches!(
        issue("R-1", half, 13, 1).outcome,
        IssueOutcome::Issued { .. }
    ));
    // More than the remainder: refused at the total.
    assert_eq!(
        violation_of(&issue("R-2", half, 13, 2)),
        (
            ViolationCode::ReversalExceedsOriginal,
            "totals.total_fen".into()
        )
    );
    // Within the remainder with tax, past it without: a lower tax rate moves the
    // reversal into the amount without tax.
    assert_eq!(
        violation_of(&issue("R-3", rest, 1, 3)),
        (
            ViolationCode::ReversalExceedsOriginal,
            "totals.amount_fen".into()
        )
    );
    // The second half exactly: issued.
    assert!(matches!(
        issue("R-4", rest, 13, 4).outcome,
        IssueOutcome::Issued { .. }
    ));
    // A third: the original is used up.
    assert_eq!(
        violation_of(&issue("R-5", 100, 13, 5)),
        (ViolationCode::OriginalFullyReversed, NUMBER_PATH.into())
    );
    // A refused serial number is not taken: the corrected request may use it
    // (here against another blue invoice).
    let other = blue_of_platform_hosted(&world, "B-2");
    let corrected = world.issue(
        seller,
        &red(seller, "R-2", &digits(&other.invoice_number), half, 13),
        NOW + 6,
    );
    assert!(matches!(corrected.outcome, IssueOutcome::Issued { .. }));
}

/// Asynchronous mode: a queued red holds its amount against the original until
/// its front end reports; one reported failed frees it.
fn queued_reds_cannot_together_exceed_the_original_on(world: World) {
    let seller = HOSTED_BY_ENTERPRISE;
    let blue = blue_of_enterprise_hosted(&world, "B-1", NOW);
    let number = digits(&blue.invoice_number);
    let two_thirds = BLUE_TOTAL * 2 / 3;
    let first = red(seller, "R-1", &number, two_thirds, 13);
    let first_ticket = ticket_of(&world.issue(seller, &first, NOW + 10));
    let second = red(seller, "R-2", &number, two_thirds, 13);
    assert_eq!(
        violation_of(&world.issue(seller, &second, NOW + 11)),
        (
            ViolationCode::ReversalExceedsOriginal,
            "totals.total_fen".into()
        )
    );
    assert_eq!(
        world
            .service_store
            .pending_commands(seller, 10)
            .unwrap()
            .len(),
        1,
        "the refused red is not queued"
    );
    // The front end pulls past the first red's deadline: the service platform
    // fails the command instead of delivering it, and the failure frees the
    // amount.
    let late = NOW + 10 + 601;
    let report = world.run_front_end(10, late);
    assert_eq!((report.issued, report.failed), (0, 0));
    assert!(matches!(
        world.poll(&first_ticket, late + 1).outcome,
        IssueOutcome::Failed {
            reason: FailureReason::DeviceFailed { .. }
        }
    ));
    assert_eq!(
        world
            .service_store
            .reversed_so_far(&blue.invoice_number)
            .unwrap(),
        Reversed::default()
    );
    // The second red, sent again, now fits; queued, then issued.
    let second_ticket = ticket_of(&world.issue(seller, &second, late + 2));
    assert_eq!(world.run_front_end(10, late + 3).issued, 1);
    let issued = world.poll(&second_ticket, late + 4);
    assert_eq!(invoice_of(&issued).total_fen, -two_thirds);
    // And the rest is what is left.
    let left = BLUE_TOTAL - two_thirds;
    assert_eq!(
        violation_of(&world.issue(seller, &red(seller, "R-3", &number, left + 1, 13), late + 5)),
        (
            ViolationCode::ReversalExceedsOriginal,
            "totals.total_fen".into()
        )
    );
    let _ = ticket_of(&world.issue(seller, &red(seller, "R-4", &number, left, 13), late + 6));
}

// Each scenario runs with the platforms' units of work (one transaction per
// message) and change by change (each store change commits on its own).

#[test]
fn made_up_and_foreign_originals_are_refused() {
    made_up_and_foreign_originals_are_refused_on(World::new());
}

#[test]
fn made_up_and_foreign_originals_are_refused_change_by_change() {
    made_up_and_foreign_originals_are_refused_on(World::change_by_change());
}

#[test]
fn a_red_is_not_reversed() {
    a_red_is_not_reversed_on(World::new());
}

#[test]
fn a_red_is_not_reversed_change_by_change() {
    a_red_is_not_reversed_on(World::change_by_change());
}

#[test]
fn a_blue_reversed_in_full_is_not_reversed_again() {
    a_blue_reversed_in_full_is_not_reversed_again_on(World::new());
}

#[test]
fn a_blue_reversed_in_full_is_not_reversed_again_change_by_change() {
    a_blue_reversed_in_full_is_not_reversed_again_on(World::change_by_change());
}

#[test]
fn partial_reversals_stop_at_the_original() {
    partial_reversals_stop_at_the_original_on(World::new());
}

#[test]
fn partial_reversals_stop_at_the_original_change_by_change() {
    partial_reversals_stop_at_the_original_on(World::change_by_change());
}

#[test]
fn queued_reds_cannot_together_exceed_the_original() {
    queued_reds_cannot_together_exceed_the_original_on(World::new());
}

#[test]
fn queued_reds_cannot_together_exceed_the_original_change_by_change() {
    queued_reds_cannot_together_exceed_the_original_on(World::change_by_change());
}
