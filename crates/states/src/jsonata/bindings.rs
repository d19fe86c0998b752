//! What an expression's variables are bound to, and how much of each is converted.
//!
//! The evaluator works on its own values ([`V`]), so every variable an expression reads
//! is converted from JSON when it is evaluated. Two things keep that cheap:
//! - an expression converts only the variables it names ([`Free`]), and of a variable it
//!   reads only through fields (`$states.input`, `$rules.rejectAt`), only those fields:
//!   `$states` holds the state's input and the context object, and converting both for an
//!   expression that reads `$states.input` was most of the cost of a small expression;
//! - a state's bindings borrow what they bind ([`Binding::Fields`]): `$states` is never
//!   assembled as one JSON object, which copied the input, the context and every variable
//!   on each state.

use super::lexer::{Tok, Token, expects_operand};
use super::value::{Map as VMap, V, Vars};
use serde_json::{Map, Value};
use std::hash::BuildHasherDefault;
use std::rc::Rc;

/// A source of variable bindings: `name` is the variable without its `$`.
pub trait Bindings {
    /// What `$name` is bound to, if anything.
    fn binding(&self, name: &str) -> Option<Binding<'_>>;
}

/// One variable's value.
pub enum Binding<'a> {
    /// A JSON value.
    Value(&'a Value),
    /// An object held in parts, in key order: `$states`, whose fields are the state's
    /// input, context object and result, each borrowed where it lives.
    Fields(&'a [(&'static str, &'a Value)]),
}

/// A JSON object of bindings: each key a variable (`states` is `$states`).
impl Bindings for Map<String, Value> {
    fn binding(&self, name: &str) -> Option<Binding<'_>> {
        self.get(name).map(Binding::Value)
    }
}

/// A variable an expression names, and what it reads of it when it reads only fields
/// (`None`: the whole value).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Free {
    name: String,
    fields: Option<Fields>,
}

/// The fields read of an object, each with what is read of it in turn (`None`: all of
/// it): `$states.input.total.amount` and `$states.input.lines` read `input`, and of it
/// `total.amount` and the whole of `lines`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Fields(Vec<(String, Option<Fields>)>);

/// The variables `tokens` name, each once, sorted. A variable counts as read through
/// fields when every mention is a path of names, `$name.field.field…`: each step reads
/// that field of an object (of each object, when the value is an array) and nothing else
/// of it (unless the expression uses the parent operator, which climbs back up: then
/// every variable is read whole);
/// what follows the last name (`[0]`, `.*`, `.(…)`, an operator) reads that field whole.
/// Any other mention (`$name`, `$name[0]`, `$name.*`, `$lookup($name, k)`) needs the
/// whole value. A mention that names a variable bound inside the expression (a lambda's
/// parameter, `$name := …`) makes the analysis cautious, never wrong: the outer binding
/// is only read where the name is free.
pub(crate) fn free_variables(tokens: &[Token]) -> Vec<Free> {
    // The parent operator climbs from a field back to the object it was read from, so
    // an expression that uses it reads its variables whole.
    let climbs = tokens.iter().enumerate().any(|(i, t)| {
        t.tok == Tok::Op("%") && expects_operand(i.checked_sub(1).and_then(|p| tokens.get(p)))
    });
    let mut free: Vec<Free> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Tok::Var(name) = &token.tok else { continue };
        if name.is_empty() {
            continue;
        }
        let mut path = Vec::new();
        let mut at = i + 1;
        while let (Some(dot), Some(next)) = (tokens.get(at), tokens.get(at + 1)) {
            match (&dot.tok, &next.tok) {
                (Tok::Op("."), Tok::Name(field)) => path.push(field.clone()),
                _ => break,
            }
            at += 2;
        }
        if climbs {
            path.clear();
        }
        let entry = match free.iter_mut().position(|f| &f.name == name) {
            Some(at) => &mut free[at],
            None => {
                free.push(Free {
                    name: name.clone(),
                    fields: Some(Fields::default()),
                });
                free.last_mut().expect("just pushed")
            }
        };
        entry.fields = merge(entry.fields.take(), &path);
    }
    free.sort_by(|a, b| a.name.cmp(&b.name));
    free
}

