//! Canonical JSON: the exact bytes the device seals and keys its check code over.
//!
//! Compact (no insignificant whitespace), the members of every object sorted by
//! the bytes of their names, strings escaped as serde_json escapes them, numbers
//! as serde_json writes them. The result does not depend on field order in the
//! Rust types or on serde_json's features.
//!
//! The bytes are a persisted format (issued check codes and seals must keep
//! verifying), defined by what the first implementation wrote: the value turned
//! into a `serde_json::Value`, then written with sorted members (`write`, kept as
//! the reference in the tests). [`to_vec`] and [`object_to_vec`] write the same
//! bytes straight from `Serialize`, without building the `Value`: each object's
//! members are written into a scratch buffer and copied out in name order. The
//! tests check them against the reference on the real types and on random JSON,
//! and `check_code.rs` holds golden values.

use std::borrow::Cow;
use std::ops::Range;

use serde::ser::{self, Error as _, Serialize, SerializeMap as _};
use serde_json::{Error, Value};

/// The canonical JSON bytes of `value`.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    object_to_vec(value, &[], &[])
}

/// The canonical JSON bytes of `value`, which serializes as an object, without
/// its members named in `omit` and with the string members `extra` (replacing a
/// member of the same name). On a value that is not an object, `omit` and
/// `extra` do nothing.
pub(crate) fn object_to_vec<T: Serialize + ?Sized>(
    value: &T,
    omit: &[&str],
    extra: &[(&str, &str)],
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(1024);
    value.serialize(Canonical {
        out: &mut out,
        top: Some(TopLevel { omit, extra }),
    })?;
    Ok(out)
}

/// Changes to the outermost object.
#[derive(Clone, Copy)]
struct TopLevel<'t> {
    omit: &'t [&'t str],
    extra: &'t [(&'t str, &'t str)],
}

/// Writes one value canonically to `out`.
struct Canonical<'a, 't> {
    out: &'a mut Vec<u8>,
    top: Option<TopLevel<'t>>,
}

impl<'a> Canonical<'a, '_> {
    fn nested(out: &'a mut Vec<u8>) -> Canonical<'a, 'static> {
        Canonical { out, top: None }
    }

    fn scalar<T: Serialize>(self, value: T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &value)
    }

    fn integer(self, value: impl core::fmt::Display) -> Result<(), Error> {
        use std::io::Write as _;
        // Decimal, as serde_json writes integers; writing to a Vec cannot fail.
        let _ = write!(self.out, "{value}");
        Ok(())
    }
}

