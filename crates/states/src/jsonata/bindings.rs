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

use super::lexer::{Tok, Token};
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

/// A variable an expression names, and the fields it reads of it when it reads nothing
/// else (`None`: the whole value).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Free {
    name: String,
    fields: Option<Box<[String]>>,
}

/// The variables `tokens` name, each once, sorted. A variable counts as read through
/// fields when every mention is `$name.field`: a path step on the variable reads that
/// field of an object and nothing else of it (the parent operator, which could climb back
/// to the whole, is not supported). Any other mention (`$name`, `$name[0]`, `$name.*`,
/// `$lookup($name, k)`) needs the whole value. A mention that names a variable bound
/// inside the expression (a lambda's parameter, `$name := …`) makes the analysis
/// cautious, never wrong: the outer binding is only read where the name is free.
pub(crate) fn free_variables(tokens: &[Token]) -> Vec<Free> {
    let mut free: Vec<Free> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Tok::Var(name) = &token.tok else { continue };
        if name.is_empty() {
            continue;
        }
        let field = match (tokens.get(i + 1), tokens.get(i + 2)) {
            (Some(dot), Some(next)) if matches!(dot.tok, Tok::Op(".")) => match &next.tok {
                Tok::Name(field) => Some(field.clone()),
                _ => None,
            },
            _ => None,
        };
        let entry = match free.iter_mut().position(|f| &f.name == name) {
            Some(at) => &mut free[at],
            None => {
                free.push(Free {
                    name: name.clone(),
                    fields: Some(Box::default()),
                });
                free.last_mut().expect("just pushed")
            }
        };
        entry.fields = match (entry.fields.take(), field) {
            (Some(fields), Some(field)) => {
                let mut fields = fields.into_vec();
                if !fields.contains(&field) {
                    fields.push(field);
                }
                Some(fields.into_boxed_slice())
            }
            _ => None,
        };
    }
    free.sort_by(|a, b| a.name.cmp(&b.name));
    free
}

/// The evaluator's root variables: each free variable that is bound, converted as far as
/// the expression reads it.
pub(crate) fn convert(free: &[Free], bindings: &dyn Bindings) -> Vars {
    free.iter()
        .filter_map(|f| {
            let bound = bindings.binding(&f.name)?;
            Some((f.name.clone(), value_of(bound, f.fields.as_deref())))
        })
        .collect()
}

fn value_of(bound: Binding<'_>, fields: Option<&[String]>) -> V {
    let wanted = |key: &str| fields.is_none_or(|fields| fields.iter().any(|f| f == key));
    match bound {
        Binding::Value(Value::Object(map)) if fields.is_some() => {
            object(map.iter().filter(|(k, _)| wanted(k)))
        }
        Binding::Value(value) => V::from_json(value),
        Binding::Fields(parts) => object(
            parts
                .iter()
                .filter(|(k, _)| wanted(k))
                .map(|(k, v)| (*k, *v)),
        ),
    }
}

fn object<'a, K: AsRef<str> + 'a>(entries: impl Iterator<Item = (K, &'a Value)>) -> V {
    let mut out = VMap::with_hasher(BuildHasherDefault::default());
    for (k, v) in entries {
        out.insert(k.as_ref().to_string(), V::from_json(v));
    }
    V::Object(Rc::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonata::lexer::tokenize;

    fn free(text: &str) -> Vec<(String, Option<Vec<String>>)> {
        free_variables(&tokenize(text).expect("tokens"))
            .into_iter()
            .map(|f| (f.name, f.fields.map(|f| f.into_vec())))
            .collect()
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
