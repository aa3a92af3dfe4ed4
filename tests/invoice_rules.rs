//! One test (or more) per order rule: each breaks exactly that rule and expects its
//! code at its path; boundary cases check the tolerances from both sides.

mod invoice_support;

use fapiao::invoice::{
    InterfaceCode, InvoiceColor, InvoiceKind, InvoiceLine, IssueRequest, LineKind, RedLetterReason,
    RedLetterReference, ValidationPolicy, ViolationCode as Code, ZeroRateFlag,
};
use invoice_support::{assert_only, blue, check, dec, red, retotal, violations};

/// A service line of `amount_fen` at 13% with the given tax, no quantity.
fn service_line(amount_fen: i64, tax_amount_fen: i64) -> InvoiceLine {
    InvoiceLine {
        line_kind: LineKind::Normal,
        name: "*技术服务*检测服务".into(),
        tax_classification_code: "3040203000000000000".into(),
        specification: None,
        unit: None,
        quantity: None,
        unit_price: None,
        amount_fen,
        tax_rate: dec("0.13"),
        tax_amount_fen,
        zero_rate_flag: None,
    }
}

#[test]
fn the_samples_are_valid() {
    let validated = check(&blue()).expect("valid-blue");
    assert_eq!(validated.seller_tax_id().as_str(), "91350200776049653A");
    assert_eq!(
        validated.buyer_tax_id().unwrap().as_str(),
        "91440101MA5CJQ4N59"
    );
    assert_eq!(validated.totals().total_fen, 2_689_965);
    assert_eq!(validated.red_letter_reason(), None);
    let validated = check(&red()).expect("valid-red");
    assert_eq!(validated.color(), InvoiceColor::Red);
    assert_eq!(
        validated.red_letter_reason(),
        Some(RedLetterReason::GoodsReturned)
    );
    assert_eq!(validated.red_letter_reason().unwrap().code(), 2);
}

#[test]
fn every_violation_is_reported_at_once_in_field_order() {
    let mut request = blue();
    request.serial_number = "no spaces".into();
    request.seller.tax_id = "91350200776049653B".into();
    request.lines[0].tax_classification_code = "123".into();
    request.lines[3].tax_amount_fen += 100;
    request.drawer = String::new();
    let found = violations(&request);
    let codes: Vec<Code> = found.iter().map(|v| v.code).collect();
    assert_eq!(
        codes,
        [
            Code::InvalidSerialNumber,
            Code::InvalidTaxId,
            Code::InvalidTaxClassificationCode,
            Code::TaxMismatch,
            Code::TotalTaxMismatch,
            Code::MissingField,
        ]
    );
    assert_eq!(found.len(), 6);
    assert_eq!(
        found.as_slice()[3].to_string(),
        "lines[3].tax_amount_fen: TAX_MISMATCH expected 34.65 ±0.06, got 35.65"
    );
}

#[test]
fn interface_mismatch() {
    let mut request = blue();
    request.interface_code = InterfaceCode::Query;
    let found = assert_only(&request, Code::InterfaceMismatch, "interface_code");
    assert!(found.to_string().contains("interface ISSUE, got QUERY"));
    let mut request = red();
    request.interface_code = InterfaceCode::Issue;
    assert_only(&request, Code::InterfaceMismatch, "interface_code");
}

#[test]
fn invalid_serial_number() {
    for serial in [String::new(), "A".repeat(65), "订单1".into(), "a b".into()] {
        let mut request = blue();
        request.serial_number = serial;
        assert_only(&request, Code::InvalidSerialNumber, "serial_number");
    }
    let mut request = blue();
    request.serial_number = format!("{}_-", "Zz9".repeat(20) + "x");
    assert_eq!(request.serial_number.len(), 63);
    check(&request).expect("63 allowed characters");
}

