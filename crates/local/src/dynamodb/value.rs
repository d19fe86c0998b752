//! An attribute value, read from and written to DynamoDB's JSON (`{"S": "…"}`), with the
//! checks DynamoDB applies to every value it is given.

use super::error::DbError;
use super::number::Number;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json, json};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// How deep documents nest: DynamoDB's limit.
pub const MAX_DEPTH: usize = 32;

/// An item: attributes by name.
pub type Item = BTreeMap<String, Value>;

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    S(String),
    /// A number.
    N(Number),
    /// Binary.
    B(Vec<u8>),
    /// A string set: distinct, unordered.
    Ss(Vec<String>),
    /// A number set.
    Ns(Vec<Number>),
    /// A binary set.
    Bs(Vec<Vec<u8>>),
    /// A map.
    M(Item),
    /// A list.
    L(Vec<Value>),
    /// Null.
    Null,
    /// A Boolean.
    Bool(bool),
}

impl Value {
    /// The type's descriptor, as `attribute_type` names it and errors quote it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::S(_) => "S",
            Value::N(_) => "N",
            Value::B(_) => "B",
            Value::Ss(_) => "SS",
            Value::Ns(_) => "NS",
            Value::Bs(_) => "BS",
            Value::M(_) => "M",
            Value::L(_) => "L",
            Value::Null => "NULL",
            Value::Bool(_) => "BOOL",
        }
    }

    /// The order of two scalars of one type (S, N, B); `None` for any other pair, which
    /// DynamoDB's `<` and `BETWEEN` treat as false.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::S(a), Value::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Value::N(a), Value::N(b)) => Some(a.cmp(b)),
            (Value::B(a), Value::B(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Equality as DynamoDB's `=` sees it: sets compare as sets.
    pub fn same(&self, other: &Value) -> bool {
        fn same_set<T: Eq + std::hash::Hash>(a: &[T], b: &[T]) -> bool {
            let b: std::collections::HashSet<&T> = b.iter().collect();
            a.len() == b.len() && a.iter().all(|x| b.contains(x))
        }
        match (self, other) {
            (Value::Ss(a), Value::Ss(b)) => same_set(a, b),
            (Value::Ns(a), Value::Ns(b)) => same_set(a, b),
            (Value::Bs(a), Value::Bs(b)) => same_set(a, b),
            (Value::L(a), Value::L(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Value::M(a), Value::M(b)) => {
                a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| x.same(y)))
            }
            _ => self == other,
        }
    }

    /// The size DynamoDB counts toward the 400 KB item limit.
    pub fn size(&self) -> usize {
        match self {
            Value::S(s) => s.len(),
            Value::N(n) => n.to_string().len().div_ceil(2) + 1,
            Value::B(b) => b.len(),
            Value::Ss(v) => v.iter().map(String::len).sum(),
            Value::Ns(v) => v.iter().map(|n| n.to_string().len().div_ceil(2) + 1).sum(),
            Value::Bs(v) => v.iter().map(Vec::len).sum(),
            Value::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            Value::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            Value::Null | Value::Bool(_) => 1,
        }
    }

    /// Reads a value from DynamoDB JSON, at nesting `depth` (1 for a top-level attribute).
    pub fn from_json(json: &Json, depth: usize) -> Result<Value, DbError> {
        if depth > MAX_DEPTH {
            return Err(DbError::validation(
                "Nesting Levels have exceeded supported limits",
            ));
        }
        let object = json.as_object().ok_or_else(|| {
            DbError::serialization("Start of structure or map found where not expected.")
        })?;
        let mut members = object.iter().filter(|(_, v)| !v.is_null());
        let (kind, body) = match (members.next(), members.next()) {
            (None, _) => {
                return Err(DbError::invalid(
                    "Supplied AttributeValue is empty, must contain exactly one of the \
                     supported datatypes",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(DbError::invalid(
                    "Supplied AttributeValue has more than one datatypes set, must contain \
                     exactly one of the supported datatypes",
                ));
            }
            (Some(one), None) => one,
        };
        let string = |what: &str| {
            body.as_str().ok_or_else(|| {
                DbError::serialization(format!(
                    "The {what} value of an AttributeValue must be a string."
                ))
            })
        };
        let list = || {
            body.as_array().ok_or_else(|| {
                DbError::serialization("Unexpected value type in payload; expected a list.")
            })
        };
        let number =
            |text: &str| Number::parse(text).map_err(|e| DbError::validation(e.to_string()));
        Ok(match kind.as_str() {
            "S" => Value::S(string("S")?.to_owned()),
            "N" => Value::N(number(string("N")?)?),
            "B" => Value::B(decode_binary(string("B")?)?),
            "BOOL" => Value::Bool(body.as_bool().ok_or_else(|| {
                DbError::serialization("The BOOL value of an AttributeValue must be a boolean.")
            })?),
            "NULL" => match body.as_bool() {
                Some(true) => Value::Null,
                _ => {
                    return Err(DbError::invalid(
                        "Null attribute value types must have the value of true",
                    ));
                }
            },
            "SS" => {
                let items = strings(list()?)?;
                check_set("string", &items)?;
                Value::Ss(items)
            }
            "NS" => {
                let items = strings(list()?)?
                    .iter()
                    .map(|t| number(t))
                    .collect::<Result<Vec<_>, _>>()?;
                check_set("number", &items)?;
                Value::Ns(items)
            }
            "BS" => {
                let items = strings(list()?)?
                    .iter()
                    .map(|t| decode_binary(t))
                    .collect::<Result<Vec<_>, _>>()?;
                check_set("binary", &items)?;
                Value::Bs(items)
            }
            "L" => Value::L(
                list()?
                    .iter()
                    .map(|v| Value::from_json(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            "M" => {
                let map = body.as_object().ok_or_else(|| {
                    DbError::serialization("Unexpected value type in payload; expected a map.")
                })?;
                Value::M(item_at(map, depth + 1)?)
            }
            other => {
                return Err(DbError::serialization(format!(
                    "Unknown AttributeValue type: {other}"
                )));
            }
        })
    }

    /// The value as DynamoDB JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Value::S(s) => json!({"S": s}),
            Value::N(n) => json!({"N": n.to_string()}),
            Value::B(b) => json!({"B": STANDARD.encode(b)}),
            Value::Ss(v) => json!({"SS": v}),
            Value::Ns(v) => json!({"NS": v.iter().map(Number::to_string).collect::<Vec<_>>()}),
            Value::Bs(v) => json!({"BS": v.iter().map(|b| STANDARD.encode(b)).collect::<Vec<_>>()}),
            Value::M(m) => json!({"M": item_to_json(m)}),
            Value::L(l) => json!({"L": l.iter().map(Value::to_json).collect::<Vec<_>>()}),
            Value::Null => json!({"NULL": true}),
            Value::Bool(b) => json!({"BOOL": b}),
        }
    }
}

/// An item (or a map's members) from DynamoDB JSON.
pub fn item_from_json(map: &Map<String, Json>) -> Result<Item, DbError> {
    item_at(map, 1)
}

fn item_at(map: &Map<String, Json>, depth: usize) -> Result<Item, DbError> {
    map.iter()
        .map(|(k, v)| Ok((k.clone(), Value::from_json(v, depth)?)))
        .collect()
}

/// An item as DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Json {
    Json::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// An item's size, as the 400 KB limit counts it.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

/// The largest item DynamoDB stores.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

fn strings(list: &[Json]) -> Result<Vec<String>, DbError> {
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| DbError::serialization("The members of a set must be strings."))
        })
        .collect()
}

