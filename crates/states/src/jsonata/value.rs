//! Run-time values: JSON plus functions, with JSONata's sequence flags. `None` in an
//! `Option<V>` is JSONata's *undefined*.

use std::rc::Rc;
use std::sync::Arc;

use std::hash::{BuildHasherDefault, Hasher};

use indexmap::IndexMap;
use serde_json::{Number, Value};

use super::ast::LambdaDef;
use super::env::Scope;

/// Objects keep insertion order. Keys are hashed with FNV-1a: they are short, and the
/// default SipHash dominated the cost of converting inputs.
pub type Map = IndexMap<String, V, BuildHasherDefault<Fnv>>;

/// Variables in scope, by name without the `$`.
pub type Vars = std::collections::HashMap<String, V, BuildHasherDefault<Fnv>>;

/// The FNV-1a hash (64-bit).
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// How an array came to be: a *sequence* from path navigation collapses to its single
/// item, and `keep` (from `[]`) stops that. Arrays from the data or a constructor are
/// neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub sequence: bool,
    pub keep: bool,
}

#[derive(Debug, Clone)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Array(Rc<Vec<V>>, Flags),
    Object(Rc<Map>),
    Func(Rc<Func>),
}

#[derive(Debug)]
pub enum Func {
    Lambda {
        def: Arc<LambdaDef>,
        scope: Rc<Scope>,
        context: Option<V>,
    },
    /// A built-in: its index in the function table (`functions::FUNCTIONS`).
    Builtin(usize),
    /// `$f ~> $g`: `$g($f(x))`.
    Composed(V, V),
    /// `| pattern | update, delete |`, with the scope it was written in.
    Transform {
        def: Arc<super::ast::TransformDef>,
        scope: Rc<Scope>,
    },
    /// `$f(?, 2)`: `function`, with the arguments given, `None` where a placeholder
    /// stands; a call fills the placeholders in order with its own arguments.
    Partial {
        function: V,
        args: Vec<Option<super::eval::Arg>>,
    },
}

impl Func {
    /// How many arguments a callback wants (higher-order functions pass no more).
    pub fn arity(&self) -> usize {
        match self {
            Func::Lambda { def, .. } => def.params.len(),
            Func::Builtin(_) | Func::Transform { .. } => 1,
            Func::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
            Func::Composed(first, _) => match first {
                V::Func(f) => f.arity(),
                _ => 1,
            },
        }
    }
}

impl V {
    pub fn str(s: &str) -> V {
        V::Str(Rc::from(s))
    }

    pub fn array(items: Vec<V>) -> V {
        V::Array(Rc::new(items), Flags::default())
    }

    /// A path result: nothing, one item, or a sequence.
    pub fn sequence(mut items: Vec<V>, keep: bool) -> Option<V> {
        match items.len() {
            0 => None,
            1 if !keep => items.pop(),
            _ => Some(V::Array(
                Rc::new(items),
                Flags {
                    sequence: true,
                    keep,
                },
            )),
        }
    }

    pub fn from_json(value: &Value) -> V {
        match value {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => V::str(s),
            Value::Array(items) => V::array(items.iter().map(V::from_json).collect()),
            Value::Object(map) => {
                let mut out =
                    Map::with_capacity_and_hasher(map.len(), BuildHasherDefault::default());
                for (k, v) in map {
                    out.insert(k.clone(), V::from_json(v));
                }
                V::Object(Rc::new(out))
            }
        }
    }

    /// JSON for a value; `None` when it holds a function (not representable).
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Num(n) => number_json(*n),
            V::Str(s) => Value::String(s.to_string()),
            V::Array(items, _) => {
                Value::Array(items.iter().map(V::to_json).collect::<Option<Vec<_>>>()?)
            }
            V::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| v.to_json().map(|v| (k.clone(), v)))
                    .collect::<Option<serde_json::Map<_, _>>>()?,
            ),
            V::Func(_) => return None,
        })
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "boolean",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::Array(..) => "array",
            V::Object(_) => "object",
            V::Func(_) => "function",
        }
    }

    /// The items of an array, or the value itself as a one-item list.
    pub fn items(&self) -> Vec<V> {
        match self {
            V::Array(items, _) => items.as_ref().clone(),
            other => vec![other.clone()],
        }
    }
}

/// Whole numbers print without a fraction (`3`, not `3.0`), as the service prints them.
pub fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// JSONata truthiness (`$boolean`).
pub fn truthy(value: &Option<V>) -> bool {
    match value {
        None | Some(V::Null) | Some(V::Func(_)) => false,
        Some(V::Bool(b)) => *b,
        Some(V::Num(n)) => *n != 0.0,
        Some(V::Str(s)) => !s.is_empty(),
        Some(V::Array(items, _)) => items.iter().any(|i| truthy(&Some(i.clone()))),
        Some(V::Object(map)) => !map.is_empty(),
    }
}

/// Deep equality (`=`), key order ignored.
pub fn deep_equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Array(x, _), V::Array(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (V::Func(x), V::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// A number as `$string` renders it: 15 significant digits, whole numbers without a
/// fraction, exponent form outside `[1e-6, 1e21)` like JavaScript.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{n:.0}");
    }
    let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    if rounded.abs() >= 1e21 || rounded.abs() < 1e-6 {
        let text = format!("{rounded:e}");
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        }
    } else {
        format!("{rounded}")
    }
}

/// `$string` of any value: strings as they are, others as JSON with JSONata's number
/// formatting; functions become the empty string.
pub fn stringify(value: &V) -> String {
    match value {
        V::Str(s) => s.to_string(),
        other => {
            let mut out = String::new();
            write_json(other, &mut out);
            out
        }
    }
}

/// `$string(value, true)`: JSON indented by two spaces a level, as JavaScript's
/// `JSON.stringify(value, null, 2)` writes it.
pub fn stringify_pretty(value: &V) -> String {
    match value {
        V::Str(s) => s.to_string(),
        other => {
            let mut out = String::new();
            write(other, &mut out, Some(0));
            out
        }
    }
}

fn write_json(value: &V, out: &mut String) {
    write(value, out, None);
}

/// Writes `value` as JSON; `depth` is the nesting level when indenting, `None` for the
/// compact form.
fn write(value: &V, out: &mut String, depth: Option<usize>) {
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', level * 2));
    };
    match value {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Num(n) => out.push_str(&format_number(*n)),
        V::Str(s) => out.push_str(&Value::String(s.to_string()).to_string()),
        V::Func(_) => out.push_str("\"\""),
        V::Array(items, _) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = depth {
                    newline(out, level + 1);
                }
                write(item, out, depth.map(|d| d + 1));
            }
            if let (Some(level), false) = (depth, items.is_empty()) {
                newline(out, level);
            }
            out.push(']');
        }
        V::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = depth {
                    newline(out, level + 1);
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if depth.is_some() {
                    out.push(' ');
                }
                write(v, out, depth.map(|d| d + 1));
            }
            if let (Some(level), false) = (depth, map.is_empty()) {
                newline(out, level);
            }
            out.push('}');
        }
    }
}
