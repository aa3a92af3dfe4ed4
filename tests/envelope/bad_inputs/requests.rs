//! Invoice requests: JSON, decimals, amounts and validation.

use super::*;
use fapiao::InvoiceError;
use fapiao::invoice::limits::JsonLimit;
use fapiao::invoice::{IssueRequest, ValidationPolicy, ViolationCode};
use serde_json::error::Category;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/examples/requests/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn validated(json: &[u8]) -> Result<(), Error> {
    IssueRequest::validated_from_json(json, &ValidationPolicy::default())
        .map(|_| ())
        .map_err(Error::from)
}

/// The blue sample with `from` replaced by `to` in its text.
fn blue_with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(sample("valid-blue.json")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn json_error(err: &Error, category: Category, says: &str) -> bool {
    matches!(err, Error::Invoice(InvoiceError::Json { source, .. })
        if source.classify() == category && source.to_string().contains(says))
}

fn is_invalid(err: &Error, code: ViolationCode) -> bool {
    matches!(err, Error::Invoice(InvoiceError::Invalid(v)) if v.contains(code))
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        // -- invoice requests ----------------------------------------------------------
        case!("request: zero-length", || validated(b""),
            e if json_error(e, Category::Eof, "EOF while parsing")),
        case!("request: invalid UTF-8", || validated(b"{\"version\":\"1.\xff\"}"),
            e if json_error(e, Category::Syntax, "invalid unicode")),
        case!("request: truncated JSON", || validated(&sample("valid-blue.json")[..200]),
            e if json_error(e, Category::Eof, "EOF while parsing")),
        case!(
            "request: no version",
            || validated(b"{\"serial_number\":\"X\"}"),
            Error::Invoice(InvoiceError::MissingVersion { .. })
        ),
        case!(
            "request: a version we do not speak",
            || validated(&blue_with("\"version\": \"1.0\"", "\"version\": \"9.9\"")),
            Error::Invoice(InvoiceError::UnsupportedVersion { .. })
        ),
        case!("request: unknown field", || validated(&blue_with("\"drawer\":", "\"nickname\": 1, \"drawer\":")),
            e if json_error(e, Category::Data, "unknown field `nickname`")),
        case!("request: NaN as a quantity", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"NaN\"")),
            e if json_error(e, Category::Data, "\"NaN\" is not a decimal string")),
        case!("request: Infinity as a unit price", || validated(&blue_with("\"unit_price\": \"5000.00\"", "\"unit_price\": \"Infinity\"")),
            e if json_error(e, Category::Data, "\"Infinity\" is not a decimal string")),
        case!("request: exponent in a decimal", || validated(&blue_with("\"tax_rate\": \"0.06\"", "\"tax_rate\": \"6e-2\"")),
            e if json_error(e, Category::Data, "\"6e-2\" is not a decimal string")),
        case!("request: a decimal of 30 digits (beyond 96 bits)", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"123456789012345678901234567890\"")),
            e if json_error(e, Category::Data, "more than 28 significant digits")),
        case!("request: a quantity of 29 digits times the price overflows", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"12345678901234567890123456789\"")),
            e if is_invalid(e, ViolationCode::AmountOverflow)),
        case!("request: a JSON number where a decimal string is expected", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": 2")),
            e if json_error(e, Category::Data, "invalid type: integer `2`")),
        case!("request: a float where fen are expected", || validated(&blue_with("\"amount_fen\": 1000000", "\"amount_fen\": 0.5")),
            e if json_error(e, Category::Data, "invalid type: floating point `0.5`")),
        case!("request: fen beyond i64", || validated(&blue_with("\"amount_fen\": 1000000", "\"amount_fen\": 9223372036854775808")),
            e if json_error(e, Category::Data, "9223372036854775808")),
        case!("request: negative quantity on a blue invoice (amount positive)", || validated(&blue_with("\"quantity\": \"2\"", "\"quantity\": \"-2\"")),
            e if is_invalid(e, ViolationCode::AmountMismatch)),
        case!("request: negative quantity and amount on a blue invoice", || validated(&blue_with(
            "\"quantity\": \"2\",\n      \"unit_price\": \"5000.00\",\n      \"amount_fen\": 1000000",
            "\"quantity\": \"-2\",\n      \"unit_price\": \"5000.00\",\n      \"amount_fen\": -1000000")),
            e if is_invalid(e, ViolationCode::SignMismatch)),
        case!("request: negative unit price", || validated(&blue_with("\"unit_price\": \"5000.00\"", "\"unit_price\": \"-5000.00\"")),
            e if is_invalid(e, ViolationCode::SignMismatch)),
        case!("request: overflowing totals", || validated(&sample("invalid-amount-overflow.json")),
            e if is_invalid(e, ViolationCode::AmountOverflow)),
        case!("request: negative blue total", || validated(&sample("invalid-negative-blue-total.json")),
            e if is_invalid(e, ViolationCode::NegativeBlueTotal)),
        case!("request: 14 decimal places", || validated(&sample("invalid-too-many-decimal-places.json")),
            e if is_invalid(e, ViolationCode::TooManyDecimalPlaces)),
        case!("request: bad tax id check character", || validated(&sample("invalid-invalid-tax-id.json")),
            e if is_invalid(e, ViolationCode::InvalidTaxId)),
        case!(
            "request: JSON nested 17 deep",
            || validated(format!("{{\"version\":\"1.0\",\"x\":{}}}", "[".repeat(17)).as_bytes()),
            Error::Invoice(InvoiceError::LimitExceeded {
                limit: JsonLimit::Depth,
                found: 17,
                max: 16,
                ..
            })
        ),
    ]
}
