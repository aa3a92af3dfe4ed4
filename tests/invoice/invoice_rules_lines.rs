//! Line rules, one test (or more) per violation code; boundary cases check the
//! tolerances from both sides.

use crate::invoice_support;

use fapiao::invoice::{
    InvoiceLine, LineKind, ValidationPolicy, ViolationCode as Code, ZeroRateFlag,
};
use invoice_support::{assert_only, blue, check, dec, red, retotal, service_line};

#[test]
fn no_lines() {
    let mut request = blue();
    request.lines.clear();
    retotal(&mut request);
    assert_only(&request, Code::NoLines, "lines");
}

#[test]
fn too_many_lines() {
    let mut request = blue();
    request.lines = vec![service_line(100, 13); 2_000];
    retotal(&mut request);
    check(&request).expect("2,000 lines are allowed");
    request.lines.push(service_line(100, 13));
    retotal(&mut request);
    let found = assert_only(&request, Code::TooManyLines, "lines");
    assert!(found.to_string().contains("at most 2000 lines, got 2001"));

    let mut policy = ValidationPolicy::default();
    policy.max_lines = 4;
    let found = blue().validate(&policy).unwrap_err();
    assert_eq!(found.as_slice()[0].code, Code::TooManyLines);
}

#[test]
fn invalid_tax_classification_code() {
    for code in [
        "106020101000000000",
        "10602010100000000000",
        "10602010100000000A0",
    ] {
        let mut request = blue();
        request.lines[3].tax_classification_code = code.into();
        assert_only(
            &request,
            Code::InvalidTaxClassificationCode,
            "lines[3].tax_classification_code",
        );
    }
}

#[test]
fn too_many_decimal_places() {
    let mut request = blue();
    request.lines[3].unit_price = Some(dec("38.50000000000001"));
    assert_only(&request, Code::TooManyDecimalPlaces, "lines[3].unit_price");

    // Trailing zeros are not places: the value has 2.
    let mut request = blue();
    request.lines[3].unit_price = Some(dec("38.5000000000000000"));
    check(&request).expect("38.5 with trailing zeros");
    request.lines[3].quantity = Some(dec("10.0000000000001"));
    request.lines[3].unit_price = Some(dec("38.5"));
    check(&request).expect("13 places are allowed");
}

#[test]
fn sign_mismatch() {
    // A blue line is positive.
    let mut request = blue();
    request.lines[0].quantity = Some(dec("0"));
    request.lines[0].amount_fen = 0;
    request.lines[0].tax_amount_fen = 0;
    retotal(&mut request);
    assert_only(&request, Code::SignMismatch, "lines[0].amount_fen");

    // A red line is negative.
    let mut request = red();
    request.lines.push(InvoiceLine {
        quantity: Some(dec("1")),
        unit_price: Some(dec("1.13")),
        ..service_line(113, 13)
    });
    retotal(&mut request);
    assert_only(&request, Code::SignMismatch, "lines[1].amount_fen");

    // A unit price is never negative.
    let mut request = blue();
    request.lines[0].quantity = Some(dec("-2"));
    request.lines[0].unit_price = Some(dec("-5000"));
    assert_only(&request, Code::SignMismatch, "lines[0].unit_price");
}

#[test]
fn amount_mismatch() {
    let mut request = blue();
    request.lines[1].amount_fen += 1;
    retotal(&mut request);
    check(&request).expect("one fen off is within the tolerance");
    request.lines[1].amount_fen += 1;
    retotal(&mut request);
    let found = assert_only(&request, Code::AmountMismatch, "lines[1].amount_fen");
    assert_eq!(
        found.as_slice()[0].message,
        "expected 14999.97 ±0.01 (3 × 4999.99), got 14999.99"
    );
    let mut policy = ValidationPolicy::default();
    policy.amount_tolerance_fen = 2;
    request.validate(&policy).expect("within a wider tolerance");
}

#[test]
fn tax_mismatch() {
    let mut request = blue();
    request.lines[0].tax_amount_fen += 6;
    retotal(&mut request);
    check(&request).expect("six fen off is within the tolerance");
    request.lines[0].tax_amount_fen += 1;
    retotal(&mut request);
    let found = assert_only(&request, Code::TaxMismatch, "lines[0].tax_amount_fen");
    assert_eq!(
        found.as_slice()[0].message,
        "expected 600.00 ±0.06, got 600.07"
    );
}

#[test]
fn tax_rounds_half_away_from_zero_to_the_fen() {
    let mut exact = ValidationPolicy::default();
    exact.line_tax_tolerance_fen = 0;
    // 0.50 × 13% = 0.065 → 0.07.
    let mut request = blue();
    request.lines = vec![service_line(50, 7)];
    retotal(&mut request);
    request.validate(&exact).expect("0.065 rounds up to 0.07");
    request.lines[0].tax_amount_fen = 6;
    retotal(&mut request);
    let found = request.validate(&exact).unwrap_err();
    assert_eq!(found.as_slice()[0].code, Code::TaxMismatch);
    // A red line mirrors it: −0.065 → −0.07.
    let mut request = red();
    request.price_includes_tax = false;
    request.lines = vec![service_line(-50, -7)];
    retotal(&mut request);
    request.validate(&exact).expect("−0.065 rounds to −0.07");
}