fn decode_binary(text: &str) -> Result<Vec<u8>, DbError> {
    STANDARD.decode(text).map_err(|_| {
        DbError::serialization(
            "Base64 encoded length is expected a multiple of 4 bytes but found: 1",
        )
    })
}

/// Refuses an empty set or one with a member twice; a hash set, so a set of many members
/// costs a pass, not a pass per member.
fn check_set<T: Eq + std::hash::Hash + std::fmt::Debug>(
    kind: &str,
    items: &[T],
) -> Result<(), DbError> {
    if items.is_empty() {
        return Err(DbError::invalid(format!("An {kind} set  may not be empty")));
    }
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    for item in items {
        if !seen.insert(item) {
            return Err(DbError::invalid(format!(
                "Input collection contains duplicates: {item:?}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: Json) -> Result<Value, DbError> {
        Value::from_json(&json, 1)
    }

    #[test]
    fn every_type_reads_back_as_it_was_written() {
        let document = json!({"M": {
            "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AQI="},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]},
            "l": {"L": [{"NULL": true}, {"BOOL": false}]}
        }});
        let value = parse(document.clone()).unwrap();
        let mut expected = document;
        expected["M"]["n"]["N"] = json!("1.5");
        assert_eq!(value.to_json(), expected);
    }

    #[test]
    fn malformed_values_are_refused_with_dynamodbs_words() {
        let message = |json| parse(json).unwrap_err().to_string();
        assert!(message(json!({})).contains("Supplied AttributeValue is empty"));
        assert!(message(json!({"S": "a", "N": "1"})).contains("more than one datatypes"));
        assert!(message(json!({"NULL": false})).contains("must have the value of true"));
        assert!(message(json!({"SS": []})).contains("may not be empty"));
        assert!(message(json!({"SS": ["a", "a"]})).contains("duplicates"));
        assert!(message(json!({"NS": ["1", "1.0"]})).contains("duplicates"));
        assert!(message(json!({"N": "one"})).contains("cannot be converted into a number"));
    }

    #[test]
    fn nesting_stops_at_dynamodbs_depth_without_recursing_further() {
        let mut deep = json!({"S": "leaf"});
        for _ in 0..MAX_DEPTH - 1 {
            deep = json!({"L": [deep]});
        }
        assert!(parse(deep.clone()).is_ok());
        let too_deep = json!({"L": [deep]});
        assert!(
            parse(too_deep)
                .unwrap_err()
                .to_string()
                .contains("Nesting Levels")
        );
    }

    #[test]
    fn sets_are_equal_in_any_order_and_scalars_order_within_their_type() {
        let a = parse(json!({"SS": ["x", "y"]})).unwrap();
        let b = parse(json!({"SS": ["y", "x"]})).unwrap();
        assert!(a.same(&b));
        let one = parse(json!({"N": "10"})).unwrap();
        let two = parse(json!({"N": "9"})).unwrap();
        assert_eq!(one.compare(&two), Some(Ordering::Greater));
        assert_eq!(one.compare(&Value::S("9".into())), None);
    }
}
