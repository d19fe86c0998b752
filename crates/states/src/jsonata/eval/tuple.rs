//! Evaluates a path with `#` or `@` bindings as a stream of tuples (see `tuple_path.rs`):
//! each tuple carries a context value and the variables bound so far, and every step,
//! predicate, sort term and group expression after a binding is evaluated in a scope
//! that holds them.

use std::rc::Rc;
use std::sync::Arc;

use super::shape::{join_group, selects, sort_keyed};
use super::{Evaluator, Out};
use crate::jsonata::ast::Node;
use crate::jsonata::env::Scope;
use crate::jsonata::error::JsonataError;
use crate::jsonata::tuple_path::{Stage, StepKind, TuplePath, TupleStep};
use crate::jsonata::value::{Map, V};

/// One item of the stream: the context value and the variables bound by the steps.
#[derive(Clone)]
struct Tuple {
    context: Option<V>,
    bound: Vec<(Arc<str>, V)>,
}

impl Tuple {
    fn bind(&mut self, name: &Arc<str>, value: V) {
        match self.bound.iter_mut().find(|(n, _)| n == name) {
            Some((_, slot)) => *slot = value,
            None => self.bound.push((Arc::clone(name), value)),
        }
    }
}

impl Evaluator {
    pub(super) fn tuple_path(&mut self, path: &TuplePath, ctx: &Option<V>, env: &Rc<Scope>) -> Out {
        // A path that starts from a variable starts from it, not from each input item.
        let absolute = matches!(
            path.steps.first().map(|s| &s.kind),
            Some(StepKind::Expr(Node::Var(_)))
        );
        let start: Vec<Option<V>> = match ctx {
            Some(V::Array(items, _)) if !absolute => items.iter().cloned().map(Some).collect(),
            other => vec![other.clone()],
        };
        let mut tuples: Vec<Tuple> = start
            .into_iter()
            .map(|context| Tuple {
                context,
                bound: Vec::new(),
            })
            .collect();
        for step in &path.steps {
            tuples = self.tuple_step(step, tuples, env)?;
        }
        if let Some(pairs) = &path.group {
            return self.tuple_group(tuples, pairs, env);
        }
        self.charge(tuples.len() as u64)?;
        let values: Vec<V> = tuples.into_iter().filter_map(|t| t.context).collect();
        Ok(V::sequence(values, path.keep_array))
    }

    /// A scope holding a tuple's variables.
    fn tuple_scope(&mut self, tuple: &Tuple, env: &Rc<Scope>) -> Rc<Scope> {
        if tuple.bound.is_empty() {
            return Rc::clone(env);
        }
        let scope = self.scope(env);
        for (name, value) in &tuple.bound {
            scope.bind(name, value.clone());
        }
        scope
    }

    fn tuple_step(
        &mut self,
        step: &TupleStep,
        tuples: Vec<Tuple>,
        env: &Rc<Scope>,
    ) -> Result<Vec<Tuple>, JsonataError> {
        let mut out = match &step.kind {
            StepKind::Sort(terms) => {
                let mut keyed = Vec::with_capacity(tuples.len());
                for tuple in tuples {
                    let scope = self.tuple_scope(&tuple, env);
                    let mut keys = Vec::with_capacity(terms.len());
                    for (term, _) in terms {
                        keys.push(self.sort_key(term, &tuple.context, &scope)?);
                    }
                    keyed.push((keys, tuple));
                }
                sort_keyed(&mut keyed, terms)?;
                let mut sorted: Vec<Tuple> = keyed.into_iter().map(|(_, t)| t).collect();
                if let Some(name) = &step.index {
                    for (position, tuple) in sorted.iter_mut().enumerate() {
                        tuple.bind(name, V::Num(position as f64));
                    }
                }
                sorted
            }
            StepKind::Expr(expr) => {
                let mut out = Vec::new();
                for tuple in tuples {
                    let scope = self.tuple_scope(&tuple, env);
                    let results = match self.eval(expr, &tuple.context, &scope)? {
                        None => continue,
                        Some(V::Array(items, _)) => items.iter().cloned().collect(),
                        Some(one) => vec![one],
                    };
                    self.charge(results.len() as u64)?;
                    for (position, result) in results.into_iter().enumerate() {
                        let mut next = tuple.clone();
                        match &step.focus {
                            Some(name) => next.bind(name, result),
                            None => next.context = Some(result),
                        }
                        if let Some(name) = &step.index {
                            next.bind(name, V::Num(position as f64));
                        }
                        if let Some(parent) = &tuple.context {
                            for label in &step.ancestors {
                                next.bind(label, parent.clone());
                            }
                        }
                        out.push(next);
                    }
                }
                out
            }
        };
        for stage in &step.stages {
            out = match stage {
                Stage::Filter(predicate) => self.tuple_filter(out, predicate, env)?,
                Stage::Index(name) => {
                    for (position, tuple) in out.iter_mut().enumerate() {
                        tuple.bind(name, V::Num(position as f64));
                    }
                    out
                }
            };
        }
        Ok(out)
    }