#[test]
fn missing_field() {
    let mut request = blue();
    request.seller.name = "  ".into();
    assert_only(&request, Code::MissingField, "seller.name");

    let mut request = blue();
    request.seller.tax_id = String::new();
    assert_only(&request, Code::MissingField, "seller.tax_id");

    let mut request = blue();
    request.lines[1].name = String::new();
    assert_only(&request, Code::MissingField, "lines[1].name");

    let mut request = blue();
    request.lines[0].unit_price = None;
    assert_only(&request, Code::MissingField, "lines[0].unit_price");

    let mut request = blue();
    request.lines[0].quantity = None;
    assert_only(&request, Code::MissingField, "lines[0].quantity");
}

#[test]
fn buyer_tax_id_may_be_omitted_only_by_a_natural_person_on_an_ordinary_invoice() {
    let mut request = blue();
    request.buyer.tax_id = None;
    assert_only(&request, Code::MissingField, "buyer.tax_id");

    request.buyer.natural_person = true;
    let validated = check(&request).expect("a natural person needs no tax id");
    assert_eq!(validated.buyer_tax_id(), None);

    request.buyer.tax_id = Some(String::new());
    check(&request).expect("a blank tax id is an absent one");

    request.invoice_kind = InvoiceKind::DigitalSpecial;
    let found = assert_only(&request, Code::MissingField, "buyer.tax_id");
    assert!(found.to_string().contains("DIGITAL_SPECIAL"));
}

#[test]
fn field_too_long() {
    let mut request = blue();
    request.remarks = Some("备".repeat(230));
    check(&request).expect("230 characters, counted as characters not bytes");
    request.remarks = Some("备".repeat(231));
    let found = assert_only(&request, Code::FieldTooLong, "remarks");
    assert!(
        found
            .to_string()
            .contains("at most 230 characters, got 231")
    );

    let mut request = blue();
    request.seller.name = "x".repeat(101);
    assert_only(&request, Code::FieldTooLong, "seller.name");
    let mut request = blue();
    request.lines[1].specification = Some("s".repeat(41));
    assert_only(&request, Code::FieldTooLong, "lines[1].specification");
    let mut request = blue();
    request.reviewer = Some("r".repeat(21));
    assert_only(&request, Code::FieldTooLong, "reviewer");
}

#[test]
fn invalid_tax_id() {
    let mut request = blue();
    request.seller.tax_id = "91350200776049653B".into();
    let found = assert_only(&request, Code::InvalidTaxId, "seller.tax_id");
    assert!(
        found
            .to_string()
            .contains("the first 17 characters give 'A'")
    );

    let mut request = blue();
    request.buyer.tax_id = Some("91440101MA5CJQ4N58".into());
    assert_only(&request, Code::InvalidTaxId, "buyer.tax_id");

    // The seller never gets the lenient mode.
    let mut request = blue();
    request.seller.tax_id = "350200776049653".into();
    let lenient = ValidationPolicy::with_lenient_buyer_tax_ids(true);
    let found = request.validate(&lenient).unwrap_err();
    assert_eq!(found.as_slice()[0].code, Code::InvalidTaxId);
}

#[test]
fn legacy_buyer_tax_ids_need_the_lenient_mode() {
    for legacy in [
        "350200776049653",
        "35020077604965301",
        "35020219800101123401",
    ] {
        let mut request = blue();
        request.buyer.tax_id = Some(legacy.into());
        assert_only(&request, Code::InvalidTaxId, "buyer.tax_id");
        let lenient = ValidationPolicy::with_lenient_buyer_tax_ids(true);
        let validated = request
            .validate(&lenient)
            .expect("lenient accepts legacy ids");
        assert_eq!(validated.buyer_tax_id().unwrap().as_str(), legacy);
    }
    let mut request = blue();
    request.buyer.tax_id = Some("3502007760496".into());
    let lenient = ValidationPolicy::with_lenient_buyer_tax_ids(true);
    assert_eq!(
        request.validate(&lenient).unwrap_err().as_slice()[0].code,
        Code::InvalidTaxId
    );
}

