//! Conditions and projections evaluated on an item, with DynamoDB's rules: a comparison
//! with a missing attribute or across types is false (but `<>` of a missing attribute is
//! true), `size` of a type without a size is false.

use super::{Comparator, Condition, Operand, Path, Step};
use crate::dynamodb::number::Number;
use crate::dynamodb::value::{Item, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The value at `path` in `item`, if there is one.
pub fn resolve<'i>(item: &'i Item, path: &Path) -> Option<&'i Value> {
    let (first, rest) = path.split_first()?;
    let Step::Name(name) = first else {
        return None;
    };
    let mut value = item.get(name)?;
    for step in rest {
        value = match (step, value) {
            (Step::Name(n), Value::M(m)) => m.get(n)?,
            (Step::Index(i), Value::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

fn size(value: &Value) -> Option<usize> {
    Some(match value {
        Value::S(s) => s.chars().count(),
        Value::B(b) => b.len(),
        Value::Ss(v) => v.len(),
        Value::Ns(v) => v.len(),
        Value::Bs(v) => v.len(),
        Value::M(m) => m.len(),
        Value::L(l) => l.len(),
        Value::N(_) | Value::Null | Value::Bool(_) => return None,
    })
}

fn operand<'i>(op: &'i Operand, item: &'i Item) -> Option<Cow<'i, Value>> {
    match op {
        Operand::Path(p) => resolve(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(p) => {
            let n = size(resolve(item, p)?)?;
            Number::parse(&n.to_string())
                .ok()
                .map(|n| Cow::Owned(Value::N(n)))
        }
    }
}

fn compare(a: &Value, comparator: Comparator, b: &Value) -> bool {
    match comparator {
        Comparator::Eq => a.same(b),
        Comparator::Ne => !a.same(b),
        _ => match a.compare(b) {
            None => false,
            Some(order) => match comparator {
                Comparator::Lt => order == Ordering::Less,
                Comparator::Le => order != Ordering::Greater,
                Comparator::Gt => order == Ordering::Greater,
                Comparator::Ge => order != Ordering::Less,
                Comparator::Eq | Comparator::Ne => unreachable!("handled above"),
            },
        },
    }
}

/// Whether `condition` holds for `item`.
pub fn holds(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare(a, comparator, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => compare(&a, *comparator, &b),
            // A missing attribute is unequal to everything and in no order.
            _ => *comparator == Comparator::Ne,
        },
        Condition::Between(x, low, high) => {
            match (operand(x, item), operand(low, item), operand(high, item)) {
                (Some(x), Some(low), Some(high)) => {
                    compare(&x, Comparator::Ge, &low) && compare(&x, Comparator::Le, &high)
                }
                _ => false,
            }
        }
        Condition::In(x, options) => operand(x, item).is_some_and(|x| {
            options
                .iter()
                .any(|o| operand(o, item).is_some_and(|o| x.same(&o)))
        }),
        Condition::Exists(path) => resolve(item, path).is_some(),
        Condition::NotExists(path) => resolve(item, path).is_none(),
        Condition::Type(path, kind) => match (resolve(item, path), operand(kind, item)) {
            (Some(v), Some(k)) => matches!(&*k, Value::S(t) if t == v.type_name()),
            _ => false,
        },
        Condition::BeginsWith(subject, prefix) => {
            match (operand(subject, item), operand(prefix, item)) {
                (Some(s), Some(p)) => match (&*s, &*p) {
                    (Value::S(s), Value::S(p)) => s.starts_with(p.as_str()),
                    (Value::B(s), Value::B(p)) => s.starts_with(p),
                    _ => false,
                },
                _ => false,
            }
        }
        Condition::Contains(subject, needle) => {
            match (operand(subject, item), operand(needle, item)) {
                (Some(s), Some(n)) => match (&*s, &*n) {
                    (Value::S(s), Value::S(n)) => s.contains(n.as_str()),
                    (Value::B(s), Value::B(n)) => {
                        n.is_empty() || s.windows(n.len()).any(|w| w == n.as_slice())
                    }
                    (Value::Ss(s), Value::S(n)) => s.contains(n),
                    (Value::Ns(s), Value::N(n)) => s.contains(n),
                    (Value::Bs(s), Value::B(n)) => s.contains(n),
                    (Value::L(l), n) => l.iter().any(|x| x.same(n)),
                    _ => false,
                },
                _ => false,
            }
        }
        Condition::Not(inner) => !holds(inner, item),
        Condition::And(a, b) => holds(a, item) && holds(b, item),
        Condition::Or(a, b) => holds(a, item) || holds(b, item),
    }
}

/// The parts of `item` that `paths` name, nested as they are in the item. Paths into one
/// list element meet in that element; list elements keep their order and close up, as
/// DynamoDB returns them.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let paths: Vec<&[Step]> = paths.iter().map(Vec::as_slice).collect();
    project_map(item, &paths)
}

fn project_map(map: &Item, paths: &[&[Step]]) -> Item {
    let mut by_name: std::collections::BTreeMap<&str, Vec<&[Step]>> = Default::default();
    for path in paths {
        if let Some((Step::Name(name), rest)) = path.split_first() {
            by_name.entry(name.as_str()).or_default().push(rest);
        }
    }
    by_name
        .into_iter()
        .filter_map(|(name, rests)| {
            let part = project_value(map.get(name)?, &rests)?;
            Some((name.to_owned(), part))
        })
        .collect()
}

/// `value` reduced to what `paths` (relative to it) name; the whole value when one of them
/// ends here.
fn project_value(value: &Value, paths: &[&[Step]]) -> Option<Value> {
    if paths.iter().any(|p| p.is_empty()) {
        return Some(value.clone());
    }
    match value {
        Value::M(map) => {
            let part = project_map(map, paths);
            (!part.is_empty()).then_some(Value::M(part))
        }
        Value::L(list) => {
            let mut by_index: std::collections::BTreeMap<usize, Vec<&[Step]>> = Default::default();
            for path in paths {
                if let Some((Step::Index(i), rest)) = path.split_first() {
                    by_index.entry(*i).or_default().push(rest);
                }
            }
            let part: Vec<Value> = by_index
                .into_iter()
                .filter_map(|(i, rests)| project_value(list.get(i)?, &rests))
                .collect();
            (!part.is_empty()).then_some(Value::L(part))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::bindings::{Bindings, Kind};
    use super::super::parse::{parse_condition, parse_projection};
    use super::*;
    use crate::dynamodb::value::item_from_json;
    use serde_json::json;

    fn item() -> Item {
        item_from_json(
            json!({
                "id": {"S": "o-1"}, "n": {"N": "5"}, "s": {"S": "héllo"},
                "tags": {"SS": ["a", "b"]}, "l": {"L": [{"N": "1"}, {"S": "x"}]},
                "m": {"M": {"deep": {"M": {"v": {"N": "2"}}}, "w": {"BOOL": true}}}
            })
            .as_object()
            .unwrap(),
        )
        .unwrap()
    }

    fn check(text: &str) -> bool {
        let values = json!({
            ":five": {"N": "5.0"}, ":four": {"N": "4"}, ":s": {"S": "hé"}, ":a": {"S": "a"},
            ":x": {"S": "x"}, ":SS": {"S": "SS"}, ":five_s": {"S": "5"}, ":len": {"N": "5"}
        });
        let bindings = Bindings::read(None, values.as_object()).unwrap();
        parse_condition(text, Kind::Condition, &bindings)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .holds(&item())
    }

    #[test]
    fn conditions_follow_dynamodbs_rules() {
        for (text, expected) in [
            ("n = :five", true),
            ("n = :five_s", false),
            ("n <> :five_s", true),
            ("absent = :five", false),
            ("absent <> :five", true),
            ("absent < :five", false),
            ("n > :four AND n BETWEEN :four AND :five", true),
            ("s < :five_s", false),
            ("begins_with(s, :s)", true),
            (
                "contains(tags, :a) AND contains(l, :x) AND contains(s, :s)",
                true,
            ),
            ("size(s) = :len AND size(tags) < :four", true),
            ("size(n) = :len", false),
            ("attribute_type(tags, :SS)", true),
            (
                "attribute_exists(m.deep.v) AND attribute_not_exists(m.deep.q)",
                true,
            ),
            (
                "attribute_exists(l[1]) AND NOT attribute_exists(l[2])",
                true,
            ),
            ("m.deep.v IN (:four, :five)", false),
            ("n IN (:four, :five)", true),
        ] {
            assert_eq!(check(text), expected, "{text}");
        }
    }

    #[test]
    fn a_projection_keeps_the_shape_of_what_it_names() {
        let bindings = Bindings::default();
        let paths = parse_projection("m.deep.v, l[1], id, nope, m.w", &bindings).unwrap();
        let list = item_from_json(
            json!({"l": {"L": [{"M": {"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}}}, {"N": "9"}]}})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let within = parse_projection("l[1], l[0].b, l[0].a", &bindings).unwrap();
        assert_eq!(
            crate::dynamodb::value::item_to_json(&project(&list, &within)),
            json!({"l": {"L": [{"M": {"a": {"N": "1"}, "b": {"N": "2"}}}, {"N": "9"}]}}),
            "paths into one element meet there, in list order"
        );
        let projected = project(&item(), &paths);
        assert_eq!(
            crate::dynamodb::value::item_to_json(&projected),
            json!({
                "id": {"S": "o-1"}, "l": {"L": [{"S": "x"}]},
                "m": {"M": {"deep": {"M": {"v": {"N": "2"}}}, "w": {"BOOL": true}}}
            })
        );
    }
}