impl<'a, 't> ser::Serializer for Canonical<'a, 't> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a, 't>;
    type SerializeStruct = Object<'a, 't>;
    type SerializeStructVariant = Object<'a, 't>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.integer(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.integer(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.integer(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.integer(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.integer(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.integer(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // As `serde_json::Value` holds them: within i64 or u64, else an error.
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => self.integer(v),
            (_, Ok(v)) => self.integer(v),
            _ => Err(Error::custom("number out of range")),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(v) => self.integer(v),
            Err(_) => Err(Error::custom("number out of range")),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // `Value` widens an f32 to f64 before it is written.
        self.scalar(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // serde_json writes a non-finite f64 as null, as `Value` holds it.
        self.scalar(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // An array of numbers, as `Value` holds bytes.
        self.scalar(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        // {"variant": value}: one member, nothing to sort.
        self.out.push(b'{');
        serde_json::to_writer(&mut *self.out, variant)?;
        self.out.push(b':');
        value.serialize(Canonical::nested(self.out))?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::open(self.out, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, Error> {
        self.out.push(b'{');
        serde_json::to_writer(&mut *self.out, variant)?;
        self.out.push(b':');
        Ok(Array::open(self.out, Some(())))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Object<'a, 't>, Error> {
        Ok(Object::open(self.out, self.top, len.unwrap_or(8), None))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Object<'a, 't>, Error> {
        Ok(Object::open(self.out, self.top, len, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Object<'a, 't>, Error> {
        Ok(Object::open(self.out, None, len, Some(variant)))
    }
}

/// An array being written: its elements go straight to the output.
struct Array<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// Inside `{"variant": ...}`, whose brace closes after the array.
    in_variant: bool,
}

impl<'a> Array<'a> {
    fn open(out: &'a mut Vec<u8>, in_variant: Option<()>) -> Self {
        out.push(b'[');
        Self {
            out,
            first: true,
            in_variant: in_variant.is_some(),
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canonical::nested(self.out))
    }

    fn close(self) -> Result<(), Error> {
        self.out.push(b']');
        if self.in_variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// An object being written: each member's value goes to a scratch buffer, and
/// the members are copied out in name order when it ends.
struct Object<'a, 't> {
    out: &'a mut Vec<u8>,
    top: Option<TopLevel<'t>>,
    /// Inside `{"variant": ...}`, whose brace closes after the object.
    variant: Option<&'static str>,
    scratch: Vec<u8>,
    members: Vec<(Cow<'static, str>, Range<usize>)>,
    /// A map's key, waiting for its value.
    key: Option<String>,
}

impl<'a, 't> Object<'a, 't> {
    fn open(
        out: &'a mut Vec<u8>,
        top: Option<TopLevel<'t>>,
        len: usize,
        variant: Option<&'static str>,
    ) -> Self {
        Self {
            out,
            top,
            variant,
            scratch: Vec::with_capacity(64 * len.min(64)),
            members: Vec::with_capacity(len.min(64)),
            key: None,
        }
    }

    fn member<T: Serialize + ?Sized>(
        &mut self,
        name: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        if self
            .top
            .is_some_and(|top| top.omit.contains(&name.as_ref()))
        {
            return Ok(());
        }
        let start = self.scratch.len();
        value.serialize(Canonical::nested(&mut self.scratch))?;
        self.members.push((name, start..self.scratch.len()));
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        if let Some(top) = self.top {
            for (name, value) in top.extra {
                self.member(Cow::Owned((*name).to_owned()), value)?;
            }
        }
        // Stable: of members with the same name, the last one written wins (as
        // when a `Value` map takes the same key again).
        self.members
            .sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        if let Some(variant) = self.variant {
            self.out.push(b'{');
            serde_json::to_writer(&mut *self.out, variant)?;
            self.out.push(b':');
        }
        self.out.push(b'{');
        let mut first = true;
        for (i, (name, range)) in self.members.iter().enumerate() {
            if self.members.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut *self.out, name.as_ref())?;
            self.out.push(b':');
            self.out.extend_from_slice(&self.scratch[range.clone()]);
        }
        self.out.push(b'}');
        if self.variant.is_some() {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Object<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Object<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(map_key(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::custom("map value without a key"))?;
        self.member(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A map key as `serde_json::Value` takes it (a string, or an integer, bool or
/// finite float written as one): serde_json's own key rules, through a map of
/// one entry. Not on the path of the invoice types, which have no maps.
fn map_key<T: Serialize + ?Sized>(key: &T) -> Result<String, Error> {
    struct OneEntry<'k, K: ?Sized>(&'k K);
    impl<K: Serialize + ?Sized> Serialize for OneEntry<'_, K> {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(self.0, &())?;
            map.end()
        }
    }
    match serde_json::to_value(OneEntry(key))? {
        Value::Object(map) => map
            .into_iter()
            .next()
            .map(|(key, _)| key)
            .ok_or_else(|| Error::custom("map key was not kept")),
        _ => Err(Error::custom("map key was not kept")),
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::Value;

    use super::*;

    /// The definition: the value as a `serde_json::Value`, written with every
    /// object's members sorted by name.
    fn reference<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
        let value = serde_json::to_value(value)?;
        let mut out = Vec::new();
        write_value(&value, &mut out)?;
        Ok(out)
    }

    fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
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
                    write_value(member, out)?;
                }
                out.push(b'}');
            }
            Value::Array(items) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_value(item, out)?;
                }
                out.push(b']');
            }
            scalar => serde_json::to_writer(&mut *out, scalar)?,
        }
        Ok(())
    }

    fn same<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(
            String::from_utf8(to_vec(value).unwrap()).unwrap(),
            String::from_utf8(reference(value).unwrap()).unwrap()
        );
    }

    #[test]
    fn members_sorted_and_compact() {
        let value = serde_json::json!({"b": [1, {"z": "é\"", "a": null}], "a": true});
        assert_eq!(
            String::from_utf8(to_vec(&value).unwrap()).unwrap(),
            r#"{"a":true,"b":[1,{"a":null,"z":"é\""}]}"#
        );
        same(&value);
    }

    #[derive(Serialize)]
    enum Shapes {
        Unit,
        Newtype(u8),
        Tuple(i32, &'static str),
        Struct { z: bool, a: Option<u32> },
    }

    #[derive(Serialize)]
    #[serde(tag = "code")]
    enum Tagged {
        Plain { zeta: String, alpha: i64 },
    }

    #[derive(Serialize)]
    struct Everything {
        zz: Vec<Shapes>,
        tagged: Tagged,
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        float: f32,
        nan: f64,
        big: u128,
        negative: i128,
        unit: (),
        chars: (char, char),
        map: std::collections::BTreeMap<u16, &'static str>,
        name_with_escape: &'static str,
    }

    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn every_serde_shape_as_value_writes_it() {
        same(&Everything {
            zz: vec![
                Shapes::Unit,
                Shapes::Newtype(7),
                Shapes::Tuple(-3, "t"),
                Shapes::Struct { z: true, a: None },
                Shapes::Struct {
                    z: false,
                    a: Some(9),
                },
            ],
            tagged: Tagged::Plain {
                zeta: "\u{1}\u{7f}\u{2028}中".into(),
                alpha: i64::MIN,
            },
            bytes: vec![0, 255, 16],
            float: 0.1,
            nan: f64::NAN,
            big: u128::from(u64::MAX),
            negative: -5,
            unit: (),
            chars: ('"', '\n'),
            map: [(10, "ten"), (9, "nine"), (100, "hundred")]
                .into_iter()
                .collect(),
            name_with_escape: "tab\there",
        });
    }

    #[test]
    fn numbers_beyond_json_are_refused_as_value_refuses_them() {
        assert!(to_vec(&u128::MAX).is_err() && reference(&u128::MAX).is_err());
        assert!(to_vec(&i128::MIN).is_err() && reference(&i128::MIN).is_err());
        let unit_keys: std::collections::BTreeMap<(), u8> = [((), 1)].into_iter().collect();
        assert!(to_vec(&unit_keys).is_err() && reference(&unit_keys).is_err());
        let bool_keys: std::collections::BTreeMap<bool, u8> = [(true, 1)].into_iter().collect();
        same(&bool_keys);
    }

    #[test]
    fn omitted_and_extra_members_of_the_outer_object() {
        let value = serde_json::json!({"b": 1, "drop": {"drop": 2}, "a": 3, "c": "old"});
        let written = object_to_vec(&value, &["drop"], &[("c", "new"), ("aa", "x")]).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            r#"{"a":3,"aa":"x","b":1,"c":"new"}"#
        );
    }

    #[test]
    fn the_invoice_types_write_as_value_writes_them() {
        let request = crate::invoice::IssueRequest::from_json(include_bytes!(
            "../../examples/requests/valid-blue.json"
        ))
        .unwrap();
        same(&request);
        let red = crate::invoice::IssueRequest::from_json(include_bytes!(
            "../../examples/requests/valid-red.json"
        ))
        .unwrap();
        same(&red);
    }

    mod random {
        use proptest::prelude::*;
        use serde_json::{Map, Number, Value};

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| Value::Number(n.into())),
                any::<u64>().prop_map(|n| Value::Number(n.into())),
                any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
                any::<String>().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                    prop::collection::vec((any::<String>(), inner), 0..8).prop_map(|members| {
                        Value::Object(members.into_iter().collect::<Map<_, _>>())
                    }),
                ]
            })
        }

        proptest! {
            #[test]
            fn random_json_writes_as_the_reference(value in json()) {
                prop_assert_eq!(super::to_vec(&value).unwrap(), super::reference(&value).unwrap());
            }
        }
    }
}