/// `read` with `path` read too: an empty path reads the whole.
fn merge(read: Option<Fields>, path: &[String]) -> Option<Fields> {
    let (first, rest) = path.split_first()?;
    let mut fields = read?;
    match fields.0.iter_mut().find(|(name, _)| name == first) {
        Some((_, inner)) => *inner = merge(inner.take(), rest),
        None => fields
            .0
            .push((first.clone(), merge(Some(Fields::default()), rest))),
    }
    Some(fields)
}

/// The evaluator's root variables: each free variable that is bound, converted as far as
/// the expression reads it.
pub(crate) fn convert(free: &[Free], bindings: &dyn Bindings) -> Vars {
    free.iter()
        .filter_map(|f| {
            let bound = bindings.binding(&f.name)?;
            Some((f.name.clone(), value_of(bound, f.fields.as_ref())))
        })
        .collect()
}

fn value_of(bound: Binding<'_>, fields: Option<&Fields>) -> V {
    match (bound, fields) {
        (Binding::Value(value), Some(fields)) => part_of(value, fields),
        (Binding::Value(value), None) => V::from_json(value),
        (Binding::Fields(parts), fields) => {
            let mut out = VMap::with_hasher(BuildHasherDefault::default());
            for (key, value) in parts {
                match fields {
                    None => {
                        out.insert((*key).to_string(), V::from_json(value));
                    }
                    Some(fields) => {
                        if let Some((_, inner)) = fields.0.iter().find(|(name, _)| name == key) {
                            out.insert((*key).to_string(), whole_or_part(value, inner.as_ref()));
                        }
                    }
                }
            }
            V::Object(Rc::new(out))
        }
    }
}

fn whole_or_part(value: &Value, fields: Option<&Fields>) -> V {
    match fields {
        None => V::from_json(value),
        Some(fields) => part_of(value, fields),
    }
}

