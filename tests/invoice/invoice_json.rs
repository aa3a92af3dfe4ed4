//! The wire format: strict, versioned JSON; exact money; responses.

use crate::invoice_support;

use fapiao::invoice::{
    CheckCode, FailureReason, InvoiceColor, InvoiceError, InvoiceKind, InvoiceNumber, IssueOutcome,
    IssueRequest, IssueResponse, IssuedInvoice, ProtocolVersion, SUPPORTED_VERSIONS,
    UnifiedSocialCreditCode, ViolationCode,
};
use fapiao::qualification::Refusal;
use fapiao::time::Timestamp;
use invoice_support::{blue, violations};
use serde_json::{Value, json};

fn blue_json() -> Value {
    serde_json::from_slice(include_bytes!("../../examples/requests/valid-blue.json")).unwrap()
}

fn parse(value: &Value) -> Result<IssueRequest, InvoiceError> {
    IssueRequest::from_json(&serde_json::to_vec(value).unwrap())
}

#[test]
fn a_request_round_trips() {
    let request = blue();
    let json = request.to_json().unwrap();
    assert_eq!(IssueRequest::from_json(&json).unwrap(), request);
    // Decimals are written as strings, amounts as integers in fen.
    let value: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["lines"][1]["unit_price"], json!("4999.99"));
    assert_eq!(value["lines"][1]["tax_rate"], json!("0.13"));
    assert_eq!(value["lines"][1]["amount_fen"], json!(1_499_997));
    assert_eq!(value["version"], json!("1.0"));
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let places: [&[&str]; 5] = [
        &[],
        &["seller"],
        &["buyer"],
        &["totals"],
        &["buyer", "delivery"],
    ];
    for place in places {
        let mut value = blue_json();
        let mut target = &mut value;
        for key in place {
            target = &mut target[*key];
        }
        target["surprise"] = json!(1);
        let error = parse(&value).unwrap_err();
        assert!(
            matches!(&error, InvoiceError::Json { .. })
                && error.to_string().contains("unknown field `surprise`"),
            "{place:?}: {error}"
        );
    }
    let mut value = blue_json();
    value["lines"][0]["discount"] = json!(true);
    assert!(
        parse(&value)
            .unwrap_err()
            .to_string()
            .contains("unknown field `discount`")
    );
}

#[test]
fn an_unknown_version_is_refused_naming_the_supported_ones() {
    let mut value = blue_json();
    value["version"] = json!("2.0");
    // Even with fields a 2.0 might have: the version is what is reported.
    value["new_in_2"] = json!({});
    match parse(&value).unwrap_err() {
        InvoiceError::UnsupportedVersion {
            found,
            supported,
            what,
        } => {
            assert_eq!(found, "2.0");
            assert_eq!(supported, SUPPORTED_VERSIONS);
            assert_eq!(what, "issue request");
        }
        other => panic!("{other}"),
    }
    let message = parse(&value).unwrap_err().to_string();
    assert_eq!(
        message,
        "issue request: protocol version \"2.0\" is not supported (supported: 1.0)"
    );

    let mut value = blue_json();
    value.as_object_mut().unwrap().remove("version");
    assert!(matches!(
        parse(&value).unwrap_err(),
        InvoiceError::MissingVersion { .. }
    ));
    assert_eq!(ProtocolVersion::V1_0.as_str(), SUPPORTED_VERSIONS[0]);
}

#[test]
fn money_is_never_a_float() {
    // Decimals must be strings: a JSON number may already have been a float.
    for (field, value) in [
        ("quantity", json!(2)),
        ("unit_price", json!(5000.0)),
        ("tax_rate", json!(0.06)),
    ] {
        let mut request = blue_json();
        request["lines"][0][field] = value;
        let error = parse(&request).unwrap_err().to_string();
        assert!(error.contains("expected a string"), "{field}: {error}");
    }
    // Amounts in fen must be integers.
    let mut request = blue_json();
    request["lines"][0]["amount_fen"] = json!(1000000.0);
    assert!(parse(&request).is_err());
    let mut request = blue_json();
    request["totals"]["total_fen"] = json!(26899.65);
    assert!(parse(&request).is_err());
    // Only plain decimal strings.
    for text in ["1e3", "+2", "2.", ".5", "1_000", " 2", "0x10", "NaN", ""] {
        let mut request = blue_json();
        request["lines"][0]["quantity"] = json!(text);
        let error = parse(&request).unwrap_err().to_string();
        assert!(
            error.contains("is not a decimal string"),
            "{text:?}: {error}"
        );
    }
    // An amount beyond i64 is unreadable, not wrapped.
    let mut request = blue_json();
    request["lines"][0]["amount_fen"] = json!(9_223_372_036_854_775_808u64);
    assert!(parse(&request).is_err());
}

