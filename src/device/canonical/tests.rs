//! The direct canonical writer against the definition (the `serde_json::Value`
//! route), on every serde shape, the invoice types and random JSON.

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
        "../../../examples/requests/valid-blue.json"
    ))
    .unwrap();
    same(&request);
    let red = crate::invoice::IssueRequest::from_json(include_bytes!(
        "../../../examples/requests/valid-red.json"
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