#[test]
fn invalid_contact() {
    for email in [
        "invoices.example.cn",
        "@example.cn",
        "a@b",
        "a b@example.cn",
        "a@@example.cn",
    ] {
        let mut request = blue();
        request.buyer.delivery.as_mut().unwrap().email = Some(email.into());
        assert_only(&request, Code::InvalidContact, "buyer.delivery.email");
    }
    for mobile in ["1380013800", "23800138000", "1380013800a"] {
        let mut request = blue();
        request.buyer.delivery.as_mut().unwrap().mobile = Some(mobile.into());
        assert_only(&request, Code::InvalidContact, "buyer.delivery.mobile");
    }
}

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

#[test]
fn red_reference_missing() {
    let mut request = red();
    request.red_letter = None;
    assert_only(&request, Code::RedReferenceMissing, "red_letter");

    let mut request = red();
    request.red_letter.as_mut().unwrap().confirmation_number = " ".into();
    assert_only(
        &request,
        Code::RedReferenceMissing,
        "red_letter.confirmation_number",
    );

    let mut request = red();
    request.red_letter.as_mut().unwrap().original_invoice_number = String::new();
    assert_only(
        &request,
        Code::RedReferenceMissing,
        "red_letter.original_invoice_number",
    );

    let mut request = legacy_red();
    request.red_letter.as_mut().unwrap().original_invoice_code = None;
    assert_only(
        &request,
        Code::RedReferenceMissing,
        "red_letter.original_invoice_code",
    );
}

/// The red sample reversing a legacy paper special invoice.
fn legacy_red() -> IssueRequest {
    let mut request = red();
    request.invoice_kind = InvoiceKind::PaperSpecial;
    request.red_letter = Some(RedLetterReference {
        original_invoice_number: "01234567".into(),
        original_invoice_code: Some("3500202130".into()),
        confirmation_number: "3502002611280017".into(),
        reason_code: 4,
    });
    request
}

#[test]
fn a_legacy_red_invoice_names_code_and_number() {
    let validated = check(&legacy_red()).expect("a legacy red invoice");
    assert_eq!(
        validated.red_letter_reason(),
        Some(RedLetterReason::SalesAllowance)
    );
}

#[test]
fn unexpected_red_reference() {
    let mut request = blue();
    request.red_letter = red().red_letter;
    assert_only(&request, Code::UnexpectedRedReference, "red_letter");
}

#[test]
fn invalid_red_reason() {
    for reason in [0, 5, -1] {
        let mut request = red();
        request.red_letter.as_mut().unwrap().reason_code = reason;
        let found = assert_only(&request, Code::InvalidRedReason, "red_letter.reason_code");
        assert!(
            found
                .to_string()
                .ends_with(&format!("1 to 4, got {reason}"))
        );
    }
}

#[test]
fn invalid_invoice_number() {
    let mut request = red();
    request.red_letter.as_mut().unwrap().original_invoice_number = "2635200000001234567".into();
    assert_only(
        &request,
        Code::InvalidInvoiceNumber,
        "red_letter.original_invoice_number",
    );

    let mut request = red();
    request.red_letter.as_mut().unwrap().original_invoice_code = Some("3500202130".into());
    assert_only(
        &request,
        Code::InvalidInvoiceNumber,
        "red_letter.original_invoice_code",
    );

    let mut request = legacy_red();
    request.red_letter.as_mut().unwrap().original_invoice_code = Some("35002021301".into());
    assert_only(
        &request,
        Code::InvalidInvoiceNumber,
        "red_letter.original_invoice_code",
    );

    let mut request = legacy_red();
    request.red_letter.as_mut().unwrap().original_invoice_number = "26352000000012345678".into();
    assert_only(
        &request,
        Code::InvalidInvoiceNumber,
        "red_letter.original_invoice_number",
    );
}

#[test]
fn invalid_confirmation_number() {
    for number in ["HZ-2026-0001".to_owned(), "1".repeat(33), "３５０２".into()] {
        let mut request = red();
        request.red_letter.as_mut().unwrap().confirmation_number = number;
        assert_only(
            &request,
            Code::InvalidConfirmationNumber,
            "red_letter.confirmation_number",
        );
    }
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
    // The sample test covers every code with a file; this only guards that the list
    // of codes is the one these tests were written for.
    assert_eq!(Code::ALL.len(), 31);
}
