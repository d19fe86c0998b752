//! A direct, unoptimised evaluator of patterns: the definition the compiled matcher is
//! checked against.
//!
//! It flattens the whole event into (joined path, leaf, array positions) triples and tries
//! each sub-rule's fields in sorted path order by backtracking, carrying array positions the
//! same way EventBridge does. No indexes, no shared states, no pruning.

use crate::compile::{Alternatives, SubRule};
use crate::machine::consistent;
use crate::pattern::Pattern;
use crate::value::{Leaf, Probe, ValuePattern};
use serde_json::Value;
use std::borrow::Cow;

struct Flat<'v> {
    path: String,
    leaf: Leaf<'v>,
    members: Vec<(u32, u32)>,
}

/// `path` is `None` at the event's root: a top-level key is its own path, so a key `""`
/// below the root still adds a step (`{"": {"a": 1}}` is at `.a`, not at `a`).
fn flatten<'v>(
    v: &'v Value,
    path: Option<&str>,
    members: &mut Vec<(u32, u32)>,
    arrays: &mut u32,
    out: &mut Vec<Flat<'v>>,
) {
    let leaf = match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = match path {
                    None => k.clone(),
                    Some(path) => format!("{path}.{k}"),
                };
                flatten(child, Some(&p), members, arrays, out);
            }
            return;
        }
        Value::Array(items) => {
            let id = *arrays;
            *arrays += 1;
            for (i, item) in items.iter().enumerate() {
                members.push((id, i as u32));
                flatten(item, path, members, arrays, out);
                members.pop();
            }
            return;
        }
        Value::String(s) => Leaf::Str(Cow::Borrowed(s)),
        Value::Number(n) => Leaf::Num(Cow::Owned(n.to_string())),
        Value::Bool(true) => Leaf::True,
        Value::Bool(false) => Leaf::False,
        Value::Null => Leaf::Null,
    };
    // A value outside any object (an event that is a scalar, or an array of them) is in
    // no field, so no pattern key can name it, not even "" (found by the fuzz target:
    // `{"": [2]}` against the event `2`).
    let Some(path) = path else {
        return;
    };
    out.push(Flat {
        path: path.to_owned(),
        leaf,
        members: members.clone(),
    });
}

/// Whether `pattern` matches `event`, decided without the compiled machine.
pub fn reference_matches(pattern: &Pattern, event: &Value) -> bool {
    let mut fields = Vec::new();
    flatten(event, None, &mut Vec::new(), &mut 0, &mut fields);
    pattern
        .sub_rules()
        .iter()
        .any(|sub| sub_rule_matches(sub, &fields))
}

fn sub_rule_matches(sub: &SubRule, fields: &[Flat]) -> bool {
    let steps: Vec<(&str, &Alternatives)> = sub.iter().map(|(p, a)| (p.as_ref(), a)).collect();
    try_from(&steps, 0, &[], fields)
}

fn try_from(
    steps: &[(&str, &Alternatives)],
    i: usize,
    bound: &[(u32, u32)],
    fields: &[Flat],
) -> bool {
    let Some((path, alternatives)) = steps.get(i) else {
        return true;
    };
    let candidates: Vec<&Flat> = fields
        .iter()
        .filter(|f| f.path == *path && consistent(bound, &f.members))
        .collect();
    if alternatives.contains(&ValuePattern::Absent)
        && candidates.is_empty()
        && try_from(steps, i + 1, bound, fields)
    {
        return true;
    }
    candidates.iter().any(|f| {
        let probe = Probe::new(f.leaf.clone());
        if !alternatives.iter().any(|a| a.matches(&probe)) {
            return false;
        }
        let mut merged = bound.to_vec();
        for m in &f.members {
            if !merged.contains(m) {
                merged.push(*m);
            }
        }
        try_from(steps, i + 1, &merged, fields)
    })
}
