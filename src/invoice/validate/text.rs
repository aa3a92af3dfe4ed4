//! Rules for text fields: required fields are not blank, no field is over its limit.

use super::Collector;
use crate::invoice::violation::ViolationCode;

/// Checks a required text field: not blank, at most `max_chars` characters.
/// Returns whether it passed.
pub(super) fn required(out: &mut Collector, path: &str, value: &str, max_chars: usize) -> bool {
    if value.trim().is_empty() {
        out.push(path, ViolationCode::MissingField, "required, got nothing");
        return false;
    }
    within_limit(out, path, value, max_chars)
}

/// Checks an optional text field: at most `max_chars` characters when present.
pub(super) fn optional(out: &mut Collector, path: &str, value: Option<&str>, max_chars: usize) {
    if let Some(value) = value {
        within_limit(out, path, value, max_chars);
    }
}

/// The value of an optional text field if it is present and not blank.
pub(super) fn present(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|v| !v.trim().is_empty())
}

fn within_limit(out: &mut Collector, path: &str, value: &str, max_chars: usize) -> bool {
    let chars = value.chars().count();
    if chars > max_chars {
        out.push(
            path,
            ViolationCode::FieldTooLong,
            format!("at most {max_chars} characters, got {chars}"),
        );
        return false;
    }
    true
}