#[test]
fn a_reason_code_outside_1_to_4_is_a_violation_not_a_parse_error() {
    let mut value: Value =
        serde_json::from_slice(include_bytes!("../../examples/requests/valid-red.json")).unwrap();
    value["red_letter"]["reason_code"] = json!(70000);
    let request = parse(&value).unwrap();
    assert_eq!(
        violations(&request).as_slice()[0].code,
        ViolationCode::InvalidRedReason
    );
}

#[test]
fn validated_from_json_carries_violations_as_an_error() {
    let bad = include_bytes!("../../examples/requests/invalid-grand-total-mismatch.json");
    match IssueRequest::validated_from_json(bad, &Default::default()).unwrap_err() {
        InvoiceError::Invalid(violations) => {
            assert_eq!(
                violations.as_slice()[0].code,
                ViolationCode::GrandTotalMismatch
            )
        }
        other => panic!("{other}"),
    }
    let error: fapiao::Error = IssueRequest::validated_from_json(bad, &Default::default())
        .unwrap_err()
        .into();
    assert!(error.to_string().starts_with(
        "invoice: the issue request breaks 1 rule(s):\ntotals.total_fen: GRAND_TOTAL_MISMATCH"
    ));
}

fn issued() -> IssuedInvoice {
    IssuedInvoice {
        invoice_number: InvoiceNumber::digital("26352000000012345678").unwrap(),
        invoice_kind: InvoiceKind::DigitalOrdinary,
        color: InvoiceColor::Blue,
        issued_at_unix: Timestamp::from_unix_seconds(1_796_000_000),
        check_code: CheckCode::parse("12345678901234567890").unwrap(),
        seller_tax_id: UnifiedSocialCreditCode::parse("91350200776049653A").unwrap(),
        amount_fen: 2_444_500,
        tax_amount_fen: 245_465,
        total_fen: 2_689_965,
        device_id: "SW-DEVICE-01".into(),
        device_signature: vec![0xde, 0xad, 0xbe, 0xef],
    }
}

#[test]
fn responses_round_trip_for_every_outcome() {
    let violations = violations(&{
        let mut r = blue();
        r.totals.total_fen += 1;
        r
    });
    let outcomes = [
        IssueOutcome::Issued { invoice: issued() },
        IssueOutcome::AcceptedPending {
            ticket: "T-000042".into(),
        },
        IssueOutcome::Failed {
            reason: FailureReason::InvalidRequest { violations },
        },
        IssueOutcome::Failed {
            reason: FailureReason::Refused {
                refusal: Refusal::PlatformNotPinned {},
            },
        },
        IssueOutcome::Failed {
            reason: FailureReason::UnsupportedVersion {
                found: "2.0".into(),
                supported: vec!["1.0".into()],
            },
        },
    ];
    for outcome in outcomes {
        for seller_tax_id in [None, Some("91350200776049653A".to_owned())] {
            let response = IssueResponse {
                version: ProtocolVersion::V1_0,
                serial_number: "ERP-20261128-000001".into(),
                seller_tax_id,
                outcome: outcome.clone(),
            };
            let json = response.to_json().unwrap();
            assert_eq!(IssueResponse::from_json(&json).unwrap(), response);
        }
    }
}

#[test]
fn a_response_has_a_readable_shape() {
    let response = IssueResponse {
        version: ProtocolVersion::V1_0,
        serial_number: "S1".into(),
        seller_tax_id: Some("91350200776049653A".into()),
        outcome: IssueOutcome::Issued { invoice: issued() },
    };
    let value: Value = serde_json::from_slice(&response.to_json().unwrap()).unwrap();
    assert_eq!(value["seller_tax_id"], json!("91350200776049653A"));
    assert_eq!(value["outcome"]["status"], json!("ISSUED"));
    assert_eq!(
        value["outcome"]["invoice"]["invoice_number"],
        json!({"number": "26352000000012345678"})
    );
    assert_eq!(
        value["outcome"]["invoice"]["device_signature_hex"],
        json!("deadbeef")
    );
    assert_eq!(
        value["outcome"]["invoice"]["issued_at_unix"],
        json!(1_796_000_000)
    );

    let failed = IssueResponse {
        version: ProtocolVersion::V1_0,
        serial_number: "S1".into(),
        seller_tax_id: None,
        outcome: IssueOutcome::Failed {
            reason: FailureReason::Refused {
                refusal: Refusal::SingleInvoiceLimitExceeded {
                    limit_fen: 100,
                    amount_fen: 200,
                },
            },
        },
    };
    let value: Value = serde_json::from_slice(&failed.to_json().unwrap()).unwrap();
    assert!(
        value.get("seller_tax_id").is_none(),
        "an unknown seller is left out, not null"
    );
    assert_eq!(
        value["outcome"],
        json!({"status": "FAILED", "reason": {"code": "REFUSED", "refusal": {
            "code": "SINGLE_INVOICE_LIMIT_EXCEEDED", "limit_fen": 100, "amount_fen": 200}}})
    );
}