    /// A predicate over the whole stream: an index, or a test per tuple in its scope.
    fn tuple_filter(
        &mut self,
        tuples: Vec<Tuple>,
        predicate: &Node,
        env: &Rc<Scope>,
    ) -> Result<Vec<Tuple>, JsonataError> {
        let len = tuples.len();
        if let Node::Num(n) = predicate {
            let index = n.floor() as i64;
            let index = if index < 0 { len as i64 + index } else { index };
            return Ok(usize::try_from(index)
                .ok()
                .and_then(|i| tuples.into_iter().nth(i))
                .into_iter()
                .collect());
        }
        let mut kept = Vec::new();
        for (position, tuple) in tuples.into_iter().enumerate() {
            let scope = self.tuple_scope(&tuple, env);
            let result = self.eval(predicate, &tuple.context, &scope)?;
            if selects(&result, position, len) {
                kept.push(tuple);
            }
        }
        Ok(kept)
    }

    /// `{key: value}` over the stream: tuples are grouped by key, and each group's value
    /// is evaluated over its context values with each variable bound to the group's
    /// values (one value, or an array of them), as the reference merges a group's tuples.
    fn tuple_group(&mut self, tuples: Vec<Tuple>, pairs: &[(Node, Node)], env: &Rc<Scope>) -> Out {
        self.charge(super::CONSTRUCTED_STEPS)?;
        let mut groups: Vec<(String, usize, Vec<Tuple>)> = Vec::new();
        for tuple in tuples {
            let scope = self.tuple_scope(&tuple, env);
            for (pair_index, (key, _)) in pairs.iter().enumerate() {
                let Some(key) = self.group_key(key, &tuple.context, &scope)? else {
                    continue;
                };
                join_group(&mut groups, key, pair_index)?.push(tuple.clone());
            }
        }
        let mut out = Map::default();
        for (key, pair_index, members) in groups {
            let merged = merge(members);
            let scope = self.tuple_scope(&merged, env);
            if let Some(value) = self.eval(&pairs[pair_index].1, &merged.context, &scope)? {
                out.insert(key, value);
            }
        }
        Ok(Some(V::Object(Rc::new(out))))
    }
}

/// A group's tuples as one: each variable and the context bound to the one value the
/// group has, or to an array of all of them.
fn merge(members: Vec<Tuple>) -> Tuple {
    let mut contexts: Vec<V> = Vec::new();
    let mut bound: Vec<(Arc<str>, Vec<V>)> = Vec::new();
    for tuple in members {
        contexts.extend(tuple.context);
        for (name, value) in tuple.bound {
            match bound.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value),
                None => bound.push((name, vec![value])),
            }
        }
    }
    let one_or_all = |mut values: Vec<V>| {
        if values.len() == 1 {
            values.pop()
        } else {
            V::sequence(values, false)
        }
    };
    Tuple {
        context: one_or_all(contexts),
        bound: bound
            .into_iter()
            .filter_map(|(name, values)| one_or_all(values).map(|v| (name, v)))
            .collect(),
    }
}
