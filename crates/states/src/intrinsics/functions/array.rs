//! The array intrinsics: `States.ArrayPartition`, `ArrayContains`, `ArrayRange`,
//! `ArrayGetItem`, `ArrayLength` and `ArrayUnique`. (`States.Array` needs no checks.)

use serde_json::Value;

use super::text::render;
use super::{rounded, truncated};

/// The largest array `States.ArrayRange` may build ("The newly generated array can't
/// contain more than 1000 items").
pub const MAX_RANGE_ITEMS: i64 = 1000;

/// Whether an array argument is within Step Functions' payload size limit ("The input
/// array can't exceed Step Functions' payload size limit of 256 KiB", say
/// `States.ArrayPartition` and `States.ArrayContains`), measured as compact JSON text.
fn within_payload_limit(items: &[Value]) -> bool {
    let commas = items.len().saturating_sub(1);
    let text_len = items
        .iter()
        .fold(2 + commas, |len, item| len + crate::json_len(item));
    text_len <= crate::exec::MAX_PAYLOAD_BYTES
}

/// `States.ArrayPartition(array, size)`: chunks of `size` items, the last one shorter.
/// The size is rounded to the nearest integer and must then be positive.
pub fn partition(args: Vec<Value>) -> Option<Value> {
    let [Value::Array(items), size] = <[Value; 2]>::try_from(args).ok()? else {
        return None;
    };
    if !within_payload_limit(&items) {
        return None;
    }
    let size = usize::try_from(rounded(&size)?).ok().filter(|s| *s > 0)?;
    let chunks = items
        .chunks(size)
        .map(|c| Value::Array(c.to_vec()))
        .collect();
    Some(Value::Array(chunks))
}

/// `States.ArrayContains(array, value)`. Items are compared in the service's text form,
/// which is what it observably does: key order matters for objects, and a string equals
/// the scalar it spells (`"true"` matches `true`), but `false` never matches `0`.
pub fn contains(args: &[Value]) -> Option<Value> {
    let [Value::Array(items), needle] = args else {
        return None;
    };
    if !within_payload_limit(items) {
        return None;
    }
    let container = |v: &Value| matches!(v, Value::Object(_) | Value::Array(_));
    let needle_text = render(needle);
    let same = |item: &Value| container(item) == container(needle) && render(item) == needle_text;
    Some(Value::Bool(items.iter().any(same)))
}

/// `States.ArrayRange(first, last, step)`: `first`, `first + step`, ... up to and
/// including `last`; every argument rounded to the nearest integer, the step then not
/// zero, at most 1000 items. A step pointing away from `last` gives an empty array.
pub fn range(args: &[Value]) -> Option<Value> {
    let [first, last, step] = args else {
        return None;
    };
    let (first, last, step) = (rounded(first)?, rounded(last)?, rounded(step)?);
    if step == 0 {
        return None;
    }
    let count = if (step > 0 && first > last) || (step < 0 && first < last) {
        0
    } else {
        (i128::from(last) - i128::from(first)) / i128::from(step) + 1
    };
    if count > i128::from(MAX_RANGE_ITEMS) {
        return None;
    }
    // In i128: `i * step` may leave i64's range (a step near 2^63) although every item,
    // being between `first` and `last`, is within it.
    let items = (0..count)
        .map(|i| i64::try_from(i128::from(first) + i * i128::from(step)).map(Value::from))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Some(Value::Array(items))
}

/// `States.ArrayGetItem(array, index)`: the index is truncated; a negative or too large
/// index is rejected, except that the service answers `null` for any index into an empty
/// array.
pub fn get_item(args: Vec<Value>) -> Option<Value> {
    let [Value::Array(mut items), index] = <[Value; 2]>::try_from(args).ok()? else {
        return None;
    };
    let index = usize::try_from(truncated(&index)?).ok()?;
    if items.is_empty() {
        return Some(Value::Null);
    }
    (index < items.len()).then(|| items.swap_remove(index))
}

/// `States.ArrayLength(array)`.
pub fn length(args: &[Value]) -> Option<Value> {
    let [Value::Array(items)] = args else {
        return None;
    };
    Some(Value::from(items.len()))
}

/// `States.ArrayUnique(array)`: first occurrences kept, in order.
pub fn unique(args: Vec<Value>) -> Option<Value> {
    let [Value::Array(items)] = <[Value; 1]>::try_from(args).ok()? else {
        return None;
    };
    let mut kept: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    Some(Value::Array(kept))
}

#[cfg(test)]
mod range_tests {
    use super::*;
    use serde_json::json;

    /// Found by the intrinsics fuzz target: a step near 2^63 made `i * step` overflow
    /// i64 (a panic) although every item lies between `first` and `last`.
    #[test]
    fn a_step_near_the_largest_integer_does_not_overflow() {
        let first = i64::MIN;
        let (last, step) = (9_223_375_477_508_i64, 92_233_755_555_555_553_i64);
        let items = range(&[json!(first), json!(last), json!(step)]);
        let Some(Value::Array(items)) = items else {
            panic!("a range: {items:?}");
        };
        assert_eq!(items.len(), 101);
        assert_eq!(items[0], json!(first));
        let expected = i128::from(first) + 100 * i128::from(step);
        assert!(expected <= i128::from(last));
        assert_eq!(items[100], json!(i64::try_from(expected).ok()));
    }
}
