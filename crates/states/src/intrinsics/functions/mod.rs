//! The intrinsic functions and the argument checks they share.
//!
//! Step Functions reports every bad argument (wrong count, wrong type, value out of range)
//! as `States.Runtime` with the cause `Invalid arguments in States.<Name>`; the checks
//! here follow the developer guide ("Intrinsic functions for JSONPath states"), which
//! rounds a fractional number to the nearest integer where a function wants one.

mod array;
mod encoding;
mod json;
mod math;
mod string;
pub(crate) mod text;

use serde_json::Value;
use std::borrow::Cow;

use super::IntrinsicError;

/// Every intrinsic function the language defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `States.Format(template, values...)`: fills each `{}` of the template with the next
    /// value, in text form.
    Format,
    /// `States.StringToJson(text)`: parses a JSON text into its value.
    StringToJson,
    /// `States.JsonToString(value)`: the value as compact JSON text.
    JsonToString,
    /// `States.Array(values...)`: its arguments as one array.
    Array,
    /// `States.ArrayPartition(array, size)`: the array in chunks of `size` items, the last
    /// one shorter.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`: whether the array holds the value.
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`: the numbers from `first` up to and including
    /// `last`, `step` apart; at most 1000.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`: the item at a 0-based index.
    ArrayGetItem,
    /// `States.ArrayLength(array)`: how many items the array has.
    ArrayLength,
    /// `States.ArrayUnique(array)`: the array with duplicates removed, first occurrences
    /// kept in order.
    ArrayUnique,
    /// `States.Base64Encode(text)`: the Base64 of the text's UTF-8 bytes; at most 10,000
    /// characters in.
    Base64Encode,
    /// `States.Base64Decode(text)`: the text whose UTF-8 bytes the Base64 encodes; at most
    /// 10,000 characters in.
    Base64Decode,
    /// `States.Hash(data, algorithm)`: the lowercase hex digest by `MD5`, `SHA-1`,
    /// `SHA-256`, `SHA-384` or `SHA-512`.
    Hash,
    /// `States.JsonMerge(left, right, false)`: a shallow merge of two objects, `right`
    /// winning on shared keys.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`: a random integer from `start` (inclusive)
    /// to `end` (exclusive).
    MathRandom,
    /// `States.MathAdd(a, b)`: the sum of two numbers, each rounded to an integer first.
    MathAdd,
    /// `States.StringSplit(text, delimiters)`: the text cut at every character of
    /// `delimiters`, empty pieces dropped.
    StringSplit,
    /// `States.UUID()`: a random (version 4) UUID.
    Uuid,
}

const ALL: [(Function, &str); 18] = [
    (Function::Format, "States.Format"),
    (Function::StringToJson, "States.StringToJson"),
    (Function::JsonToString, "States.JsonToString"),
    (Function::Array, "States.Array"),
    (Function::ArrayPartition, "States.ArrayPartition"),
    (Function::ArrayContains, "States.ArrayContains"),
    (Function::ArrayRange, "States.ArrayRange"),
    (Function::ArrayGetItem, "States.ArrayGetItem"),
    (Function::ArrayLength, "States.ArrayLength"),
    (Function::ArrayUnique, "States.ArrayUnique"),
    (Function::Base64Encode, "States.Base64Encode"),
    (Function::Base64Decode, "States.Base64Decode"),
    (Function::Hash, "States.Hash"),
    (Function::JsonMerge, "States.JsonMerge"),
    (Function::MathRandom, "States.MathRandom"),
    (Function::MathAdd, "States.MathAdd"),
    (Function::StringSplit, "States.StringSplit"),
    (Function::Uuid, "States.UUID"),
];

impl Function {
    /// Looks a function up by its full name (`States.Format`); names are case-sensitive.
    pub fn from_name(name: &str) -> Option<Function> {
        ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The full name, as written in a definition.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(f, _)| *f == self)
            .map_or("States.Unknown", |(_, n)| n)
    }
}

