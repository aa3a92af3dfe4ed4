//! Fixed limits: on an invoice message's JSON before it is parsed (size, nesting,
//! array length: a typed [`InvoiceError::LimitExceeded`] before serde allocates
//! anything), and on the request's text fields, in characters (not bytes),
//! checked by validation. docs/limits.md lists every limit of the library.

use core::fmt;

use super::error::InvoiceError;

/// Largest invoice message read, in bytes. A request at the default policy's
/// 2,000 lines, every text field at its longest, is under 2 MiB.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of JSON arrays and objects read. A request nests three deep
/// (request, lines, line); serde_json's own bound is 128.
pub const MAX_JSON_DEPTH: usize = 16;
/// Most elements in one JSON array read. The longest array of a request is its
/// lines, which validation bounds by `ValidationPolicy::max_lines` (default 2,000).
pub const MAX_JSON_ARRAY_LEN: usize = 10_000;

/// Which bound on an invoice message's JSON was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonLimit {
    /// The message's size in bytes ([`MAX_JSON_BYTES`]).
    Bytes,
    /// The nesting of arrays and objects ([`MAX_JSON_DEPTH`]).
    Depth,
    /// The elements of one array ([`MAX_JSON_ARRAY_LEN`]).
    ArrayLength,
}

impl fmt::Display for JsonLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bytes => "size in bytes",
            Self::Depth => "nesting depth",
            Self::ArrayLength => "array length",
        })
    }
}

/// Checks `json` against the bounds above with one pass over its bytes, before
/// any parsing. Malformed JSON is left to the parser, which names the error.
pub(crate) fn check_json_shape(json: &[u8], what: &'static str) -> Result<(), InvoiceError> {
    let exceeded = |limit, found, max| InvoiceError::LimitExceeded {
        what,
        limit,
        found,
        max,
    };
    if json.len() > MAX_JSON_BYTES {
        return Err(exceeded(JsonLimit::Bytes, json.len(), MAX_JSON_BYTES));
    }
    // One entry per open array or object, innermost last: for an array, its
    // elements so far (commas + 1), for an object `None`.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                open.push((byte == b'[').then_some(1));
                if open.len() > MAX_JSON_DEPTH {
                    return Err(exceeded(JsonLimit::Depth, open.len(), MAX_JSON_DEPTH));
                }
            }
            b']' | b'}' => {
                open.pop();
            }
            b',' => {
                if let Some(Some(elements)) = open.last_mut() {
                    *elements += 1;
                    if *elements > MAX_JSON_ARRAY_LEN {
                        return Err(exceeded(
                            JsonLimit::ArrayLength,
                            *elements,
                            MAX_JSON_ARRAY_LEN,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Longest request serial number (流水号).
pub const MAX_SERIAL_NUMBER_LEN: usize = 64;
/// Longest seller or buyer name.
pub const MAX_PARTY_NAME_CHARS: usize = 100;
/// Longest address-and-telephone field.
pub const MAX_ADDRESS_PHONE_CHARS: usize = 100;
/// Longest bank-and-account field.
pub const MAX_BANK_ACCOUNT_CHARS: usize = 100;
/// Longest e-mail address for delivery.
pub const MAX_EMAIL_CHARS: usize = 100;
/// Longest line name (goods or service).
pub const MAX_LINE_NAME_CHARS: usize = 100;
/// Longest specification or model.
pub const MAX_SPECIFICATION_CHARS: usize = 40;
/// Longest unit of measure.
pub const MAX_UNIT_CHARS: usize = 20;
/// Longest drawer, reviewer or payee name.
pub const MAX_PERSON_NAME_CHARS: usize = 20;
/// Longest remarks (备注).
pub const MAX_REMARKS_CHARS: usize = 230;
/// Longest red-letter confirmation number.
pub const MAX_CONFIRMATION_NUMBER_LEN: usize = 32;
/// Length of a tax classification code (税收分类编码).
pub const TAX_CLASSIFICATION_CODE_LEN: usize = 19;

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_of(json: &[u8]) -> Option<(JsonLimit, usize)> {
        match check_json_shape(json, "test") {
            Ok(()) => None,
            Err(InvoiceError::LimitExceeded { limit, found, .. }) => Some((limit, found)),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn brackets_and_commas_inside_strings_do_not_count() {
        let nested = "[".repeat(MAX_JSON_DEPTH);
        assert_eq!(limit_of(nested.as_bytes()), None);
        assert_eq!(
            limit_of(format!("[{nested}").as_bytes()),
            Some((JsonLimit::Depth, MAX_JSON_DEPTH + 1))
        );
        let quoted = format!(
            "{{\"a\":\"{}\\\"{}\"}}",
            "[".repeat(100),
            ",".repeat(20_000)
        );
        assert_eq!(limit_of(quoted.as_bytes()), None);
        let commas = format!("[{}]", "0,".repeat(MAX_JSON_ARRAY_LEN));
        assert_eq!(
            limit_of(commas.as_bytes()),
            Some((JsonLimit::ArrayLength, MAX_JSON_ARRAY_LEN + 1))
        );
        // Object members are not array elements.
        let members: String = (0..MAX_JSON_ARRAY_LEN + 5)
            .map(|i| format!("\"k{i}\":0,"))
            .collect();
        assert_eq!(limit_of(format!("{{{members}\"z\":0}}").as_bytes()), None);
    }
}
