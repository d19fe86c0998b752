//! The built-in functions: JSONata's library and Step Functions' additions (`$partition`,
//! `$range`, `$hash`, `$random`, `$uuid`, `$parse`).

mod aws;
mod collection;
mod numeric;
mod picture;
mod string;
mod time;

use std::rc::Rc;
use std::sync::LazyLock;

use super::error::{JsonataError, err, unsupported};
use super::eval::{Arg, Evaluator, Out};
use super::signature::Signature;
use super::value::{Func, V};

/// Each built-in and its signature, as JSONata 2.0.6 declares them
/// ([`Signature`]: which arguments it takes, which the context value fills, which are
/// made arrays). Step Functions' additions have none: they check their own arguments.
const FUNCTIONS: &[(&str, &str)] = &[
    ("string", "<x-b?:s>"),
    ("length", "<s-:n>"),
    ("substring", "<s-nn?:s>"),
    ("substringBefore", "<s-s:s>"),
    ("substringAfter", "<s-s:s>"),
    ("uppercase", "<s-:s>"),
    ("lowercase", "<s-:s>"),
    ("trim", "<s-:s>"),
    ("pad", "<s-ns?:s>"),
    ("contains", "<s-(sf):b>"),
    ("split", "<s-(sf)n?:a<s>>"),
    ("join", "<a<s>s?:s>"),
    ("match", "<s-f<s:o>n?:a<o>>"),
    ("replace", "<s-(sf)(sf)n?:s>"),
    ("base64encode", "<s-:s>"),
    ("base64decode", "<s-:s>"),
    ("encodeUrl", "<s-:s>"),
    ("encodeUrlComponent", "<s-:s>"),
    ("decodeUrl", "<s-:s>"),
    ("decodeUrlComponent", "<s-:s>"),
    ("formatBase", "<n-n?:s>"),
    ("number", "<(nsb)-:n>"),
    ("abs", "<n-:n>"),
    ("floor", "<n-:n>"),
    ("ceil", "<n-:n>"),
    ("round", "<n-n?:n>"),
    ("power", "<n-n:n>"),
    ("sqrt", "<n-:n>"),
    ("sum", "<a<n>:n>"),
    ("max", "<a<n>:n>"),
    ("min", "<a<n>:n>"),
    ("average", "<a<n>:n>"),
    ("count", "<a:n>"),
    ("boolean", "<x-:b>"),
    ("not", "<x-:b>"),
    ("exists", "<x:b>"),
    ("type", "<x:s>"),
    ("append", "<xx:a>"),
    ("reverse", "<a:a>"),
    ("sort", "<af?:a>"),
    ("distinct", "<x:x>"),
    ("shuffle", "<a:a>"),
    ("zip", "<a+>"),
    ("keys", "<x-:a<s>>"),
    ("lookup", "<x-s:x>"),
    ("merge", "<a<o>:o>"),
    ("spread", "<x-:a<o>>"),
    ("each", "<o-f:a>"),
    ("sift", "<o-f?:o>"),
    ("map", "<af>"),
    ("filter", "<af>"),
    ("reduce", "<afj?:j>"),
    ("single", "<af?>"),
    ("error", "<s?:x>"),
    ("assert", "<bs?:x>"),
    ("now", "<s?s?:s>"),
    ("millis", "<:n>"),
    ("toMillis", "<s-s?:n>"),
    ("fromMillis", "<n-s?s?:s>"),
    ("partition", ""),
    ("range", ""),
    ("hash", ""),
    ("random", ""),
    ("uuid", ""),
    ("parse", ""),
    ("eval", "<sx?:x>"),
    ("formatNumber", "<n-so?:s>"),
    ("formatInteger", "<n-s:s>"),
    ("parseInteger", "<s-s:n>"),
];

/// [`FUNCTIONS`]' signatures, parsed once.
static SIGNATURES: LazyLock<Vec<Option<Signature>>> = LazyLock::new(|| {
    FUNCTIONS
        .iter()
        .map(|(_, text)| {
            (!text.is_empty()).then(|| Signature::parse(text).expect("a built-in signature parses"))
        })
        .collect()
});

/// The function value bound to `$name`, if `name` is a built-in.
pub fn builtin(name: &str) -> Option<V> {
    FUNCTIONS
        .iter()
        .position(|(n, _)| *n == name)
        .map(|at| V::Func(Rc::new(Func::Builtin(at))))
}

/// The name of the built-in at `index` of the function table.
pub fn builtin_name(index: usize) -> &'static str {
    FUNCTIONS.get(index).map_or("", |(name, _)| name)
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

/// Calls the built-in at `index` of the function table, called as `callee` (`$sum`, or
/// the variable it was bound to, which its signature errors name).
pub fn call(
    ev: &mut Evaluator,
    index: usize,
    callee: Option<&str>,
    args: Vec<Arg>,
    ctx: &Option<V>,
) -> Out {
    let name = builtin_name(index);
    let callee = callee.unwrap_or(name);
    let signature = SIGNATURES.get(index).and_then(Option::as_ref);
    let args = match signature {
        Some(signature) => signature.validate(callee, args, ctx)?,
        None => args,
    };
    let mut values = Vec::with_capacity(args.len());
    let mut regexes = Vec::with_capacity(args.len());
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
        "formatNumber" => picture::format_number(&args),
        "formatInteger" | "parseInteger" => picture::format_or_parse_integer(name, &args),
        _ => collection::call(ev, name, &args),
    }
}
