//! Resolves the path arguments of intrinsic functions: `$` / `$.a.b[0]` against the state
//! input, `$$.Execution.Id` against the context object and `$name.x` against a variable.
//!
//! The JSONPath subset is the one Step Functions definitions use in arguments: `.name`,
//! `['name']` (also written `.['name']`), `[index]` (negative counts from the end),
//! `[*]` / `.*`, `[start:end]` and `[i,j]`. A path with a wildcard, slice or union yields
//! an array of its matches; a plain path yields its single value or fails when it matches
//! nothing, as AWS does.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a path did not yield a value.
#[derive(Debug, Clone, PartialEq)]
pub enum PathError {
    /// The path is well formed but matches nothing.
    NotFound,
    /// The path names a variable that is not assigned.
    UnknownVariable(String),
    /// The path cannot be parsed.
    Invalid(String),
}

/// Where a path starts.
pub struct Roots<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub variables: &'a Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Name(String),
    Index(i64),
    Wildcard,
    Slice(Option<i64>, Option<i64>),
    Union(Vec<i64>),
}

/// A path argument parsed when its expression is: which root it starts from and its
/// steps. A malformed step list is kept as its error, raised when the path is evaluated
/// (the service accepts the definition and fails the state).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgPath {
    text: String,
    root: Root,
    steps: Result<Vec<Step>, String>,
    /// Whether every step names one key or index, so the path yields one value.
    definite: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Root {
    Input,
    Context,
    Variable(String),
    /// Not a path at all (does not start with `$`).
    Invalid,
}

impl ArgPath {
    pub fn parse(path: &str) -> ArgPath {
        let (root, rest) = if let Some(rest) = path.strip_prefix("$$") {
            (Root::Context, rest)
        } else if let Some(rest) = path.strip_prefix('$') {
            let name_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if name_len == 0 {
                (Root::Input, rest)
            } else {
                (
                    Root::Variable(rest[..name_len].to_string()),
                    &rest[name_len..],
                )
            }
        } else {
            (Root::Invalid, "")
        };
        let steps = parse_steps(rest);
        let definite = steps.as_ref().is_ok_and(|steps| {
            steps
                .iter()
                .all(|s| matches!(s, Step::Name(_) | Step::Index(_)))
        });
        ArgPath {
            text: path.to_string(),
            root,
            steps,
            definite,
        }
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Resolves the path against the roots: the value itself for a path that names one
    /// value, an array of the matches for a wildcard, slice or union.
    pub fn resolve<'v>(&self, roots: &Roots<'v>) -> Result<Cow<'v, Value>, PathError> {
        let root = match &self.root {
            Root::Input => roots.input,
            Root::Context => roots.context,
            Root::Variable(name) => roots
                .variables
                .get(name)
                .ok_or_else(|| PathError::UnknownVariable(name.clone()))?,
            Root::Invalid => {
                return Err(PathError::Invalid(format!(
                    "'{}' does not start with '$'",
                    self.text
                )));
            }
        };
        let steps = self
            .steps
            .as_ref()
            .map_err(|e| PathError::Invalid(e.clone()))?;
        if self.definite {
            // One value or none: walk down without collecting.
            let mut current = root;
            for step in steps {
                current = match (step, current) {
                    (Step::Name(name), Value::Object(map)) => crate::object::field(map, name),
                    (Step::Index(i), Value::Array(items)) => index(items, *i),
                    _ => None,
                }
                .ok_or(PathError::NotFound)?;
            }
            return Ok(Cow::Borrowed(current));
        }
        let mut current: Vec<&Value> = vec![root];
        for step in steps {
            let mut next = Vec::new();
            for value in current {
                apply(step, value, &mut next);
            }
            current = next;
        }
        Ok(Cow::Owned(Value::Array(
            current.into_iter().cloned().collect(),
        )))
    }
}

fn apply<'v>(step: &Step, value: &'v Value, out: &mut Vec<&'v Value>) {
    match (step, value) {
        (Step::Name(name), Value::Object(map)) => out.extend(map.get(name)),
        (Step::Index(i), Value::Array(items)) => out.extend(index(items, *i)),
        (Step::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Step::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Step::Union(indices), Value::Array(items)) => {
            out.extend(indices.iter().filter_map(|i| index(items, *i)));
        }
        (Step::Slice(start, end), Value::Array(items)) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
            let from = clamp(start.unwrap_or(0));
            let to = clamp(end.unwrap_or(len));
            if from < to {
                let (from, to) = (from as usize, to as usize);
                out.extend(items[from..to].iter());
            }
        }
        _ => {}
    }
}

fn index(items: &[Value], i: i64) -> Option<&Value> {
    let len = i64::try_from(items.len()).ok()?;
    let i = if i < 0 { len + i } else { i };
    usize::try_from(i).ok().and_then(|i| items.get(i))
}

fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut steps = Vec::new();
    let mut pos = 0;
    while pos < chars.len() {
        match chars[pos] {
            '.' => {
                pos += 1;
                // `$.abc.['def ghi']`: the guide's own example of bracket notation after a dot.
                if chars.get(pos) == Some(&'[') {
                    continue;
                }
                if chars.get(pos) == Some(&'.') {
                    return Err("unsupported: recursive descent ('..') in an intrinsic path".into());
                }
                if chars.get(pos) == Some(&'*') {
                    steps.push(Step::Wildcard);
                    pos += 1;
                    continue;
                }
                let start = pos;
                while pos < chars.len() && !matches!(chars[pos], '.' | '[') {
                    pos += 1;
                }
                if start == pos {
                    return Err("empty name after '.'".into());
                }
                steps.push(Step::Name(chars[start..pos].iter().collect()));
            }
            '[' => {
                let (step, next) = bracket(&chars, pos + 1)?;
                steps.push(step);
                pos = next;
            }
            c => return Err(format!("unexpected '{c}' in path")),
        }
    }
    Ok(steps)
}

/// Parses the inside of `[...]` starting after the `[`; returns the step and the position
/// after the closing `]`.
fn bracket(chars: &[char], start: usize) -> Result<(Step, usize), String> {
    if let Some(&quote @ ('\'' | '"')) = chars.get(start) {
        let mut pos = start + 1;
        let mut name = String::new();
        while let Some(&c) = chars.get(pos) {
            if c == quote {
                if chars.get(pos + 1) != Some(&']') {
                    return Err("expected ']' after quoted name".into());
                }
                return Ok((Step::Name(name), pos + 2));
            }
            name.push(c);
            pos += 1;
        }
        return Err("unterminated quoted name".into());
    }
    let close = chars[start..]
        .iter()
        .position(|&c| c == ']')
        .map(|p| start + p)
        .ok_or("missing ']'")?;
    let inner: String = chars[start..close].iter().collect::<String>();
    let inner = inner.trim();
    let step = if inner == "*" {
        Step::Wildcard
    } else if let Some((a, b)) = inner.split_once(':') {
        Step::Slice(optional_int(a)?, optional_int(b)?)
    } else if inner.contains(',') {
        let indices = inner
            .split(',')
            .map(|p| int(p.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Step::Union(indices)
    } else {
        Step::Index(int(inner)?)
    };
    Ok((step, close + 1))
}

fn int(text: &str) -> Result<i64, String> {
    text.parse::<i64>()
        .map_err(|_| format!("unsupported path subscript '[{text}]'"))
}

fn optional_int(text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        int(text).map(Some)
    }
}