#[test]
fn tax_included_in_the_price_is_total_times_rate_over_one_plus_rate() {
    let mut request = blue();
    request.price_includes_tax = true;
    request.lines = vec![InvoiceLine {
        quantity: Some(dec("1")),
        unit_price: Some(dec("1130")),
        ..service_line(113_000, 13_000)
    }];
    retotal(&mut request);
    assert_eq!(request.totals.amount_fen, 100_000);
    assert_eq!(request.totals.total_fen, 113_000);
    let mut exact = ValidationPolicy::default();
    exact.line_tax_tolerance_fen = 0;
    request
        .validate(&exact)
        .expect("1130 with 13% tax included");
    // The same line read as excluding tax would owe 146.90.
    request.price_includes_tax = false;
    retotal(&mut request);
    let found = request.validate(&exact).unwrap_err();
    assert_eq!(
        found.as_slice()[0].message,
        "expected 146.90 ±0.00, got 130.00"
    );
}

#[test]
fn tax_rate_not_allowed() {
    let mut request = blue();
    request.lines[0].tax_rate = dec("0.10");
    request.lines[0].tax_amount_fen = 100_000;
    retotal(&mut request);
    let found = assert_only(&request, Code::TaxRateNotAllowed, "lines[0].tax_rate");
    assert!(
        found
            .to_string()
            .contains("one of 0.13, 0.09, 0.06, 0.05, 0.03, 0.01, 0.005, 0, got 0.10")
    );
    let mut policy = ValidationPolicy::default();
    policy.allowed_tax_rates.push(dec("0.1"));
    request.validate(&policy).expect("0.10 is 0.1 by value");
    // Rates compare by value.
    let mut request = blue();
    request.lines[0].tax_rate = dec("0.060");
    check(&request).expect("0.060 is 6%");
}

#[test]
fn zero_rate_flag_mismatch() {
    let mut request = blue();
    request.lines[4].zero_rate_flag = None;
    assert_only(
        &request,
        Code::ZeroRateFlagMismatch,
        "lines[4].zero_rate_flag",
    );
    let mut request = blue();
    request.lines[0].zero_rate_flag = Some(ZeroRateFlag::OrdinaryZeroRate);
    assert_only(
        &request,
        Code::ZeroRateFlagMismatch,
        "lines[0].zero_rate_flag",
    );
}

#[test]
fn discount_misplaced() {
    let mut request = blue();
    let discount = request.lines.remove(2);
    request.lines.insert(0, discount);
    assert_only(&request, Code::DiscountMisplaced, "lines[0].line_kind");

    let mut request = blue();
    let mut second = request.lines[2].clone();
    second.amount_fen = -1;
    second.tax_amount_fen = 0;
    request.lines.insert(3, second);
    retotal(&mut request);
    assert_only(&request, Code::DiscountMisplaced, "lines[3].line_kind");
}

#[test]
fn discount_sign() {
    let mut request = blue();
    request.lines[2].amount_fen = 99_997;
    request.lines[2].tax_amount_fen = 13_000;
    retotal(&mut request);
    assert_only(&request, Code::DiscountSign, "lines[2].amount_fen");

    let mut request = blue();
    request.lines[2].amount_fen = 0;
    request.lines[2].tax_amount_fen = 0;
    retotal(&mut request);
    assert_only(&request, Code::DiscountSign, "lines[2].amount_fen");

    // On a red invoice the discount mirrors its line: positive.
    let mut request = red();
    request.lines.push(InvoiceLine {
        line_kind: LineKind::Discount,
        ..service_line(10_000, 1_150)
    });
    retotal(&mut request);
    check(&request).expect("a positive discount on a negative red line");
}

#[test]
fn discount_exceeds_line() {
    let mut request = blue();
    request.lines[2].amount_fen = -1_499_997;
    request.lines[2].tax_amount_fen = -195_000;
    retotal(&mut request);
    check(&request).expect("a discount of the whole line");
    request.lines[2].amount_fen = -1_499_998;
    retotal(&mut request);
    assert_only(&request, Code::DiscountExceedsLine, "lines[2].amount_fen");
}

#[test]
fn discount_rate_mismatch() {
    let mut request = blue();
    request.lines[2].tax_rate = dec("0.09");
    request.lines[2].tax_amount_fen = -9_000;
    retotal(&mut request);
    assert_only(&request, Code::DiscountRateMismatch, "lines[2].tax_rate");
}

#[test]
fn differences_too_large_to_hold_are_mismatches_not_panics() {
    let mut request = blue();
    request.lines[0].quantity = Some(dec("792281625142643375935439503"));
    request.lines[0].unit_price = Some(dec("1"));
    request.lines[0].amount_fen = 1;
    request.lines[0].tax_amount_fen = 0;
    retotal(&mut request);
    assert_only(&request, Code::AmountMismatch, "lines[0].amount_fen");

    let mut policy = ValidationPolicy::default();
    policy
        .allowed_tax_rates
        .push(dec("79228162514264337593543950"));
    let mut request = blue();
    request.lines[0].tax_rate = dec("79228162514264337593543950");
    request.lines[0].amount_fen = 1000;
    request.lines[0].quantity = None;
    request.lines[0].unit_price = None;
    request.lines[0].tax_amount_fen = i64::MIN;
    let found = request.validate(&policy).unwrap_err();
    assert!(found.iter().any(|v| v.code == Code::TaxMismatch), "{found}");
    assert!(
        found.iter().any(|v| v.code == Code::TaxDifferenceExceeded),
        "{found}"
    );
}
