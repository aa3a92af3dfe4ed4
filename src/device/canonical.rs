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

/// The four serde traits of a JSON array, each one element at a time.
macro_rules! array_traits {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

array_traits!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

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

/// The two serde traits of an object with named fields.
macro_rules! struct_traits {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_, '_> {
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
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);

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
mod tests;
