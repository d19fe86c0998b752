//! The transform operator, `| pattern | update, delete |` (JSONata's "Other operators"
//! page): applied to a value, it returns a copy in which each object the pattern selects
//! has the update object merged in and the fields the delete clause names removed.
//!
//! The reference copies the value and changes the selected objects in place. Values
//! here are shared and immutable, so the selected objects are recognised by identity
//! (the pattern is evaluated over the value itself and returns the very objects it
//! holds), each one's changes are worked out in the order the pattern found them, and
//! the copy is rebuilt with them. An object selected twice gets both changes, in order.

use std::collections::HashMap;
use std::rc::Rc;

use super::{Evaluator, Out};
use crate::jsonata::ast::TransformDef;
use crate::jsonata::env::Scope;
use crate::jsonata::error::err;
use crate::jsonata::value::{Map, V, stringify};

/// What happens to one selected object: fields set, then fields removed.
#[derive(Default)]
struct Change {
    set: Vec<(String, V)>,
    remove: Vec<String>,
}

impl Evaluator {
    pub(super) fn transform(&mut self, def: &TransformDef, scope: &Rc<Scope>, value: V) -> Out {
        let matches = match self.eval(&def.pattern, &Some(value.clone()), scope)? {
            None => return Ok(Some(value)),
            Some(V::Array(items, _)) => items.iter().cloned().collect(),
            Some(one) => vec![one],
        };
        let mut changes: HashMap<*const Map, Change> = HashMap::new();
        for selected in matches {
            let V::Object(object) = &selected else {
                continue;
            };
            let context = Some(selected.clone());
            let change = changes.entry(Rc::as_ptr(object)).or_default();
            match self.eval(&def.update, &context, scope)? {
                None => {}
                Some(V::Object(update)) => {
                    for (key, v) in update.iter() {
                        change.set.push((key.clone(), v.clone()));
                    }
                }
                Some(other) => {
                    return Err(err(
                        "T2011",
                        &format!(
                            "The insert/update clause of the transform expression must evaluate to an object: {}",
                            stringify(&other)
                        ),
                    ));
                }
            }
            if let Some(delete) = &def.delete {
                match self.eval(delete, &context, scope)? {
                    None => {}
                    Some(V::Str(name)) => change.remove.push(name.to_string()),
                    Some(V::Array(names, _)) if names.iter().all(|n| matches!(n, V::Str(_))) => {
                        change.remove.extend(names.iter().map(|n| match n {
                            V::Str(s) => s.to_string(),
                            _ => String::new(),
                        }));
                    }
                    Some(other) => {
                        return Err(err(
                            "T2012",
                            &format!(
                                "The delete clause of the transform expression must evaluate to a string or array of strings: {}",
                                stringify(&other)
                            ),
                        ));
                    }
                }
            }
        }
        if changes.is_empty() {
            return Ok(Some(value));
        }
        self.charge(super::CONSTRUCTED_STEPS)?;
        Ok(Some(rebuild(&value, &changes)))
    }
}

/// `value` with every changed object changed, and the objects and arrays that hold one
/// copied; everything else is shared as it is.
fn rebuild(value: &V, changes: &HashMap<*const Map, Change>) -> V {
    match value {
        V::Object(object) => {
            let mut copy: Map = object
                .iter()
                .map(|(k, v)| (k.clone(), rebuild(v, changes)))
                .collect();
            if let Some(change) = changes.get(&Rc::as_ptr(object)) {
                for (key, v) in &change.set {
                    copy.insert(key.clone(), v.clone());
                }
                for key in &change.remove {
                    copy.shift_remove(key);
                }
            }
            V::Object(Rc::new(copy))
        }
        V::Array(items, flags) => V::Array(
            Rc::new(items.iter().map(|v| rebuild(v, changes)).collect()),
            *flags,
        ),
        other => other.clone(),
    }
}
