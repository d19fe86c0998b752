//! Choice rules: every comparison operator (and its `…Path` form), the `Is*` tests,
//! `And` / `Or` / `Not`, and JSONata `Condition`.

use crate::jsonata_template::JsonataTemplate;
use crate::paths::{JsonPath, Scope};
use crate::problems::Problems;
use serde_json::Value;
use std::cmp::Ordering;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One choice rule of a JSONPath Choice state (or a JSONata `Condition`), compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `And`: true when every rule is; stops at the first false one.
    And(Vec<Rule>),
    /// `Or`: true when any rule is; stops at the first true one.
    Or(Vec<Rule>),
    /// `Not`: the inverse of its one rule.
    Not(Box<Rule>),
    /// A comparison or type test on the value at `Variable`.
    Test {
        /// `Variable`: the path to the value tested, evaluated against the state's
        /// effective input.
        variable: JsonPath,
        /// The operator and its operand.
        test: Test,
    },
    /// JSONata `Condition`, evaluated by the executor.
    Condition(JsonataTemplate),
}

/// The type a comparison operator names (`String…`, `Numeric…`, `Boolean…`, `Timestamp…`);
/// a value of another type never matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `String…`: strings, ordered by Unicode code point.
    String,
    /// `Numeric…`: numbers, compared exactly when both are integers.
    Numeric,
    /// `Boolean…`: booleans; only `BooleanEquals` exists.
    Boolean,
    /// `Timestamp…`: RFC 3339 strings, compared as instants (so offsets are taken into
    /// account).
    Timestamp,
}

/// The comparison a comparison operator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `…Equals`: the value equals the operand.
    Equals,
    /// `…LessThan`: the value orders before the operand.
    LessThan,
    /// `…GreaterThan`: the value orders after the operand.
    GreaterThan,
    /// `…LessThanEquals`: the value orders before or equals the operand.
    LessThanEquals,
    /// `…GreaterThanEquals`: the value orders after or equals the operand.
    GreaterThanEquals,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The plain form (`NumericEquals: 3`): a literal of the operator's type, checked at
    /// parse time.
    Literal(Value),
    /// The `…Path` form (`NumericEqualsPath: "$.limit"`): a path into the effective input,
    /// evaluated with the rule; a path that matches nothing is an error.
    Path(JsonPath),
}

/// What a rule checks about the value at its `Variable`.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// A comparison operator (`StringEquals`, `NumericLessThanPath`,
    /// `TimestampGreaterThanEquals`, ...).
    Compare {
        /// The comparison's type.
        kind: ValueKind,
        /// The comparison itself.
        cmp: Cmp,
        /// The right-hand side.
        operand: Operand,
    },
    /// `StringMatches`: the value is a string matching the pattern (see
    /// [`wildcard_match`]).
    StringMatches(String),
    /// `IsNull`: whether the value is `null` equals the flag.
    IsNull(bool),
    /// `IsPresent`: whether `Variable` matches anything equals the flag; the one test that
    /// does not fail on a missing value.
    IsPresent(bool),
    /// `IsNumeric`: whether the value is a number equals the flag.
    IsNumeric(bool),
    /// `IsString`: whether the value is a string equals the flag.
    IsString(bool),
    /// `IsBoolean`: whether the value is a boolean equals the flag.
    IsBoolean(bool),
    /// `IsTimestamp`: whether the value is an RFC 3339 timestamp string equals the flag.
    IsTimestamp(bool),
}

const KINDS: [(&str, ValueKind); 4] = [
    ("String", ValueKind::String),
    ("Numeric", ValueKind::Numeric),
    ("Boolean", ValueKind::Boolean),
    ("Timestamp", ValueKind::Timestamp),
];
const CMPS: [(&str, Cmp); 5] = [
    ("Equals", Cmp::Equals),
    ("LessThanEquals", Cmp::LessThanEquals),
    ("GreaterThanEquals", Cmp::GreaterThanEquals),
    ("LessThan", Cmp::LessThan),
    ("GreaterThan", Cmp::GreaterThan),
];

/// Parses an operator name such as `NumericLessThanPath` into its parts.
fn operator(name: &str) -> Option<(ValueKind, Cmp, bool)> {
    let (base, is_path) = match name.strip_suffix("Path") {
        Some(b) => (b, true),
        None => (name, false),
    };
    for (prefix, kind) in KINDS {
        if let Some(rest) = base.strip_prefix(prefix) {
            for (suffix, cmp) in CMPS {
                if rest == suffix {
                    if kind == ValueKind::Boolean && cmp != Cmp::Equals {
                        return None;
                    }
                    return Some((kind, cmp, is_path));
                }
            }
        }
    }
    None
}

