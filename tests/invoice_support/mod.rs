//! Helpers shared by the invoice and qualification integration tests.
#![allow(dead_code)]

use fapiao::invoice::{
    Decimal, InvoiceKind, InvoiceLine, IssueRequest, LineKind, RedLetterReference,
    ValidatedRequest, ValidationPolicy, ViolationCode, Violations,
};

/// The blue sample request, parsed.
pub fn blue() -> IssueRequest {
    IssueRequest::from_json(include_bytes!("../../examples/requests/valid-blue.json"))
        .expect("valid-blue.json parses")
}

/// The red sample request, parsed.
pub fn red() -> IssueRequest {
    IssueRequest::from_json(include_bytes!("../../examples/requests/valid-red.json"))
        .expect("valid-red.json parses")
}

/// A decimal from its text.
pub fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// Validates with the default policy.
pub fn check(request: &IssueRequest) -> Result<ValidatedRequest, Violations> {
    request.validate(&ValidationPolicy::default())
}

/// Validates with the default policy and expects violations.
pub fn violations(request: &IssueRequest) -> Violations {
    match check(request) {
        Ok(_) => panic!("the request was expected to break a rule"),
        Err(violations) => violations,
    }
}

/// Expects every violation to have `code`, at `path` (the first one at least).
pub fn assert_only(request: &IssueRequest, code: ViolationCode, path: &str) -> Violations {
    let found = violations(request);
    assert!(
        found.iter().all(|v| v.code == code),
        "expected only {code}, got:\n{found}"
    );
    assert_eq!(found.as_slice()[0].path, path, "violations:\n{found}");
    found
}

/// Recomputes the header totals from the lines (amount without tax, tax, total).
pub fn retotal(request: &mut IssueRequest) {
    let inclusive = request.price_includes_tax;
    let amount: i64 = request
        .lines
        .iter()
        .map(|l| l.amount_fen - if inclusive { l.tax_amount_fen } else { 0 })
        .sum();
    let tax: i64 = request.lines.iter().map(|l| l.tax_amount_fen).sum();
    request.totals.amount_fen = amount;
    request.totals.tax_amount_fen = tax;
    request.totals.total_fen = amount + tax;
}

/// A service line of `amount_fen` at 13% with the given tax, no quantity.
pub fn service_line(amount_fen: i64, tax_amount_fen: i64) -> InvoiceLine {
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

/// The red sample reversing a legacy paper special invoice.
pub fn legacy_red() -> IssueRequest {
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