#[test]
fn an_invoice_reads_its_time_as_signed_seconds_and_its_signature_in_either_case() {
    let response = |invoice: IssuedInvoice| IssueResponse {
        version: ProtocolVersion::V1_0,
        serial_number: "S1".into(),
        seller_tax_id: None,
        outcome: IssueOutcome::Issued { invoice },
    };
    let read = |value: &Value| IssueResponse::from_json(&serde_json::to_vec(value).unwrap());
    let value: Value = serde_json::from_slice(&response(issued()).to_json().unwrap()).unwrap();

    let mut edited = value.clone();
    edited["outcome"]["invoice"]["issued_at_unix"] = json!(-1);
    edited["outcome"]["invoice"]["device_signature_hex"] = json!("DeadBEEF");
    let mut before_1970 = issued();
    before_1970.issued_at_unix = Timestamp::from_signed_unix_seconds(-1);
    assert_eq!(read(&edited).unwrap(), response(before_1970.clone()));
    let written: Value = serde_json::from_slice(&response(before_1970).to_json().unwrap()).unwrap();
    assert_eq!(written["outcome"]["invoice"]["issued_at_unix"], json!(-1));
    assert_eq!(
        written["outcome"]["invoice"]["device_signature_hex"],
        json!("deadbeef")
    );

    for (field, bad) in [
        ("issued_at_unix", json!(9_223_372_036_854_775_808u64)),
        ("issued_at_unix", json!("2026-11-30T00:00:00Z")),
        ("device_signature_hex", json!("dead0")),
        ("device_signature_hex", json!("deadbeeg")),
        ("device_signature_hex", json!(" deadbeef")),
    ] {
        let mut edited = value.clone();
        edited["outcome"]["invoice"][field] = bad.clone();
        assert!(read(&edited).is_err(), "{field}: {bad}");
    }
}

#[test]
fn responses_are_strict_too() {
    let response = IssueResponse {
        version: ProtocolVersion::V1_0,
        serial_number: "S1".into(),
        seller_tax_id: None,
        outcome: IssueOutcome::AcceptedPending { ticket: "T".into() },
    };
    let mut value: Value = serde_json::from_slice(&response.to_json().unwrap()).unwrap();
    value["outcome"]["extra"] = json!(1);
    assert!(IssueResponse::from_json(&serde_json::to_vec(&value).unwrap()).is_err());

    let mut value: Value = serde_json::from_slice(&response.to_json().unwrap()).unwrap();
    value["outcome"]["status"] = json!("MAYBE");
    assert!(IssueResponse::from_json(&serde_json::to_vec(&value).unwrap()).is_err());

    let mut value: Value = serde_json::from_slice(&response.to_json().unwrap()).unwrap();
    value["version"] = json!("0.9");
    assert!(matches!(
        IssueResponse::from_json(&serde_json::to_vec(&value).unwrap()),
        Err(InvoiceError::UnsupportedVersion { .. })
    ));
}

#[test]
fn invoice_numbers_and_check_codes_have_their_formats() {
    assert!(InvoiceNumber::digital("2635200000001234567").is_err());
    assert!(InvoiceNumber::digital("2635200000001234567X").is_err());
    let legacy = InvoiceNumber::legacy("3500202130", "01234567").unwrap();
    assert_eq!(legacy.to_string(), "3500202130/01234567");
    assert!(InvoiceNumber::legacy("350020213012", "01234567").is_ok());
    assert!(InvoiceNumber::legacy("35002021301", "01234567").is_err());
    assert!(InvoiceNumber::legacy("3500202130", "0123456").is_err());
    assert!(CheckCode::parse("1234567890123456789").is_err());
    let error = CheckCode::parse("x").unwrap_err();
    assert_eq!(error.to_string(), "check_code: 20 digits, got \"x\"");
    assert!(
        serde_json::from_value::<InvoiceNumber>(json!({"code": "1", "number": "01234567"}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<InvoiceNumber>(json!({"number": "26352000000012345678", "x": 1}))
            .is_err()
    );
}
