//! JSON of invoice requests and platform messages: size, depth, array length;
//! an issue request's line count and text lengths.

use super::*;
use fapiao::invoice::limits::{JsonLimit, MAX_JSON_ARRAY_LEN, MAX_JSON_BYTES, MAX_JSON_DEPTH};
use fapiao::invoice::{DEFAULT_MAX_LINES, IssueRequest, ValidationPolicy, ViolationCode};
use fapiao::{Error, InvoiceError};

fn json_limit(json: &[u8]) -> (Option<(JsonLimit, usize, usize)>, usize) {
    let (result, allocated) = allocated_during(|| IssueRequest::from_json(json).map(|_| ()));
    let limit = match result {
        Err(InvoiceError::LimitExceeded {
            what: "issue request",
            limit,
            found,
            max,
        }) => Some((limit, found, max)),
        _ => None,
    };
    (limit, allocated)
}

#[test]
fn json_size_depth_and_array_length_are_refused_before_parsing() {
    // Size: one byte over 4 MiB (a long remark).
    let mut big = format!(
        "{{\"version\":\"1.0\",\"remarks\":\"{}",
        "x".repeat(MAX_JSON_BYTES)
    );
    big.truncate(MAX_JSON_BYTES - 1);
    big.push_str("\"}");
    let big = big.as_bytes();
    assert_eq!(big.len(), MAX_JSON_BYTES + 1);
    let (limit, allocated) = json_limit(big);
    assert_eq!(
        limit,
        Some((JsonLimit::Bytes, MAX_JSON_BYTES + 1, MAX_JSON_BYTES))
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // Depth: 17 nested arrays in an unknown field.
    let deep = format!(
        "{{\"version\":\"1.0\",\"x\":{}{}}}",
        "[".repeat(MAX_JSON_DEPTH),
        "]".repeat(MAX_JSON_DEPTH)
    );
    let (limit, _) = json_limit(deep.as_bytes());
    assert_eq!(
        limit,
        Some((JsonLimit::Depth, MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH))
    );

    // Array length: 10,001 lines (of `{}`) are refused before any is built.
    let lines = vec!["{}"; MAX_JSON_ARRAY_LEN + 1].join(",");
    let many = format!("{{\"version\":\"1.0\",\"lines\":[{lines}]}}");
    let (limit, allocated) = json_limit(many.as_bytes());
    assert_eq!(
        limit,
        Some((
            JsonLimit::ArrayLength,
            MAX_JSON_ARRAY_LEN + 1,
            MAX_JSON_ARRAY_LEN
        ))
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

#[test]
fn line_count_and_text_lengths_are_validated() {
    // Lines: the sample with 2,001 lines is read (under the JSON bounds) and
    // refused by validation, which then checks no line (bounding its work).
    let json = include_bytes!("../../../examples/requests/invalid-too-many-lines.json");
    let request = IssueRequest::from_json(json).unwrap();
    assert_eq!(request.lines.len(), DEFAULT_MAX_LINES + 1);
    let violations = request.validate(&ValidationPolicy::default()).unwrap_err();
    assert_eq!(violations.len(), 1, "{violations}");
    assert!(violations.contains(ViolationCode::TooManyLines));

    // Text: 231 characters of remarks (the limit is 230, in characters).
    let mut request =
        IssueRequest::from_json(include_bytes!("../../../examples/requests/valid-blue.json"))
            .unwrap();
    request.remarks = Some("备".repeat(fapiao::invoice::limits::MAX_REMARKS_CHARS + 1));
    let violations = request.validate(&ValidationPolicy::default()).unwrap_err();
    assert!(
        violations.contains(ViolationCode::FieldTooLong),
        "{violations}"
    );
    request.remarks = Some("备".repeat(fapiao::invoice::limits::MAX_REMARKS_CHARS));
    request.validate(&ValidationPolicy::default()).unwrap();
}

// ---- platform messages ---------------------------------------------------------

#[test]
fn platform_messages_are_bounded_before_parsing() {
    use fapiao::platform::{FrontEndRequest, TicketQuery};
    // A front end's results with an array of 10,001 elements: refused before
    // any result is built (the size bound is the envelope's: results carry
    // many invoices).
    let results = vec!["{}"; MAX_JSON_ARRAY_LEN + 1].join(",");
    let json = format!("{{\"type\":\"results\",\"version\":\"1.0\",\"results\":[{results}]}}");
    let (result, allocated) = allocated_during(|| FrontEndRequest::from_json(json.as_bytes()));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invoice(InvoiceError::LimitExceeded {
                what: "front-end request",
                limit: JsonLimit::ArrayLength,
                ..
            })
        ),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
    // A cloud platform's payload nested 17 deep is no ticket query (it is not
    // built into a JSON value to find out); read as an issue request, the
    // bound is named.
    let deep = format!(
        "{{\"ticket\":\"T\",\"x\":{}{}}}",
        "[".repeat(MAX_JSON_DEPTH),
        "]".repeat(MAX_JSON_DEPTH)
    );
    let (sniffed, allocated) = allocated_during(|| TicketQuery::sniff(deep.as_bytes()).is_none());
    assert!(sniffed);
    assert!(allocated < SMALL, "{allocated} bytes allocated");
    let (limit, _) = json_limit(deep.as_bytes());
    assert_eq!(limit.map(|l| l.0), Some(JsonLimit::Depth));
}