/// One evaluated argument. `literal` keeps the characters of a string literal with their
/// escape flags, which `States.Format` needs to tell `\{` from a placeholder.
/// Arguments borrow what they can from the parsed expression and the input.
#[derive(Debug, Clone)]
pub struct Arg<'a> {
    pub value: Cow<'a, Value>,
    pub literal: Option<&'a [(char, bool)]>,
}

/// Calls `function` with evaluated arguments.
pub fn call(function: Function, args: Vec<Arg<'_>>) -> Result<Value, IntrinsicError> {
    let invalid = || invalid_arguments(function);
    match function {
        Function::Format => string::format(args).ok_or_else(invalid),
        Function::StringSplit => string::split(&values(args)).ok_or_else(invalid),
        Function::Uuid => match args.len() {
            0 => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
            _ => Err(invalid()),
        },
        Function::StringToJson => json::string_to_json(&values(args)).ok_or_else(invalid),
        Function::JsonToString => json::json_to_string(&values(args)).ok_or_else(invalid),
        Function::JsonMerge => json::merge(values(args)).ok_or_else(invalid),
        Function::Array => Ok(Value::Array(values(args))),
        Function::ArrayPartition => array::partition(values(args)).ok_or_else(invalid),
        Function::ArrayContains => array::contains(&values(args)).ok_or_else(invalid),
        Function::ArrayRange => array::range(&values(args)).ok_or_else(invalid),
        Function::ArrayGetItem => array::get_item(values(args)).ok_or_else(invalid),
        Function::ArrayLength => array::length(&values(args)).ok_or_else(invalid),
        Function::ArrayUnique => array::unique(values(args)).ok_or_else(invalid),
        Function::Base64Encode => encoding::base64_encode(&values(args)).ok_or_else(invalid),
        Function::Base64Decode => encoding::base64_decode(&values(args)).ok_or_else(invalid),
        Function::Hash => encoding::hash(&values(args)).ok_or_else(invalid),
        Function::MathRandom => math::random(&values(args)).ok_or_else(invalid),
        Function::MathAdd => math::add(&values(args)).ok_or_else(invalid),
    }
}

fn values(args: Vec<Arg<'_>>) -> Vec<Value> {
    args.into_iter().map(|a| a.value.into_owned()).collect()
}

/// The error Step Functions raises for any argument it rejects.
pub fn invalid_arguments(function: Function) -> IntrinsicError {
    IntrinsicError {
        error: super::RUNTIME,
        message: format!("Invalid arguments in {}", function.name()),
    }
}

/// The most input text some functions accept ("up to 10,000 characters"), counted as the
/// service counts string length (UTF-16 code units).
pub(crate) const MAX_INPUT_CHARS: usize = 10_000;

pub(crate) fn char_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A number rounded to the nearest integer, halves up (as Java's `Math.round`): the guide
/// says of `States.ArrayPartition`'s chunk size, `States.ArrayRange`'s arguments,
/// `States.MathRandom`'s bounds and `States.MathAdd`'s operands "If you specify a
/// non-integer value [...], Step Functions will round it off to the nearest integer".
/// `None` for anything that is not a number or does not fit an `i64`.
pub(crate) fn rounded(value: &Value) -> Option<i64> {
    let Value::Number(n) = value else {
        return None;
    };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    let floor = f.floor();
    // `f - floor` is exact, so halves are told apart without the `f + 0.5` rounding error.
    let r = if f - floor >= 0.5 { floor + 1.0 } else { floor };
    (r.is_finite() && r.abs() < 9.2e18).then_some(r as i64)
}

/// A number truncated toward zero, for the integer arguments the guide says nothing about
/// (`States.ArrayGetItem`'s index, `States.MathRandom`'s seed); `None` for anything that
/// is not a finite number.
pub(crate) fn truncated(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            let t = f.trunc();
            (t.is_finite() && t.abs() < 9.2e18).then_some(t as i64)
        }),
        _ => None,
    }
}