/// What a path of `fields` reads of `value`: of an object its fields that are read, in
/// the object's order; of an array the same of each item (a path step maps over an
/// array); anything else whole, since no field of it can be read.
fn part_of(value: &Value, fields: &Fields) -> V {
    match value {
        Value::Object(map) => {
            let mut out = VMap::with_hasher(BuildHasherDefault::default());
            for (key, item) in map {
                if let Some((_, inner)) = fields.0.iter().find(|(name, _)| name == key) {
                    out.insert(key.clone(), whole_or_part(item, inner.as_ref()));
                }
            }
            V::Object(Rc::new(out))
        }
        Value::Array(items) => V::array(items.iter().map(|item| part_of(item, fields)).collect()),
        other => V::from_json(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonata::lexer::tokenize;

    /// Each variable with the top-level fields read of it.
    fn free(text: &str) -> Vec<(String, Option<Vec<String>>)> {
        free_variables(&tokenize(text).expect("tokens"))
            .into_iter()
            .map(|f| {
                (
                    f.name,
                    f.fields.map(|f| f.0.into_iter().map(|(n, _)| n).collect()),
                )
            })
            .collect()
    }

    #[test]
    fn nested_paths_read_only_their_fields_and_a_shorter_path_reads_the_whole() {
        let input = serde_json::json!({
            "order": {"total": {"amount": 5, "currency": "EUR"}, "lines": [
                {"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2}
            ], "secret": "x"},
            "other": 1
        });
        let parts = [("input", &input)];
        struct Parts<'a>(&'a [(&'static str, &'a Value)]);
        impl Bindings for Parts<'_> {
            fn binding(&self, name: &str) -> Option<Binding<'_>> {
                (name == "states").then_some(Binding::Fields(self.0))
            }
        }
        let read = |text: &str| {
            convert(&free_variables(&tokenize(text).unwrap()), &Parts(&parts))
                .into_iter()
                .find(|(name, _)| name == "states")
                .and_then(|(_, v)| v.to_json())
        };
        assert_eq!(
            read("$states.input.order.total.amount + $count($states.input.order.lines.sku)"),
            Some(serde_json::json!({"input": {"order": {
                "total": {"amount": 5},
                "lines": [{"sku": "a"}, {"sku": "b"}]
            }}}))
        );
        assert_eq!(
            read("$states.input.order.lines[0].quantity + $states.input.order.lines.sku"),
            Some(serde_json::json!({"input": {"order": {"lines": [
                {"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2}
            ]}}})),
            "a step that is not a name reads the field whole"
        );
        assert_eq!(
            read("$states.input.order.total.amount & $string($states.input.order)"),
            Some(serde_json::json!({"input": {"order": input["order"].clone()}}))
        );
    }

    /// Whatever an expression reads, it evaluates to the same with the partial conversion
    /// as with the whole bindings.
    #[test]
    fn a_partial_conversion_evaluates_as_the_whole() {
        let bindings: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "states": {"input": {
                "order": {"total": {"amount": 5, "currency": "EUR"}, "lines": [
                    {"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2, "tags": [{"t": 1}]}
                ]},
                "list": [[{"a": 1}], {"a": 2, "b": 3}, 4]
            }}
        }))
        .unwrap();
        for text in [
            "$states.input.order.total.amount",
            "$states.input.order.lines.sku",
            "$states.input.order.lines.tags.t",
            "$sum($states.input.order.lines.quantity)",
            "$states.input.order.lines[quantity > 1].sku",
            "$states.input.list.a",
            "$states.input.order.total.currency & $states.input.order.lines[0].sku",
            "$keys($states.input.order)",
            "$states.input.order.lines.(sku & quantity)",
            "$states.input.missing.field",
        ] {
            let expression = crate::jsonata::Expression::parse(text).expect(text);
            let partial = expression.evaluate_optional_at(&bindings, 0);
            let whole = crate::jsonata::Expression::parse(&format!("($s := $states; {text})"))
                .expect(text)
                .evaluate_optional_at(&bindings, 0);
            assert_eq!(format!("{partial:?}"), format!("{whole:?}"), "{text}");
        }
    }

    fn fields(names: &[&str]) -> Option<Vec<String>> {
        Some(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_variable_read_only_through_fields_needs_only_those() {
        assert_eq!(
            free("$states.input.a + $states.result.b + $states.input.c"),
            vec![("states".into(), fields(&["input", "result"]))]
        );
    }

    #[test]
    fn any_other_mention_needs_the_whole_value() {
        for text in [
            "$states",
            "$states.input + $count($states)",
            "$states[0].input",
            "$states.*",
            "$states.$string()",
            "($states).input",
            "$lookup($states, 'input')",
        ] {
            let states = free(text).into_iter().find(|(name, _)| name == "states");
            assert_eq!(states, Some(("states".into(), None)), "{text}");
        }
    }

    #[test]
    fn only_named_variables_and_not_the_context_item() {
        assert_eq!(
            free("$.a + $b.c + $$.d"),
            vec![("$".into(), fields(&["d"])), ("b".into(), fields(&["c"]))]
        );
    }

    #[test]
    fn fields_are_converted_in_the_bound_order_and_no_others() {
        let input = serde_json::json!({"x": 1});
        let context = serde_json::json!({"Execution": {"Id": "e"}});
        let parts = [("input", &input), ("context", &context)];
        struct Parts<'a>(&'a [(&'static str, &'a Value)]);
        impl Bindings for Parts<'_> {
            fn binding(&self, name: &str) -> Option<Binding<'_>> {
                (name == "states").then_some(Binding::Fields(self.0))
            }
        }
        let only_input = convert(
            &free_variables(&tokenize("$states.input").unwrap()),
            &Parts(&parts),
        );
        assert_eq!(
            only_input["states"].to_json(),
            Some(serde_json::json!({"input": {"x": 1}}))
        );
        let whole = convert(
            &free_variables(&tokenize("$states").unwrap()),
            &Parts(&parts),
        );
        assert_eq!(
            whole["states"].to_json(),
            Some(serde_json::json!({"input": {"x": 1}, "context": {"Execution": {"Id": "e"}}}))
        );
    }
}
