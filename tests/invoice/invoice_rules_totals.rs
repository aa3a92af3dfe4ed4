//! Totals rules, one test (or more) per violation code; boundary cases check the
//! bounds from both sides.

use crate::invoice_support;

use fapiao::invoice::{InvoiceLine, ValidationPolicy, ViolationCode as Code, ZeroRateFlag};
use invoice_support::{assert_only, blue, check, dec, red, retotal, service_line, violations};

#[test]
fn total_amount_mismatch() {
    let mut request = blue();
    request.totals.amount_fen -= 1;
    request.totals.total_fen -= 1;
    let found = assert_only(&request, Code::TotalAmountMismatch, "totals.amount_fen");
    assert!(
        found
            .to_string()
            .contains("expected 24445.00 (sum of 5 lines), got 24444.99")
    );
}

#[test]
fn total_tax_mismatch() {
    let mut request = blue();
    request.totals.tax_amount_fen += 1;
    request.totals.total_fen += 1;
    assert_only(&request, Code::TotalTaxMismatch, "totals.tax_amount_fen");
}

#[test]
fn grand_total_mismatch() {
    let mut request = blue();
    request.totals.total_fen -= 1;
    assert_only(&request, Code::GrandTotalMismatch, "totals.total_fen");
}

#[test]
fn tax_difference_exceeded() {
    // 1.00 at 13% is 0.13 exactly; 0.19 is 6 fen over, within the line tolerance.
    let mut request = blue();
    request.lines = vec![service_line(100, 19); 21];
    request.lines.push(service_line(100, 14));
    retotal(&mut request);
    check(&request).expect("21 × 6 + 1 = 127 fen: exactly the bound");
    request.lines.push(service_line(100, 14));
    retotal(&mut request);
    let found = assert_only(
        &request,
        Code::TaxDifferenceExceeded,
        "totals.tax_amount_fen",
    );
    assert!(found.to_string().contains("by 1.28 in total, beyond ±1.27"));
    let mut policy = ValidationPolicy::default();
    policy.cumulative_tax_tolerance_fen = 128;
    request.validate(&policy).expect("a wider bound");

    // Negative differences count too.
    let mut request = blue();
    request.lines = vec![service_line(100, 7); 22];
    retotal(&mut request);
    assert_only(
        &request,
        Code::TaxDifferenceExceeded,
        "totals.tax_amount_fen",
    );
}

#[test]
fn amount_overflow() {
    let exempt = InvoiceLine {
        tax_rate: dec("0"),
        zero_rate_flag: Some(ZeroRateFlag::TaxExempt),
        ..service_line(i64::MAX / 2 + 1, 0)
    };
    let mut request = blue();
    request.lines = vec![exempt.clone(), exempt];
    request.totals.amount_fen = 0;
    request.totals.tax_amount_fen = 0;
    request.totals.total_fen = 0;
    assert_only(&request, Code::AmountOverflow, "totals.amount_fen");

    // amount + tax in the header.
    let mut request = blue();
    request.totals.amount_fen = i64::MAX;
    let found = violations(&request);
    assert!(
        found
            .iter()
            .any(|v| v.code == Code::AmountOverflow && v.path == "totals.total_fen")
    );

    // quantity × unit price beyond what a decimal holds.
    let mut request = blue();
    request.lines[0].quantity = Some(dec("79228162514264337593543950335"));
    assert_only(&request, Code::AmountOverflow, "lines[0].amount_fen");

    // amount − tax on a price-includes-tax line.
    let mut request = red();
    request.lines[0].tax_amount_fen = i64::MAX;
    let found = violations(&request);
    assert!(
        found
            .iter()
            .any(|v| v.code == Code::AmountOverflow && v.path == "lines[0].tax_amount_fen"),
        "{found}"
    );
}

#[test]
fn negative_blue_total() {
    // 0.01 at 13%: exact tax 0.0013; −0.05 is within the line tolerance, but the
    // invoice's tax and total come out negative.
    let mut request = blue();
    request.lines = vec![service_line(1, -5)];
    retotal(&mut request);
    let found = assert_only(&request, Code::NegativeBlueTotal, "totals.tax_amount_fen");
    assert_eq!(found.len(), 2);
    assert_eq!(found.as_slice()[1].path, "totals.total_fen");
}

#[test]
fn red_not_negative() {
    let mut request = red();
    request.price_includes_tax = false;
    request.lines = vec![service_line(-1, 5)];
    retotal(&mut request);
    let found = assert_only(&request, Code::RedNotNegative, "totals.tax_amount_fen");
    assert_eq!(found.as_slice()[1].path, "totals.total_fen");

    // A zero-rate red invoice has zero tax, which is fine.
    let mut request = red();
    request.price_includes_tax = false;
    request.lines = vec![InvoiceLine {
        tax_rate: dec("0"),
        zero_rate_flag: Some(ZeroRateFlag::ExportZeroRate),
        ..service_line(-100, 0)
    }];
    retotal(&mut request);
    check(&request).expect("zero tax on a red invoice");
}

#[test]
fn every_code_has_a_test_here_or_a_sample() {
    // The sample test covers every code validation finds with a file (the codes
    // found against the service platform's records are tests/platform/platform_red_letter.rs's);
    // this only guards that the list of codes is the one these tests were written for.
    assert_eq!(Code::ALL.len(), 36);
    assert_eq!(Code::ALL.iter().filter(|c| c.needs_records()).count(), 5);
}
