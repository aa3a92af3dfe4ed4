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
//! bytes straight from `Serialize`, without building the `Value`: every value is
//! written straight into the output; an object whose members arrived out of name
//! order (or with a name twice) is then rewritten in place in name order, through
//! one spare buffer shared by the whole encoding. The tests check them against
//! the reference on the real types and on random JSON, and `check_code.rs` holds
//! golden values.

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
    let mut sink = Sink {
        out: Vec::with_capacity(1024),
        members: Vec::with_capacity(32),
        spare: Vec::new(),
    };
    value.serialize(Canonical {
        sink: &mut sink,
        top: Some(TopLevel { omit, extra }),
    })?;
    Ok(sink.out)
}

/// Changes to the outermost object.
#[derive(Clone, Copy)]
struct TopLevel<'t> {
    omit: &'t [&'t str],
    extra: &'t [(&'t str, &'t str)],
}

/// The output, and the working space every object of one encoding shares.
struct Sink {
    out: Vec<u8>,
    /// The members of the objects being written, innermost object's last.
    members: Vec<Member>,
    /// Where an object's members are copied while they are put in name order.
    spare: Vec<u8>,
}

/// A member written to the output: its name, and where `"name":value` is.
struct Member {
    name: Cow<'static, str>,
    text: Range<usize>,
}

/// Writes one value canonically to the sink's output.
struct Canonical<'a, 't> {
    sink: &'a mut Sink,
    top: Option<TopLevel<'t>>,
}

impl<'a> Canonical<'a, '_> {
    fn nested(sink: &'a mut Sink) -> Canonical<'a, 'static> {
        Canonical { sink, top: None }
    }

    /// A number, string or byte array as serde_json writes it (integers in
    /// decimal, which is also what `Value` does).
    fn scalar<T: Serialize>(self, value: T) -> Result<(), Error> {
        serde_json::to_writer(&mut self.sink.out, &value)
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
        self.sink
            .out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // As `serde_json::Value` holds them: within i64 or u64, else an error.
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => self.scalar(v),
            (_, Ok(v)) => self.scalar(v),
            _ => Err(Error::custom("number out of range")),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(v) => self.scalar(v),
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
        self.sink.out.extend_from_slice(b"null");
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
        open_variant(&mut self.sink.out, variant)?;
        value.serialize(Canonical::nested(self.sink))?;
        self.sink.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::open(self.sink, false))
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
        open_variant(&mut self.sink.out, variant)?;
        Ok(Array::open(self.sink, true))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a, 't>, Error> {
        Object::open(self.sink, self.top, None)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'a, 't>, Error> {
        Object::open(self.sink, self.top, None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'a, 't>, Error> {
        Object::open(self.sink, None, Some(variant))
    }
}

/// `{"variant":`, the start of an externally tagged enum variant's object.
fn open_variant(out: &mut Vec<u8>, variant: &str) -> Result<(), Error> {
    out.push(b'{');
    serde_json::to_writer(&mut *out, variant)?;
    out.push(b':');
    Ok(())
}

/// An array being written: its elements go straight to the output.
struct Array<'a> {
    sink: &'a mut Sink,
    first: bool,
    /// Inside `{"variant": ...}`, whose brace closes after the array.
    in_variant: bool,
}

impl<'a> Array<'a> {
    fn open(sink: &'a mut Sink, in_variant: bool) -> Self {
        sink.out.push(b'[');
        Self {
            sink,
            first: true,
            in_variant,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.sink.out.push(b',');
        }
        self.first = false;
        value.serialize(Canonical::nested(self.sink))
    }

    fn close(self) -> Result<(), Error> {
        self.sink.out.push(b']');
        if self.in_variant {
            self.sink.out.push(b'}');
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

/// An object being written: its members go straight to the output, each
/// recorded in the sink's member stack; when it ends, members that did not
/// arrive in name order are put in it.
struct Object<'a, 't> {
    sink: &'a mut Sink,
    top: Option<TopLevel<'t>>,
    /// Inside `{"variant": ...}`, whose brace closes after the object.
    in_variant: bool,
    /// Where its first member starts in the output (just after `{`).
    start: usize,
    /// Its first member's index in the sink's member stack.
    base: usize,
    /// Every member so far came after the one before it in name order.
    in_order: bool,
    /// A map's key, waiting for its value.
    key: Option<String>,
}

impl<'a, 't> Object<'a, 't> {
    fn open(
        sink: &'a mut Sink,
        top: Option<TopLevel<'t>>,
        variant: Option<&'static str>,
    ) -> Result<Self, Error> {
        if let Some(variant) = variant {
            open_variant(&mut sink.out, variant)?;
        }
        sink.out.push(b'{');
        Ok(Self {
            start: sink.out.len(),
            base: sink.members.len(),
            sink,
            top,
            in_variant: variant.is_some(),
            in_order: true,
            key: None,
        })
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
        if let Some(last) = self.sink.members[self.base..].last() {
            self.sink.out.push(b',');
            // A name equal to the last one is out of order too: the rewrite
            // keeps only the last member of a name.
            if name.as_bytes() <= last.name.as_bytes() {
                self.in_order = false;
            }
        }
        let begin = self.sink.out.len();
        serde_json::to_writer(&mut self.sink.out, name.as_ref())?;
        self.sink.out.push(b':');
        value.serialize(Canonical::nested(self.sink))?;
        let text = begin..self.sink.out.len();
        self.sink.members.push(Member { name, text });
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        if let Some(top) = self.top {
            for (name, value) in top.extra {
                self.member(Cow::Owned((*name).to_owned()), value)?;
            }
        }
        let Sink {
            out,
            members,
            spare,
        } = &mut *self.sink;
        if !self.in_order {
            // Stable: of members with the same name, the last one written wins
            // (as when a `Value` map takes the same key again).
            let mine = &mut members[self.base..];
            mine.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
            spare.clear();
            spare.extend_from_slice(&out[self.start..]);
            out.truncate(self.start);
            let mut first = true;
            for (i, member) in mine.iter().enumerate() {
                if mine.get(i + 1).is_some_and(|next| next.name == member.name) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                let text = member.text.start - self.start..member.text.end - self.start;
                out.extend_from_slice(&spare[text]);
            }
        }
        members.truncate(self.base);
        out.push(b'}');
        if self.in_variant {
            out.push(b'}');
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
