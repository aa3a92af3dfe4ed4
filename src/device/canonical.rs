//! Canonical JSON: the exact bytes the device seals and keys its check code over.
//!
//! A value is first turned into a `serde_json::Value` and then written compactly
//! (no insignificant whitespace) with the members of every object sorted by the
//! bytes of their names, strings escaped as serde_json escapes them. The result
//! does not depend on field order in the Rust types or on serde_json's features.

use serde::Serialize;
use serde_json::Value;

/// The canonical JSON bytes of `value`.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut out = Vec::with_capacity(512);
    write(&value, &mut out)?;
    Ok(out)
}

/// Writes an already built value canonically.
pub(crate) fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (index, (name, member)) in members.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, name)?;
                out.push(b':');
                write(member, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_sorted_and_compact() {
        let value = serde_json::json!({"b": [1, {"z": "é\"", "a": null}], "a": true});
        let mut out = Vec::new();
        write(&value, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":true,"b":[1,{"a":null,"z":"é\""}]}"#
        );
    }
}