const TESTS: [&str; 6] = [
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

/// Parses one JSONPath-mode rule. `top` is true for an entry of `Choices` (which carries
/// `Next`), false for a rule nested in And / Or / Not.
pub fn parse_rule(
    value: &Value,
    location: &str,
    top: bool,
    problems: &mut Problems,
) -> Option<Rule> {
    let Some(obj) = value.as_object() else {
        problems.schema(location, "A choice rule must be an object");
        return None;
    };
    let mut ops: Vec<&str> = Vec::new();
    for key in obj.keys() {
        let k = key.as_str();
        let known = matches!(
            k,
            "Variable" | "And" | "Or" | "Not" | "StringMatches" | "Comment"
        ) || (top && matches!(k, "Next" | "Assign"))
            || TESTS.contains(&k)
            || operator(k).is_some();
        if !known {
            problems.schema(
                format!("{location}/{k}"),
                format!("Field \"{k}\" is not supported"),
            );
        } else if !matches!(k, "Variable" | "Comment" | "Next" | "Assign") {
            ops.push(k);
        }
    }
    if ops.len() != 1 {
        problems.schema(
            location,
            if ops.is_empty() {
                "A choice rule must have exactly one comparison operator or And, Or, Not".to_owned()
            } else {
                format!(
                    "A choice rule has more than one operator: {}",
                    ops.join(", ")
                )
            },
        );
        return None;
    }
    let op = ops[0];
    let here = format!("{location}/{op}");
    let operand = &obj[op];
    match op {
        "And" | "Or" => {
            let Some(list) = operand.as_array().filter(|l| !l.is_empty()) else {
                problems.schema(
                    here,
                    format!("The value of {op} must be a non-empty array of rules"),
                );
                return None;
            };
            let rules: Vec<Rule> = list
                .iter()
                .enumerate()
                .filter_map(|(i, r)| parse_rule(r, &format!("{here}[{i}]"), false, problems))
                .collect();
            if rules.len() != list.len() {
                return None;
            }
            if obj.contains_key("Variable") {
                problems.schema(
                    format!("{location}/Variable"),
                    format!("Variable is not allowed with {op}"),
                );
            }
            Some(if op == "And" {
                Rule::And(rules)
            } else {
                Rule::Or(rules)
            })
        }
        "Not" => {
            let inner = parse_rule(operand, &here, false, problems)?;
            Some(Rule::Not(Box::new(inner)))
        }
        _ => {
            let Some(variable_text) = obj.get("Variable").and_then(Value::as_str) else {
                problems.schema(
                    location,
                    "The field \"Variable\" is required and must be a string",
                );
                return None;
            };
            let variable = match JsonPath::parse(variable_text) {
                Ok(p) => p,
                Err(e) => {
                    problems.schema(
                        format!("{location}/Variable"),
                        format!(
                            "The value for the field 'Variable' must be a valid JSONPath: {}",
                            e.reason
                        ),
                    );
                    return None;
                }
            };
            let test = parse_test(op, operand, &here, problems)?;
            Some(Rule::Test { variable, test })
        }
    }
}

fn parse_test(op: &str, operand: &Value, here: &str, problems: &mut Problems) -> Option<Test> {
    if TESTS.contains(&op) {
        let Some(flag) = operand.as_bool() else {
            problems.schema(here, format!("The value of {op} must be a boolean"));
            return None;
        };
        return Some(match op {
            "IsNull" => Test::IsNull(flag),
            "IsPresent" => Test::IsPresent(flag),
            "IsNumeric" => Test::IsNumeric(flag),
            "IsString" => Test::IsString(flag),
            "IsBoolean" => Test::IsBoolean(flag),
            _ => Test::IsTimestamp(flag),
        });
    }
    if op == "StringMatches" {
        let Some(pattern) = operand.as_str() else {
            problems.schema(here, "The value of StringMatches must be a string");
            return None;
        };
        return Some(Test::StringMatches(pattern.to_owned()));
    }
    let (kind, cmp, is_path) = operator(op)?;
    let operand = if is_path {
        let parsed = operand.as_str().map(JsonPath::parse);
        match parsed {
            Some(Ok(p)) => Operand::Path(p),
            _ => {
                problems.schema(here, format!("The value of {op} must be a valid JSONPath"));
                return None;
            }
        }
    } else {
        let ok = match kind {
            ValueKind::String => operand.is_string(),
            ValueKind::Numeric => operand.is_number(),
            ValueKind::Boolean => operand.is_boolean(),
            ValueKind::Timestamp => operand.as_str().and_then(parse_timestamp).is_some(),
        };
        if !ok {
            let expected = match kind {
                ValueKind::String => "a string",
                ValueKind::Numeric => "a number",
                ValueKind::Boolean => "a boolean",
                ValueKind::Timestamp => "an RFC 3339 timestamp string",
            };
            problems.schema(here, format!("The value of {op} must be {expected}"));
            return None;
        }
        Operand::Literal(operand.clone())
    };
    Some(Test::Compare { kind, cmp, operand })
}

/// Parses a timestamp as Step Functions accepts it: ISO 8601 extended with an offset,
/// which is RFC 3339 with an upper-case `T` between date and time (RFC 3339 also allows
/// a space there; AWS refuses it) and an upper-case `Z`.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if text.contains('t') || text.contains('z') || text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Why a rule could not be evaluated (raised as States.Runtime).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Invalid path '{path}': The choice state's condition path references an invalid value.")]
pub struct RuleError {
    /// The path (`Variable` or a `…Path` operand) that matched nothing.
    pub path: String,
}

impl Rule {
    /// Evaluates a JSONPath-mode rule against the state's effective input.
    pub fn evaluate(&self, scope: Scope<'_>) -> Result<bool, RuleError> {
        match self {
            Rule::And(rules) => {
                for r in rules {
                    if !r.evaluate(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for r in rules {
                    if r.evaluate(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(r) => Ok(!r.evaluate(scope)?),
            // A Condition is only valid at the top of a JSONata rule, where the executor
            // evaluates it; it never reaches here from a parsed definition.
            Rule::Condition(_) => Ok(false),
            Rule::Test { variable, test } => {
                let value = variable.evaluate(scope);
                if let Test::IsPresent(expected) = test {
                    return Ok(value.is_some() == *expected);
                }
                let Some(value) = value else {
                    return Err(RuleError {
                        path: variable.text().to_owned(),
                    });
                };
                let value = value.as_ref();
                Ok(match test {
                    Test::IsPresent(_) => true,
                    Test::IsNull(e) => value.is_null() == *e,
                    Test::IsNumeric(e) => value.is_number() == *e,
                    Test::IsString(e) => value.is_string() == *e,
                    Test::IsBoolean(e) => value.is_boolean() == *e,
                    Test::IsTimestamp(e) => {
                        value.as_str().and_then(parse_timestamp).is_some() == *e
                    }
                    Test::StringMatches(pattern) => {
                        value.as_str().is_some_and(|s| wildcard_match(pattern, s))
                    }
                    Test::Compare { kind, cmp, operand } => {
                        let right = match operand {
                            Operand::Literal(v) => std::borrow::Cow::Borrowed(v),
                            Operand::Path(p) => p.evaluate(scope).ok_or_else(|| RuleError {
                                path: p.text().to_owned(),
                            })?,
                        };
                        compare(*kind, *cmp, value, &right)
                    }
                })
            }
        }
    }
}

fn compare(kind: ValueKind, cmp: Cmp, left: &Value, right: &Value) -> bool {
    let ordering = match kind {
        ValueKind::String => match (left, right) {
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            _ => None,
        },
        ValueKind::Numeric => match (left, right) {
            (Value::Number(a), Value::Number(b)) => numeric_cmp(a, b),
            _ => None,
        },
        ValueKind::Boolean => match (left, right) {
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        },
        ValueKind::Timestamp => match (
            left.as_str().and_then(parse_timestamp),
            right.as_str().and_then(parse_timestamp),
        ) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
    };
    let Some(o) = ordering else {
        return false;
    };
    match cmp {
        Cmp::Equals => o == Ordering::Equal,
        Cmp::LessThan => o == Ordering::Less,
        Cmp::GreaterThan => o == Ordering::Greater,
        Cmp::LessThanEquals => o != Ordering::Greater,
        Cmp::GreaterThanEquals => o != Ordering::Less,
    }
}

fn numeric_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => toks.push(Tok::Char(n)),
                None => toks.push(Tok::Char('\\')),
            },
            '*' => toks.push(Tok::Star),
            other => toks.push(Tok::Char(other)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy matching with backtracking to the last star: linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Char(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

/// Helper for tests and callers holding rules as JSON.
pub fn parse_rule_value(value: &Value) -> Result<Rule, String> {
    let mut problems = Problems::default();
    match parse_rule(value, "", false, &mut problems) {
        Some(rule) if problems.list.is_empty() => Ok(rule),
        _ => Err(problems
            .list
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_else(|| "invalid rule".to_owned())),
    }
}

#[cfg(test)]
mod tests;
