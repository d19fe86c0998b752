//! JSON ⇄ DynamoDB attribute values. Numbers travel as their decimal text (`N`), so
//! integer money never passes through a float; objects become maps, arrays lists.

use aws_sdk_dynamodb::types::AttributeValue;
use orderly_core::items::value_kind;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A DynamoDB item: attribute name to value.
pub type Item = HashMap<String, AttributeValue>;

/// Why a value could not cross between JSON and DynamoDB attribute values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    /// An item was asked of a JSON value that is not an object; holds its kind
    /// (`a string`, `null`…).
    #[error("an item must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// The attribute is of a type JSON has no form for: binary, binary set, or one this
    /// SDK does not know.
    #[error("attribute {path}: {kind} values have no JSON form")]
    Unsupported {
        /// Where the attribute sits in the item, e.g. `order.lines[0]`.
        path: String,
        /// The attribute's type, e.g. `binary`.
        kind: &'static str,
    },
    /// An `N` (or `NS` member) whose text is not a finite number.
    #[error("attribute {path}: {text:?} is not a number")]
    BadNumber {
        /// Where the attribute sits in the item.
        path: String,
        /// The attribute's text.
        text: String,
    },
}

/// One JSON value as an attribute value.
pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        // serde_json prints integers exactly and floats in their shortest round-trip form.
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(
            map.iter()
                .map(|(k, v)| (k.clone(), to_attribute(v)))
                .collect(),
        ),
    }
}

/// A JSON object as an item.
pub fn to_item(value: &Value) -> Result<Item, AttributeError> {
    match value {
        Value::Object(map) => Ok(map
            .iter()
            .map(|(k, v)| (k.clone(), to_attribute(v)))
            .collect()),
        other => Err(AttributeError::NotAnObject(value_kind(other))),
    }
}

/// An item as a JSON object, keys sorted so the result does not depend on hash order.
pub fn from_item(item: &Item) -> Result<Value, AttributeError> {
    map_to_json("", item)
}

/// One attribute value as JSON. `path` names it in errors.
pub fn from_attribute(path: &str, value: &AttributeValue) -> Result<Value, AttributeError> {
    let unsupported = |kind| AttributeError::Unsupported {
        path: path.to_owned(),
        kind,
    };
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(text) => Value::Number(parse_number(path, text)?),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::L(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| from_attribute(&format!("{path}[{i}]"), v))
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(map) => map_to_json(path, map)?,
        AttributeValue::Ss(items) => {
            Value::Array(items.iter().cloned().map(Value::String).collect())
        }
        AttributeValue::Ns(items) => Value::Array(
            items
                .iter()
                .map(|t| parse_number(path, t).map(Value::Number))
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::B(_) => return Err(unsupported("binary")),
        AttributeValue::Bs(_) => return Err(unsupported("binary set")),
        _ => return Err(unsupported("unknown")),
    })
}

fn map_to_json(path: &str, map: &Item) -> Result<Value, AttributeError> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    let mut out = Map::new();
    for key in keys {
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if let Some(value) = map.get(key) {
            out.insert(key.clone(), from_attribute(&child, value)?);
        }
    }
    Ok(Value::Object(out))
}

/// Integers stay integers (i64, then u64); anything else must be a finite decimal.
fn parse_number(path: &str, text: &str) -> Result<Number, AttributeError> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Number::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Ok(Number::from(u));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .ok_or_else(|| AttributeError::BadNumber {
            path: path.to_owned(),
            text: text.to_owned(),
        })
}

/// A string attribute of an item, if present and a string.
pub(crate) fn string_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// An integer attribute of an item, if present and an integer.
pub(crate) fn int_attr(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn money_is_stored_as_exact_integer_text() {
        let item =
            to_item(&json!({"total": {"amount": 9007199254740993i64, "currency": "EUR"}})).unwrap();
        let AttributeValue::M(total) = &item["total"] else {
            panic!("total should be a map: {item:?}")
        };
        assert_eq!(
            total["amount"],
            AttributeValue::N("9007199254740993".into())
        );
    }

    #[test]
    fn conversions_by_case() {
        let cases = [
            (json!(null), AttributeValue::Null(true)),
            (json!(true), AttributeValue::Bool(true)),
            (json!(-42), AttributeValue::N("-42".into())),
            (
                json!(18446744073709551615u64),
                AttributeValue::N("18446744073709551615".into()),
            ),
            (json!(1.5), AttributeValue::N("1.5".into())),
            (json!(""), AttributeValue::S(String::new())),
            (
                json!([1, "a"]),
                AttributeValue::L(vec![
                    AttributeValue::N("1".into()),
                    AttributeValue::S("a".into()),
                ]),
            ),
        ];
        for (json_value, attribute) in cases {
            assert_eq!(to_attribute(&json_value), attribute, "{json_value}");
            assert_eq!(from_attribute("x", &attribute).unwrap(), json_value);
        }
    }

    #[test]
    fn only_objects_are_items() {
        assert_eq!(
            to_item(&json!([1])),
            Err(AttributeError::NotAnObject("an array"))
        );
    }

    #[test]
    fn unreadable_values_name_their_path() {
        let item: Item = [(
            "a".to_owned(),
            AttributeValue::M([("b".to_owned(), AttributeValue::N("nope".into()))].into()),
        )]
        .into();
        assert_eq!(
            from_item(&item),
            Err(AttributeError::BadNumber {
                path: "a.b".into(),
                text: "nope".into()
            })
        );
        let binary: Item = [(
            "blob".to_owned(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![1u8])),
        )]
        .into();
        assert!(from_item(&binary).unwrap_err().to_string().contains("blob"));
    }

    #[test]
    fn string_sets_read_as_arrays() {
        let set = AttributeValue::Ss(vec!["a".into(), "b".into()]);
        assert_eq!(from_attribute("s", &set).unwrap(), json!(["a", "b"]));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<u64>().prop_map(|u| json!(u)),
            (-1.0e12f64..1.0e12).prop_map(|f| json!(f)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn json_survives_a_round_trip(value in json_value()) {
            let back = from_attribute("v", &to_attribute(&value)).unwrap();
            prop_assert_eq!(back, value);
        }
    }
}
