//! Predicates, sorting, grouping and ranges: the operations that reshape a sequence.

use std::rc::Rc;

use super::{Evaluator, MAX_RANGE, Out};
use crate::jsonata::ast::Node;
use crate::jsonata::env::Scope;
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::value::{Map, V, stringify, truthy};

/// Keys in first-seen order, the pair that produced each, and the items grouped under it.
type IndexGroups = Vec<(String, usize, Vec<V>)>;

impl Evaluator {
    pub(super) fn filter(&mut self, base: Option<V>, predicate: &Node, env: &Rc<Scope>) -> Out {
        let Some(base) = base else {
            return Ok(None);
        };
        let keep = matches!(base, V::Array(_, f) if f.keep);
        let items = base.items();
        let len = items.len() as i64;
        let index_of = |n: f64| {
            let i = n.floor() as i64;
            if i < 0 { len + i } else { i }
        };
        let mut out = Vec::new();
        if let Node::Num(n) = predicate {
            let i = index_of(*n);
            if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(item.clone());
            }
            return Ok(V::sequence(out, keep));
        }
        for (position, item) in items.iter().enumerate() {
            let result = self.eval(predicate, &Some(item.clone()), env)?;
            if selects(&result, position, items.len()) {
                out.push(item.clone());
            }
        }
        Ok(V::sequence(out, keep))
    }

    pub(super) fn sort(&mut self, base: Option<V>, terms: &[(Node, bool)], env: &Rc<Scope>) -> Out {
        let Some(base) = base else {
            return Ok(None);
        };
        let items = base.items();
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            let mut keys = Vec::with_capacity(terms.len());
            let context = Some(item);
            for (term, _) in terms {
                keys.push(self.sort_key(term, &context, env)?);
            }
            if let Some(item) = context {
                keyed.push((keys, item));
            }
        }
        sort_keyed(&mut keyed, terms)?;
        Ok(V::sequence(
            keyed.into_iter().map(|(_, v)| v).collect(),
            false,
        ))
    }

    /// An order-by term's key for one item: a number, a string or nothing.
    pub(super) fn sort_key(
        &mut self,
        term: &Node,
        item: &Option<V>,
        env: &Rc<Scope>,
    ) -> Result<Option<V>, JsonataError> {
        let key = self.eval(term, item, env)?;
        match &key {
            None | Some(V::Num(_)) | Some(V::Str(_)) => Ok(key),
            Some(_) => Err(err(
                "T2008",
                "The expressions within an order-by clause must evaluate to numeric or string values",
            )),
        }
    }

    /// Object construction and grouping: each key expression is evaluated per item, items
    /// sharing a key are gathered, and the value expression runs over each group.
    pub(super) fn group(
        &mut self,
        items: Vec<Option<V>>,
        pairs: &[(Node, Node)],
        env: &Rc<Scope>,
    ) -> Out {
        self.charge(super::CONSTRUCTED_STEPS)?;
        let mut groups: IndexGroups = Vec::new();
        for item in &items {
            for (pair_index, (key, _)) in pairs.iter().enumerate() {
                let Some(key) = self.group_key(key, item, env)? else {
                    continue;
                };
                let members = join_group(&mut groups, key, pair_index)?;
                members.extend(item.clone());
            }
        }
        let mut out = Map::default();
        for (key, pair_index, members) in groups {
            let context = V::sequence(members, false);
            if let Some(value) = self.eval(&pairs[pair_index].1, &context, env)? {
                out.insert(key, value);
            }
        }
        Ok(Some(V::Object(Rc::new(out))))
    }

    pub(super) fn range(
        &mut self,
        from: &Node,
        to: &Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
        out: &mut Vec<V>,
    ) -> Result<(), JsonataError> {
        let from = self.eval(from, ctx, env)?;
        let to = self.eval(to, ctx, env)?;
        let bound = |v: &Option<V>, code: &'static str, side: &str| match v {
            None => Ok(None),
            Some(V::Num(n)) if n.fract() == 0.0 => Ok(Some(*n)),
            Some(_) => Err(err(
                code,
                &format!("The {side} side of the range operator (..) must evaluate to an integer"),
            )),
        };
        let (Some(from), Some(to)) = (
            bound(&from, "T2003", "left")?,
            bound(&to, "T2004", "right")?,
        ) else {
            return Ok(());
        };
        if to - from >= MAX_RANGE {
            return Err(err(
                "D2014",
                &format!(
                    "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.",
                    to - from + 1.0
                ),
            ));
        }
        if from > to {
            return Ok(());
        }
        // Count rather than step a float, which stops advancing past 2^53.
        let count = (to - from) as u64 + 1;
        self.charge(count)?;
        out.extend((0..count).map(|i| V::Num(from + i as f64)));
        Ok(())
    }
}

