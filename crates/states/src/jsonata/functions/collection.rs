//! Array, object, boolean and higher-order functions.

use std::rc::Rc;

use super::Args;
use crate::jsonata::error::err;
use crate::jsonata::eval::{Evaluator, Out};
use crate::jsonata::value::{Map, V, deep_equal, stringify, truthy};

pub fn call(ev: &mut Evaluator, name: &str, args: &Args<'_>) -> Out {
    match name {
        "boolean" => Ok(args.get(0).map(|v| V::Bool(truthy(&Some(v.clone()))))),
        "not" => Ok(args.get(0).map(|v| V::Bool(!truthy(&Some(v.clone()))))),
        "exists" => Ok(Some(V::Bool(args.get(0).is_some()))),
        "type" => Ok(args.get(0).map(|v| V::str(v.type_name()))),
        "append" => Ok(match (args.get(0), args.get(1)) {
            (None, None) => None,
            (Some(a), None) => Some(a.clone()),
            (None, Some(b)) => Some(b.clone()),
            (Some(a), Some(b)) => {
                let mut items = a.items();
                items.extend(b.items());
                Some(V::array(items))
            }
        }),
        "reverse" => Ok(args.get(0).map(|v| {
            let mut items = v.items();
            items.reverse();
            V::array(items)
        })),
        "distinct" => Ok(args.get(0).map(|v| match v {
            V::Array(items, _) => {
                let mut kept: Vec<V> = Vec::new();
                for item in items.iter() {
                    if !kept.iter().any(|k| deep_equal(k, item)) {
                        kept.push(item.clone());
                    }
                }
                V::array(kept)
            }
            other => other.clone(),
        })),
        "shuffle" => Ok(args.get(0).map(|v| {
            let mut items = v.items();
            for i in (1..items.len()).rev() {
                let j = rand::random_range(0..=i);
                items.swap(i, j);
            }
            V::array(items)
        })),
        "zip" => {
            let arrays: Vec<Vec<V>> = args
                .values
                .iter()
                .map(|v| v.as_ref().map(V::items).unwrap_or_default())
                .collect();
            let len = arrays.iter().map(Vec::len).min().unwrap_or(0);
            let rows = (0..len)
                .map(|i| V::array(arrays.iter().map(|a| a[i].clone()).collect()))
                .collect();
            Ok(Some(V::array(rows)))
        }
        "keys" => {
            let mut keys: Vec<V> = Vec::new();
            for item in args.get(0).map(V::items).unwrap_or_default() {
                if let V::Object(map) = item {
                    for k in map.keys() {
                        if !keys
                            .iter()
                            .any(|e| matches!(e, V::Str(s) if s.as_ref() == k))
                        {
                            keys.push(V::str(k));
                        }
                    }
                }
            }
            Ok(V::sequence(keys, false))
        }
        "lookup" => {
            let key = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
            let mut out = Vec::new();
            for item in args.get(0).map(V::items).unwrap_or_default() {
                if let V::Object(map) = item
                    && let Some(v) = map.get(key.as_ref())
                {
                    out.extend(v.items());
                }
            }
            Ok(V::sequence(out, false))
        }
        "merge" => {
            let Some(value) = args.get(0) else {
                return Ok(None);
            };
            let mut out = Map::new();
            for item in value.items() {
                match item {
                    V::Object(map) => {
                        for (k, v) in map.iter() {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    _ => return Err(args.mismatch(0)),
                }
            }
            Ok(Some(V::Object(Rc::new(out))))
        }
        "spread" => {
            let Some(value) = args.get(0) else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for item in value.items() {
                match item {
                    V::Object(map) => {
                        for (k, v) in map.iter() {
                            let mut one = Map::new();
                            one.insert(k.clone(), v.clone());
                            out.push(V::Object(Rc::new(one)));
                        }
                    }
                    other => out.push(other),
                }
            }
            Ok(V::sequence(out, false))
        }
        "single" => single(ev, args),
        "each" | "sift" => object_callbacks(ev, name, args),
        "map" | "filter" => {
            let Some(value) = args.get(0) else {
                return Ok(None);
            };
            let function = args.function(1)?;
            let items = value.items();
            let whole = V::array(items.clone());
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let callback_args = callback_args(&function, item, i, &whole);
                let result = ev.apply(&function, callback_args)?;
                if name == "map" {
                    out.extend(result);
                } else if truthy(&result) {
                    out.push(item.clone());
                }
            }
            Ok(V::sequence(out, false))
        }
        "reduce" => {
            let Some(value) = args.get(0) else {
                return Ok(None);
            };
            let function = args.function(1)?;
            if arity(&function) < 2 {
                return Err(err(
                    "D3050",
                    "The second argument of reduce function must be a function with at least two arguments",
                ));
            }
            let items = value.items();
            let mut iter = items.iter().enumerate();
            let mut acc = match args.get(2) {
                Some(init) => Some(init.clone()),
                None => iter.next().map(|(_, v)| v.clone()),
            };
            let whole = V::array(items.clone());
            for (i, item) in iter {
                let mut call_args = vec![acc, Some(item.clone())];
                if arity(&function) > 2 {
                    call_args.push(Some(V::Num(i as f64)));
                }
                if arity(&function) > 3 {
                    call_args.push(Some(whole.clone()));
                }
                acc = ev.apply(&function, call_args)?;
            }
            Ok(acc)
        }
        "sort" => sort(ev, args),
        _ => Err(err("T1006", "Attempted to invoke a non-function")),
    }
}

fn arity(function: &V) -> usize {
    match function {
        V::Func(f) => f.arity(),
        _ => 0,
    }
}

/// `(value, index, array)`, trimmed to what the callback declares.
fn callback_args(function: &V, item: &V, index: usize, whole: &V) -> Vec<Option<V>> {
    let all = [
        Some(item.clone()),
        Some(V::Num(index as f64)),
        Some(whole.clone()),
    ];
    all.into_iter().take(arity(function).clamp(1, 3)).collect()
}

fn object_callbacks(ev: &mut Evaluator, name: &str, args: &Args<'_>) -> Out {
    let Some(value) = args.get(0) else {
        return Ok(None);
    };
    let V::Object(map) = value else {
        return Err(args.mismatch(0));
    };
    let function = args.function(1)?;
    let take = arity(&function).clamp(1, 3);
    let mut kept = Map::new();
    let mut results = Vec::new();
    for (k, v) in map.iter() {
        let all = [Some(v.clone()), Some(V::str(k)), Some(value.clone())];
        let result = ev.apply(&function, all.into_iter().take(take).collect())?;
        if name == "each" {
            results.extend(result);
        } else if truthy(&result) {
            kept.insert(k.clone(), v.clone());
        }
    }
    if name == "each" {
        Ok(V::sequence(results, false))
    } else if kept.is_empty() {
        Ok(None)
    } else {
        Ok(Some(V::Object(Rc::new(kept))))
    }
}

fn single(ev: &mut Evaluator, args: &Args<'_>) -> Out {
    let Some(value) = args.get(0) else {
        return Ok(None);
    };
    let items = value.items();
    let whole = V::array(items.clone());
    let mut found = None;
    for (i, item) in items.iter().enumerate() {
        let matched = match args.get(1) {
            Some(function) => {
                truthy(&ev.apply(function, callback_args(function, item, i, &whole))?)
            }
            None => true,
        };
        if matched {
            if found.is_some() {
                return Err(err(
                    "D3138",
                    "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                ));
            }
            found = Some(item.clone());
        }
    }
    found.map(Some).ok_or_else(|| {
        err(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        )
    })
}

fn sort(ev: &mut Evaluator, args: &Args<'_>) -> Out {
    let Some(value) = args.get(0) else {
        return Ok(None);
    };
    let mut items = value.items();
    match args.get(1) {
        None => {
            if items.iter().all(|v| matches!(v, V::Num(_))) {
                items.sort_by(|a, b| match (a, b) {
                    (V::Num(x), V::Num(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
                    _ => std::cmp::Ordering::Equal,
                });
            } else if items.iter().all(|v| matches!(v, V::Str(_))) {
                items.sort_by_key(stringify);
            } else {
                return Err(err(
                    "D3070",
                    "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
                ));
            }
        }
        Some(function) => {
            // Insertion sort keeps the order stable and surfaces callback errors.
            let function = function.clone();
            let mut sorted: Vec<V> = Vec::with_capacity(items.len());
            for item in items {
                let mut position = sorted.len();
                while position > 0 {
                    let swap = ev.apply(
                        &function,
                        vec![Some(sorted[position - 1].clone()), Some(item.clone())],
                    )?;
                    if truthy(&swap) {
                        position -= 1;
                    } else {
                        break;
                    }
                }
                sorted.insert(position, item);
            }
            items = sorted;
        }
    }
    Ok(Some(V::array(items)))
}
