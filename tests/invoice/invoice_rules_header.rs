//! Header rules, one test (or more) per violation code: each breaks exactly that
//! rule and expects its code at its path. (Lines: invoice_rules_lines.rs; totals:
//! invoice_rules_totals.rs.)

use crate::invoice_support;

use fapiao::invoice::{
    InterfaceCode, InvoiceColor, InvoiceKind, RedLetterReason, ValidationPolicy,
    ViolationCode as Code,
};
use invoice_support::{assert_only, blue, check, legacy_red, red, violations};

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
fn a_valid_red_invoice_names_what_it_reverses_as_the_platform_keys_invoices() {
    use fapiao::invoice::InvoiceNumber;
    use fapiao::invoice::Reversal;
    assert_eq!(Reversal::of_request(&check(&blue()).unwrap()), None);
    assert_eq!(
        Reversal::of_request(&check(&red()).unwrap()),
        Some(Reversal {
            original: InvoiceNumber::digital("26352000000012345678").unwrap(),
            total_fen: 564_999,
            amount_fen: 499_999,
        })
    );
    // A legacy original by its code and number, `code/number` as stored.
    let legacy = Reversal::of_request(&check(&legacy_red()).unwrap()).unwrap();
    assert_eq!(
        legacy.original,
        InvoiceNumber::legacy("3500202130", "01234567").unwrap()
    );
    assert_eq!(legacy.original.to_string(), "3500202130/01234567");
}