impl Evaluator {
    /// A group-by or object constructor key for one item: a string, nothing, or T1003.
    pub(super) fn group_key(
        &mut self,
        key: &Node,
        item: &Option<V>,
        env: &Rc<Scope>,
    ) -> Result<Option<String>, JsonataError> {
        match self.eval(key, item, env)? {
            None => Ok(None),
            Some(V::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(err(
                "T1003",
                &format!(
                    "Key in object structure must evaluate to a string; got: {}",
                    stringify(&other)
                ),
            )),
        }
    }
}

/// The members of the group `key` (made when new), which `pair_index` produced: D1009
/// when another pair of the constructor produced the same key.
pub(super) fn join_group<T>(
    groups: &mut Vec<(String, usize, Vec<T>)>,
    key: String,
    pair_index: usize,
) -> Result<&mut Vec<T>, JsonataError> {
    let at = match groups.iter().position(|(k, _, _)| *k == key) {
        Some(at) => {
            if groups[at].1 != pair_index {
                return Err(err(
                    "D1009",
                    &format!("Multiple key definitions evaluate to same key: \"{key}\""),
                ));
            }
            at
        }
        None => {
            groups.push((key, pair_index, Vec::new()));
            groups.len() - 1
        }
    };
    Ok(&mut groups[at].2)
}

/// Whether a predicate's result keeps the item at `position` of `len`: a number (or
/// an array of numbers) selects by index, counted from the end when negative; anything
/// else by its truth.
pub(super) fn selects(result: &Option<V>, position: usize, len: usize) -> bool {
    let index_of = |n: f64| {
        let i = n.floor() as i64;
        if i < 0 { len as i64 + i } else { i }
    };
    match result {
        Some(V::Num(n)) => index_of(*n) == position as i64,
        Some(V::Array(values, _))
            if !values.is_empty() && values.iter().all(|v| matches!(v, V::Num(_))) =>
        {
            values
                .iter()
                .any(|v| matches!(v, V::Num(n) if index_of(*n) == position as i64))
        }
        other => truthy(other),
    }
}

/// Sorts items by their order-by keys, stably: numbers and strings in their order,
/// undefined keys last, each term ascending or (`true`) descending; T2007 when a term
/// compares a number with a string.
pub(super) fn sort_keyed<T>(
    keyed: &mut [(Vec<Option<V>>, T)],
    terms: &[(Node, bool)],
) -> Result<(), JsonataError> {
    let mut mixed = false;
    keyed.sort_by(|(a, _), (b, _)| {
        for ((x, y), (_, descending)) in a.iter().zip(b.iter()).zip(terms.iter()) {
            let order = match (x, y) {
                (Some(V::Num(p)), Some(V::Num(q))) => {
                    p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal)
                }
                (Some(V::Str(p)), Some(V::Str(q))) => p.cmp(q),
                (None, None) => std::cmp::Ordering::Equal,
                (None, _) => std::cmp::Ordering::Greater,
                (_, None) => std::cmp::Ordering::Less,
                _ => {
                    mixed = true;
                    std::cmp::Ordering::Equal
                }
            };
            let order = if *descending { order.reverse() } else { order };
            if order != std::cmp::Ordering::Equal {
                return order;
            }
        }
        std::cmp::Ordering::Equal
    });
    if mixed {
        return Err(err(
            "T2007",
            "Type mismatch when comparing values in order-by clause",
        ));
    }
    Ok(())
}
