//! The built-in functions: JSONata's library and Step Functions' additions (`$partition`,
//! `$range`, `$hash`, `$random`, `$uuid`, `$parse`).

mod aws;
mod collection;
mod numeric;
mod string;
mod time;

use std::rc::Rc;

use super::error::{JsonataError, err, unsupported};
use super::eval::{Arg, Evaluator, Out};
use super::value::{Func, V};

/// Functions whose first argument defaults to the context value when omitted
/// (`items.name.$uppercase()`).
const CONTEXT_FIRST: &[&str] = &[
    "string",
    "length",
    "substring",
    "substringBefore",
    "substringAfter",
    "uppercase",
    "lowercase",
    "trim",
    "pad",
    "contains",
    "split",
    "match",
    "replace",
    "number",
    "boolean",
    "base64encode",
    "base64decode",
    "encodeUrl",
    "encodeUrlComponent",
    "decodeUrl",
    "decodeUrlComponent",
    "keys",
    "exists",
    "formatBase",
];

/// How many arguments each function needs at least.
const FUNCTIONS: &[(&str, usize)] = &[
    ("string", 1),
    ("length", 1),
    ("substring", 2),
    ("substringBefore", 2),
    ("substringAfter", 2),
    ("uppercase", 1),
    ("lowercase", 1),
    ("trim", 1),
    ("pad", 2),
    ("contains", 2),
    ("split", 2),
    ("join", 1),
    ("match", 2),
    ("replace", 3),
    ("base64encode", 1),
    ("base64decode", 1),
    ("encodeUrl", 1),
    ("encodeUrlComponent", 1),
    ("decodeUrl", 1),
    ("decodeUrlComponent", 1),
    ("formatBase", 1),
    ("number", 1),
    ("abs", 1),
    ("floor", 1),
    ("ceil", 1),
    ("round", 1),
    ("power", 2),
    ("sqrt", 1),
    ("sum", 1),
    ("max", 1),
    ("min", 1),
    ("average", 1),
    ("count", 1),
    ("boolean", 1),
    ("not", 1),
    ("exists", 1),
    ("type", 1),
    ("append", 2),
    ("reverse", 1),
    ("sort", 1),
    ("distinct", 1),
    ("shuffle", 1),
    ("zip", 0),
    ("keys", 1),
    ("lookup", 2),
    ("merge", 1),
    ("spread", 1),
    ("each", 2),
    ("sift", 2),
    ("map", 2),
    ("filter", 2),
    ("reduce", 2),
    ("single", 1),
    ("error", 0),
    ("assert", 1),
    ("now", 0),
    ("millis", 0),
    ("toMillis", 1),
    ("fromMillis", 1),
    ("partition", 2),
    ("range", 2),
    ("hash", 1),
    ("random", 0),
    ("uuid", 0),
    ("parse", 1),
    ("eval", 1),
    ("formatNumber", 2),
    ("formatInteger", 2),
    ("parseInteger", 2),
];

/// The function value bound to `$name`, if `name` is a built-in.
pub fn builtin(name: &str) -> Option<V> {
    FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, _)| V::Func(Rc::new(Func::Builtin(n))))
}

/// Arguments after context defaulting, with helpers that enforce the signature.
pub struct Args<'a> {
    pub name: &'a str,
    pub values: Vec<Option<V>>,
    pub regexes: Vec<Option<std::sync::Arc<regex_lite::Regex>>>,
}

impl Args<'_> {
    pub fn get(&self, i: usize) -> Option<&V> {
        self.values.get(i).and_then(Option::as_ref)
    }

    pub fn mismatch(&self, i: usize) -> JsonataError {
        err(
            "T0410",
            &format!(
                "Argument {} of function \"{}\" does not match function signature",
                i + 1,
                self.name
            ),
        )
    }

    pub fn string(&self, i: usize) -> Result<Option<Rc<str>>, JsonataError> {
        match self.get(i) {
            None => Ok(None),
            Some(V::Str(s)) => Ok(Some(Rc::clone(s))),
            Some(_) => Err(self.mismatch(i)),
        }
    }

    pub fn number(&self, i: usize) -> Result<Option<f64>, JsonataError> {
        match self.get(i) {
            None => Ok(None),
            Some(V::Num(n)) => Ok(Some(*n)),
            Some(_) => Err(self.mismatch(i)),
        }
    }

    pub fn function(&self, i: usize) -> Result<V, JsonataError> {
        match self.get(i) {
            Some(f @ V::Func(_)) => Ok(f.clone()),
            _ => Err(self.mismatch(i)),
        }
    }

    pub fn regex(&self, i: usize) -> Option<std::sync::Arc<regex_lite::Regex>> {
        self.regexes.get(i).cloned().flatten()
    }
}

pub fn call(ev: &mut Evaluator, name: &str, args: Vec<Arg>, ctx: &Option<V>) -> Out {
    let min = FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0, |(_, m)| *m);
    let mut values = Vec::with_capacity(args.len() + 1);
    let mut regexes = Vec::with_capacity(args.len() + 1);
    if args.len() < min && CONTEXT_FIRST.contains(&name) {
        values.push(ctx.clone());
        regexes.push(None);
    }
    for arg in args {
        match arg {
            Arg::Value(v) => {
                values.push(v);
                regexes.push(None);
            }
            Arg::Regex(r) => {
                values.push(None);
                regexes.push(Some(r));
            }
        }
    }
    let args = Args {
        name,
        values,
        regexes,
    };
    match name {
        "string" | "length" | "substring" | "substringBefore" | "substringAfter" | "uppercase"
        | "lowercase" | "trim" | "pad" | "contains" | "split" | "join" | "match" | "replace"
        | "base64encode" | "base64decode" | "encodeUrl" | "encodeUrlComponent" | "decodeUrl"
        | "decodeUrlComponent" => string::call(name, &args),
        "formatBase" | "number" | "abs" | "floor" | "ceil" | "round" | "power" | "sqrt" | "sum"
        | "max" | "min" | "average" | "count" => numeric::call(name, &args),
        "now" | "millis" | "toMillis" | "fromMillis" => time::call(name, &args, ev.now_ms()),
        "partition" | "range" | "hash" | "random" | "uuid" | "parse" | "error" | "assert" => {
            aws::call(name, &args)
        }
        "eval" => Err(unsupported(
            "$eval is not available in Step Functions; use $parse",
        )),
        "formatNumber" => Err(unsupported("$formatNumber")),
        "formatInteger" | "parseInteger" => Err(unsupported(&format!("${name}"))),
        _ => collection::call(ev, name, &args),
    }
}
