//! Fixed limits: on an invoice message's JSON before it is parsed (size, nesting,
//! array length: a typed [`InvoiceError::LimitExceeded`] before serde allocates
//! anything), and on the request's text fields, in characters (not bytes),
//! checked by validation. docs/limits.md lists every limit of the library.

use super::error::InvoiceError;
pub use super::error::JsonLimit;

/// Largest invoice message read, in bytes. A request at the default policy's
/// 2,000 lines, every text field at its longest, is under 2 MiB.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of JSON arrays and objects read. A request nests three deep
/// (request, lines, line); serde_json's own bound is 128.
pub const MAX_JSON_DEPTH: usize = 16;
/// Most elements in one JSON array read. The longest array of a request is its
/// lines, which validation bounds by `ValidationPolicy::max_lines` (default 2,000).
pub const MAX_JSON_ARRAY_LEN: usize = 10_000;

/// Checks `json` against the bounds above with one pass over its bytes, before
/// any parsing. Malformed JSON is left to the parser, which names the error.
pub(crate) fn check_json_shape(json: &[u8], what: &'static str) -> Result<(), InvoiceError> {
    if json.len() > MAX_JSON_BYTES {
        return Err(InvoiceError::LimitExceeded {
            what,
            limit: JsonLimit::Bytes,
            found: json.len(),
            max: MAX_JSON_BYTES,
        });
    }
    check_json_structure(json, what)
}

/// The depth and array-length bounds of [`check_json_shape`] without the size
/// bound, for messages that may carry many requests at once (a front end's
/// results) and are bounded by their envelope's size instead.
pub(crate) fn check_json_structure(json: &[u8], what: &'static str) -> Result<(), InvoiceError> {
    let exceeded = |limit, found, max| InvoiceError::LimitExceeded {
        what,
        limit,
        found,
        max,
    };
    // One entry per open array or object, innermost last: for an array, its
    // elements so far (commas + 1), for an object `None`.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut rest = json;
    // Only quotes, brackets, braces and commas matter; everything between them
    // is skipped a byte-table lookup at a time, and a string's contents up to
    // its closing quote (a backslash takes the byte after it along).
    while let Some(at) = rest.iter().position(|&b| STRUCTURAL[usize::from(b)]) {
        let byte = rest[at];
        rest = &rest[at + 1..];
        match byte {
            b'"' => loop {
                match rest.iter().position(|&b| b == b'"' || b == b'\\') {
                    Some(end) if rest[end] == b'"' => {
                        rest = &rest[end + 1..];
                        break;
                    }
                    Some(escape) => rest = rest.get(escape + 2..).unwrap_or_default(),
                    // Unterminated: the parser that follows names it.
                    None => {
                        rest = &[];
                        break;
                    }
                }
            },
            b'[' | b'{' => {
                open.push((byte == b'[').then_some(1));
                if open.len() > MAX_JSON_DEPTH {
                    return Err(exceeded(JsonLimit::Depth, open.len(), MAX_JSON_DEPTH));
                }
            }
            b']' | b'}' => {
                open.pop();
            }
            _ => {
                // A comma.
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
        }
    }
    Ok(())
}

/// The bytes [`check_json_structure`] looks at outside strings.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = *b"\"[]{},";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

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

    /// The byte-at-a-time state machine `check_json_structure` replaced (it
    /// skips between structural bytes now): both must find the same.
    fn byte_at_a_time(json: &[u8]) -> Option<(JsonLimit, usize)> {
        let mut open: Vec<Option<usize>> = Vec::new();
        let (mut in_string, mut escaped) = (false, false);
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
                        return Some((JsonLimit::Depth, open.len()));
                    }
                }
                b']' | b'}' => {
                    open.pop();
                }
                b',' => {
                    if let Some(Some(elements)) = open.last_mut() {
                        *elements += 1;
                        if *elements > MAX_JSON_ARRAY_LEN {
                            return Some((JsonLimit::ArrayLength, *elements));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn structure_limit(json: &[u8]) -> Option<(JsonLimit, usize)> {
        match check_json_structure(json, "test") {
            Ok(()) => None,
            Err(InvoiceError::LimitExceeded { limit, found, .. }) => Some((limit, found)),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn escapes_at_the_edges_read_as_before() {
        for json in [
            &b"\"\\"[..],
            b"\"\\",
            b"[\"\\\"[\"]",
            b"[\"\\\\\",[",
            b"\"",
            b"[\"",
            b"",
        ] {
            assert_eq!(structure_limit(json), byte_at_a_time(json), "{json:?}");
        }
        // Past the array bound, with strings holding commas and escapes.
        let long = format!("[{}0]", "\"a,\\\",\\\\\",".repeat(MAX_JSON_ARRAY_LEN));
        assert_eq!(
            structure_limit(long.as_bytes()),
            Some((JsonLimit::ArrayLength, MAX_JSON_ARRAY_LEN + 1))
        );
        assert_eq!(
            structure_limit(long.as_bytes()),
            byte_at_a_time(long.as_bytes())
        );
    }

    proptest::proptest! {
        #[test]
        fn skipping_finds_what_the_state_machine_found(
            // Mostly the bytes that matter, so that strings, escapes, deep
            // nesting and long arrays all occur; lengths past both bounds.
            json in proptest::collection::vec(
                proptest::sample::select(b"[[[[{{]]}},,,,,,\"\"\\ a0".to_vec()),
                0..4000,
            )
        ) {
            proptest::prop_assert_eq!(structure_limit(&json), byte_at_a_time(&json));
        }
    }
}
